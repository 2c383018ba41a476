//===- FileSupport.cpp - Files and sizes for the runtime readers ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "FileSupport.h"

#include <cstring>
#include <limits>

namespace {
// strerror_r comes in a GNU flavour (returns the text) and an XSI flavour
// (returns an int); these overloads accept either. strerror is not
// thread-safe.
[[maybe_unused]] const char *errorText(int result, const char *buffer) {
  return result == 0 ? buffer : "unknown error";
}
[[maybe_unused]] const char *errorText(const char *result, const char *) {
  return result;
}

} // namespace

std::string mithril::runtime::systemError(int err) {
  char buffer[256] = "";
  return errorText(strerror_r(err, buffer, sizeof(buffer)), buffer);
}

std::optional<uint64_t>
mithril::runtime::checkedNumElements(const std::vector<int64_t> &shape) {
  uint64_t count = 1;
  bool hasZero = false;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    hasZero |= dim == 0;
  }
  if (hasZero)
    return 0;
  for (int64_t dim : shape)
    if (__builtin_mul_overflow(count, uint64_t(dim), &count) ||
        count > uint64_t(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
  return count;
}

std::optional<uint64_t>
mithril::runtime::checkedByteSize(const std::vector<int64_t> &shape,
                                  DType dtype) {
  size_t elementSize = dtypeSize(dtype);
  std::optional<uint64_t> count = checkedNumElements(shape);
  uint64_t bytes = 0;
  if (elementSize == 0 || !count ||
      __builtin_mul_overflow(*count, uint64_t(elementSize), &bytes))
    return std::nullopt;
  return bytes;
}
