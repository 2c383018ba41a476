//===- Float16.cpp - f32 to and from f16 and bf16 -------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Float16.h"

#include <cstring>

namespace mithril::runtime {
namespace {

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

constexpr uint32_t kF32Infinity = 0x7f800000;
constexpr uint32_t kF32QuietBit = 0x00400000;
/// 65520, halfway between f16's largest finite value (65504) and 65536:
/// from there on, a value rounds to infinity.
constexpr uint32_t kF16Overflow = 0x477ff000;
/// 2^-14, f16's smallest normal value.
constexpr uint32_t kF16SmallestNormal = 0x38800000;
/// 2^-25, half of f16's smallest subnormal: up to it, a value rounds to 0.
constexpr uint32_t kF16HalfSmallestSubnormal = 0x33000000;

/// f16 subnormal (or the smallest normal, when rounding carries into it)
/// from the magnitude of an f32 in (2^-25, 2^-14), rounded to nearest even.
uint16_t subnormalHalf(uint32_t magnitude) {
  uint32_t exponent = magnitude >> 23;
  uint32_t mantissa = (magnitude & 0x7fffff) | 0x800000;
  // The value is mantissa * 2^(exponent - 150); in units of 2^-24 (f16's
  // smallest subnormal) that is mantissa >> (126 - exponent).
  uint32_t shift = 126 - exponent;
  uint32_t half = mantissa >> shift;
  uint32_t rest = mantissa & ((1u << shift) - 1);
  uint32_t midpoint = 1u << (shift - 1);
  if (rest > midpoint || (rest == midpoint && (half & 1)))
    ++half;
  return uint16_t(half);
}

} // namespace

uint16_t floatToHalf(float value) {
  uint32_t bits = bitsOf(value);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffff;
  if (magnitude > kF32Infinity) // NaN: quiet, the payload's top bits kept
    return uint16_t(sign | 0x7e00 | ((magnitude >> 13) & 0x3ff));
  if (magnitude >= kF16Overflow) // including infinity
    return uint16_t(sign | 0x7c00);
  if (magnitude >= kF16SmallestNormal) {
    // Round the 13 dropped bits to nearest even (a carry moves into the
    // exponent, as it should), then rebias the exponent from 127 to 15.
    uint32_t rounded = magnitude + 0xfff + ((magnitude >> 13) & 1);
    return uint16_t(sign | ((rounded - (112u << 23)) >> 13));
  }
  if (magnitude <= kF16HalfSmallestSubnormal)
    return sign;
  return uint16_t(sign | subnormalHalf(magnitude));
}

float halfToFloat(uint16_t half) {
  uint32_t sign = uint32_t(half & 0x8000) << 16;
  uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  if (exponent == 0x1f) // infinity, or a NaN made quiet
    return floatOf(sign | kF32Infinity | (mantissa << 13) |
                   (mantissa ? kF32QuietBit : 0));
  if (exponent != 0)
    return floatOf(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0)
    return floatOf(sign);
  // A subnormal, mantissa * 2^-24: normal as an f32. Shift the leading one
  // into the implicit bit.
  int shift = __builtin_clz(mantissa) - 21; // leading zeros in 10 bits, + 1
  uint32_t normalized = (mantissa << shift) & 0x3ff;
  return floatOf(sign | (uint32_t(113 - shift) << 23) | (normalized << 13));
}

uint16_t floatToBFloat16(float value) {
  uint32_t bits = bitsOf(value);
  if ((bits & 0x7fffffff) > kF32Infinity) // NaN: quiet, sign and top bits kept
    return uint16_t((bits >> 16) | 0x40);
  // Round the 16 dropped bits to nearest even; a carry moves into the
  // exponent, and past the largest finite value into infinity.
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

float bfloat16ToFloat(uint16_t value) {
  uint32_t bits = uint32_t(value) << 16;
  if ((bits & 0x7fffffff) > kF32Infinity)
    bits |= kF32QuietBit;
  return floatOf(bits);
}

bool isConvertibleFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

namespace {

float loadFloat(DType dtype, const void *data, size_t i) {
  if (dtype == DType::F32)
    return static_cast<const float *>(data)[i];
  uint16_t bits = static_cast<const uint16_t *>(data)[i];
  return dtype == DType::F16 ? halfToFloat(bits) : bfloat16ToFloat(bits);
}

void storeFloat(DType dtype, void *data, size_t i, float value) {
  if (dtype == DType::F32)
    static_cast<float *>(data)[i] = value;
  else
    static_cast<uint16_t *>(data)[i] =
        dtype == DType::F16 ? floatToHalf(value) : floatToBFloat16(value);
}

} // namespace

bool convertFloats(DType from, const void *src, DType to, void *dst,
                   size_t count) {
  if (!isConvertibleFloat(from) || !isConvertibleFloat(to))
    return false;
  if (from == to) {
    std::memcpy(dst, src, count * dtypeSize(from));
    return true;
  }
  for (size_t i = 0; i < count; ++i)
    storeFloat(to, dst, i, loadFloat(from, src, i));
  return true;
}

} // namespace mithril::runtime
