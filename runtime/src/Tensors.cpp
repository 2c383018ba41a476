//===- Tensors.cpp - Dtypes, tensors and conversions ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mithril_dtype_*, mithril_tensor_free, and the conversions between f32 and
// the 16-bit floating-point types (IEEE binary16 and bfloat16; see
// Float16.h).
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include "mithril/runtime/Float16.h"

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

bool isFloatingDType(int32_t dtype) {
  return dtype == MITHRIL_F32 || dtype == MITHRIL_F16 || dtype == MITHRIL_BF16;
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
  convertFloats(DType(src->dtype), src->data, DType(dst->dtype), data,
                elements);
  return nullptr;
}
