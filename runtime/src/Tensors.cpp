//===- Tensors.cpp - Dtypes, tensors and conversions ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mithril_dtype_*, mithril_tensor_free, and the conversions between f32 and
// the 16-bit floating-point types (IEEE binary16 and bfloat16), done on the
// bits so that they round the same on every host, whatever its floating-
// point environment (flush-to-zero, rounding mode) or instruction set.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

using namespace mithril::runtime;

// The layout of mithril_tensor is ABI: device_index took padding that was
// there before, and nothing else moved.
static_assert(sizeof(mithril_tensor) == 96, "mithril_tensor changed size");
static_assert(offsetof(mithril_tensor, data) == 0);
static_assert(offsetof(mithril_tensor, dtype) == 8);
static_assert(offsetof(mithril_tensor, rank) == 12);
static_assert(offsetof(mithril_tensor, shape) == 16);
static_assert(offsetof(mithril_tensor, device) == 80);
static_assert(offsetof(mithril_tensor, device_index) == 84);
static_assert(offsetof(mithril_tensor, allocation) == 88);

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

bool isFloatingDType(int32_t dtype) {
  return dtype == MITHRIL_F32 || dtype == MITHRIL_F16 || dtype == MITHRIL_BF16;
}

/// Element `i` of a buffer of `dtype` (f32, f16 or bf16) as an f32.
float loadFloat(int32_t dtype, const void *data, size_t i) {
  if (dtype == MITHRIL_F32)
    return static_cast<const float *>(data)[i];
  uint16_t bits = static_cast<const uint16_t *>(data)[i];
  return dtype == MITHRIL_F16 ? halfToFloat(bits) : bfloat16ToFloat(bits);
}

/// Stores `value` as element `i` of a buffer of `dtype` (f32, f16 or bf16).
void storeFloat(int32_t dtype, void *data, size_t i, float value) {
  if (dtype == MITHRIL_F32)
    static_cast<float *>(data)[i] = value;
  else
    static_cast<uint16_t *>(data)[i] =
        dtype == MITHRIL_F16 ? floatToHalf(value) : floatToBFloat16(value);
}

/// Fails unless `tensor` (`role`: "source" or "destination") is on the CPU.
mithril_status checkConversionDevice(const char *role,
                                     const mithril_tensor &tensor) {
  if (tensor.device == MITHRIL_DEVICE_CPU)
    return nullptr;
  return invalidArgument(std::string("the ") + role + " tensor is on " +
                         describeDevice(tensor.device, tensor.device_index) +
                         "; conversions run on the CPU");
}

/// Checks the tensors of a conversion; `elements` is `src`'s count.
mithril_status checkConversion(const mithril_tensor &src,
                               const mithril_tensor &dst, size_t &elements) {
  if (!isFloatingDType(src.dtype) || !isFloatingDType(dst.dtype))
    return invalidArgument(std::string("cannot convert ") +
                           mithril_dtype_name(src.dtype) + " to " +
                           mithril_dtype_name(dst.dtype) +
                           " (conversions are between f32, f16 and bf16)");
  if (mithril_status status = checkConversionDevice("source", src))
    return status;
  if (src.rank < 0 || src.rank > MITHRIL_MAX_RANK)
    return invalidArgument("the source tensor has rank " +
                           std::to_string(src.rank));
  uint64_t count = 1;
  for (int32_t i = 0; i < src.rank; ++i)
    if (src.shape[i] < 0 ||
        __builtin_mul_overflow(count, uint64_t(src.shape[i]), &count) ||
        count > (uint64_t(1) << 48))
      return invalidArgument("the source tensor has shape " +
                             formatShape(src.shape, size_t(src.rank)));
  elements = size_t(count);
  if (elements && !src.data)
    return invalidArgument("the source tensor has no data");
  if (!dst.data)
    return nullptr;
  if (mithril_status status = checkConversionDevice("destination", dst))
    return status;
  if (dst.rank != src.rank ||
      !std::equal(src.shape, src.shape + src.rank, dst.shape))
    return invalidArgument(
        "the destination tensor has shape " +
        formatShape(dst.shape,
                    size_t(std::clamp(dst.rank, 0, MITHRIL_MAX_RANK))) +
        ", the source " + formatShape(src.shape, size_t(src.rank)));
  return nullptr;
}

} // namespace

size_t mithril_dtype_size(int32_t dtype) {
  if (dtype < MITHRIL_F32 || dtype > MITHRIL_BOOL)
    return 0;
  return dtypeSize(DType(dtype));
}

const char *mithril_dtype_name(int32_t dtype) {
  if (dtype < MITHRIL_F32 || dtype > MITHRIL_BOOL)
    return "?";
  return modelDTypeName(DType(dtype)).data();
}

void mithril_tensor_free(mithril_tensor *tensor) {
  if (!tensor || !tensor->allocation)
    return;
  std::free(tensor->allocation);
  tensor->allocation = nullptr;
  tensor->data = nullptr;
}

void mithril_convert_f32_to_f16(const float *src, uint16_t *dst, size_t count) {
  if (!src || !dst)
    return;
  for (size_t i = 0; i < count; ++i)
    dst[i] = floatToHalf(src[i]);
}

void mithril_convert_f16_to_f32(const uint16_t *src, float *dst, size_t count) {
  if (!src || !dst)
    return;
  for (size_t i = 0; i < count; ++i)
    dst[i] = halfToFloat(src[i]);
}

void mithril_convert_f32_to_bf16(const float *src, uint16_t *dst,
                                 size_t count) {
  if (!src || !dst)
    return;
  for (size_t i = 0; i < count; ++i)
    dst[i] = floatToBFloat16(src[i]);
}

void mithril_convert_bf16_to_f32(const uint16_t *src, float *dst,
                                 size_t count) {
  if (!src || !dst)
    return;
  for (size_t i = 0; i < count; ++i)
    dst[i] = bfloat16ToFloat(src[i]);
}

mithril_status mithril_tensor_convert(const mithril_tensor *src,
                                      mithril_tensor *dst) {
  if (!src || !dst)
    return invalidArgument("mithril_tensor_convert: null argument");
  size_t elements = 0;
  if (mithril_status status = checkConversion(*src, *dst, elements))
    return status;
  void *data = dst->data;
  if (!data) {
    size_t bytes = elements * mithril_dtype_size(dst->dtype);
    data = std::malloc(bytes ? bytes : 1);
    if (!data)
      return makeStatus(MITHRIL_INTERNAL,
                        "cannot allocate " + std::to_string(bytes) + " bytes");
    dst->data = dst->allocation = data;
    dst->rank = src->rank;
    std::copy(src->shape, src->shape + src->rank, dst->shape);
    dst->device = MITHRIL_DEVICE_CPU;
    dst->device_index = 0;
  }
  for (size_t i = 0; i < elements; ++i)
    storeFloat(dst->dtype, data, i, loadFloat(src->dtype, src->data, i));
  return nullptr;
}
