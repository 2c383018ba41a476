//===- OnnxImporter.h - ONNX models to the mithril dialect ------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The ONNX importer (issue 8): a `.onnx` file in, a module with one
// `mithril.model` out. Each node's location carries its name and op type.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_ONNXIMPORTER_H
#define MITHRIL_FRONTEND_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

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

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_ONNXIMPORTER_H
