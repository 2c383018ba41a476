//===- JsonDocument.h - JSON with source positions --------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A parsed JSON document that remembers where each value starts, so that a
// diagnostic can point at the offending value of a model file.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_JSONDOCUMENT_H
#define MITHRIL_LIB_FRONTEND_JSONDOCUMENT_H

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace mlir::mithril {

/// Object keys keep the order of the file: a model's `inputs` are ordered.
using Json = nlohmann::ordered_json;

/// A 1-based line and column of a model file.
struct SourcePosition {
  unsigned line = 1;
  unsigned column = 1;
};

/// A problem found while parsing: where, and what.
struct JsonProblem {
  SourcePosition position;
  std::string pointer; // JSON pointer of the value, empty if unknown
  std::string message;
};

/// A JSON document with the position of each value, addressed by its JSON
/// pointer (RFC 6901, e.g. `/nodes/3/args/kernel_size`).
///
/// nlohmann/json records no positions; the parse callback reads them off a
/// counting input iterator instead.
class JsonDocument {
public:
  /// Parses `text`. On a syntax error or a duplicate object key, returns
  /// std::nullopt and the problems found.
  static std::optional<JsonDocument> parse(llvm::StringRef text,
                                           std::vector<JsonProblem> &problems);

  const Json &root() const { return rootValue; }

  /// Where the value at `pointer` starts; for a pointer the document does
  /// not hold, where its nearest enclosing value starts.
  SourcePosition position(llvm::StringRef pointer) const;

  /// The JSON pointer of `key` in the object at `pointer`.
  static std::string child(llvm::StringRef pointer, llvm::StringRef key);
  static std::string child(llvm::StringRef pointer, size_t index);

private:
  JsonDocument(llvm::StringRef text);
  SourcePosition positionOfOffset(size_t offset) const;

  Json rootValue;
  llvm::StringMap<size_t> offsets; // JSON pointer -> byte offset of value
  std::vector<size_t> lineStarts;  // byte offset of each line's start
};

} // namespace mlir::mithril

#endif // MITHRIL_LIB_FRONTEND_JSONDOCUMENT_H
