//===- OnnxFile.cpp - Reading ONNX model files ----------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "OnnxFile.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cstring>
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

int64_t mlir::mithril::onnxElementSize(int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::INT64:
    return 8;
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
    return 4;
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    return 2;
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    return 1;
  default:
    return 0;
  }
}

namespace {

/// The bytes of `count` values of a repeated field, each narrowed to
/// `width` bytes (int32_data holds every type narrower than 32 bits).
template <typename Field>
std::string fieldBytes(const Field &field, int64_t width) {
  std::string bytes(field.size() * width, '\0');
  for (int i = 0; i < field.size(); ++i) {
    auto value = field.Get(i);
    std::memcpy(&bytes[i * width], &value, width);
  }
  return bytes;
}

/// The bytes of an external tensor: `length` bytes from `offset` of the
/// file `location` beside the model.
FailureOr<std::string>
externalBytes(const onnx::TensorProto &tensor, StringRef modelDir,
              function_ref<InFlightDiagnostic()> emitError) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const onnx::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" &&
             !llvm::to_integer(entry.value(), offset))
      location.clear();
    else if (entry.key() == "length" &&
             !llvm::to_integer(entry.value(), length.emplace()))
      location.clear();
  }
  // The location is relative to the model and stays beside it.
  if (location.empty() || llvm::sys::path::is_absolute(location) ||
      llvm::is_contained(llvm::make_range(llvm::sys::path::begin(location),
                                          llvm::sys::path::end(location)),
                         "..")) {
    emitError() << "tensor '" << tensor.name()
                << "' has no valid external data location";
    return failure();
  }
  SmallString<256> file(modelDir);
  llvm::sys::path::append(file, location);
  auto buffer = llvm::MemoryBuffer::getFile(file);
  if (!buffer) {
    emitError() << "cannot read '" << file << "' (external data of tensor '"
                << tensor.name() << "'): " << buffer.getError().message();
    return failure();
  }
  StringRef contents = (*buffer)->getBuffer();
  uint64_t available = offset <= contents.size() ? contents.size() - offset : 0;
  uint64_t taken = length.value_or(available);
  if (offset > contents.size() || taken > available) {
    emitError() << "'" << file << "' is too short for tensor '" << tensor.name()
                << "'";
    return failure();
  }
  return contents.substr(offset, taken).str();
}

} // namespace

FailureOr<std::string>
mlir::mithril::readTensorBytes(const onnx::TensorProto &tensor, int64_t count,
                               StringRef modelDir,
                               function_ref<InFlightDiagnostic()> emitError) {
  int32_t type = tensor.data_type();
  int64_t width = onnxElementSize(type);
  FailureOr<std::string> bytes = failure();
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    bytes = externalBytes(tensor, modelDir, emitError);
  else if (tensor.has_raw_data())
    bytes = tensor.raw_data();
  else if (type == onnx::TensorProto::FLOAT)
    bytes = fieldBytes(tensor.float_data(), 4);
  else if (type == onnx::TensorProto::DOUBLE)
    bytes = fieldBytes(tensor.double_data(), 8);
  else if (type == onnx::TensorProto::INT64)
    bytes = fieldBytes(tensor.int64_data(), 8);
  else if (width > 0)
    bytes = fieldBytes(tensor.int32_data(), width);
  else
    return failure();
  if (failed(bytes))
    return failure();
  if (int64_t(bytes->size()) != count * width) {
    emitError() << "tensor '" << tensor.name() << "' holds no " << count
                << " elements of its type";
    return failure();
  }
  return bytes;
}

bool mlir::mithril::isParameter(const onnx::TensorProto &tensor) {
  int64_t count = 1;
  for (int64_t size : tensor.dims())
    count *= std::max<int64_t>(size, 0);
  return count > 1 &&
         llvm::is_contained(
             {onnx::TensorProto::FLOAT, onnx::TensorProto::FLOAT16,
              onnx::TensorProto::BFLOAT16, onnx::TensorProto::DOUBLE},
             tensor.data_type());
}

std::vector<std::string>
mlir::mithril::parameterNames(const onnx::GraphProto &graph) {
  std::vector<std::string> names;
  llvm::StringSet<> taken;
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    if (!isParameter(tensor)) {
      names.emplace_back();
      continue;
    }
    // Dot-separated segments of letters, digits and '_', as a state_dict.
    SmallVector<StringRef> segments;
    StringRef(tensor.name()).split(segments, '.');
    std::string name;
    for (StringRef segment : segments) {
      std::string clean;
      for (char c : segment)
        clean += llvm::isAlnum(c) || c == '_' ? c : '_';
      name += (name.empty() ? "" : ".") + (clean.empty() ? "_" : clean);
    }
    std::string unique = name;
    for (int suffix = 2; !taken.insert(unique).second; ++suffix)
      unique = name + "_" + std::to_string(suffix);
    names.push_back(unique);
  }
  return names;
}
