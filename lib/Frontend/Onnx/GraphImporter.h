//===- GraphImporter.h - An ONNX graph to a mithril.model --------*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_ONNX_GRAPHIMPORTER_H
#define MITHRIL_LIB_FRONTEND_ONNX_GRAPHIMPORTER_H

#include "NodeImport.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/DenseMap.h"

#include <map>
#include <string>
#include <vector>

namespace mlir::mithril::onnx_import {

/// Imports one ONNX model: its graph's inputs become the model's arguments,
/// floating-point initializers its parameters, and its nodes catalog ops.
class GraphImporter {
public:
  GraphImporter(MLIRContext *context, StringRef path,
                std::vector<std::string> *unsupported);

  OwningOpRef<ModuleOp> import(const onnx::ModelProto &model);

private:
  friend class NodeImport;

  InFlightDiagnostic error(Location loc) {
    hadError = true;
    return emitError(loc);
  }

  Type elementType(int32_t dataType);
  Type inputType(const onnx::ValueInfoProto &info, ArrayAttr &dims);
  ElementsAttr tensorValue(const onnx::TensorProto &tensor, Location loc);
  void importInitializer(const onnx::TensorProto &tensor, StringRef name);
  void importNode(const onnx::NodeProto &node);
  void unsupportedNode(const onnx::NodeProto &node, Location loc,
                       const Twine &what);
  GraphValue constantValue(ElementsAttr value, Location loc);
  Value materialize(const KnownInts &ints, Location loc);
  SmallVector<SymbolicSize> symbolicShape(Value value);

  MLIRContext *context;
  OpBuilder builder;
  std::string path;
  Location fileLoc;
  std::vector<std::string> *unsupportedOut;
  int64_t opset = 0;
  bool hadError = false;
  /// The values of the graph, by ONNX name.
  llvm::StringMap<GraphValue> values;
  /// The initializers that became parameters (for the few ops that need
  /// their values at import: Resize's scales).
  llvm::DenseMap<Value, const onnx::TensorProto *> parameterTensors;
  /// The symbolic shapes found so far.
  llvm::DenseMap<Value, SmallVector<SymbolicSize>> shapes;
  int64_t freshSizes = 0;
  /// Nodes of each unsupported op type.
  std::map<std::string, int64_t> unsupportedCounts;
};

} // namespace mlir::mithril::onnx_import

#endif // MITHRIL_LIB_FRONTEND_ONNX_GRAPHIMPORTER_H
