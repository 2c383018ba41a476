//===- JsonPathDiagnostics.h - Diagnostics that name the JSON path -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_JSONPATHDIAGNOSTICS_H
#define MITHRIL_FRONTEND_JSONPATHDIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"

#include <optional>
#include <string>

namespace mlir::mithril {

/// The JSON path a model-file location carries (`/nodes/3/args/stride`),
/// and the name of the node if it has one.
struct JsonPathOfLoc {
  std::string path;
  std::string node;
};
std::optional<JsonPathOfLoc> getJsonPath(Location loc);

/// While alive, prefixes each diagnostic at a model-file location with its
/// JSON path (and node name), then passes it on to the handlers below:
///
///   model.json:12:34: error: /nodes/3/args/kernel_size: expected ...
///
/// The source printer only shows a location's file, line and column; the
/// path is what tells a user which value of a long file is meant.
class JsonPathDiagnosticHandler : public ScopedDiagnosticHandler {
public:
  explicit JsonPathDiagnosticHandler(MLIRContext *context);

private:
  bool rewriting = false;
};

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_JSONPATHDIAGNOSTICS_H
