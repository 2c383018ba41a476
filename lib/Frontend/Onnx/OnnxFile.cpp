//===- OnnxFile.cpp - Reading ONNX model files ----------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "OnnxFile.h"

#include <limits>

using namespace mlir;

std::optional<int64_t>
mlir::mithril::defaultOpset(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return std::nullopt;
}

FailureOr<onnx::ModelProto>
mlir::mithril::parseOnnxModel(StringRef bytes, StringRef path,
                              function_ref<InFlightDiagnostic()> emitError) {
  onnx::ModelProto model;
  // protobuf parses at most 2 GiB at once (larger models keep their
  // weights in external files, which ONNX supports).
  if (bytes.size() > size_t(std::numeric_limits<int>::max()) ||
      !model.ParseFromArray(bytes.data(), int(bytes.size()))) {
    emitError() << "'" << path << "' is not an ONNX model (no ModelProto)";
    return failure();
  }
  bool ok = true;
  auto problem = [&]() -> InFlightDiagnostic {
    ok = false;
    return emitError();
  };
  // An empty or foreign file can parse as an empty message: a model has
  // a graph and says which opset it uses.
  if (!model.has_graph())
    problem() << "'" << path << "' is not an ONNX model (no graph)";
  else if (!defaultOpset(model))
    problem() << "'" << path << "' imports no opset of the default ONNX domain";
  if (!ok)
    return failure();

  const onnx::GraphProto &graph = model.graph();
  for (const onnx::ValueInfoProto &input : graph.input())
    if (input.name().empty())
      problem() << "'" << path << "': a graph input has no name";
  if (graph.output_size() == 0)
    problem() << "'" << path << "': the graph has no outputs";
  for (const onnx::ValueInfoProto &output : graph.output())
    if (output.name().empty())
      problem() << "'" << path << "': a graph output has no name";
  for (auto [index, node] : llvm::enumerate(graph.node()))
    if (node.op_type().empty())
      problem() << "'" << path << "': node " << index
                << (node.name().empty() ? "" : " '" + node.name() + "'")
                << " has no op type";
  if (!ok)
    return failure();
  return model;
}
