//===- Signature.h - A compiled library's entries and ports -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The signature JSON that mlc-compile embeds in every library, read into
// plain structs. Reading checks everything the runtime later relies on
// (known dtypes, ranks within MITHRIL_MAX_RANK, dims >= 0 or dynamic), so a
// damaged library is refused at load time instead of misread at run time.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_SRC_SIGNATURE_H
#define MITHRIL_RUNTIME_SRC_SIGNATURE_H

#include "mithril/runtime/Safetensors.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mithril::runtime {

/// One input, output or parameter.
struct Port {
  std::string name;
  DType dtype = DType::F32;
  /// -1 for a dynamic dim.
  std::vector<int64_t> shape;
  /// The symbol each dim is bound to ("" if none).
  std::vector<std::string> symbols;

  /// `[N,3,32,32]`: fixed dims as numbers, dynamic ones by symbol or `?`.
  std::string describeShape() const;
};

struct Entry {
  std::string name;
  std::vector<Port> inputs, outputs, parameters;
};

struct Signature {
  std::vector<Entry> entries;
};

/// Parses `json`; false and a message in `error` if it is not a valid
/// signature.
bool parseSignature(const char *json, Signature &signature, std::string &error);

/// `[8,3,32,31]`.
std::string formatShape(const int64_t *shape, size_t rank);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_SRC_SIGNATURE_H
