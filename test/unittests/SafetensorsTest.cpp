//===- SafetensorsTest.cpp - Tests of the safetensors reader and writer ---===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Safetensors.h"

#include "TempDirTest.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace mithril::runtime;
using mithril::testing::Bytes;

namespace {

#define EXPECT_CONTAINS(text, part)                                            \
  EXPECT_NE(std::string(text).find(part), std::string::npos)                   \
      << "'" << (part) << "' not in: " << (text)

/// An image made of an explicit header length, the header text and
/// `dataSize` bytes of data.
Bytes makeImage(std::string_view header, size_t dataSize, uint64_t length) {
  Bytes bytes;
  for (int i = 0; i < 8; ++i)
    bytes.push_back(uint8_t(length >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  for (size_t i = 0; i < dataSize; ++i)
    bytes.push_back(uint8_t(i * 7 + 1));
  return bytes;
}

Bytes makeImage(std::string_view header, size_t dataSize) {
  return makeImage(header, dataSize, header.size());
}

/// Parses `bytes`, expects a refusal and returns its message.
std::string rejection(const Bytes &bytes) {
  std::string error;
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::fromBuffer(bytes.data(), bytes.size(), error);
  EXPECT_EQ(file, nullptr);
  EXPECT_FALSE(error.empty());
  return error;
}

std::string rejection(std::string_view header, size_t dataSize) {
  return rejection(makeImage(header, dataSize));
}

/// A header with one tensor 'w' whose entry is `entry`.
std::string oneTensor(const std::string &entry) {
  return "{\"w\":" + entry + "}";
}

template <typename T> const void *bytesOf(const std::vector<T> &values) {
  return values.data();
}
template <typename T> size_t sizeOf(const std::vector<T> &values) {
  return values.size() * sizeof(T);
}

using SafetensorsFileTest = mithril::testing::TempDirTest;

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

TEST(SafetensorsDType, NamesRoundTrip) {
  const DType all[] = {DType::F32, DType::F16, DType::BF16,
                       DType::F64, DType::I64, DType::I32,
                       DType::I8,  DType::U8,  DType::Bool};
  const size_t sizes[] = {4, 2, 2, 8, 8, 4, 1, 1, 1};
  for (size_t i = 0; i < std::size(all); ++i) {
    EXPECT_EQ(parseSafetensorsDType(safetensorsDTypeName(all[i])), all[i]);
    EXPECT_EQ(parseModelDType(modelDTypeName(all[i])), all[i]);
    EXPECT_EQ(dtypeSize(all[i]), sizes[i]);
  }
  EXPECT_EQ(safetensorsDTypeName(DType::Bool), "BOOL");
  EXPECT_EQ(modelDTypeName(DType::BF16), "bf16");
  EXPECT_EQ(parseSafetensorsDType("f32"), std::nullopt);
  EXPECT_EQ(parseSafetensorsDType("F8_E4M3"), std::nullopt);
  EXPECT_EQ(parseModelDType("F32"), std::nullopt);
  EXPECT_EQ(parseModelDType(""), std::nullopt);
  EXPECT_EQ(dtypeSize(DType(200)), 0u);
}

TEST(SafetensorsDType, NumElements) {
  TensorInfo info;
  EXPECT_EQ(info.numElements(), 1); // 0-d
  info.shape = {2, 3, 4};
  EXPECT_EQ(info.numElements(), 24);
  info.shape = {int64_t(1) << 40, 0};
  EXPECT_EQ(info.numElements(), 0);
  info.shape = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(info.numElements(), -1);
  info.shape = {-2};
  EXPECT_EQ(info.numElements(), -1);
}

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

struct Sample {
  std::vector<float> f32 = {1, -2, 3.5, 4, 5, 6};
  std::vector<uint16_t> f16 = {0x3C00, 0xC000, 0x7BFF, 0};
  std::vector<uint16_t> bf16 = {0x3F80, 0x4000, 0xBF80, 0x7F80};
  std::vector<double> f64 = {2.718281828};
  std::vector<int64_t> i64 = {-1, int64_t(1) << 40, 7};
  std::vector<int32_t> i32 = {-5, 9};
  std::vector<int8_t> i8 = {-128, 0, 127};
  std::vector<uint8_t> u8 = {1, 2, 3, 4, 5};
  std::vector<uint8_t> mask = {1, 0, 0, 1};

  std::vector<TensorToWrite> tensors() const {
    return {
        {"conv1.weight", DType::F32, {2, 3}, bytesOf(f32), sizeOf(f32)},
        {"half", DType::F16, {4}, bytesOf(f16), sizeOf(f16)},
        {"brain", DType::BF16, {2, 2}, bytesOf(bf16), sizeOf(bf16)},
        {"scalar", DType::F64, {}, bytesOf(f64), sizeOf(f64)},
        {"ids", DType::I64, {3}, bytesOf(i64), sizeOf(i64)},
        {"empty", DType::I32, {0, 5}, nullptr, 0},
        {"pair", DType::I32, {2}, bytesOf(i32), sizeOf(i32)},
        {"bytes", DType::I8, {3, 1}, bytesOf(i8), sizeOf(i8)},
        {"unsigned", DType::U8, {5}, bytesOf(u8), sizeOf(u8)},
        {"mask", DType::Bool, {2, 2}, bytesOf(mask), sizeOf(mask)},
    };
  }
  std::map<std::string, std::string> metadata() const {
    return {{"format", "pt"}, {"note", "\xc3\xbcnicode \"quoted\""}};
  }
};

void expectMatches(const SafetensorsFile &file, const Sample &sample) {
  std::vector<TensorToWrite> expected = sample.tensors();
  ASSERT_EQ(file.tensors().size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const TensorInfo &info = file.tensors()[i];
    SCOPED_TRACE(expected[i].name);
    EXPECT_EQ(info.name, expected[i].name); // Written order = offset order.
    EXPECT_EQ(info.dtype, expected[i].dtype);
    EXPECT_EQ(info.shape, expected[i].shape);
    ASSERT_EQ(info.byteSize(), expected[i].size);
    EXPECT_EQ(uint64_t(info.numElements()) * dtypeSize(info.dtype),
              info.byteSize());
    if (expected[i].size != 0) {
      EXPECT_EQ(std::memcmp(info.data, expected[i].data, expected[i].size), 0);
    }
  }
  EXPECT_EQ(file.metadata(), sample.metadata());
}

TEST_F(SafetensorsFileTest, RoundTrip) {
  Sample sample;
  std::string error;
  std::string path = pathOf("model.safetensors");
  ASSERT_TRUE(
      writeSafetensors(path, sample.tensors(), sample.metadata(), error))
      << error;
  EXPECT_EQ(entries(), std::vector<std::string>{"model.safetensors"});

  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  expectMatches(*file, sample);
  // The padded header keeps the data section 8-aligned in the mapping.
  EXPECT_EQ(reinterpret_cast<uintptr_t>(file->tensors()[0].data) % 8, 0u);

  // The same bytes from memory give the same answer.
  Bytes bytes = readFile(path);
  std::unique_ptr<SafetensorsFile> fromMemory =
      SafetensorsFile::fromBuffer(bytes.data(), bytes.size(), error);
  ASSERT_NE(fromMemory, nullptr) << error;
  expectMatches(*fromMemory, sample);
  EXPECT_EQ(fromMemory->tensors()[0].data, bytes.data() + bytes.size() - 92);
}

TEST_F(SafetensorsFileTest, WriterLayout) {
  Sample sample;
  std::string error;
  std::string path = pathOf("layout.safetensors");
  ASSERT_TRUE(
      writeSafetensors(path, sample.tensors(), sample.metadata(), error))
      << error;
  Bytes bytes = readFile(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t length = 0;
  for (int i = 0; i < 8; ++i)
    length |= uint64_t(bytes[i]) << (8 * i);
  EXPECT_EQ(length % 8, 0u);
  ASSERT_LE(8 + length, bytes.size());
  std::string header(bytes.begin() + 8, bytes.begin() + 8 + length);
  EXPECT_EQ(header.rfind("{\"__metadata__\":{\"format\":\"pt\"", 0), 0u)
      << header;
  // Tensors keep the given order in the header.
  EXPECT_LT(header.find("\"conv1.weight\""), header.find("\"half\""));
  EXPECT_LT(header.find("\"half\""), header.find("\"brain\""));
  EXPECT_LT(header.find("\"unsigned\""), header.find("\"mask\""));
  size_t last = header.find_last_not_of(' ');
  ASSERT_NE(last, std::string::npos);
  EXPECT_EQ(header[last], '}');
  // 4*6 + 2*4 + 2*4 + 8 + 8*3 + 0 + 4*2 + 3 + 5 + 4 bytes of data.
  EXPECT_EQ(bytes.size() - 8 - length, 92u);
}

TEST_F(SafetensorsFileTest, NoMetadataAndEmptyDataSection) {
  std::string error;
  std::string path = pathOf("empty.safetensors");
  ASSERT_TRUE(writeSafetensors(path, {{"none", DType::F32, {0}, nullptr, 0}},
                               {}, error))
      << error;
  Bytes bytes = readFile(path);
  std::string header(bytes.begin() + 8, bytes.end());
  EXPECT_EQ(header.find("__metadata__"), std::string::npos);

  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  ASSERT_EQ(file->tensors().size(), 1u);
  EXPECT_EQ(file->tensors()[0].byteSize(), 0u);
  EXPECT_EQ(file->tensors()[0].numElements(), 0);
  EXPECT_TRUE(file->metadata().empty());

  // No tensors at all: "{}" padded to 8 bytes.
  ASSERT_TRUE(writeSafetensors(path, {}, {}, error)) << error;
  EXPECT_EQ(readFile(path).size(), 16u);
  file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  EXPECT_TRUE(file->tensors().empty());
}

TEST_F(SafetensorsFileTest, Find) {
  Sample sample;
  std::string error;
  std::string path = pathOf("find.safetensors");
  ASSERT_TRUE(
      writeSafetensors(path, sample.tensors(), sample.metadata(), error));
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  const TensorInfo *ids = file->find("ids");
  ASSERT_NE(ids, nullptr);
  EXPECT_EQ(ids->name, "ids");
  EXPECT_EQ(ids->shape, std::vector<int64_t>{3});
  int64_t second = 0;
  std::memcpy(&second, ids->data + 8, 8);
  EXPECT_EQ(second, int64_t(1) << 40);
  EXPECT_EQ(file->find("mask")->dtype, DType::Bool);
  EXPECT_EQ(file->find("missing"), nullptr);
  EXPECT_EQ(file->find("__metadata__"), nullptr);
  EXPECT_EQ(file->find(""), nullptr);
}

TEST(SafetensorsFile, AcceptsForeignLayout) {
  // Unpadded header, keys out of offset order, "-0" offset, whitespace.
  std::string header = " {\"b\": {\"dtype\": \"U8\", \"shape\": [2], "
                       "\"data_offsets\": [2, 4]}, \"a\": {\"shape\": [2], "
                       "\"data_offsets\": [-0, 2], \"dtype\": \"I8\"}} ";
  Bytes bytes = makeImage(header, 4);
  std::string error;
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::fromBuffer(bytes.data(), bytes.size(), error);
  ASSERT_NE(file, nullptr) << error;
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  EXPECT_EQ(file->tensors()[1].name, "b");
  EXPECT_EQ(file->tensors()[1].data, bytes.data() + 8 + header.size() + 2);
}

//===----------------------------------------------------------------------===//
// Rejections
//===----------------------------------------------------------------------===//

TEST(SafetensorsFile, RejectsTruncatedLength) {
  EXPECT_CONTAINS(rejection(Bytes{}), "truncated");
  EXPECT_CONTAINS(rejection(Bytes{1, 2, 3}), "truncated");
  EXPECT_CONTAINS(rejection(Bytes{1, 0, 0, 0, 0, 0, 0}), "truncated");
  std::string error;
  EXPECT_EQ(SafetensorsFile::fromBuffer(nullptr, 0, error), nullptr);
  EXPECT_CONTAINS(error, "truncated");
}

TEST(SafetensorsFile, RejectsHeaderPastEnd) {
  std::string error = rejection(makeImage("{}", 0, 100));
  EXPECT_CONTAINS(error, "header runs past the end of the file");
  EXPECT_CONTAINS(error, "108");
  EXPECT_CONTAINS(error, "10 bytes");
  EXPECT_CONTAINS(rejection(makeImage("{} ", 0, 4)), "past the end");
}

TEST(SafetensorsFile, RejectsHugeHeaderLength) {
  for (uint64_t length :
       {uint64_t(1) << 63, ~uint64_t(0), uint64_t(-8), uint64_t(100'000'001)})
    EXPECT_CONTAINS(rejection(makeImage("{}", 0, length)), "header too large");
}

TEST(SafetensorsFile, RejectsInvalidJson) {
  std::string error = rejection("{\"w\": ", 0);
  EXPECT_CONTAINS(error, "invalid JSON header");
  EXPECT_CONTAINS(error, "parse error");
  EXPECT_CONTAINS(rejection("", 0), "invalid JSON header");
  EXPECT_CONTAINS(rejection("{} x", 0), "invalid JSON header");
  EXPECT_CONTAINS(rejection("{\"\xff\": 1}", 0), "invalid JSON header");
  EXPECT_CONTAINS(rejection("{\"a\": 1e999}", 0), "invalid JSON header");
  EXPECT_CONTAINS(rejection(std::string(100, '[') + std::string(100, ']'), 0),
                  "levels deep");
}

TEST(SafetensorsFile, RejectsDuplicateKeys) {
  std::string entry = "{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}";
  EXPECT_CONTAINS(rejection("{\"w\":" + entry + ",\"w\":" + entry + "}", 1),
                  "duplicate key 'w'");
  EXPECT_CONTAINS(rejection(oneTensor("{\"dtype\":\"U8\",\"dtype\":\"U8\","
                                      "\"shape\":[1],\"data_offsets\":[0,1]}"),
                            1),
                  "duplicate key 'dtype'");
}

TEST(SafetensorsFile, RejectsNonObjectHeader) {
  EXPECT_CONTAINS(rejection("[1, 2]", 0), "not a JSON object");
  EXPECT_CONTAINS(rejection("\"text\"", 0), "not a JSON object");
  EXPECT_CONTAINS(rejection("null", 0), "not a JSON object");
}

TEST(SafetensorsFile, RejectsBadTensorEntry) {
  std::string error = rejection(oneTensor("[1]"), 0);
  EXPECT_CONTAINS(error, "tensor 'w': expected an object");
  error = rejection(oneTensor("{\"dtype\":\"U8\",\"shape\":[1],"
                              "\"data_offsets\":[0,1],\"extra\":0}"),
                    1);
  EXPECT_CONTAINS(error, "tensor 'w': unexpected key 'extra'");
  error = rejection(oneTensor("{\"dtype\":\"U8\",\"shape\":[1]}"), 1);
  EXPECT_CONTAINS(error, "tensor 'w': missing \"data_offsets\"");
  error = rejection(oneTensor("{\"shape\":[1],\"data_offsets\":[0,1]}"), 1);
  EXPECT_CONTAINS(error, "tensor 'w': missing \"dtype\"");
  error = rejection(oneTensor("{\"dtype\":\"U8\",\"data_offsets\":[0,1]}"), 1);
  EXPECT_CONTAINS(error, "tensor 'w': missing \"shape\"");
}

TEST(SafetensorsFile, RejectsUnknownDType) {
  std::string error = rejection(
      oneTensor("{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,4]}"), 4);
  EXPECT_CONTAINS(error, "tensor 'w': unsupported dtype \"F7\"");
  error = rejection(
      oneTensor("{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}"), 4);
  EXPECT_CONTAINS(error, "tensor 'w': unsupported dtype");
  error = rejection(
      oneTensor("{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}"), 4);
  EXPECT_CONTAINS(error, "tensor 'w': \"dtype\" must be a string");
  // A long value is shortened in the message.
  error = rejection(oneTensor("{\"dtype\":\"" + std::string(1000, 'X') +
                              "\",\"shape\":[1],\"data_offsets\":[0,4]}"),
                    4);
  EXPECT_CONTAINS(error, "XXX...");
  EXPECT_LT(error.size(), 100u);
}

TEST(SafetensorsFile, RejectsBadShape) {
  for (std::string shape :
       {"[-1]", "[2, -3]", "[1.5]", "[1.0]", "[\"2\"]", "[null]", "[[1]]",
        "[true]", "[9223372036854775808]", "[1e3]"}) {
    std::string error =
        rejection(oneTensor("{\"dtype\":\"U8\",\"shape\":" + shape +
                            ",\"data_offsets\":[0,1]}"),
                  1);
    EXPECT_CONTAINS(error, "tensor 'w': shape[");
    EXPECT_CONTAINS(error, "non-negative integer");
  }
  EXPECT_CONTAINS(
      rejection(
          oneTensor("{\"dtype\":\"U8\",\"shape\":3,\"data_offsets\":[0,1]}"),
          1),
      "tensor 'w': \"shape\" must be an array");
}

TEST(SafetensorsFile, RejectsShapeOverflow) {
  std::string error =
      rejection(oneTensor("{\"dtype\":\"F32\",\"shape\":[4294967296,"
                          "4294967296],\"data_offsets\":[0,4]}"),
                4);
  EXPECT_CONTAINS(error, "tensor 'w': the size of shape");
  EXPECT_CONTAINS(error, "overflows");
  // The element count fits but the byte count does not.
  error = rejection(oneTensor("{\"dtype\":\"F64\",\"shape\":"
                              "[4611686018427387904],\"data_offsets\":[0,4]}"),
                    4);
  EXPECT_CONTAINS(error, "overflows");
}

TEST(SafetensorsFile, RejectsBadOffsets) {
  for (std::string offsets :
       {"[0]", "[0, 4, 8]", "[-1, 3]", "[0, 4.0]", "\"0,4\"", "{}"}) {
    std::string error = rejection(oneTensor("{\"dtype\":\"F32\",\"shape\":[1],"
                                            "\"data_offsets\":" +
                                            offsets + "}"),
                                  4);
    EXPECT_CONTAINS(error, "tensor 'w': \"data_offsets\" must be two");
  }
  std::string error = rejection(
      oneTensor("{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}"), 4);
  EXPECT_CONTAINS(error, "tensor 'w': data_offsets [4, 0] end before");
}

TEST(SafetensorsFile, RejectsOffsetsOutOfRange) {
  std::string error = rejection(
      oneTensor("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}"), 4);
  EXPECT_CONTAINS(error, "tensor 'w': data_offsets [0, 8] run past the end");
  EXPECT_CONTAINS(error, "4 bytes");
  error = rejection(oneTensor("{\"dtype\":\"U8\",\"shape\":[0],"
                              "\"data_offsets\":[18446744073709551615,"
                              "18446744073709551615]}"),
                    0);
  EXPECT_CONTAINS(error, "run past the end");
}

TEST(SafetensorsFile, RejectsSizeMismatch) {
  std::string error = rejection(
      oneTensor("{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}"), 4);
  EXPECT_CONTAINS(error, "tensor 'w': data_offsets [0, 4] hold 4 bytes");
  EXPECT_CONTAINS(error, "needs 8");
  error = rejection(
      oneTensor("{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,8]}"), 8);
  EXPECT_CONTAINS(error, "needs 4");
}

TEST(SafetensorsFile, RejectsOverlap) {
  std::string error =
      rejection("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,"
                "8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                "[4,12]}}",
                12);
  EXPECT_CONTAINS(error, "tensor 'b': data_offsets [4, 12] overlap tensor "
                         "'a' [0, 8]");
  // Two tensors on the same bytes.
  error = rejection("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                    "[0,8]},\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_"
                    "offsets\":[0,8]}}",
                    8);
  EXPECT_CONTAINS(error, "overlap");
  // An empty tensor inside another one.
  error = rejection("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"
                    "[0,8]},\"z\":{\"dtype\":\"I32\",\"shape\":[0],\"data_"
                    "offsets\":[4,4]}}",
                    8);
  EXPECT_CONTAINS(error, "tensor 'z'");
}

TEST(SafetensorsFile, RejectsHoles) {
  std::string error =
      rejection("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,"
                "4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":"
                "[8,12]}}",
                12);
  EXPECT_CONTAINS(error, "tensor 'b'");
  EXPECT_CONTAINS(error, "hole");
  EXPECT_CONTAINS(error, "[4, 8)");
  error = rejection(
      oneTensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}"), 8);
  EXPECT_CONTAINS(error, "[0, 4)");
  // Bytes after the last tensor.
  error = rejection(
      oneTensor("{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}"), 8);
  EXPECT_CONTAINS(error, "hole in the data section: bytes [4, 8)");
  EXPECT_CONTAINS(rejection("{}", 1), "hole");
}

TEST(SafetensorsFile, RejectsBadMetadata) {
  EXPECT_CONTAINS(rejection("{\"__metadata__\":{\"k\":1}}", 0),
                  "\"__metadata__\" entry 'k' must be a string");
  EXPECT_CONTAINS(rejection("{\"__metadata__\":[\"k\"]}", 0),
                  "\"__metadata__\" must be an object");
  EXPECT_CONTAINS(rejection("{\"__metadata__\":null}", 0),
                  "\"__metadata__\" must be an object");
  EXPECT_CONTAINS(rejection("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", 0),
                  "must be a string");
  std::string error;
  Bytes good = makeImage("{\"__metadata__\":{\"k\":\"v\"}}", 0);
  std::unique_ptr<SafetensorsFile> file =
      SafetensorsFile::fromBuffer(good.data(), good.size(), error);
  ASSERT_NE(file, nullptr) << error;
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{{"k", "v"}}));
}

TEST(SafetensorsFile, RejectsTruncatedDataSection) {
  std::string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_"
                       "offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":"
                       "[2],\"data_offsets\":[4,12]}}";
  std::string error;
  Bytes whole = makeImage(header, 12);
  EXPECT_NE(SafetensorsFile::fromBuffer(whole.data(), whole.size(), error),
            nullptr)
      << error;
  error = rejection(makeImage(header, 10));
  EXPECT_CONTAINS(error, "tensor 'b': data_offsets [4, 12] run past the end "
                         "of the data section, which has 10 bytes");
  EXPECT_CONTAINS(error, "truncated");
}

TEST_F(SafetensorsFileTest, RejectsEveryTruncation) {
  Sample sample;
  std::string error;
  std::string path = pathOf("whole.safetensors");
  ASSERT_TRUE(
      writeSafetensors(path, sample.tensors(), sample.metadata(), error));
  Bytes whole = readFile(path);
  std::string cut = pathOf("cut.safetensors");
  for (size_t size = 0; size < whole.size(); ++size) {
    SCOPED_TRACE("size " + std::to_string(size));
    // An exact-size copy, so that reading past it trips AddressSanitizer.
    Bytes prefix(whole.begin(), whole.begin() + size);
    error.clear();
    EXPECT_EQ(SafetensorsFile::fromBuffer(prefix.data(), size, error), nullptr);
    EXPECT_FALSE(error.empty());
    writeFile(cut, prefix.data(), size);
    error.clear();
    EXPECT_EQ(SafetensorsFile::open(cut, error), nullptr);
    EXPECT_FALSE(error.empty());
  }
  EXPECT_NE(SafetensorsFile::fromBuffer(whole.data(), whole.size(), error),
            nullptr);
}

TEST_F(SafetensorsFileTest, SurvivesCorruptedBytes) {
  Sample sample;
  std::string error;
  std::string path = pathOf("whole.safetensors");
  ASSERT_TRUE(
      writeSafetensors(path, sample.tensors(), sample.metadata(), error));
  Bytes whole = readFile(path);
  const uint8_t replacements[] = {0x00, 0xff, '"', '{', ']', '9', '-', ' '};
  for (size_t at = 0; at < whole.size(); ++at) {
    for (uint8_t replacement : replacements) {
      Bytes bytes = whole;
      bytes[at] = replacement;
      std::unique_ptr<SafetensorsFile> file =
          SafetensorsFile::fromBuffer(bytes.data(), bytes.size(), error);
      if (!file)
        continue;
      // Whatever is accepted still tiles the buffer's tail exactly.
      uint64_t total = 0;
      for (const TensorInfo &info : file->tensors()) {
        EXPECT_GE(info.data, bytes.data());
        EXPECT_LE(info.data + info.byteSize(), bytes.data() + bytes.size());
        total += info.byteSize();
      }
      if (!file->tensors().empty()) {
        const TensorInfo &last = file->tensors().back();
        EXPECT_EQ(last.data + last.byteSize(), bytes.data() + bytes.size());
      }
      EXPECT_LE(total, bytes.size());
    }
  }
}

TEST_F(SafetensorsFileTest, OpenFailures) {
  std::string error;
  std::string missing = pathOf("missing.safetensors");
  EXPECT_EQ(SafetensorsFile::open(missing, error), nullptr);
  EXPECT_CONTAINS(error, "cannot open");
  EXPECT_CONTAINS(error, missing);
  EXPECT_CONTAINS(error, "No such file or directory");

  EXPECT_EQ(SafetensorsFile::open(dir, error), nullptr);
  EXPECT_CONTAINS(error, "not a regular file");

  std::string empty = pathOf("empty.safetensors");
  writeFile(empty, nullptr, 0);
  EXPECT_EQ(SafetensorsFile::open(empty, error), nullptr);
  EXPECT_CONTAINS(error, "truncated");

  // A header error from a file does not name the file (the caller does).
  Bytes bytes = makeImage("[]", 0);
  std::string notObject = pathOf("array.safetensors");
  writeFile(notObject, bytes.data(), bytes.size());
  EXPECT_EQ(SafetensorsFile::open(notObject, error), nullptr);
  EXPECT_CONTAINS(error, "not a JSON object");
  EXPECT_EQ(error.find(notObject), std::string::npos);
}

//===----------------------------------------------------------------------===//
// Writer failures
//===----------------------------------------------------------------------===//

TEST_F(SafetensorsFileTest, WriterRejectsBadTensors) {
  std::vector<float> four(4);
  std::string path = pathOf("bad.safetensors");
  struct Case {
    std::vector<TensorToWrite> tensors;
    const char *message;
  };
  const Case cases[] = {
      {{{"w", DType::F32, {3}, four.data(), 16}},
       "tensor 'w': has 16 bytes of data but shape [3] of F32 needs 12"},
      {{{"w", DType::F32, {-1, 4}, four.data(), 16}},
       "tensor 'w': shape[0] is negative"},
      {{{"w",
         DType::F32,
         {int64_t(1) << 40, int64_t(1) << 40},
         four.data(),
         16}},
       "tensor 'w': the size of shape"},
      {{{"w", DType(200), {4}, four.data(), 16}}, "tensor 'w': invalid dtype"},
      {{{"w", DType::F32, {4}, nullptr, 16}},
       "tensor 'w': the data pointer is null"},
      {{{"w", DType::F32, {4}, four.data(), 16},
        {"w", DType::F32, {4}, four.data(), 16}},
       "tensor 'w': the name is used twice"},
      {{{"__metadata__", DType::F32, {4}, four.data(), 16}},
       "tensor '__metadata__': the name is reserved"},
      {{{"bad\xff", DType::F32, {4}, four.data(), 16}}, "not valid UTF-8"},
      {{{"surrogate\xed\xa0\x80", DType::F32, {4}, four.data(), 16}},
       "not valid UTF-8"},
  };
  for (const Case &c : cases) {
    std::string error;
    EXPECT_FALSE(writeSafetensors(path, c.tensors, {}, error));
    EXPECT_CONTAINS(error, c.message);
  }
  std::string error;
  EXPECT_FALSE(writeSafetensors(path, {}, {{"k", "\xc0\x80"}}, error));
  EXPECT_CONTAINS(error, "metadata entry 'k' is not valid UTF-8");
  EXPECT_FALSE(writeSafetensors("", {}, {}, error));
  EXPECT_TRUE(entries().empty()); // Nothing written, no temporary left.
}

TEST_F(SafetensorsFileTest, WriterFailsCleanly) {
  std::string error;
  std::vector<float> four = {1, 2, 3, 4};
  std::vector<TensorToWrite> tensors = {
      {"w", DType::F32, {4}, four.data(), 16}};
  EXPECT_FALSE(writeSafetensors(pathOf("no/such/dir/x.safetensors"), tensors,
                                {}, error));
  EXPECT_CONTAINS(error, "cannot create a temporary file");
  EXPECT_CONTAINS(error, "No such file or directory");

  // The rename onto a non-empty folder fails after the temporary exists.
  std::filesystem::create_directory(pathOf("taken"));
  writeFile(pathOf("taken/inside"), nullptr, 0);
  EXPECT_FALSE(writeSafetensors(pathOf("taken"), tensors, {}, error));
  EXPECT_CONTAINS(error, "cannot move the temporary file into place");
  EXPECT_EQ(entries(), std::vector<std::string>{"taken"});
}

TEST_F(SafetensorsFileTest, WriterReplacesExistingFile) {
  std::string error;
  std::string path = pathOf("model.safetensors");
  std::vector<float> first = {1, 2};
  std::vector<int8_t> second = {5, 6, 7};
  ASSERT_TRUE(writeSafetensors(path, {{"a", DType::F32, {2}, first.data(), 8}},
                               {}, error));
  ASSERT_TRUE(writeSafetensors(path, {{"b", DType::I8, {3}, second.data(), 3}},
                               {{"v", "2"}}, error));
  std::unique_ptr<SafetensorsFile> file = SafetensorsFile::open(path, error);
  ASSERT_NE(file, nullptr) << error;
  ASSERT_EQ(file->tensors().size(), 1u);
  EXPECT_EQ(file->tensors()[0].name, "b");
  EXPECT_EQ(file->tensors()[0].data[2], 7);
  EXPECT_EQ(file->metadata(), (std::map<std::string, std::string>{{"v", "2"}}));
  EXPECT_EQ(entries(), std::vector<std::string>{"model.safetensors"});
  // Readable by others, not mkstemp's 0600.
  auto perms = std::filesystem::status(path).permissions();
  EXPECT_NE(perms & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

} // namespace
