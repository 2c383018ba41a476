//===- DType.h - The element types of tensors -------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The element types the runtime knows, shared by the safetensors and .npy
// readers, library signatures and the compiler that writes them. The values
// are those of mithril_dtype in runtime.h. Needs neither LLVM nor MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_DTYPE_H
#define MITHRIL_RUNTIME_DTYPE_H

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace mithril::runtime {

/// An element type; the order is that of mithril_dtype.
enum class DType : uint8_t { F32, F16, BF16, F64, I64, I32, I8, U8, Bool };

/// "F32", "F16", "BF16", "F64", "I64", "I32", "I8", "U8", "BOOL".
std::string_view safetensorsDTypeName(DType dtype);
/// "f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "bool".
std::string_view modelDTypeName(DType dtype);
/// The inverse of safetensorsDTypeName; nullopt for any other string.
std::optional<DType> parseSafetensorsDType(std::string_view name);
/// The inverse of modelDTypeName; nullopt for any other string.
std::optional<DType> parseModelDType(std::string_view name);
/// Bytes per element (bool takes one); 0 for a value outside the enum.
size_t dtypeSize(DType dtype);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_DTYPE_H
