//===- JsonPathDiagnostics.cpp - Diagnostics that name the JSON path ------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/JsonPathDiagnostics.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"

using namespace mlir;
using namespace mlir::mithril;

std::optional<JsonPathOfLoc> mlir::mithril::getJsonPath(Location loc) {
  std::string node;
  while (true) {
    if (auto nameLoc = dyn_cast<NameLoc>(loc)) {
      StringRef name = nameLoc.getName().getValue();
      if (name.starts_with("/"))
        return JsonPathOfLoc{name.str(), node};
      if (node.empty())
        node = name.str();
      loc = nameLoc.getChildLoc();
    } else if (auto callSite = dyn_cast<CallSiteLoc>(loc)) {
      loc = callSite.getCallee();
    } else {
      return std::nullopt;
    }
  }
}

JsonPathDiagnosticHandler::JsonPathDiagnosticHandler(MLIRContext *context)
    : ScopedDiagnosticHandler(context) {
  setHandler([this, context](Diagnostic &diag) -> LogicalResult {
    std::optional<JsonPathOfLoc> path = getJsonPath(diag.getLocation());
    if (rewriting || !path)
      return failure(); // Let the next handler print it as it is.
    rewriting = true;
    InFlightDiagnostic rewritten =
        context->getDiagEngine().emit(diag.getLocation(), diag.getSeverity());
    rewritten << path->path;
    if (!path->node.empty())
      rewritten << " ('" << path->node << "')";
    rewritten << ": " << diag.str();
    for (Diagnostic &note : diag.getNotes())
      rewritten.attachNote(note.getLocation()) << note.str();
    rewritten.report();
    rewriting = false;
    return success();
  });
}
