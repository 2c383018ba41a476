//===- OnnxFileTest.cpp - Reading ONNX model files ------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "OnnxFile.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

using namespace mlir;
using mlir::mithril::defaultOpset;
using mlir::mithril::parseOnnxModel;

namespace {

/// A test of ONNX's own backend test data (Debian's libonnx-testdata).
constexpr const char *kReluModel =
    "/usr/share/libonnx-testdata/data/node/test_relu/model.onnx";

/// Parses `bytes`, collecting the diagnostics' messages in `messages`.
FailureOr<onnx::ModelProto> parse(MLIRContext &context, StringRef bytes,
                                  std::vector<std::string> &messages) {
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    messages.push_back(diagnostic.str());
    return success();
  });
  Location location = FileLineColLoc::get(&context, "model.onnx", 0, 0);
  return parseOnnxModel(bytes, "model.onnx",
                        [&] { return emitError(location); });
}

std::string readFile(const char *path) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  EXPECT_TRUE(bool(buffer)) << path;
  return buffer ? (*buffer)->getBuffer().str() : "";
}

TEST(OnnxFileTest, ReadsAModelOfTheBackendTests) {
  MLIRContext context;
  std::vector<std::string> messages;
  FailureOr<onnx::ModelProto> model =
      parse(context, readFile(kReluModel), messages);
  ASSERT_TRUE(succeeded(model)) << (messages.empty() ? "" : messages[0]);
  EXPECT_TRUE(messages.empty());
  ASSERT_EQ(model->graph().node_size(), 1);
  EXPECT_EQ(model->graph().node(0).op_type(), "Relu");
  EXPECT_GE(defaultOpset(*model).value_or(0), 1);
}

TEST(OnnxFileTest, RefusesMalformedFiles) {
  MLIRContext context;
  std::string relu = readFile(kReluModel);
  for (const std::string &bytes :
       {relu.substr(0, relu.size() / 2), std::string("\xff\xff\xff\xff", 4),
        std::string("{\"format\": \"mithril-model\"}")}) {
    std::vector<std::string> messages;
    EXPECT_TRUE(failed(parse(context, bytes, messages)));
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(messages[0], "'model.onnx' is not an ONNX model (no ModelProto)");
  }
  // An empty file is an empty message: no graph.
  std::vector<std::string> messages;
  EXPECT_TRUE(failed(parse(context, "", messages)));
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], "'model.onnx' is not an ONNX model (no graph)");
}

TEST(OnnxFileTest, RefusesAModelItCannotImport) {
  MLIRContext context;
  onnx::ModelProto model;
  onnx::GraphProto *graph = model.mutable_graph();
  graph->add_input();                   // unnamed
  graph->add_node()->set_name("first"); // no op type
  std::string bytes = model.SerializeAsString();
  std::vector<std::string> messages;
  EXPECT_TRUE(failed(parse(context, bytes, messages)));
  EXPECT_EQ(messages,
            std::vector<std::string>{
                "'model.onnx' imports no opset of the default ONNX domain"});

  model.add_opset_import()->set_version(13);
  bytes = model.SerializeAsString();
  messages.clear();
  EXPECT_TRUE(failed(parse(context, bytes, messages)));
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "'model.onnx': a graph input has no name",
                          "'model.onnx': the graph has no outputs",
                          "'model.onnx': node 0 'first' has no op type"}));
}

} // namespace
