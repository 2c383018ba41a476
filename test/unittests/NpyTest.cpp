//===- NpyTest.cpp - Tests of the .npy reader and writer ------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Npy.h"

#include "TempDirTest.h"

#include <gtest/gtest.h>

#include <cstdint>
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

/// The standard header dict for `descr` and `shape` (a Python tuple).
std::string dict(const std::string &descr, const std::string &shape,
                 const std::string &fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

/// An image: magic, version, the header length (`length`, or the header's
/// own size), the header text and `dataSize` bytes of data.
Bytes makeImage(const std::string &header, size_t dataSize, uint8_t major = 1,
                int64_t length = -1) {
  Bytes bytes = {0x93, 'N', 'U', 'M', 'P', 'Y', major, 0};
  uint64_t size = length < 0 ? header.size() : uint64_t(length);
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i)
    bytes.push_back(uint8_t(size >> (8 * i)));
  bytes.insert(bytes.end(), header.begin(), header.end());
  for (size_t i = 0; i < dataSize; ++i)
    bytes.push_back(uint8_t(i * 7 + 1));
  return bytes;
}

/// Parses `bytes`, expects a refusal that leaves `array` alone and returns
/// its message.
std::string rejection(const Bytes &bytes) {
  NpyArray array;
  array.shape = {42};
  std::string error;
  EXPECT_FALSE(parseNpy(bytes.data(), bytes.size(), array, error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(array.shape, std::vector<int64_t>{42});
  return error;
}

std::string rejection(const std::string &header, size_t dataSize) {
  return rejection(makeImage(header, dataSize));
}

template <typename T> Bytes bytesOf(const std::vector<T> &values) {
  Bytes bytes(values.size() * sizeof(T));
  if (!bytes.empty())
    std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

template <typename T> std::vector<T> valuesOf(const NpyArray &array) {
  std::vector<T> values(array.data.size() / sizeof(T));
  if (!values.empty())
    std::memcpy(values.data(), array.data.data(), array.data.size());
  return values;
}

NpyArray makeArray(DType dtype, std::vector<int64_t> shape, Bytes data) {
  NpyArray array;
  array.dtype = dtype;
  array.shape = std::move(shape);
  array.data = std::move(data);
  return array;
}

bool hasNumpy() {
  return std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0;
}

class NpyFileTest : public mithril::testing::TempDirTest {
protected:
  /// Runs `script` with /usr/bin/python3 in `dir`; the exit status.
  int runPython(const std::string &script) const {
    std::string scriptPath = pathOf("script.py");
    std::ofstream(scriptPath) << script;
    std::string command =
        "cd '" + dir + "' && /usr/bin/python3 '" + scriptPath + "'";
    return std::system(command.c_str());
  }
};

//===----------------------------------------------------------------------===//
// Round trips
//===----------------------------------------------------------------------===//

TEST_F(NpyFileTest, RoundTripsEveryDType) {
  std::vector<NpyArray> arrays = {
      makeArray(DType::F32, {2, 3},
                bytesOf(std::vector<float>{1, -2, 3.5f, 0, 1e30f, -0.0f})),
      makeArray(DType::F16, {4},
                bytesOf(std::vector<uint16_t>{0x3C00, 0x3E00, 0xC000, 0})),
      makeArray(DType::F64, {}, bytesOf(std::vector<double>{3.25})),
      makeArray(DType::I64, {3, 1},
                bytesOf(std::vector<int64_t>{INT64_MIN, -1, INT64_MAX})),
      makeArray(DType::I32, {1, 2, 2},
                bytesOf(std::vector<int32_t>{1, -2, 3, -4})),
      makeArray(DType::I8, {3}, bytesOf(std::vector<int8_t>{-128, 0, 127})),
      makeArray(DType::U8, {2, 2}, Bytes{0, 1, 254, 255}),
      makeArray(DType::Bool, {5}, Bytes{0, 1, 1, 0, 1}),
      makeArray(DType::F32, {0}, {}),
      makeArray(DType::I64, {3, 0, 2}, {}),
  };
  for (size_t i = 0; i < arrays.size(); ++i) {
    SCOPED_TRACE("array " + std::to_string(i));
    std::string path = pathOf("a" + std::to_string(i) + ".npy");
    std::string error;
    ASSERT_TRUE(writeNpy(path, arrays[i], error)) << error;
    Bytes bytes = readFile(path);
    // Version 1.0, data 64-aligned right after the '\n' ending the header.
    size_t dataStart = bytes.size() - arrays[i].data.size();
    EXPECT_EQ(bytes[6], 1);
    EXPECT_EQ(dataStart % 64, 0u);
    EXPECT_EQ(bytes[dataStart - 1], '\n');
    EXPECT_EQ(size_t(bytes[8] | bytes[9] << 8), dataStart - 10);

    NpyArray back;
    ASSERT_TRUE(readNpy(path, back, error)) << error;
    EXPECT_EQ(back.dtype, arrays[i].dtype);
    EXPECT_EQ(back.shape, arrays[i].shape);
    EXPECT_EQ(back.data, arrays[i].data);
    EXPECT_EQ(back.numElements(), arrays[i].numElements());

    NpyArray parsed;
    ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), parsed, error)) << error;
    EXPECT_EQ(parsed.data, arrays[i].data);
  }
  EXPECT_EQ(entries().size(), arrays.size()); // No temporaries left.
}

TEST(NpyTest, NumElements) {
  EXPECT_EQ(makeArray(DType::F32, {}, {}).numElements(), 1);
  EXPECT_EQ(makeArray(DType::F32, {2, 3, 4}, {}).numElements(), 24);
  EXPECT_EQ(makeArray(DType::F32, {INT64_MAX, 0}, {}).numElements(), 0);
  EXPECT_EQ(makeArray(DType::F32, {INT64_MAX, 2}, {}).numElements(), -1);
  EXPECT_EQ(makeArray(DType::F32, {-1}, {}).numElements(), -1);
}

TEST_F(NpyFileTest, WriteRefusesBadArrays) {
  std::string path = pathOf("x.npy");
  std::string error;
  EXPECT_FALSE(writeNpy(path, makeArray(DType::BF16, {1}, Bytes(2)), error));
  EXPECT_CONTAINS(error, "numpy has no bfloat16");
  EXPECT_FALSE(writeNpy(path, makeArray(DType::F32, {2}, Bytes(4)), error));
  EXPECT_CONTAINS(error, "expected 8 bytes of data for shape (2,) of f32, "
                         "found 4");
  EXPECT_FALSE(writeNpy(path, makeArray(DType::F32, {-2}, Bytes(8)), error));
  EXPECT_CONTAINS(error, "shape[0] is negative");
  EXPECT_FALSE(
      writeNpy(path, makeArray(DType::F32, {INT64_MAX, 4}, Bytes()), error));
  EXPECT_CONTAINS(error, "overflows");
  EXPECT_FALSE(writeNpy(path, makeArray(DType(200), {1}, Bytes(1)), error));
  EXPECT_CONTAINS(error, "invalid dtype");
  EXPECT_FALSE(writeNpy(pathOf("missing/x.npy"),
                        makeArray(DType::U8, {1}, Bytes(1)), error));
  EXPECT_CONTAINS(error, "cannot create a temporary file");
  EXPECT_TRUE(entries().empty());
}

TEST_F(NpyFileTest, WriteNormalizesBoolsAndReplaces) {
  std::string path = pathOf("b.npy");
  std::string error;
  ASSERT_TRUE(writeNpy(path, makeArray(DType::U8, {3}, Bytes(3)), error));
  ASSERT_TRUE(writeNpy(path, makeArray(DType::Bool, {3}, {0, 2, 255}), error))
      << error;
  NpyArray back;
  ASSERT_TRUE(readNpy(path, back, error)) << error;
  EXPECT_EQ(back.dtype, DType::Bool);
  EXPECT_EQ(back.data, (Bytes{0, 1, 1}));
  EXPECT_EQ(entries().size(), 1u);
}

TEST_F(NpyFileTest, ReadReportsMissingFilesAndFolders) {
  NpyArray array;
  std::string error;
  EXPECT_FALSE(readNpy(pathOf("nope.npy"), array, error));
  EXPECT_CONTAINS(error, "cannot open");
  EXPECT_FALSE(readNpy(dir, array, error));
  EXPECT_CONTAINS(error, "not a regular file");
  writeFile(pathOf("short.npy"), makeImage(dict("<f4", "(2,)"), 7));
  EXPECT_FALSE(readNpy(pathOf("short.npy"), array, error));
  EXPECT_CONTAINS(error, "expected 8 bytes of data");
  writeFile(pathOf("empty.npy"), {});
  EXPECT_FALSE(readNpy(pathOf("empty.npy"), array, error));
  EXPECT_CONTAINS(error, "truncated");
}

//===----------------------------------------------------------------------===//
// Accepted headers
//===----------------------------------------------------------------------===//

TEST(NpyTest, AcceptsHeaderVariants) {
  struct Case {
    std::string header;
    DType dtype;
    std::vector<int64_t> shape;
    uint8_t major;
  };
  std::vector<Case> cases = {
      {dict("<f4", "(2, 3)") + "    \n", DType::F32, {2, 3}, 1},
      {"{\"shape\":(2,3,),\"descr\":\"<i4\",\"fortran_order\":False}",
       DType::I32,
       {2, 3},
       1},
      {" {'fortran_order': False, 'shape': ( 4 , ), 'descr': '|u1'}\n",
       DType::U8,
       {4},
       2},
      {dict("<u1", "()"), DType::U8, {}, 3},
      {dict("<i1", "(1,)"), DType::I8, {1}, 1},
      {dict("<b1", "(1,)"), DType::Bool, {1}, 1},
      {dict("|b1", "(0, 7)"), DType::Bool, {0, 7}, 1},
      {dict("<f2", "(1, 1)"), DType::F16, {1, 1}, 1},
      {dict("<f8", "(1,)"), DType::F64, {1}, 1},
      {dict("<i8", "(0,)"), DType::I64, {0}, 1},
      {"{'descr':'<f4','fortran_order':False,'shape':(1,)}\t\r\n",
       DType::F32,
       {1},
       1},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.header);
    std::vector<int64_t> shape = c.shape;
    size_t count = 1;
    for (int64_t dim : shape)
      count *= size_t(dim);
    Bytes bytes = makeImage(c.header, count * dtypeSize(c.dtype), c.major);
    NpyArray array;
    std::string error;
    ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), array, error)) << error;
    EXPECT_EQ(array.dtype, c.dtype);
    EXPECT_EQ(array.shape, c.shape);
    EXPECT_EQ(array.data.size(), count * dtypeSize(c.dtype));
  }
}

TEST(NpyTest, ReadNormalizesBools) {
  Bytes bytes = makeImage(dict("|b1", "(3,)"), 0);
  bytes.insert(bytes.end(), {0, 7, 1});
  NpyArray array;
  std::string error;
  ASSERT_TRUE(parseNpy(bytes.data(), bytes.size(), array, error)) << error;
  EXPECT_EQ(array.data, (Bytes{0, 1, 1}));
}

//===----------------------------------------------------------------------===//
// Rejections
//===----------------------------------------------------------------------===//

TEST(NpyTest, RejectsBadPreamble) {
  Bytes valid = makeImage(dict("<f4", "(1,)"), 4);
  Bytes bytes = valid;
  bytes[1] = 'X';
  EXPECT_CONTAINS(rejection(bytes), "expected the magic");
  EXPECT_CONTAINS(rejection(Bytes{'P', 'K', 3, 4}), "not a .npy file");
  EXPECT_CONTAINS(rejection(Bytes{}), "truncated");
  EXPECT_CONTAINS(rejection(Bytes(valid.begin(), valid.begin() + 6)),
                  "truncated");
  EXPECT_CONTAINS(rejection(Bytes(valid.begin(), valid.begin() + 9)),
                  "expected at least 10 bytes");
  bytes = valid;
  bytes[6] = 4;
  EXPECT_CONTAINS(rejection(bytes), "unsupported .npy version 4.0");
  bytes[6] = 1;
  bytes[7] = 1;
  EXPECT_CONTAINS(rejection(bytes), "unsupported .npy version 1.1");
  bytes[6] = 0;
  bytes[7] = 0;
  EXPECT_CONTAINS(rejection(bytes), "expected 1.0, 2.0 or 3.0");
  // Version 2.0 needs 12 bytes before the header.
  EXPECT_CONTAINS(rejection(Bytes{0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 5, 0}),
                  "expected at least 12 bytes");
}

TEST(NpyTest, RejectsHeaderPastTheEnd) {
  std::string header = dict("<f4", "(1,)");
  EXPECT_CONTAINS(rejection(makeImage(header, 4, 1, 0xFFFF)),
                  "header runs past the end of the file");
  EXPECT_CONTAINS(rejection(makeImage(header, 4, 2, 0xFFFFFFFF)),
                  "header runs past the end of the file");
  // A truncated header: the length says more than the file holds.
  Bytes bytes = makeImage(header, 0);
  bytes.resize(bytes.size() - 5);
  EXPECT_CONTAINS(rejection(bytes), "header runs past the end");
  EXPECT_CONTAINS(rejection(makeImage("", 0)),
                  "expected '{' opening the header dict, found the end");
}

TEST(NpyTest, RejectsBadDicts) {
  struct Case {
    std::string header, message;
  };
  std::vector<Case> cases = {
      {"['descr', '<f4']", "expected '{' opening the header dict, found '['"},
      {"{'descr': '<f4', 'fortran_order': False}", "missing key 'shape'"},
      {"{}", "missing key 'descr'"},
      {"{,}", "expected a quoted key, found ',}'"},
      {dict("<f4", "(1,)") + " x", "expected the end of the header"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}",
       "unexpected key 'x'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
       "'shape': (1,)}",
       "duplicate key 'descr'"},
      {"{'descr' '<f4'}", "expected ':' after 'descr', found"},
      {"{'descr': '<f4' 'fortran_order': False}", "expected ',' or '}'"},
      {"{'descr': '<f4", "unterminated string"},
      {"{'descr': '<f\\x34'}", "unsupported escape sequence"},
      {"{'descr': <f4}", "expected a descr string such as '<f4', found '<f4}'"},
      {"{'descr': [('a', '<f4')]}", "structured dtypes are not supported"},
      {dict("<f4", "(1,)", "0"), "expected True or False"},
      {dict("<f4", "(1,)", "false"), "expected True or False"},
      {dict("<f4", "[1]"), "expected a tuple for 'shape', found '[1]"},
      {dict("<f4", "(1)"), "a one-element tuple is written (1,)"},
      {dict("<f4", "(-1,)"), "expected a non-negative dimension"},
      {dict("<f4", "(1.0,)"), "expected an integer dimension in 'shape', "
                              "found '1.0,)"},
      {dict("<f4", "(0x1,)"), "expected an integer dimension"},
      {dict("<f4", "(01,)"), "expected an integer dimension"},
      {dict("<f4", "(,)"), "expected a dimension in 'shape', found ',)"},
      {dict("<f4", "(1,,)"), "expected a dimension in 'shape', found ',)"},
      {dict("<f4", "(1 2)"), "expected ',' or ')' in 'shape', found '2)"},
      {dict("<f4", "(1,"), "expected a dimension in 'shape', found ', }'"},
      {dict("<f4", "(99999999999999999999,)"), "is too large"},
      {dict("<f4", "(9223372036854775808,)"), "is too large"},
      {dict("<f4", "(4294967296, 4294967296)"), "overflows"},
      {dict("<f4", "(1,)") + std::string(1, '\0'),
       "expected the end of the header after the dict, found '\\x00'"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.header);
    EXPECT_CONTAINS(rejection(c.header, 4), c.message);
  }
  std::string manyDims = "(";
  for (int i = 0; i < 65; ++i)
    manyDims += "1, ";
  EXPECT_CONTAINS(rejection(dict("<f4", manyDims + ")"), 4),
                  "more than 64 dimensions");
  // A NUL inside the header.
  std::string withNul = dict("<f4", "(1,)");
  withNul[1] = '\0';
  EXPECT_CONTAINS(rejection(withNul, 4), "found '\\x00");
}

TEST(NpyTest, RejectsUnsupportedDescrs) {
  struct Case {
    std::string descr, message;
  };
  std::vector<Case> cases = {
      {"<u4", "unsupported descr '<u4': expected one of"},
      {"<c8", "unsupported descr '<c8'"},
      {"|O", "unsupported descr '|O'"},
      {"<U3", "unsupported descr"},
      {"f4", "unsupported descr 'f4'"},
      {"<f4 ", "unsupported descr"},
      {"", "unsupported descr ''"},
      {"<V2", "numpy has no bfloat16"},
      {"bfloat16", "numpy has no bfloat16"},
      {">f4", "big-endian descr '>f4' is not supported"},
      {">i8", "expected little-endian '<i8'"},
      {"|f4", "ambiguous byte order"},
      {"=f8", "ambiguous byte order"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.descr);
    EXPECT_CONTAINS(rejection(dict(c.descr, "(1,)"), 8), c.message);
  }
  // One-byte types have no byte order.
  NpyArray array;
  std::string error;
  Bytes bytes = makeImage(dict(">u1", "(1,)"), 1);
  EXPECT_TRUE(parseNpy(bytes.data(), bytes.size(), array, error)) << error;
}

TEST(NpyTest, RejectsFortranOrder) {
  EXPECT_CONTAINS(rejection(dict("<f4", "(2, 3)", "True"), 24),
                  "fortran_order True is not supported");
}

TEST(NpyTest, RejectsWrongDataSize) {
  EXPECT_CONTAINS(rejection(dict("<f4", "(2, 3)"), 20),
                  "expected 24 bytes of data for shape (2, 3) of f32, found "
                  "20 (the file is truncated)");
  EXPECT_CONTAINS(rejection(dict("<f4", "(2, 3)"), 28),
                  "expected 24 bytes of data for shape (2, 3) of f32, found "
                  "28 (trailing bytes");
  EXPECT_CONTAINS(rejection(dict("<i8", "()"), 0),
                  "expected 8 bytes of data for shape () of i64, found 0");
  EXPECT_CONTAINS(rejection(dict("<f8", "(0, 3)"), 1),
                  "expected 0 bytes of data");
  EXPECT_CONTAINS(rejection(dict("<f8", "(4611686018427387904,)"), 0),
                  "the size of shape (4611686018427387904,) of f64 overflows");
}

TEST(NpyTest, NullBuffer) {
  NpyArray array;
  std::string error;
  EXPECT_FALSE(parseNpy(nullptr, 10, array, error));
  EXPECT_CONTAINS(error, "null buffer");
  EXPECT_FALSE(parseNpy(nullptr, 0, array, error));
  EXPECT_CONTAINS(error, "truncated");
}

TEST_F(NpyFileTest, EveryTruncationFailsCleanly) {
  std::string path = pathOf("t.npy");
  std::string error;
  ASSERT_TRUE(writeNpy(
      path,
      makeArray(DType::I32, {2, 2}, bytesOf(std::vector<int32_t>{1, 2, 3, 4})),
      error))
      << error;
  Bytes bytes = readFile(path);
  for (size_t size = 0; size < bytes.size(); ++size) {
    SCOPED_TRACE("size " + std::to_string(size));
    // A copy of exactly `size` bytes, so ASan sees any read past the end.
    Bytes cut(bytes.begin(), bytes.begin() + size);
    NpyArray array;
    EXPECT_FALSE(
        parseNpy(cut.empty() ? nullptr : cut.data(), cut.size(), array, error));
    EXPECT_FALSE(error.empty());
  }
  // And through readNpy, at a few positions.
  for (size_t size :
       {size_t(0), size_t(5), size_t(9), size_t(40), bytes.size() - 1}) {
    writeFile(path, Bytes(bytes.begin(), bytes.begin() + size));
    NpyArray array;
    EXPECT_FALSE(readNpy(path, array, error)) << size;
  }
}

//===----------------------------------------------------------------------===//
// Compatibility with numpy
//===----------------------------------------------------------------------===//

TEST_F(NpyFileTest, ReadsFilesWrittenByNumpy) {
  if (!hasNumpy())
    GTEST_SKIP() << "/usr/bin/python3 cannot import numpy";
  ASSERT_EQ(runPython(R"(
import numpy as np
from numpy.lib import format as fmt
np.save('f32.npy', np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5)
np.save('f16.npy', np.array([1.0, 1.5, -2.0], dtype=np.float16))
np.save('f64.npy', np.float64(3.25))
np.save('i64.npy', np.array([[-(2**63)], [2**63 - 1]], dtype=np.int64))
np.save('i32.npy', np.array([7, -8], dtype=np.int32))
np.save('i8.npy', np.array([-128, 127], dtype=np.int8))
np.save('u8.npy', np.array([[0, 255]], dtype=np.uint8))
np.save('bool.npy', np.array([True, False, True]))
np.save('empty.npy', np.zeros((0, 3), dtype=np.float32))
np.save('sliced.npy', np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2])
np.save('transposed.npy', np.arange(6, dtype=np.int32).reshape(2, 3).T)
np.save('big.npy', np.array([1, 2], dtype='>f4'))
np.save('fortran.npy', np.asfortranarray(np.ones((2, 3), np.float32)))
for version in [(2, 0), (3, 0)]:
    with open('v%d.npy' % version[0], 'wb') as f:
        fmt.write_array(f, np.array([1, 2, 3], dtype=np.int64), version)
)"),
            0);
  auto load = [&](const std::string &name, NpyArray &array) {
    std::string error;
    bool ok = readNpy(pathOf(name), array, error);
    EXPECT_TRUE(ok) << name << ": " << error;
    return ok;
  };
  NpyArray a;
  if (load("f32.npy", a)) {
    EXPECT_EQ(a.dtype, DType::F32);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(valuesOf<float>(a),
              (std::vector<float>{-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}));
  }
  if (load("f16.npy", a)) {
    EXPECT_EQ(a.dtype, DType::F16);
    EXPECT_EQ(valuesOf<uint16_t>(a),
              (std::vector<uint16_t>{0x3C00, 0x3E00, 0xC000}));
  }
  if (load("f64.npy", a)) {
    EXPECT_EQ(a.dtype, DType::F64);
    EXPECT_TRUE(a.shape.empty());
    EXPECT_EQ(valuesOf<double>(a), (std::vector<double>{3.25}));
  }
  if (load("i64.npy", a)) {
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 1}));
    EXPECT_EQ(valuesOf<int64_t>(a),
              (std::vector<int64_t>{INT64_MIN, INT64_MAX}));
  }
  if (load("i32.npy", a)) {
    EXPECT_EQ(a.dtype, DType::I32);
    EXPECT_EQ(valuesOf<int32_t>(a), (std::vector<int32_t>{7, -8}));
  }
  if (load("i8.npy", a)) {
    EXPECT_EQ(a.dtype, DType::I8);
    EXPECT_EQ(valuesOf<int8_t>(a), (std::vector<int8_t>{-128, 127}));
  }
  if (load("u8.npy", a)) {
    EXPECT_EQ(a.dtype, DType::U8);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(a.data, (Bytes{0, 255}));
  }
  if (load("bool.npy", a)) {
    EXPECT_EQ(a.dtype, DType::Bool);
    EXPECT_EQ(a.data, (Bytes{1, 0, 1}));
  }
  if (load("empty.npy", a)) {
    EXPECT_EQ(a.shape, (std::vector<int64_t>{0, 3}));
    EXPECT_TRUE(a.data.empty());
  }
  // numpy saves non-contiguous views in C order.
  if (load("sliced.npy", a)) {
    EXPECT_EQ(valuesOf<int32_t>(a), (std::vector<int32_t>{0, 2, 4, 6, 8, 10}));
  }
  // A transposed C array is Fortran-contiguous: numpy marks it so.
  std::string error;
  EXPECT_FALSE(readNpy(pathOf("transposed.npy"), a, error));
  EXPECT_CONTAINS(error, "fortran_order True");
  EXPECT_FALSE(readNpy(pathOf("fortran.npy"), a, error));
  EXPECT_CONTAINS(error, "fortran_order True");
  EXPECT_FALSE(readNpy(pathOf("big.npy"), a, error));
  EXPECT_CONTAINS(error, "big-endian descr '>f4'");
  for (const char *name : {"v2.npy", "v3.npy"}) {
    if (load(name, a)) {
      EXPECT_EQ(a.dtype, DType::I64);
      EXPECT_EQ(valuesOf<int64_t>(a), (std::vector<int64_t>{1, 2, 3}));
    }
  }
}

TEST_F(NpyFileTest, NumpyReadsFilesWeWrite) {
  if (!hasNumpy())
    GTEST_SKIP() << "/usr/bin/python3 cannot import numpy";
  struct Named {
    std::string name;
    NpyArray array;
  };
  std::vector<Named> files = {
      {"f32", makeArray(DType::F32, {2, 3},
                        bytesOf(std::vector<float>{-2.5f, -1.5f, -0.5f, 0.5f,
                                                   1.5f, 2.5f}))},
      {"f16",
       makeArray(DType::F16, {3},
                 bytesOf(std::vector<uint16_t>{0x3C00, 0x3E00, 0xC000}))},
      {"f64", makeArray(DType::F64, {}, bytesOf(std::vector<double>{3.25}))},
      {"i64", makeArray(DType::I64, {2, 1},
                        bytesOf(std::vector<int64_t>{INT64_MIN, INT64_MAX}))},
      {"i32", makeArray(DType::I32, {2}, bytesOf(std::vector<int32_t>{7, -8}))},
      {"i8",
       makeArray(DType::I8, {2}, bytesOf(std::vector<int8_t>{-128, 127}))},
      {"u8", makeArray(DType::U8, {1, 2}, Bytes{0, 255})},
      {"bool", makeArray(DType::Bool, {3}, Bytes{1, 0, 1})},
      {"empty", makeArray(DType::F32, {0, 3}, {})},
      {"dims", makeArray(DType::U8, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2},
                         Bytes{3, 4})},
  };
  for (const Named &file : files) {
    std::string error;
    ASSERT_TRUE(writeNpy(pathOf(file.name + ".npy"), file.array, error))
        << file.name << ": " << error;
  }
  EXPECT_EQ(runPython(R"(
import sys
import numpy as np
expected = {
    'f32': np.array([[-2.5, -1.5, -0.5], [0.5, 1.5, 2.5]], np.float32),
    'f16': np.array([1.0, 1.5, -2.0], np.float16),
    'f64': np.array(3.25),
    'i64': np.array([[-(2**63)], [2**63 - 1]], np.int64),
    'i32': np.array([7, -8], np.int32),
    'i8': np.array([-128, 127], np.int8),
    'u8': np.array([[0, 255]], np.uint8),
    'bool': np.array([True, False, True]),
    'empty': np.zeros((0, 3), np.float32),
    'dims': np.array([3, 4], np.uint8).reshape((1,) * 12 + (2,)),
}
failed = False
for name, want in expected.items():
    got = np.load(name + '.npy', allow_pickle=False)
    if (got.dtype != want.dtype or got.shape != want.shape
            or not np.array_equal(got, want)):
        print('mismatch', name, got.dtype, got.shape, got, file=sys.stderr)
        failed = True
sys.exit(1 if failed else 0)
)"),
            0);
}

} // namespace
