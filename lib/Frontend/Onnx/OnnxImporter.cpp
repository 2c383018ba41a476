//===- OnnxImporter.cpp - ONNX models to the mithril dialect --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A graph's nodes are imported in order (ONNX requires them topologically
// sorted), each by its op type's converter, to catalog ops built by name
// and typed by the ops' own inference, as the model-file importer does.
// Integer tensors of rank 0 or 1 known at import time (shapes and what is
// computed from them) are kept as values, not ops, and fold into the
// attributes of the ops that take them. What is not supported is reported
// per node and summed up per op.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OnnxImporter.h"
#include "GraphImporter.h"
#include "OnnxFile.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

/// Known integer tensors are at most this long (shapes, indices, pads).
constexpr int64_t kMaxKnownInts = 64;

const ConverterTable &converters() {
  static const ConverterTable table = [] {
    ConverterTable converters;
    addElementwiseConverters(converters);
    addLayerConverters(converters);
    addShapeConverters(converters);
    addReductionConverters(converters);
    addEinsumConverter(converters);
    addResizeConverters(converters);
    return converters;
  }();
  return table;
}

/// `graphName` as a model name, a C identifier (exporters name graphs
/// `torch-jit-export`): other characters become `_`.
std::string modelName(StringRef graphName) {
  std::string name;
  for (char c : graphName)
    name += llvm::isAlnum(c) || c == '_' ? c : '_';
  if (name.empty() || llvm::isDigit(name.front()))
    name.insert(0, "model_");
  return name;
}

/// The number of elements of `dims`; none if one is negative or the
/// count is absurdly large.
std::optional<int64_t> elementCount(ArrayRef<int64_t> dims) {
  int64_t count = 1;
  for (int64_t size : dims) {
    if (size < 0 || (size > 0 && count > (int64_t(1) << 40) / size))
      return std::nullopt;
    count *= size;
  }
  return count;
}

} // namespace

GraphImporter::GraphImporter(MLIRContext *context, StringRef path,
                             std::vector<std::string> *unsupported)
    : context(context), builder(context), path(path.str()),
      fileLoc(FileLineColLoc::get(context, path, 0, 0)),
      unsupportedOut(unsupported) {}

/// The MLIR element type of an ONNX TensorProto data type; null if none.
Type GraphImporter::elementType(int32_t dataType) {
  switch (dataType) {
  case onnx::TensorProto::FLOAT:
    return builder.getF32Type();
  case onnx::TensorProto::DOUBLE:
    return builder.getF64Type();
  case onnx::TensorProto::FLOAT16:
    return builder.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return builder.getBF16Type();
  case onnx::TensorProto::INT8:
    return builder.getI8Type();
  case onnx::TensorProto::INT32:
    return builder.getI32Type();
  case onnx::TensorProto::INT64:
    return builder.getI64Type();
  case onnx::TensorProto::UINT8:
    return builder.getIntegerType(8, /*isSigned=*/false);
  case onnx::TensorProto::BOOL:
    return builder.getI1Type();
  default:
    return {};
  }
}

/// The tensor type of a graph input, with its dims as `mithril.dims` writes
/// them (a `dim_param` by name, an unnamed unknown dim as "?"); null after
/// a diagnostic if it has none.
Type GraphImporter::inputType(const onnx::ValueInfoProto &info,
                              ArrayAttr &dims) {
  if (!info.type().has_tensor_type() ||
      !info.type().tensor_type().has_shape()) {
    error(fileLoc) << "'" << path << "': input '" << info.name()
                   << "' is not a tensor of known rank";
    return {};
  }
  const onnx::TypeProto::Tensor &tensor = info.type().tensor_type();
  Type element = elementType(tensor.elem_type());
  if (!element) {
    error(fileLoc) << "'" << path << "': input '" << info.name()
                   << "' has an unsupported data type (" << tensor.elem_type()
                   << ")";
    return {};
  }
  SmallVector<int64_t> shape;
  SmallVector<Attribute> names;
  for (const onnx::TensorShapeProto::Dimension &dim : tensor.shape().dim()) {
    if (dim.has_dim_value() && dim.dim_value() >= 0) {
      shape.push_back(dim.dim_value());
      names.push_back(builder.getI64IntegerAttr(dim.dim_value()));
      continue;
    }
    shape.push_back(ShapedType::kDynamic);
    names.push_back(builder.getStringAttr(
        dim.has_dim_param() && !dim.dim_param().empty() ? dim.dim_param()
                                                        : "?"));
  }
  dims = builder.getArrayAttr(names);
  return RankedTensorType::get(shape, element);
}

/// The value of a constant tensor (an initializer or a `Constant`'s); null
/// after a diagnostic if its data type is not supported, or its data does
/// not hold its shape.
ElementsAttr GraphImporter::tensorValue(const onnx::TensorProto &tensor,
                                        Location loc) {
  Type element = elementType(tensor.data_type());
  if (!element) {
    error(loc) << "tensor '" << tensor.name() << "' has an unsupported "
               << "data type (" << tensor.data_type() << ")";
    return {};
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  std::optional<int64_t> count = elementCount(shape);
  if (!count) {
    error(loc) << "tensor '" << tensor.name() << "' has an invalid shape";
    return {};
  }
  FailureOr<std::string> bytes =
      readTensorBytes(tensor, *count, llvm::sys::path::parent_path(path),
                      [&] { return error(loc); });
  if (failed(bytes))
    return {};
  auto type = RankedTensorType::get(shape, element);
  if (element.isInteger(1)) {
    SmallVector<bool> flags;
    for (char byte : *bytes)
      flags.push_back(byte != 0);
    return DenseElementsAttr::get(type, flags);
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes->data(), bytes->size()));
}

/// An initializer as a parameter named `name` (the model's weights), or,
/// without a name, as a constant.
void GraphImporter::importInitializer(const onnx::TensorProto &tensor,
                                      StringRef name) {
  Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
  if (!name.empty()) {
    SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
    if (!elementCount(shape)) {
      error(loc) << "tensor '" << tensor.name() << "' has an invalid shape";
      return;
    }
    // The data is read when a library is built; a tensor that does not
    // hold its shape is reported now.
    if (failed(readTensorBytes(tensor, *elementCount(shape),
                               llvm::sys::path::parent_path(path),
                               [&] { return error(loc); })))
      return;
    auto type = RankedTensorType::get(shape, elementType(tensor.data_type()));
    Value parameter = ParameterOp::create(builder, loc, type, name);
    values[tensor.name()].tensor = parameter;
    parameterTensors[parameter] = &tensor;
    return;
  }
  if (ElementsAttr value = tensorValue(tensor, loc))
    values[tensor.name()] = constantValue(value, loc);
}

/// A constant as known integers where it is a small integer vector (a
/// shape), else as a `mithril.constant`.
GraphValue GraphImporter::constantValue(ElementsAttr value, Location loc) {
  auto type = cast<RankedTensorType>(value.getType());
  if (isa<IntegerType>(type.getElementType()) &&
      !type.getElementType().isInteger(1) && type.getRank() <= 1 &&
      type.getNumElements() <= kMaxKnownInts) {
    KnownInts ints{type.getElementType(), type.getRank() == 0, {}};
    for (APInt element : value.getValues<APInt>())
      ints.elements.push_back(SymbolicSize::constant(
          type.getElementType().isUnsignedInteger() ? element.getZExtValue()
                                                    : element.getSExtValue()));
    return GraphValue{Value(), std::move(ints)};
  }
  return GraphValue{ConstantOp::create(builder, loc, type, value).getResult(),
                    std::nullopt};
}

/// Known integers as a `mithril.constant`; null if one is not a constant.
Value GraphImporter::materialize(const KnownInts &ints, Location loc) {
  std::optional<SmallVector<int64_t>> constants = ints.constants();
  if (!constants)
    return {};
  SmallVector<int64_t> shape;
  if (!ints.scalar)
    shape.push_back(constants->size());
  auto type = RankedTensorType::get(shape, ints.elementType);
  unsigned width = ints.elementType.getIntOrFloatBitWidth();
  SmallVector<APInt> elements;
  for (int64_t value : *constants)
    elements.push_back(APInt(width, uint64_t(value), /*isSigned=*/true,
                             /*implicitTrunc=*/true));
  return ConstantOp::create(builder, loc, type,
                            DenseElementsAttr::get(type, elements))
      .getResult();
}

void GraphImporter::unsupportedNode(const onnx::NodeProto &node, Location loc,
                                    const Twine &what) {
  ++unsupportedCounts[node.op_type()];
  if (unsupportedOut)
    return;
  error(loc) << "node '" << (node.name().empty() ? node.op_type() : node.name())
             << "' (" << node.op_type() << "): " << what;
}

void GraphImporter::importNode(const onnx::NodeProto &node) {
  std::string label = node.name().empty() ? node.op_type() : node.name();
  Location loc = NameLoc::get(
      builder.getStringAttr(label + " (" + node.op_type() + ")"), fileLoc);
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    unsupportedNode(node, loc, "domain '" + node.domain() + "' not supported");
    return;
  }
  auto converter = converters().find(node.op_type());
  SmallVector<GraphValue *> inputs;
  for (const std::string &name : node.input()) {
    // An optional input left out.
    if (name.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    auto value = values.find(name);
    if (value == values.end()) {
      // A value of a node that was not imported (already reported: this
      // node is still checked, so that the summary covers the whole
      // graph).
      if (converter == converters().end())
        unsupportedNode(node, loc, "op not supported");
      else if (unsupportedCounts.empty() && !hadError)
        error(loc) << "node '" << label << "' (" << node.op_type()
                   << ") reads '" << name << "', which nothing defines";
      return;
    }
    inputs.push_back(&value->second);
  }
  if (converter == converters().end()) {
    unsupportedNode(node, loc, "op not supported");
    return;
  }
  NodeImport import(*this, node, loc, std::move(inputs));
  if (failed(converter->second(import)))
    return;
  for (auto [i, name] : llvm::enumerate(node.output()))
    if (!name.empty() && !values.contains(name)) {
      (void)import.refuse("output " + Twine(i) + " ('" + name +
                          "') is not supported");
      return;
    }
}

OwningOpRef<ModuleOp> GraphImporter::import(const onnx::ModelProto &model) {
  opset = defaultOpset(model).value_or(0);
  const onnx::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  builder.setInsertionPointToEnd(module->getBody());

  // Initializers may also be listed as graph inputs (IR version < 4): those
  // are constants, not arguments.
  llvm::StringSet<> initializers;
  for (const onnx::TensorProto &tensor : graph.initializer())
    initializers.insert(tensor.name());
  SmallVector<Type> inputTypes;
  SmallVector<ArrayAttr> inputDims;
  SmallVector<std::string> inputNames;
  for (const onnx::ValueInfoProto &input : graph.input()) {
    if (initializers.contains(input.name()))
      continue;
    ArrayAttr dims;
    Type type = inputType(input, dims);
    if (!type)
      continue;
    inputTypes.push_back(type);
    inputDims.push_back(dims);
    inputNames.push_back(input.name());
  }
  if (hadError)
    return nullptr;

  std::string name = modelName(graph.name());
  auto modelOp = ModelOp::create(builder, fileLoc, name,
                                 builder.getFunctionType(inputTypes, {}));
  for (auto [i, inputName] : llvm::enumerate(inputNames)) {
    modelOp.setArgAttr(i, MithrilDialect::kNameAttrName,
                       builder.getStringAttr(inputName));
    modelOp.setArgAttr(i, MithrilDialect::kDimsAttrName, inputDims[i]);
    BlockArgument argument = modelOp.getArgument(i);
    values[inputName].tensor = argument;
    SmallVector<SymbolicSize> shape;
    for (Attribute dim : inputDims[i]) {
      auto symbol = dyn_cast<StringAttr>(dim);
      if (!symbol)
        shape.push_back(
            SymbolicSize::constant(cast<IntegerAttr>(dim).getInt()));
      else if (symbol.getValue() != "?")
        shape.push_back(SymbolicSize::symbol(symbol.getValue()));
      else
        shape.push_back(
            SymbolicSize::symbol("?" + std::to_string(++freshSizes)));
    }
    shapes[argument] = shape;
  }
  builder.setInsertionPointToEnd(&modelOp.getBody().front());
  std::vector<std::string> parameters = parameterNames(graph);
  for (auto [tensor, parameter] :
       llvm::zip_equal(graph.initializer(), parameters))
    importInitializer(tensor, parameter);
  for (const onnx::NodeProto &node : graph.node())
    importNode(node);

  if (!unsupportedCounts.empty()) {
    std::string summary;
    for (auto [op, count] : unsupportedCounts) {
      std::string line =
          op + ": " + std::to_string(count) + (count == 1 ? " node" : " nodes");
      if (unsupportedOut)
        unsupportedOut->push_back(line);
      summary += (summary.empty() ? "" : ", ") + line;
    }
    if (!unsupportedOut)
      error(fileLoc) << "'" << path << "' uses ops not supported: " << summary;
    return nullptr;
  }
  if (hadError)
    return nullptr;

  SmallVector<Value> results;
  for (const onnx::ValueInfoProto &output : graph.output()) {
    auto value = values.find(output.name());
    if (value == values.end()) {
      error(fileLoc) << "'" << path << "': output '" << output.name()
                     << "' is produced by no node";
      return nullptr;
    }
    if (!value->second.tensor)
      value->second.tensor = materialize(*value->second.ints, fileLoc);
    if (!value->second.tensor) {
      error(fileLoc) << "'" << path << "': output '" << output.name()
                     << "' holds sizes known only at run time, which is not "
                        "supported";
      return nullptr;
    }
    results.push_back(value->second.tensor);
  }
  ReturnOp::create(builder, fileLoc, results);
  modelOp.setFunctionType(
      builder.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    modelOp.setResultAttr(i, MithrilDialect::kNameAttrName,
                          builder.getStringAttr(output.name()));
  // The weights are the model's initializers, read when a library is built.
  if (llvm::any_of(parameters,
                   [](const std::string &p) { return !p.empty(); })) {
    SmallString<256> absolute(path);
    llvm::sys::fs::make_absolute(absolute);
    (*module)->setAttr(MithrilDialect::kWeightsAttrName,
                       builder.getStringAttr(absolute));
  }
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp>
mlir::mithril::importOnnxFile(llvm::SourceMgr &sourceMgr, MLIRContext *context,
                              std::vector<std::string> *unsupported) {
  context->loadDialect<MithrilDialect>();
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef path = buffer->getBufferIdentifier();
  Location fileLoc = FileLineColLoc::get(context, path, 0, 0);
  FailureOr<onnx::ModelProto> model = parseOnnxModel(
      buffer->getBuffer(), path, [&] { return emitError(fileLoc); });
  if (failed(model))
    return nullptr;
  return GraphImporter(context, path, unsupported).import(*model);
}

FailureOr<std::vector<OnnxParameter>> mlir::mithril::readOnnxParameters(
    StringRef path, function_ref<InFlightDiagnostic()> emitError) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    emitError() << "cannot read '" << path
                << "': " << buffer.getError().message();
    return failure();
  }
  FailureOr<onnx::ModelProto> model =
      parseOnnxModel((*buffer)->getBuffer(), path, emitError);
  if (failed(model))
    return failure();
  const onnx::GraphProto &graph = model->graph();
  std::vector<OnnxParameter> parameters;
  for (auto [tensor, name] :
       llvm::zip_equal(graph.initializer(), parameterNames(graph))) {
    if (name.empty())
      continue;
    OnnxParameter parameter;
    parameter.name = name;
    parameter.shape.assign(tensor.dims().begin(), tensor.dims().end());
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT16:
      parameter.dtype = "f16";
      break;
    case onnx::TensorProto::BFLOAT16:
      parameter.dtype = "bf16";
      break;
    case onnx::TensorProto::DOUBLE:
      parameter.dtype = "f64";
      break;
    default:
      parameter.dtype = "f32";
    }
    std::optional<int64_t> count = elementCount(parameter.shape);
    if (!count) {
      emitError() << "'" << path << "': tensor '" << tensor.name()
                  << "' has an invalid shape";
      return failure();
    }
    FailureOr<std::string> bytes = readTensorBytes(
        tensor, *count, llvm::sys::path::parent_path(path), emitError);
    if (failed(bytes))
      return failure();
    parameter.bytes = std::move(*bytes);
    parameters.push_back(std::move(parameter));
  }
  return parameters;
}
