//===- OnnxImporter.cpp - ONNX models to the mithril dialect --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A graph's nodes are imported in order (ONNX requires them topologically
// sorted), each by its op type to catalog ops whose semantics agree, built
// by name and typed by the ops' own inference, as the model-file importer
// does. What is not supported is reported per node and summed up per op.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OnnxImporter.h"
#include "OnnxFile.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SourceMgr.h"

#include <map>

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// ONNX ops that map one to one to a catalog op on the same operands, with
/// no attributes (elementwise with NumPy broadcasting, as torch's).
const llvm::StringMap<StringRef> &plainOps() {
  static const llvm::StringMap<StringRef> ops = {
      {"Abs", "mithril.abs"},       {"Add", "mithril.add"},
      {"Cos", "mithril.cos"},       {"Div", "mithril.div"},
      {"Exp", "mithril.exp"},       {"Log", "mithril.log"},
      {"MatMul", "mithril.matmul"}, {"Mul", "mithril.mul"},
      {"Neg", "mithril.neg"},       {"Pow", "mithril.pow"},
      {"Relu", "mithril.relu"},     {"Sigmoid", "mithril.sigmoid"},
      {"Sin", "mithril.sin"},       {"Softplus", "mithril.softplus"},
      {"Sqrt", "mithril.sqrt"},     {"Sub", "mithril.sub"},
      {"Tanh", "mithril.tanh"},
  };
  return ops;
}

/// Whether nodes of op type `type` are imported (for some attributes).
bool isSupportedOpType(StringRef type) {
  return plainOps().contains(type) ||
         llvm::is_contained({"Clip", "Concat", "Constant", "Conv", "Flatten",
                             "Gemm", "GlobalAveragePool", "Identity", "MaxPool",
                             "Softmax", "Transpose"},
                            type);
}

/// A node's attributes by name.
class NodeAttributes {
public:
  explicit NodeAttributes(const onnx::NodeProto &node) {
    for (const onnx::AttributeProto &attribute : node.attribute())
      byName[attribute.name()] = &attribute;
  }

  /// The first attribute not in `known`, if any.
  std::optional<std::string> unknown(ArrayRef<StringRef> known) const {
    for (const auto &entry : byName)
      if (!llvm::is_contained(known, entry.first()))
        return entry.first().str();
    return std::nullopt;
  }
  SmallVector<int64_t> ints(StringRef name,
                            ArrayRef<int64_t> otherwise = {}) const {
    const onnx::AttributeProto *attribute = byName.lookup(name);
    if (!attribute)
      return SmallVector<int64_t>(otherwise);
    return SmallVector<int64_t>(attribute->ints().begin(),
                                attribute->ints().end());
  }
  bool has(StringRef name) const { return byName.contains(name); }
  int64_t integer(StringRef name, int64_t otherwise) const {
    const onnx::AttributeProto *attribute = byName.lookup(name);
    return attribute ? attribute->i() : otherwise;
  }
  float real(StringRef name, float otherwise) const {
    const onnx::AttributeProto *attribute = byName.lookup(name);
    return attribute ? attribute->f() : otherwise;
  }
  std::string text(StringRef name, StringRef otherwise) const {
    const onnx::AttributeProto *attribute = byName.lookup(name);
    return attribute ? attribute->s() : otherwise.str();
  }

private:
  llvm::StringMap<const onnx::AttributeProto *> byName;
};

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

class OnnxImporter {
public:
  OnnxImporter(MLIRContext *context, StringRef path,
               std::vector<std::string> *unsupported)
      : context(context), builder(context), path(path.str()),
        fileLoc(FileLineColLoc::get(context, path, 0, 0)),
        unsupportedOut(unsupported) {}

  OwningOpRef<ModuleOp> import(const onnx::ModelProto &model);

private:
  InFlightDiagnostic error(Location loc) {
    hadError = true;
    return emitError(loc);
  }

  Type elementType(int32_t dataType);
  Type tensorType(const onnx::ValueInfoProto &info, ArrayAttr &dims);
  ElementsAttr tensorValue(const onnx::TensorProto &tensor, Location loc);

  void importNode(const onnx::NodeProto &node);
  std::optional<SmallVector<Value>>
  convert(const onnx::NodeProto &node, ArrayRef<Value> operands, Location loc);
  std::optional<SmallVector<Value>> convertLayer(const onnx::NodeProto &node,
                                                 ArrayRef<Value> operands,
                                                 Location loc);
  Value scalar(float value, Location loc);
  std::optional<SmallVector<Value>>
  convertClipOrConcat(const onnx::NodeProto &node, ArrayRef<Value> operands,
                      Location loc);
  Operation *build(StringRef opName, ValueRange operands,
                   ArrayRef<NamedAttribute> attributes, Location loc);
  void unsupportedNode(const onnx::NodeProto &node, Location loc,
                       const Twine &what);

  MLIRContext *context;
  OpBuilder builder;
  std::string path;
  Location fileLoc;
  std::vector<std::string> *unsupportedOut;
  int64_t opset = 0;
  bool hadError = false;
  /// The values of the graph, by ONNX name.
  llvm::StringMap<Value> values;
  /// Nodes of each unsupported op type.
  std::map<std::string, int64_t> unsupportedCounts;
};

} // namespace

/// The MLIR element type of an ONNX TensorProto data type; null if none.
Type OnnxImporter::elementType(int32_t dataType) {
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
Type OnnxImporter::tensorType(const onnx::ValueInfoProto &info,
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

/// The value of an initializer or a `Constant`'s tensor; null after a
/// diagnostic if its data type or layout is not supported, or its data
/// does not hold its shape.
ElementsAttr OnnxImporter::tensorValue(const onnx::TensorProto &tensor,
                                       Location loc) {
  Type element = elementType(tensor.data_type());
  if (!element) {
    error(loc) << "tensor '" << tensor.name() << "' has an unsupported "
               << "data type (" << tensor.data_type() << ")";
    return {};
  }
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    error(loc) << "tensor '" << tensor.name()
               << "' keeps its data in an external file, which is not "
                  "supported yet";
    return {};
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t count = 1;
  for (int64_t size : shape) {
    if (size < 0 || (size > 0 && count > (int64_t(1) << 40) / size)) {
      error(loc) << "tensor '" << tensor.name() << "' has an invalid shape";
      return {};
    }
    count *= size;
  }
  auto type = RankedTensorType::get(shape, element);
  auto mismatch = [&]() -> ElementsAttr {
    error(loc) << "tensor '" << tensor.name() << "' holds no " << count
               << " elements of its type";
    return {};
  };
  if (tensor.has_raw_data()) {
    const std::string &raw = tensor.raw_data();
    int64_t width =
        element.isInteger(1) ? 1 : int64_t(element.getIntOrFloatBitWidth() / 8);
    if (int64_t(raw.size()) != count * width)
      return mismatch();
    if (element.isInteger(1)) {
      SmallVector<bool> flags;
      for (char byte : raw)
        flags.push_back(byte != 0);
      return DenseElementsAttr::get(type, flags);
    }
    return DenseElementsAttr::getFromRawBuffer(
        type, ArrayRef<char>(raw.data(), raw.size()));
  }
  // Typed fields: floats, doubles, 64-bit ints, or everything narrower in
  // int32_data.
  if (element.isF32()) {
    if (tensor.float_data_size() != count)
      return mismatch();
    return DenseElementsAttr::get(
        type, ArrayRef<float>(tensor.float_data().data(), count));
  }
  if (element.isF64()) {
    if (tensor.double_data_size() != count)
      return mismatch();
    return DenseElementsAttr::get(
        type, ArrayRef<double>(tensor.double_data().data(), count));
  }
  if (element.isInteger(64)) {
    if (tensor.int64_data_size() != count)
      return mismatch();
    return DenseElementsAttr::get(
        type, ArrayRef<int64_t>(tensor.int64_data().data(), count));
  }
  if (isa<IntegerType>(element)) {
    if (tensor.int32_data_size() != count)
      return mismatch();
    unsigned width = element.getIntOrFloatBitWidth();
    SmallVector<APInt> ints;
    for (int32_t value : tensor.int32_data())
      ints.push_back(APInt(width, uint64_t(int64_t(value)), /*isSigned=*/true,
                           /*implicitTrunc=*/true));
    return DenseElementsAttr::get(type, ints);
  }
  error(loc) << "tensor '" << tensor.name()
             << "' stores its type only as raw data, which it has not";
  return {};
}

/// Builds the op `opName` on `operands` with its result types inferred;
/// null after a diagnostic at `loc` if inference or verification fails.
Operation *OnnxImporter::build(StringRef opName, ValueRange operands,
                               ArrayRef<NamedAttribute> attributes,
                               Location loc) {
  OperationState state(loc, opName);
  state.addOperands(operands);
  state.addAttributes(attributes);
  state.addTypes(builder.getNoneType());
  Operation *op = builder.create(state);
  SmallVector<Type> types;
  auto inference = cast<InferTypeOpInterface>(op);
  if (failed(inference.inferReturnTypes(
          context, loc, op->getOperands(), op->getRawDictionaryAttrs(),
          op->getPropertiesStorage(), op->getRegions(), types)) ||
      types.size() != op->getNumResults()) {
    hadError = true;
    op->erase();
    return nullptr;
  }
  for (auto [result, type] : llvm::zip_equal(op->getResults(), types))
    result.setType(type);
  if (failed(verify(op))) {
    hadError = true;
    op->erase();
    return nullptr;
  }
  return op;
}

void OnnxImporter::unsupportedNode(const onnx::NodeProto &node, Location loc,
                                   const Twine &what) {
  ++unsupportedCounts[node.op_type()];
  if (unsupportedOut)
    return;
  error(loc) << "node '" << (node.name().empty() ? node.op_type() : node.name())
             << "' (" << node.op_type() << "): " << what;
}

/// The results of `node` on `operands`; none after a diagnostic.
std::optional<SmallVector<Value>>
OnnxImporter::convert(const onnx::NodeProto &node, ArrayRef<Value> operands,
                      Location loc) {
  StringRef type = node.op_type();
  // Only Constant takes no input, and only Clip's bounds may be left out.
  if ((type != "Constant" && (operands.empty() || !operands.front())) ||
      (type != "Clip" && llvm::is_contained(operands, Value()))) {
    unsupportedNode(node, loc, "inputs left out are not supported");
    return std::nullopt;
  }
  auto noAttributes = [&]() {
    if (node.attribute_size() == 0)
      return true;
    unsupportedNode(node, loc,
                    "attribute '" + node.attribute(0).name() +
                        "' is not supported");
    return false;
  };
  auto results = [](Operation *op) -> std::optional<SmallVector<Value>> {
    if (!op)
      return std::nullopt;
    return SmallVector<Value>(op->getResults());
  };

  if (auto plain = plainOps().find(type); plain != plainOps().end()) {
    if (!noAttributes())
      return std::nullopt;
    // ONNX divides integers truncating; the catalog's div is torch's true
    // division (integers give f32).
    if (type == "Div" &&
        isa<IntegerType>(getElementTypeOrSelf(operands[0].getType()))) {
      unsupportedNode(node, loc,
                      "integer (truncating) division is not supported");
      return std::nullopt;
    }
    // The catalog's binary ops take one dtype (ONNX's Pow allows two).
    if (operands.size() == 2 &&
        getElementTypeOrSelf(operands[0].getType()) !=
            getElementTypeOrSelf(operands[1].getType())) {
      std::string dtypes;
      llvm::raw_string_ostream os(dtypes);
      os << getElementTypeOrSelf(operands[0].getType()) << " and "
         << getElementTypeOrSelf(operands[1].getType());
      unsupportedNode(node, loc,
                      "operands of two dtypes (" + dtypes +
                          ") are not supported");
      return std::nullopt;
    }
    return results(build(plain->second, operands, {}, loc));
  }
  if (type == "Identity")
    return SmallVector<Value>{operands.front()};
  if (type == "Constant") {
    for (const onnx::AttributeProto &attribute : node.attribute())
      if (attribute.name() == "value" && attribute.has_t())
        if (ElementsAttr value = tensorValue(attribute.t(), loc))
          return results(build("mithril.constant", {},
                               {builder.getNamedAttr("value", value)}, loc));
    if (!hadError)
      unsupportedNode(node, loc, "only a tensor 'value' is supported");
    return std::nullopt;
  }
  if (llvm::is_contained(
          {"Conv", "Flatten", "Gemm", "GlobalAveragePool", "MaxPool"}, type))
    return convertLayer(node, operands, loc);
  if (type == "Clip" || type == "Concat")
    return convertClipOrConcat(node, operands, loc);
  if (type == "Softmax" || type == "Transpose") {
    auto input = cast<RankedTensorType>(operands.front().getType());
    int64_t rank = input.getRank();
    SmallVector<int64_t> ints;
    std::optional<int64_t> axis;
    for (const onnx::AttributeProto &attribute : node.attribute()) {
      if (type == "Softmax" && attribute.name() == "axis")
        axis = attribute.i();
      else if (type == "Transpose" && attribute.name() == "perm")
        ints.assign(attribute.ints().begin(), attribute.ints().end());
      else {
        unsupportedNode(
            node, loc, "attribute '" + attribute.name() + "' is not supported");
        return std::nullopt;
      }
    }
    if (type == "Transpose") {
      if (ints.empty())
        for (int64_t dim = rank - 1; dim >= 0; --dim)
          ints.push_back(dim);
      return results(build(
          "mithril.permute", operands,
          {builder.getNamedAttr("dims", builder.getDenseI64ArrayAttr(ints))},
          loc));
    }
    // Before opset 13, Softmax flattens its input to 2-D at `axis`
    // (default 1): torch's softmax along the last dim only when that is it.
    int64_t dim = axis.value_or(opset >= 13 ? -1 : 1);
    int64_t normalized = dim < 0 ? dim + rank : dim;
    if (opset < 13 && normalized != rank - 1) {
      unsupportedNode(node, loc,
                      "before opset 13, an axis other than the last is not "
                      "supported");
      return std::nullopt;
    }
    return results(build(
        "mithril.softmax", operands,
        {builder.getNamedAttr("dim", builder.getI64IntegerAttr(dim))}, loc));
  }
  unsupportedNode(node, loc, "op not supported");
  return std::nullopt;
}

/// Clip, as the maximum with its lower bound and the minimum with its upper
/// one (inputs from opset 11, attributes before); Concat along `axis`.
std::optional<SmallVector<Value>>
OnnxImporter::convertClipOrConcat(const onnx::NodeProto &node,
                                  ArrayRef<Value> operands, Location loc) {
  NodeAttributes attributes(node);
  auto built = [](Operation *op) { return op ? op->getResult(0) : Value(); };
  if (node.op_type() == "Concat") {
    if (std::optional<std::string> other = attributes.unknown({"axis"})) {
      unsupportedNode(node, loc, "attribute '" + *other + "' is not supported");
      return std::nullopt;
    }
    Value result = built(
        build("mithril.concat", operands,
              {builder.getNamedAttr("dim", builder.getI64IntegerAttr(
                                               attributes.integer("axis", 0)))},
              loc));
    if (!result)
      return std::nullopt;
    return SmallVector<Value>{result};
  }
  if (std::optional<std::string> other = attributes.unknown({"min", "max"})) {
    unsupportedNode(node, loc, "attribute '" + *other + "' is not supported");
    return std::nullopt;
  }
  Value result = operands[0];
  Value low = operands.size() > 1 ? operands[1] : Value();
  Value high = operands.size() > 2 ? operands[2] : Value();
  if (opset < 11) {
    // The bounds are f32 attributes then.
    if (!isa<Float32Type>(getElementTypeOrSelf(result.getType()))) {
      unsupportedNode(node, loc, "before opset 11, only f32 is supported");
      return std::nullopt;
    }
    low = attributes.has("min") ? scalar(attributes.real("min", 0), loc)
                                : Value();
    high = attributes.has("max") ? scalar(attributes.real("max", 0), loc)
                                 : Value();
  }
  if (low)
    result = built(build("mithril.maximum", {result, low}, {}, loc));
  if (result && high)
    result = built(build("mithril.minimum", {result, high}, {}, loc));
  if (!result)
    return std::nullopt;
  return SmallVector<Value>{result};
}

/// A rank-0 f32 constant; null after a diagnostic.
Value OnnxImporter::scalar(float value, Location loc) {
  auto type = RankedTensorType::get({}, builder.getF32Type());
  Operation *constant = build(
      "mithril.constant", {},
      {builder.getNamedAttr("value", DenseElementsAttr::get(type, value))},
      loc);
  return constant ? constant->getResult(0) : Value();
}

/// Convolutions, pooling, Flatten and Gemm: the catalog's layers where
/// ONNX's attributes agree with them (2-D convolutions and max pooling on
/// [N, C, H, W] with explicit pads or none).
std::optional<SmallVector<Value>>
OnnxImporter::convertLayer(const onnx::NodeProto &node,
                           ArrayRef<Value> operands, Location loc) {
  StringRef type = node.op_type();
  NodeAttributes attributes(node);
  auto results = [](Operation *op) -> std::optional<SmallVector<Value>> {
    if (!op)
      return std::nullopt;
    return SmallVector<Value>(op->getResults());
  };
  auto refuse = [&](const Twine &what) -> std::optional<SmallVector<Value>> {
    unsupportedNode(node, loc, what);
    return std::nullopt;
  };
  auto known = [&](ArrayRef<StringRef> names) {
    if (std::optional<std::string> other = attributes.unknown(names)) {
      refuse("attribute '" + *other + "' is not supported");
      return false;
    }
    return true;
  };
  auto built = [](Operation *op) { return op ? op->getResult(0) : Value(); };
  auto input = cast<RankedTensorType>(operands.front().getType());

  if (type == "Conv" || type == "MaxPool") {
    bool conv = type == "Conv";
    SmallVector<StringRef> names{"auto_pad", "dilations", "kernel_shape",
                                 "pads", "strides"};
    names.append(conv ? SmallVector<StringRef>{"group"}
                      : SmallVector<StringRef>{"ceil_mode", "storage_order"});
    if (!known(names))
      return std::nullopt;
    if (input.getRank() != 4)
      return refuse("only 2-D " + type + " on [N, C, H, W] is supported");
    std::string autoPad = attributes.text("auto_pad", "NOTSET");
    if (autoPad != "NOTSET" && autoPad != "VALID")
      return refuse("auto_pad '" + autoPad + "' is not supported");
    SmallVector<int64_t> kernelShape = attributes.ints("kernel_shape");
    SmallVector<int64_t> stridesShape = attributes.ints("strides", {1, 1});
    SmallVector<int64_t> padsShape = attributes.ints("pads", {0, 0, 0, 0});
    // Rounding up gives the same sizes as down where every window fits.
    if (attributes.integer("ceil_mode", 0) != 0) {
      bool same = kernelShape.size() == 2 && stridesShape.size() == 2 &&
                  padsShape.size() == 4;
      for (int64_t i = 0; same && i < 2; ++i) {
        int64_t size = input.getDimSize(2 + i);
        same = !ShapedType::isDynamic(size) && stridesShape[i] > 0 &&
               (size + padsShape[i] + padsShape[i + 2] - kernelShape[i]) %
                       stridesShape[i] ==
                   0;
      }
      if (!same)
        return refuse("ceil_mode is supported only where it rounds nothing");
    }
    if (node.output_size() > 1)
      return refuse("the Indices output is not supported");
    SmallVector<int64_t> kernel = attributes.ints("kernel_shape");
    if (conv && kernel.empty()) {
      auto weight = cast<RankedTensorType>(operands[1].getType());
      kernel.assign(weight.getShape().begin() + 2, weight.getShape().end());
    }
    SmallVector<int64_t> strides = attributes.ints("strides", {1, 1});
    SmallVector<int64_t> dilations = attributes.ints("dilations", {1, 1});
    SmallVector<int64_t> pads = attributes.ints("pads", {0, 0, 0, 0});
    if (kernel.size() != 2 || strides.size() != 2 || dilations.size() != 2 ||
        pads.size() != 4)
      return refuse("kernel_shape, strides, dilations and pads must be 2-D");
    // ONNX: [h_begin, w_begin, h_end, w_end]; the catalog's padding is
    // [top, bottom, left, right] (pooling: one size per dim, both sides).
    SmallVector<NamedAttribute> named{
        builder.getNamedAttr("kernel_size",
                             builder.getDenseI64ArrayAttr(kernel)),
        builder.getNamedAttr("stride", builder.getDenseI64ArrayAttr(strides))};
    if (!conv) {
      if (dilations != SmallVector<int64_t>{1, 1})
        return refuse("dilated pooling is not supported");
      if (pads[0] != pads[2] || pads[1] != pads[3])
        return refuse("pooling padded differently on two sides is not "
                      "supported");
      if (2 * pads[0] > kernel[0] || 2 * pads[1] > kernel[1])
        return refuse("pads over half the kernel are not supported");
      if (!isa<FloatType>(input.getElementType()))
        return refuse("pooling integers is not supported");
      named.push_back(builder.getNamedAttr(
          "padding", builder.getDenseI64ArrayAttr({pads[0], pads[1]})));
      return results(build("mithril.max_pool2d", operands, named, loc));
    }
    auto weight = cast<RankedTensorType>(operands[1].getType());
    int64_t groups = attributes.integer("group", 1);
    named.append(
        {builder.getNamedAttr("padding",
                              builder.getDenseI64ArrayAttr(
                                  {pads[0], pads[2], pads[1], pads[3]})),
         builder.getNamedAttr("dilation",
                              builder.getDenseI64ArrayAttr(dilations)),
         builder.getNamedAttr("groups", builder.getI64IntegerAttr(groups)),
         builder.getNamedAttr(
             "in_channels",
             builder.getI64IntegerAttr(weight.getDimSize(1) * groups)),
         builder.getNamedAttr(
             "out_channels", builder.getI64IntegerAttr(weight.getDimSize(0)))});
    return results(build("mithril.conv2d", operands, named, loc));
  }
  if (type == "GlobalAveragePool") {
    if (!known({}))
      return std::nullopt;
    if (input.getRank() != 4)
      return refuse("only [N, C, H, W] inputs are supported");
    return results(
        build("mithril.adaptive_avg_pool2d", operands,
              {builder.getNamedAttr("output_size",
                                    builder.getDenseI64ArrayAttr({1, 1}))},
              loc));
  }
  if (type == "Flatten") {
    if (!known({"axis"}))
      return std::nullopt;
    int64_t axis = attributes.integer("axis", 1);
    if (axis < 0)
      axis += input.getRank();
    if (axis < 1 || axis >= input.getRank())
      return refuse("only an axis inside the dims is supported");
    // [d0 .. d(axis-1)] and [d(axis) ..], each made one dim.
    Value value = operands.front();
    auto flatten = [&](int64_t start, int64_t end) {
      return built(build(
          "mithril.flatten", {value},
          {builder.getNamedAttr("start_dim", builder.getI64IntegerAttr(start)),
           builder.getNamedAttr("end_dim", builder.getI64IntegerAttr(end))},
          loc));
    };
    if (axis > 1 && !(value = flatten(0, axis - 1)))
      return std::nullopt;
    if (!(value = flatten(1, -1)))
      return std::nullopt;
    return SmallVector<Value>{value};
  }

  // Gemm: alpha * A' B' + beta * C, a Linear layer where it is one.
  if (!known({"alpha", "beta", "transA", "transB"}))
    return std::nullopt;
  float alpha = attributes.real("alpha", 1.0f);
  float beta = attributes.real("beta", 1.0f);
  bool transA = attributes.integer("transA", 0) != 0;
  bool transB = attributes.integer("transB", 0) != 0;
  Value left = operands[0], right = operands[1];
  Value bias = operands.size() > 2 ? operands[2] : Value();
  auto rightType = cast<RankedTensorType>(right.getType());
  if (!transA && transB && alpha == 1.0f && beta == 1.0f &&
      rightType.hasStaticShape() &&
      (!bias || cast<RankedTensorType>(bias.getType()).getRank() == 1)) {
    SmallVector<Value> linear{left, right};
    if (bias)
      linear.push_back(bias);
    return results(build(
        "mithril.linear", linear,
        {builder.getNamedAttr(
             "in_features", builder.getI64IntegerAttr(rightType.getDimSize(1))),
         builder.getNamedAttr("out_features", builder.getI64IntegerAttr(
                                                  rightType.getDimSize(0)))},
        loc));
  }
  auto swap = [&](Value value) {
    return built(build(
        "mithril.permute", {value},
        {builder.getNamedAttr("dims", builder.getDenseI64ArrayAttr({1, 0}))},
        loc));
  };
  if ((transA && !(left = swap(left))) || (transB && !(right = swap(right))))
    return std::nullopt;
  auto scaled = [&](Value value, float factor) {
    if (!value || factor == 1.0f)
      return value;
    Value constant = scalar(factor, loc);
    return constant ? built(build("mithril.mul", {value, constant}, {}, loc))
                    : Value();
  };
  Value result =
      scaled(built(build("mithril.matmul", {left, right}, {}, loc)), alpha);
  if (result && bias && beta != 0.0f) {
    Value term = scaled(bias, beta);
    result =
        term ? built(build("mithril.add", {result, term}, {}, loc)) : Value();
  }
  if (!result)
    return std::nullopt;
  return SmallVector<Value>{result};
}

void OnnxImporter::importNode(const onnx::NodeProto &node) {
  std::string label = node.name().empty() ? node.op_type() : node.name();
  Location loc = NameLoc::get(
      builder.getStringAttr(label + " (" + node.op_type() + ")"), fileLoc);
  if (!node.domain().empty() && node.domain() != "ai.onnx") {
    unsupportedNode(node, loc, "domain '" + node.domain() + "' not supported");
    return;
  }
  SmallVector<Value> operands;
  for (const std::string &name : node.input()) {
    // An optional input left out (Clip's bounds).
    if (name.empty()) {
      operands.push_back(Value());
      continue;
    }
    auto value = values.find(name);
    if (value == values.end()) {
      // A value of a node that was not imported (already reported: this
      // node is still checked, so that the summary covers the whole
      // graph).
      if (!isSupportedOpType(node.op_type()))
        unsupportedNode(node, loc, "op not supported");
      else if (unsupportedCounts.empty() && !hadError)
        error(loc) << "node '" << label << "' (" << node.op_type()
                   << ") reads '" << name << "', which nothing defines";
      return;
    }
    operands.push_back(value->second);
  }
  std::optional<SmallVector<Value>> results = convert(node, operands, loc);
  if (!results)
    return;
  if (results->size() < size_t(node.output_size())) {
    error(loc) << "node '" << label << "' (" << node.op_type() << ") has "
               << node.output_size() << " outputs, the op " << results->size();
    return;
  }
  for (auto [name, value] : llvm::zip(node.output(), *results))
    if (!name.empty())
      values[name] = value;
}

OwningOpRef<ModuleOp> OnnxImporter::import(const onnx::ModelProto &model) {
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
    Type type = tensorType(input, dims);
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
    values[inputName] = modelOp.getArgument(i);
  }
  builder.setInsertionPointToEnd(&modelOp.getBody().front());
  for (const onnx::TensorProto &tensor : graph.initializer()) {
    Location loc = NameLoc::get(builder.getStringAttr(tensor.name()), fileLoc);
    if (ElementsAttr value = tensorValue(tensor, loc))
      if (Operation *constant =
              build("mithril.constant", {},
                    {builder.getNamedAttr("value", value)}, loc))
        values[tensor.name()] = constant->getResult(0);
  }
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
    results.push_back(value->second);
  }
  ReturnOp::create(builder, fileLoc, results);
  modelOp.setFunctionType(
      builder.getFunctionType(inputTypes, ValueRange(results).getTypes()));
  for (auto [i, output] : llvm::enumerate(graph.output()))
    modelOp.setResultAttr(i, MithrilDialect::kNameAttrName,
                          builder.getStringAttr(output.name()));
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
  return OnnxImporter(context, path, unsupported).import(*model);
}
