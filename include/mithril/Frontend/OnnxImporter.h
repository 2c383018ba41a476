//===- OnnxImporter.h - ONNX models to the mithril dialect ------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The ONNX importer (issue 8): a `.onnx` file in, a module with one
// `mithril.model` out. Each node's location carries its name and op type.
// Floating-point initializers are the model's parameters: the module's
// `mithril.weights` names the `.onnx` file, and `openOnnxWeights` reads
// them when a library is built.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_ONNXIMPORTER_H
#define MITHRIL_FRONTEND_ONNXIMPORTER_H

#include "mithril/Support/WeightSource.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OwningOpRef.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::mithril {

/// Imports the ONNX model (a serialized ModelProto) in the main buffer of
/// `sourceMgr`. Graph inputs become the model's arguments, `dim_param`
/// names its symbolic dims; initializers and `Constant` nodes become
/// `mithril.constant`s. A node of an op (or with an attribute) that is not
/// supported gets one diagnostic naming the node, the op and what is
/// missing, and the import ends with a summary of the unsupported ops;
/// returns null if anything was reported. `unsupported`, when given,
/// receives that summary's lines ("Op: N node(s)") instead, with no
/// diagnostics for them.
OwningOpRef<ModuleOp>
importOnnxFile(llvm::SourceMgr &sourceMgr, MLIRContext *context,
               std::vector<std::string> *unsupported = nullptr);

/// A parameter of an ONNX model, named as the importer names it.
struct OnnxParameter {
  std::string name;
  /// The model-file dtype name: "f32", "f16", "bf16" or "f64".
  std::string dtype;
  std::vector<int64_t> shape;
  /// The data, little-endian.
  std::string bytes;
};

/// The parameters of the ONNX model at `path`, with their data (external
/// data read from beside the model); failure after a diagnostic.
FailureOr<std::vector<OnnxParameter>>
readOnnxParameters(StringRef path,
                   function_ref<InFlightDiagnostic()> emitError);

/// The parameters of the ONNX model at `path` as a weight source; failure
/// after a diagnostic at `loc`.
FailureOr<std::unique_ptr<WeightSource>> openOnnxWeights(StringRef path,
                                                         Location loc);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_ONNXIMPORTER_H
