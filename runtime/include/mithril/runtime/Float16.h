//===- Float16.h - f32 to and from f16 and bf16 -----------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The conversions between f32 and the 16-bit floating-point types (IEEE
// binary16 and bfloat16), rounding to nearest even. They work on the bits,
// so that they round the same on every host, whatever its floating-point
// environment (flush-to-zero, rounding mode) or instruction set: the
// runtime converts tensors and weights with them, and the compiler weights
// it embeds, so a library holds the same values whichever made them.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_FLOAT16_H
#define MITHRIL_RUNTIME_FLOAT16_H

#include "mithril/runtime/DType.h"

#include <cstddef>
#include <cstdint>

namespace mithril::runtime {

uint16_t floatToHalf(float value);
float halfToFloat(uint16_t half);
uint16_t floatToBFloat16(float value);
float bfloat16ToFloat(uint16_t value);

/// Whether `dtype` is f32, f16 or bf16, the dtypes convertFloats takes.
bool isConvertibleFloat(DType dtype);

/// Converts `count` elements of `from` at `src` to `to` at `dst` (f32, f16
/// or bf16 each; the same dtype copies). False, writing nothing, for any
/// other dtype.
bool convertFloats(DType from, const void *src, DType to, void *dst,
                   size_t count);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_FLOAT16_H
