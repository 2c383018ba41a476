//===- Quantize.cpp - Symmetric int8 quantization per channel -------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Quantize.h"

#include <algorithm>
#include <cmath>

namespace mithril::runtime {

ChannelLayout::ChannelLayout(const std::vector<int64_t> &shape, int64_t axis) {
  for (size_t i = 0; i < shape.size(); ++i) {
    size_t size = size_t(std::max<int64_t>(shape[i], 0));
    if (int64_t(i) < axis)
      outer *= size;
    else if (int64_t(i) == axis)
      channels = size;
    else
      inner *= size;
  }
}

/// `value` rounded to the nearest integer, ties to even, whatever the
/// floating-point environment's rounding mode (floor and the difference
/// are exact for the magnitudes quantization sees).
static float roundHalfToEven(float value) {
  float floor = std::floor(value);
  float fraction = value - floor;
  if (fraction > 0.5f || (fraction == 0.5f && std::fmod(floor, 2.0f) != 0))
    floor += 1.0f;
  return floor;
}

std::string quantizeInt8(const float *values, const std::vector<int64_t> &shape,
                         int64_t axis, int8_t *quantized, float *scales) {
  ChannelLayout layout(shape, axis);
  std::fill_n(scales, layout.channels, 0.0f);
  for (size_t o = 0; o < layout.outer; ++o)
    for (size_t c = 0; c < layout.channels; ++c)
      for (size_t i = 0; i < layout.inner; ++i) {
        float value = values[(o * layout.channels + c) * layout.inner + i];
        if (!std::isfinite(value))
          return "has a value that is not finite (" + std::to_string(value) +
                 "), which int8 cannot hold";
        scales[c] = std::max(scales[c], std::fabs(value));
      }
  for (size_t c = 0; c < layout.channels; ++c)
    scales[c] = scales[c] > 0 ? scales[c] / 127.0f : 1.0f;
  for (size_t o = 0; o < layout.outer; ++o)
    for (size_t c = 0; c < layout.channels; ++c)
      for (size_t i = 0; i < layout.inner; ++i) {
        size_t at = (o * layout.channels + c) * layout.inner + i;
        float scaled = roundHalfToEven(values[at] / scales[c]);
        quantized[at] = int8_t(std::clamp(scaled, -127.0f, 127.0f));
      }
  return {};
}

std::string checkInt8(const int8_t *quantized, const float *scales,
                      const std::vector<int64_t> &shape, int64_t axis) {
  ChannelLayout layout(shape, axis);
  for (size_t c = 0; c < layout.channels; ++c)
    if (!std::isfinite(scales[c]) || !(scales[c] > 0))
      return "has scale " + std::to_string(scales[c]) + " for channel " +
             std::to_string(c) + " (scales are finite and positive)";
  size_t count = layout.outer * layout.channels * layout.inner;
  for (size_t at = 0; at < count; ++at)
    if (quantized[at] == -128)
      return "holds -128 at element " + std::to_string(at) +
             " (symmetric int8 is in [-127, 127])";
  return {};
}

} // namespace mithril::runtime
