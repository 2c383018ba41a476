//===- ConversionTest.cpp - The runtime's f32 <-> f16/bf16 conversions ----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Exhaustive where it is cheap: every f16 and bf16 value round-trips through
// f32, and every rounding boundary (the midpoint between two neighbours, and
// the f32 values just beside it) rounds to the right side, ties to even.
// GCC's _Float16, where the compiler has it, is a second opinion on a sweep
// of f32 values.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace {

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

float floatOf(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

uint16_t toF16(float value) {
  uint16_t half;
  mithril_convert_f32_to_f16(&value, &half, 1);
  return half;
}

float fromF16(uint16_t half) {
  float value;
  mithril_convert_f16_to_f32(&half, &value, 1);
  return value;
}

uint16_t toBF16(float value) {
  uint16_t half;
  mithril_convert_f32_to_bf16(&value, &half, 1);
  return half;
}

float fromBF16(uint16_t half) {
  float value;
  mithril_convert_bf16_to_f32(&half, &value, 1);
  return value;
}

bool isF16NaN(uint16_t half) { return (half & 0x7fff) > 0x7c00; }
bool isBF16NaN(uint16_t half) { return (half & 0x7fff) > 0x7f80; }

/// The value of f16 `half` from its definition, in double.
double f16Value(uint16_t half) {
  int exponent = (half >> 10) & 0x1f, mantissa = half & 0x3ff;
  double magnitude = exponent == 0 ? std::ldexp(mantissa, -24)
                     : exponent == 31
                         ? (mantissa ? NAN : INFINITY)
                         : std::ldexp(mantissa + 1024, exponent - 25);
  return (half & 0x8000) ? -magnitude : magnitude;
}

TEST(RuntimeTest, F16RoundTripsEveryValue) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    uint16_t half = uint16_t(bits);
    float value = fromF16(half);
    if (isF16NaN(half)) {
      ASSERT_TRUE(std::isnan(value)) << bits;
      ASSERT_EQ(std::signbit(value), bool(half & 0x8000)) << bits;
      ASSERT_TRUE(isF16NaN(toF16(value))) << bits;
      ASSERT_EQ(toF16(value) & 0x8000, half & 0x8000) << bits;
      continue;
    }
    ASSERT_EQ(double(value), f16Value(half)) << bits;
    ASSERT_EQ(std::signbit(value), bool(half & 0x8000)) << bits;
    ASSERT_EQ(toF16(value), half) << bits;
  }
}

TEST(RuntimeTest, F16RoundsToNearestEven) {
  // Every pair of neighbours of one sign, up to the largest finite value
  // and infinity (whose "value" for rounding is 2^16).
  for (uint32_t bits = 0; bits < 0x7c00; ++bits) {
    for (uint16_t sign : {0, 0x8000}) {
      uint16_t low = uint16_t(bits | sign), high = uint16_t((bits + 1) | sign);
      double next = bits + 1 == 0x7c00 ? 65536.0 : std::fabs(f16Value(high));
      double midpoint = (std::fabs(f16Value(low)) + next) / 2;
      // Exact in f32: f16 neighbours differ in their 11th significant bit.
      float tie = float(midpoint);
      ASSERT_EQ(double(tie), midpoint) << bits;
      if (sign)
        tie = -tie;
      uint16_t even = (low & 1) ? high : low;
      ASSERT_EQ(toF16(tie), even) << bits;
      float below = std::nextafter(tie, 0.0f);
      float above = std::nextafter(tie, sign ? -INFINITY : INFINITY);
      ASSERT_EQ(toF16(below), low) << bits;
      ASSERT_EQ(toF16(above), high) << bits;
    }
  }
}

TEST(RuntimeTest, F16KnownCases) {
  EXPECT_EQ(toF16(0.0f), 0x0000);
  EXPECT_EQ(toF16(-0.0f), 0x8000);
  EXPECT_EQ(toF16(1.0f), 0x3c00);
  EXPECT_EQ(toF16(-2.0f), 0xc000);
  EXPECT_EQ(toF16(0.1f), 0x2e66);
  EXPECT_EQ(toF16(65504.0f), 0x7bff);
  EXPECT_EQ(toF16(65519.99f), 0x7bff);
  EXPECT_EQ(toF16(65520.0f), 0x7c00); // the tie goes to even: infinity
  EXPECT_EQ(toF16(1e10f), 0x7c00);
  EXPECT_EQ(toF16(-1e10f), 0xfc00);
  EXPECT_EQ(toF16(INFINITY), 0x7c00);
  EXPECT_EQ(toF16(-INFINITY), 0xfc00);
  EXPECT_EQ(toF16(std::numeric_limits<float>::max()), 0x7c00);
  EXPECT_EQ(toF16(std::ldexp(1.0f, -14)), 0x0400); // smallest normal
  EXPECT_EQ(toF16(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(toF16(std::ldexp(1.0f, -25)), 0x0000); // the tie: even is 0
  EXPECT_EQ(toF16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(toF16(-std::ldexp(1.0f, -26)), 0x8000);
  EXPECT_EQ(toF16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(toF16(std::ldexp(1023.5f, -24)), 0x0400); // rounds up to normal
  // NaNs stay NaNs, of their sign, quiet.
  EXPECT_EQ(toF16(std::numeric_limits<float>::quiet_NaN()), 0x7e00);
  EXPECT_EQ(toF16(-std::numeric_limits<float>::quiet_NaN()), 0xfe00);
  uint16_t signaling = toF16(floatOf(0x7f800001));
  EXPECT_TRUE(isF16NaN(signaling));
  EXPECT_EQ(signaling & 0x0200, 0x0200);
  EXPECT_TRUE(std::isnan(fromF16(0x7c01)));
  EXPECT_EQ(fromF16(0x7c00), INFINITY);
  EXPECT_EQ(fromF16(0xfc00), -INFINITY);
  EXPECT_EQ(fromF16(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fromF16(0x03ff), std::ldexp(1023.0f, -24));
}

#if defined(__FLT16_MAX__) && defined(__GNUC__) && !defined(__clang__)
TEST(RuntimeTest, F16AgreesWithTheCompiler) {
  // Every 997th f32 (4.3 million values), NaNs aside.
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 997) {
    float value = floatOf(uint32_t(bits));
    if (std::isnan(value))
      continue;
    _Float16 reference = static_cast<_Float16>(value);
    uint16_t expected;
    std::memcpy(&expected, &reference, 2);
    ASSERT_EQ(toF16(value), expected) << std::hex << bits;
  }
}
#endif

TEST(RuntimeTest, BF16RoundTripsEveryValue) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    uint16_t half = uint16_t(bits);
    float value = fromBF16(half);
    if (isBF16NaN(half)) {
      ASSERT_TRUE(std::isnan(value)) << bits;
      ASSERT_TRUE(isBF16NaN(toBF16(value))) << bits;
      ASSERT_EQ(toBF16(value) & 0x8000, half & 0x8000) << bits;
      continue;
    }
    // bfloat16 is the top half of an f32: widening appends zeros.
    ASSERT_EQ(bitsOf(value), bits << 16) << bits;
    ASSERT_EQ(toBF16(value), half) << bits;
  }
}

TEST(RuntimeTest, BF16RoundsToNearestEven) {
  // Between neighbours `low` and `low + 1` (of one sign), the midpoint is the
  // f32 (low << 16) | 0x8000; the f32 values beside it round away from it.
  // This covers subnormals and the largest finite value, whose next
  // neighbour is infinity.
  for (uint32_t bits = 0; bits < 0x7f80; ++bits) {
    for (uint32_t sign : {0u, 0x8000u}) {
      uint16_t low = uint16_t(bits | sign), high = uint16_t((bits + 1) | sign);
      uint32_t tie = (uint32_t(low) << 16) | 0x8000;
      uint16_t even = (low & 1) ? high : low;
      ASSERT_EQ(toBF16(floatOf(tie)), even) << bits;
      ASSERT_EQ(toBF16(floatOf(tie - 1)), low) << bits;
      ASSERT_EQ(toBF16(floatOf(tie + 1)), high) << bits;
    }
  }
}

TEST(RuntimeTest, BF16KnownCases) {
  EXPECT_EQ(toBF16(1.0f), 0x3f80);
  EXPECT_EQ(toBF16(-0.0f), 0x8000);
  EXPECT_EQ(toBF16(0.1f), 0x3dcd);
  EXPECT_EQ(toBF16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(toBF16(-std::numeric_limits<float>::max()), 0xff80);
  EXPECT_EQ(toBF16(INFINITY), 0x7f80);
  EXPECT_EQ(toBF16(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(toBF16(floatOf(0x00018000)), 0x0002); // subnormal tie, to even
  EXPECT_EQ(toBF16(std::numeric_limits<float>::quiet_NaN()), 0x7fc0);
  EXPECT_EQ(toBF16(-std::numeric_limits<float>::quiet_NaN()), 0xffc0);
  // A NaN whose payload lies in the low half only stays a NaN.
  EXPECT_TRUE(isBF16NaN(toBF16(floatOf(0x7f800001))));
  EXPECT_TRUE(isBF16NaN(toBF16(floatOf(0xffffffff))));
}

TEST(RuntimeTest, BufferConversionsTakeCounts) {
  std::vector<float> values{1.0f, -2.5f, 65504.0f, 0.1f};
  std::vector<uint16_t> halves(4, 0xdead), brains(4);
  mithril_convert_f32_to_f16(values.data(), halves.data(), 4);
  EXPECT_EQ(halves, (std::vector<uint16_t>{0x3c00, 0xc100, 0x7bff, 0x2e66}));
  std::vector<float> back(4);
  mithril_convert_f16_to_f32(halves.data(), back.data(), 4);
  EXPECT_EQ(back[2], 65504.0f);
  mithril_convert_f32_to_bf16(values.data(), brains.data(), 4);
  mithril_convert_bf16_to_f32(brains.data(), back.data(), 4);
  EXPECT_EQ(back[1], -2.5f);
  // Nothing happens with a NULL buffer or a count of 0.
  mithril_convert_f32_to_f16(nullptr, halves.data(), 4);
  mithril_convert_f16_to_f32(halves.data(), nullptr, 4);
  mithril_convert_f32_to_bf16(values.data(), halves.data(), 0);
  mithril_convert_bf16_to_f32(nullptr, nullptr, 0);
  EXPECT_EQ(halves[0], 0x3c00);
}

mithril_tensor tensorOf(void *data, int32_t dtype, std::vector<int64_t> shape) {
  mithril_tensor tensor{};
  tensor.data = data;
  tensor.dtype = dtype;
  tensor.rank = int32_t(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    tensor.shape[i] = shape[i];
  return tensor;
}

std::string message(mithril_status status) {
  std::string text = mithril_status_message(status);
  mithril_status_free(status);
  return text;
}

TEST(RuntimeTest, ConvertsTensors) {
  std::vector<float> values{0.5f, 1.0f / 3.0f, -7.0f, 1e6f, 3e38f, -0.0f};
  mithril_tensor source = tensorOf(values.data(), MITHRIL_F32, {2, 3});

  // Allocated by the call.
  mithril_tensor half{};
  half.dtype = MITHRIL_F16;
  ASSERT_EQ(mithril_tensor_convert(&source, &half), nullptr);
  ASSERT_NE(half.allocation, nullptr);
  EXPECT_EQ(half.rank, 2);
  EXPECT_EQ(half.shape[1], 3);
  const auto *halves = static_cast<const uint16_t *>(half.data);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(halves[i], toF16(values[i])) << i;

  // Into the caller's buffer; f16 to bf16 goes through f32.
  std::vector<uint16_t> brains(6);
  mithril_tensor brain = tensorOf(brains.data(), MITHRIL_BF16, {2, 3});
  ASSERT_EQ(mithril_tensor_convert(&half, &brain), nullptr);
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(brains[i], toBF16(fromF16(halves[i]))) << i;
  EXPECT_EQ(brain.allocation, nullptr);

  std::vector<float> back(6);
  mithril_tensor single = tensorOf(back.data(), MITHRIL_F32, {2, 3});
  ASSERT_EQ(mithril_tensor_convert(&brain, &single), nullptr);
  EXPECT_EQ(back[0], 0.5f);
  EXPECT_EQ(back[4], INFINITY); // 3e38 overflowed f16
  mithril_tensor_free(&half);
  EXPECT_EQ(half.data, nullptr);

  // Refusals leave the destination as it was.
  mithril_tensor wrongShape = tensorOf(back.data(), MITHRIL_F32, {3, 2});
  EXPECT_EQ(message(mithril_tensor_convert(&source, &wrongShape)),
            "the destination tensor has shape [3,2], the source [2,3]");
  mithril_tensor integers{};
  integers.dtype = MITHRIL_I32;
  EXPECT_EQ(message(mithril_tensor_convert(&source, &integers)),
            "cannot convert f32 to i32 (conversions are between f32, f16 and "
            "bf16)");
  EXPECT_EQ(integers.data, nullptr);
  mithril_tensor onGPU = source;
  onGPU.device = MITHRIL_DEVICE_CUDA;
  mithril_tensor target{};
  target.dtype = MITHRIL_F16;
  EXPECT_EQ(message(mithril_tensor_convert(&onGPU, &target)),
            "the source tensor is on cuda:0; conversions run on the CPU");
  mithril_tensor negative = tensorOf(values.data(), MITHRIL_F32, {-1, 3});
  EXPECT_EQ(message(mithril_tensor_convert(&negative, &target)),
            "the source tensor has shape [-1,3]");
  mithril_tensor badRank = source;
  badRank.rank = 40;
  EXPECT_EQ(message(mithril_tensor_convert(&badRank, &target)),
            "the source tensor has rank 40");
  mithril_tensor empty = tensorOf(nullptr, MITHRIL_F32, {2, 3});
  EXPECT_EQ(message(mithril_tensor_convert(&empty, &target)),
            "the source tensor has no data");
  EXPECT_EQ(target.data, nullptr);
  EXPECT_EQ(message(mithril_tensor_convert(nullptr, &target)),
            "mithril_tensor_convert: null argument");
  EXPECT_EQ(message(mithril_tensor_convert(&source, nullptr)),
            "mithril_tensor_convert: null argument");
}

} // namespace
