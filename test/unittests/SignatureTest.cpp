//===- SignatureTest.cpp - Reading a library's signature ------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Signature.h"

#include <gtest/gtest.h>

using mithril::runtime::parseSignature;
using mithril::runtime::printSignature;
using mithril::runtime::Signature;

namespace {

/// A signature with one parameter `w` of shape [16, 8], whose entry
/// prepares it as `prepared` (a JSON object).
std::string withPrepared(const std::string &prepared) {
  return R"({"entries": [{"name": "net", "inputs": [], "outputs": [],
    "parameters": [{"name": "w", "dtype": "f32", "shape": [16, 8]}],
    "prepared": [)" +
         prepared + "]}]}";
}

/// The error parsing `text` gives; empty if it parses.
std::string parseError(const std::string &text) {
  Signature signature;
  std::string error;
  bool parsed = parseSignature(text.c_str(), signature, error);
  EXPECT_EQ(parsed, error.empty());
  return error;
}

TEST(SignatureTest, PreparedParameterIsAPermutedView) {
  Signature signature;
  std::string error;
  ASSERT_TRUE(parseSignature(
      withPrepared(
          R"({"parameter": "w", "shape": [2, 8, 8], "permutation": [0, 2, 1]})")
          .c_str(),
      signature, error))
      << error;
  const auto &prepared = signature.entries[0].prepared.at(0);
  EXPECT_EQ(prepared.shape, (std::vector<int64_t>{2, 8, 8}));
  EXPECT_EQ(prepared.permutation, (std::vector<int64_t>{0, 2, 1}));

  // Printed, it reads back the same.
  Signature again;
  ASSERT_TRUE(parseSignature(printSignature(signature).c_str(), again, error))
      << error;
  EXPECT_EQ(again.entries[0].prepared.at(0).shape, prepared.shape);
  EXPECT_EQ(again.entries[0].prepared.at(0).permutation, prepared.permutation);
}

TEST(SignatureTest, PreparedShapeDefaultsToTheParameters) {
  Signature signature;
  std::string error;
  ASSERT_TRUE(parseSignature(
      withPrepared(R"({"parameter": "w", "permutation": [1, 0]})").c_str(),
      signature, error))
      << error;
  EXPECT_EQ(signature.entries[0].prepared.at(0).shape,
            (std::vector<int64_t>{16, 8}));
}

TEST(SignatureTest, RefusesMalformedPreparedParameters) {
  EXPECT_EQ(
      parseError(withPrepared(
          R"({"parameter": "w", "shape": [2, 8], "permutation": [0, 1]})")),
      "entry 'net': prepared 'w' has no shape of the parameter's elements");
  EXPECT_EQ(
      parseError(withPrepared(
          R"({"parameter": "w", "shape": [0, 8], "permutation": [0, 1]})")),
      "entry 'net': prepared 'w' has no shape of the parameter's elements");
  EXPECT_EQ(
      parseError(withPrepared(
          R"({"parameter": "w", "shape": [4611686018427387904, 4], "permutation": [0, 1]})")),
      "entry 'net': prepared 'w' has no shape of the parameter's elements");
  EXPECT_EQ(
      parseError(withPrepared(
          R"({"parameter": "w", "shape": [2, 8, 8], "permutation": [1, 0]})")),
      "entry 'net': prepared 'w' has no permutation of its dims");
  EXPECT_EQ(
      parseError(withPrepared(
          R"({"parameter": "w", "shape": [128], "permutation": [0, 0]})")),
      "entry 'net': prepared 'w' has no permutation of its dims");
  EXPECT_EQ(
      parseError(withPrepared(R"({"parameter": "v", "permutation": [1, 0]})")),
      "entry 'net': a prepared parameter names no parameter of the entry");
}

} // namespace
