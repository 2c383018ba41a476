//===- Npy.h - NumPy .npy reader and writer ---------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Reads and writes single arrays in NumPy's .npy format (versions 1.0, 2.0
// and 3.0): the magic "\x93NUMPY", a version, a little-endian header length,
// a Python dict literal describing the array, then the raw data. The header
// is parsed by hand and validated before any data byte is used, and no
// function throws or aborts on bad input: failures come back as a message.
// Only little-endian, C-order arrays of the runtime's dtypes are supported;
// bf16 has no NumPy dtype. Like Safetensors.h, it needs neither LLVM nor MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_NPY_H
#define MITHRIL_RUNTIME_NPY_H

#include "mithril/runtime/DType.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mithril::runtime {

struct NpyArray {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  /// C order, little-endian; a bool is one byte holding 0 or 1.
  std::vector<uint8_t> data;

  /// The product of the shape (1 for a 0-d array); -1 if a dimension is
  /// negative or the product overflows, which a parsed array never has.
  int64_t numElements() const;
};

/// Reads `path`; false and a message in `error` on failure.
bool readNpy(const std::string &path, NpyArray &array, std::string &error);

/// Parses an in-memory .npy image (the data is copied into `array`).
bool parseNpy(const uint8_t *bytes, size_t size, NpyArray &array,
              std::string &error);

/// Writes `array` (version 1.0 header, or 2.0 if the header needs it)
/// atomically: a temporary file in the same folder, then rename; the
/// temporary is removed on failure. The data starts at a multiple of 64
/// bytes, as NumPy writes it.
bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_NPY_H
