//===- TempDirTest.h - A GoogleTest fixture with a scratch folder -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The runtime's file-format tests write and read real files: each test gets
// a fresh temporary folder, removed afterwards.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TEST_UNITTESTS_TEMPDIRTEST_H
#define MITHRIL_TEST_UNITTESTS_TEMPDIRTEST_H

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace mithril::testing {

using Bytes = std::vector<uint8_t>;

class TempDirTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mithril-test-XXXXXX")
            .string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  /// The path of `name` in the folder.
  std::string pathOf(const std::string &name) const {
    return (std::filesystem::path(dir) / name).string();
  }
  /// The names of the folder's entries.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto &entry : std::filesystem::directory_iterator(dir, ec))
      names.push_back(entry.path().filename().string());
    return names;
  }
  Bytes readFile(const std::string &path) const {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
  }
  void writeFile(const std::string &path, const uint8_t *bytes,
                 size_t size) const {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes), std::streamsize(size));
  }
  void writeFile(const std::string &path, const Bytes &bytes) const {
    writeFile(path, bytes.data(), bytes.size());
  }

  std::string dir;
};

} // namespace mithril::testing

#endif // MITHRIL_TEST_UNITTESTS_TEMPDIRTEST_H
