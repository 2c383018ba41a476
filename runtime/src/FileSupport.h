//===- FileSupport.h - Files and sizes for the runtime readers --*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// What the safetensors and .npy readers and writers share: system error
// text, overflow-checked tensor sizes, and a temporary file that becomes the
// destination only once it is complete. Internal to the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_SRC_FILESUPPORT_H
#define MITHRIL_RUNTIME_SRC_FILESUPPORT_H

#include "mithril/runtime/DType.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

namespace mithril::runtime {

/// The text of the system error `err` (thread-safe).
std::string systemError(int err);

/// The element count of `shape`, or nullopt when a dimension is negative or
/// the product does not fit in int64_t. A zero dimension makes the count 0
/// whatever the other dimensions are.
std::optional<uint64_t> checkedNumElements(const std::vector<int64_t> &shape);

/// The byte size of a tensor, or nullopt on a bad shape, an unknown dtype or
/// an overflow.
std::optional<uint64_t> checkedByteSize(const std::vector<int64_t> &shape,
                                        DType dtype);

/// A temporary file next to the destination, removed unless committed.
class TempFile {
public:
  ~TempFile() {
    if (stream)
      std::fclose(stream);
    if (!tempPath.empty())
      ::unlink(tempPath.c_str());
  }

  bool create(const std::string &path, std::string &error) {
    std::string pattern = path + ".tmp.XXXXXX";
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
      error = "cannot create a temporary file: " + systemError(errno);
      return false;
    }
    tempPath = pattern;
    // mkstemp creates the file 0600; weights are ordinary readable files.
    if (::fchmod(fd, 0644) != 0 || !(stream = ::fdopen(fd, "wb"))) {
      error = "cannot set up the temporary file: " + systemError(errno);
      ::close(fd);
      return false;
    }
    return true;
  }

  bool write(const void *data, size_t size, std::string &error) {
    if (size == 0 || std::fwrite(data, 1, size, stream) == size)
      return true;
    error = "write failed: " + systemError(errno);
    return false;
  }

  /// Flushes to disk, then renames over `path` so readers never see a
  /// half-written file.
  bool commit(const std::string &path, std::string &error) {
    bool flushed = std::fflush(stream) == 0 && ::fsync(::fileno(stream)) == 0;
    int flushError = errno;
    bool closed = std::fclose(stream) == 0;
    stream = nullptr;
    if (!flushed || !closed) {
      error = "write failed: " + systemError(flushed ? errno : flushError);
      return false;
    }
    if (std::rename(tempPath.c_str(), path.c_str()) != 0) {
      error =
          "cannot move the temporary file into place: " + systemError(errno);
      return false;
    }
    tempPath.clear();
    return true;
  }

private:
  std::string tempPath;
  FILE *stream = nullptr;
};

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_SRC_FILESUPPORT_H
