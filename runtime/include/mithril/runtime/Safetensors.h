//===- Safetensors.h - safetensors reader and writer ------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Reads and writes the safetensors format: an 8-byte little-endian header
// length N, N bytes of JSON describing every tensor, then the data section.
// Everything in the header is validated before a tensor byte is handed out,
// and no function throws or aborts on bad input: failures come back as a
// message. The runtime uses it for weights, so it needs neither LLVM nor MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_SAFETENSORS_H
#define MITHRIL_RUNTIME_SAFETENSORS_H

#include "mithril/runtime/DType.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mithril::runtime {

struct TensorInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// data_offsets, relative to the start of the data section.
  uint64_t begin = 0, end = 0;
  /// Where the tensor's bytes start inside the mapping or buffer.
  const uint8_t *data = nullptr;

  size_t byteSize() const { return end - begin; }
  /// The product of the shape (1 for a 0-d tensor); -1 if a dimension is
  /// negative or the product overflows, which a validated tensor never has.
  int64_t numElements() const;
};

class SafetensorsFile {
public:
  /// mmaps and validates `path`; nullptr and a message in `error` on failure.
  static std::unique_ptr<SafetensorsFile> open(const std::string &path,
                                               std::string &error);
  /// Validates an in-memory image (not copied; the caller keeps it alive).
  static std::unique_ptr<SafetensorsFile>
  fromBuffer(const uint8_t *bytes, size_t size, std::string &error);

  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  /// munmaps the file when it was mapped.
  ~SafetensorsFile();

  /// Every tensor, in order of data offset.
  const std::vector<TensorInfo> &tensors() const { return tensorList; }
  /// The tensor called `name`, or nullptr.
  const TensorInfo *find(std::string_view name) const;
  /// The "__metadata__" entry (empty when the header has none).
  const std::map<std::string, std::string> &metadata() const {
    return metadataMap;
  }

private:
  SafetensorsFile() = default;
  /// Parses and checks the image in [bytes, bytes + size).
  bool load(const uint8_t *bytes, size_t size, std::string &error);

  void *mapping = nullptr;
  size_t mappingSize = 0;
  std::vector<TensorInfo> tensorList;
  /// Tensor name to index in tensorList; std::less<> allows string_view keys.
  std::map<std::string, size_t, std::less<>> byName;
  std::map<std::string, std::string> metadataMap;
};

struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const void *data;
  size_t size;
};

/// The safetensors file of `tensors` as bytes in `image` (what
/// writeSafetensors writes); false and a message in `error` if a tensor is
/// invalid.
bool serializeSafetensors(const std::vector<TensorToWrite> &tensors,
                          const std::map<std::string, std::string> &metadata,
                          std::string &image, std::string &error);

/// Writes a safetensors file atomically (a temporary file in the same folder,
/// then rename; the temporary is removed on failure). The header lists
/// "__metadata__" first when non-empty, then the tensors in the given order,
/// padded with spaces to a multiple of 8 bytes; the data follows in the same
/// order.
bool writeSafetensors(const std::string &path,
                      const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata,
                      std::string &error);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_SAFETENSORS_H
