//===- Quantize.h - Symmetric int8 quantization per channel -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The int8 format of `--quantize` (docs/precision.md): each output channel
// of a weight (the indices of one dim, its axis) has one f32 scale,
// max|w| / 127 (1 for a channel of zeros), and its values are w / scale
// rounded half to even, in [-127, 127]. The compiler quantizes the weights
// it embeds and the runtime those it reads in f32 with the same code, so a
// library holds the same values whichever made them.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_QUANTIZE_H
#define MITHRIL_RUNTIME_QUANTIZE_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mithril::runtime {

/// The layout of a tensor seen around one of its dims: `outer` blocks of
/// `channels` channels of `inner` contiguous elements.
struct ChannelLayout {
  size_t outer = 1, channels = 1, inner = 1;
  ChannelLayout(const std::vector<int64_t> &shape, int64_t axis);
};

/// Quantizes the f32 `values` of `shape` along `axis` into `quantized` and
/// `scales` (one per channel). Returns an empty string, or what is wrong (a
/// value that is not finite) with nothing meaningful written.
std::string quantizeInt8(const float *values, const std::vector<int64_t> &shape,
                         int64_t axis, int8_t *quantized, float *scales);

/// Checks int8 values of `shape` and their scales along `axis`: every scale
/// finite and positive, every value in [-127, 127]. Returns an empty string
/// or what is wrong.
std::string checkInt8(const int8_t *quantized, const float *scales,
                      const std::vector<int64_t> &shape, int64_t axis);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_QUANTIZE_H
