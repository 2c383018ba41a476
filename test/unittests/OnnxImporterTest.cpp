//===- OnnxImporterTest.cpp - Reading and importing ONNX models -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OnnxImporter.h"
#include "OnnxFile.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

#include <gtest/gtest.h>

using namespace mlir;
using mlir::mithril::defaultOpset;
using mlir::mithril::OnnxParameter;
using mlir::mithril::parseOnnxModel;
using mlir::mithril::readOnnxParameters;

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

namespace {

/// Imports `model` (serialised) as mlc-translate does, printing the
/// module into `ir`, or the diagnostics into `messages`.
bool importModel(const onnx::ModelProto &model, std::string &ir,
                 std::vector<std::string> &messages) {
  MLIRContext context;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    messages.push_back(diagnostic.str());
    return success();
  });
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(
                                   model.SerializeAsString(), "model.onnx"),
                               llvm::SMLoc());
  OwningOpRef<ModuleOp> module =
      mlir::mithril::importOnnxFile(sourceMgr, &context);
  if (!module)
    return false;
  llvm::raw_string_ostream os(ir);
  module->print(os);
  return true;
}

/// A model reading `x` [N, 4] (N a `dim_param`) and adding the initializer
/// `bias` [4] (raw little-endian floats) to it.
onnx::ModelProto biasModel() {
  onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(13);
  onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("biased");
  onnx::ValueInfoProto *x = graph->add_input();
  x->set_name("x");
  onnx::TypeProto::Tensor *type = x->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  type->mutable_shape()->add_dim()->set_dim_param("N");
  type->mutable_shape()->add_dim()->set_dim_value(4);
  onnx::TensorProto *bias = graph->add_initializer();
  bias->set_name("bias");
  bias->set_data_type(onnx::TensorProto::FLOAT);
  bias->add_dims(4);
  float values[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  bias->set_raw_data(std::string(reinterpret_cast<char *>(values), 16));
  onnx::NodeProto *add = graph->add_node();
  add->set_name("add_bias");
  add->set_op_type("Add");
  add->add_input("x");
  add->add_input("bias");
  add->add_output("y");
  graph->add_output()->set_name("y");
  return model;
}

TEST(OnnxImportTest, SymbolicDimsAndInitializers) {
  std::string ir;
  std::vector<std::string> messages;
  ASSERT_TRUE(importModel(biasModel(), ir, messages))
      << (messages.empty() ? "" : messages[0]);
  EXPECT_NE(ir.find("mithril.model @biased(%x: tensor<?x4xf32> "
                    "{mithril.dims = [\"N\", 4], mithril.name = \"x\"})"),
            std::string::npos)
      << ir;
  // Floating-point initializers are parameters, read from the file itself.
  EXPECT_NE(ir.find("mithril.parameter \"bias\" : tensor<4xf32>"),
            std::string::npos)
      << ir;
  EXPECT_NE(ir.find("model.onnx\""), std::string::npos) << ir;
  EXPECT_NE(ir.find("mithril.add %x, %"), std::string::npos) << ir;
}

TEST(OnnxImportTest, RefusesBadInitializersAndAttributes) {
  onnx::ModelProto model = biasModel();
  // Three floats for four elements.
  model.mutable_graph()->mutable_initializer(0)->mutable_raw_data()->resize(12);
  std::string ir;
  std::vector<std::string> messages;
  EXPECT_FALSE(importModel(model, ir, messages));
  ASSERT_FALSE(messages.empty());
  EXPECT_EQ(messages[0], "tensor 'bias' holds no 4 elements of its type");

  model = biasModel();
  onnx::AttributeProto *attribute =
      model.mutable_graph()->mutable_node(0)->add_attribute();
  attribute->set_name("broadcast");
  attribute->set_i(1);
  messages.clear();
  EXPECT_FALSE(importModel(model, ir, messages));
  EXPECT_EQ(messages, (std::vector<std::string>{
                          "node 'add_bias' (Add): attribute 'broadcast' is "
                          "not supported",
                          "'model.onnx' uses ops not supported: Add: 1 node"}));
}

TEST(OnnxImportTest, ReadsParametersUnderStateDictNames) {
  onnx::ModelProto model = biasModel();
  model.mutable_graph()->mutable_initializer(0)->set_name("onnx::Add_7");
  model.mutable_graph()->mutable_node(0)->set_input(1, "onnx::Add_7");
  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("bias", "onnx", path));
  {
    std::string bytes;
    ASSERT_TRUE(model.SerializeToString(&bytes));
    std::error_code error;
    llvm::raw_fd_ostream os(path, error);
    ASSERT_FALSE(error);
    os << bytes;
  }
  MLIRContext context;
  std::vector<std::string> messages;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    messages.push_back(diagnostic.str());
    return success();
  });
  FailureOr<std::vector<OnnxParameter>> parameters = readOnnxParameters(
      path, [&] { return emitError(UnknownLoc::get(&context)); });
  llvm::sys::fs::remove(path);
  ASSERT_TRUE(succeeded(parameters)) << (messages.empty() ? "" : messages[0]);
  ASSERT_EQ(parameters->size(), 1u);
  const OnnxParameter &bias = parameters->front();
  EXPECT_EQ(bias.name, "onnx__Add_7");
  EXPECT_EQ(bias.dtype, "f32");
  EXPECT_EQ(bias.shape, std::vector<int64_t>{4});
  float values[4] = {1.0f, 2.0f, 3.0f, 4.0f};
  EXPECT_EQ(bias.bytes, std::string(reinterpret_cast<char *>(values), 16));

  // A file that is no model is an error, not a crash.
  messages.clear();
  EXPECT_TRUE(failed(readOnnxParameters("/nonexistent/model.onnx", [&] {
    return emitError(UnknownLoc::get(&context));
  })));
  EXPECT_FALSE(messages.empty());
}

} // namespace
