//===- ElementwiseOps.cpp - ONNX elementwise ops to catalog ops -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Unary and binary elementwise ops (NumPy broadcasting, as the catalog's),
// activations, Clip, Cast, Where and softmax. Activations the catalog has
// no row for (Elu, Selu, HardSigmoid, PRelu, ...) are their formulas in
// catalog ops. Arithmetic on integers known at import time (sizes) is
// evaluated, not imported.
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;
using namespace mlir::mithril::onnx_import;

namespace {

/// ONNX ops that are one catalog op on the same operands, with no
/// attributes.
const llvm::StringMap<StringRef> &plainOps() {
  static const llvm::StringMap<StringRef> ops = {
      {"Abs", "mithril.abs"},           {"Add", "mithril.add"},
      {"Ceil", "mithril.ceil"},         {"Erf", "mithril.erf"},
      {"Floor", "mithril.floor"},       {"Round", "mithril.round"},
      {"Cos", "mithril.cos"},           {"Div", "mithril.div"},
      {"Equal", "mithril.equal"},       {"Exp", "mithril.exp"},
      {"Greater", "mithril.greater"},   {"Less", "mithril.less"},
      {"Log", "mithril.log"},           {"MatMul", "mithril.matmul"},
      {"Mul", "mithril.mul"},           {"Neg", "mithril.neg"},
      {"Pow", "mithril.pow"},           {"Relu", "mithril.relu"},
      {"Sigmoid", "mithril.sigmoid"},   {"Sin", "mithril.sin"},
      {"Softplus", "mithril.softplus"}, {"Sqrt", "mithril.sqrt"},
      {"Sub", "mithril.sub"},           {"Tanh", "mithril.tanh"},
  };
  return ops;
}

Type elementTypeOf(Value value) { return getElementTypeOrSelf(value); }

/// Add, Sub, Mul and Div of integers known at import time (a scalar
/// broadcasts); failure where a result is no symbolic size.
LogicalResult foldKnownArithmetic(NodeImport &node) {
  const KnownInts *left = node.known(0), *right = node.known(1);
  size_t size = std::max(left->elements.size(), right->elements.size());
  if ((!left->scalar && left->elements.size() != size) ||
      (!right->scalar && right->elements.size() != size))
    return node.refuse("sizes of different lengths do not broadcast");
  KnownInts result{left->elementType, left->scalar && right->scalar, {}};
  for (size_t i = 0; i < size; ++i) {
    const SymbolicSize &a = left->elements[left->scalar ? 0 : i];
    const SymbolicSize &b = right->elements[right->scalar ? 0 : i];
    std::optional<SymbolicSize> value;
    if (node.type() == "Add")
      value = add(a, b);
    else if (node.type() == "Sub")
      value = subtract(a, b);
    else if (node.type() == "Mul")
      value = multiply(a, b);
    else
      value = divide(a, b);
    if (!value)
      return node.refuse("the size " + a.str() + " " + node.type() + " " +
                         b.str() + " is not supported");
    result.elements.push_back(*value);
  }
  node.setKnownOutput(0, std::move(result));
  return success();
}

bool isKnownArithmetic(NodeImport &node) {
  return node.numInputs() == 2 && node.known(0) && node.known(1) &&
         node.known(0)->elementType == node.known(1)->elementType &&
         !node.known(0)->elements.empty() && !node.known(1)->elements.empty() &&
         llvm::is_contained({"Add", "Sub", "Mul", "Div"}, node.type());
}

LogicalResult convertPlain(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  if (isKnownArithmetic(node))
    return foldKnownArithmetic(node);
  SmallVector<Value> operands;
  for (unsigned i = 0; i < node.numInputs(); ++i) {
    operands.push_back(node.input(i));
    if (!operands.back())
      return failure();
  }
  // ONNX divides integers truncating; the catalog's div is torch's true
  // division (integers give f32).
  if (node.type() == "Div" && isa<IntegerType>(elementTypeOf(operands[0])))
    return node.refuse("integer (truncating) division is not supported");
  // The catalog's binary ops take one dtype (ONNX's Pow allows two).
  if (operands.size() == 2 &&
      elementTypeOf(operands[0]) != elementTypeOf(operands[1])) {
    std::string dtypes;
    llvm::raw_string_ostream os(dtypes);
    os << elementTypeOf(operands[0]) << " and " << elementTypeOf(operands[1]);
    return node.refuse("operands of two dtypes (" + dtypes +
                       ") are not supported");
  }
  return node.setOutput(node.build(plainOps().lookup(node.type()), operands));
}

/// Max, Min, Sum and Mean of one or more inputs, pairwise.
LogicalResult convertVariadic(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  StringRef opName = node.type() == "Max"   ? "mithril.maximum"
                     : node.type() == "Min" ? "mithril.minimum"
                                            : "mithril.add";
  Value result = node.input(0);
  for (unsigned i = 1; result && i < node.numInputs(); ++i)
    result = node.build(opName, {result, node.input(i)});
  if (result && node.type() == "Mean" && node.numInputs() > 1)
    result = node.build(
        "mithril.div",
        {result, node.scalar(node.numInputs(), elementTypeOf(result))});
  return node.setOutput(result);
}

LogicalResult convertIdentity(NodeImport &node) {
  if (const KnownInts *ints = node.known(0)) {
    node.setKnownOutput(0, *ints);
    return success();
  }
  return node.setOutput(node.input(0));
}

/// Dropout at inference: its input (the mask output is not supported).
LogicalResult convertDropout(NodeImport &node) {
  if (failed(node.checkAttributes({"ratio", "seed"})))
    return failure();
  if (node.has(2)) {
    FailureOr<SmallVector<int64_t>> training =
        node.constantInts(2, "training_mode");
    if (failed(training))
      return failure();
    if (llvm::any_of(*training, [](int64_t v) { return v != 0; }))
      return node.refuse("training_mode is not supported");
  }
  return node.setOutput(node.input(0));
}

/// Clip, as the maximum with its lower bound and the minimum with its
/// upper one (inputs from opset 11, f32 attributes before).
LogicalResult convertClip(NodeImport &node) {
  Value result = node.checkedInput({"min", "max"});
  if (!result)
    return failure();
  Type element = elementTypeOf(result);
  Value low, high;
  if (node.opset() < 11) {
    if (!element.isF32())
      return node.refuse("before opset 11, only f32 is supported");
    if (node.attributes.has("min"))
      low = node.scalar(node.attributes.real("min", 0), element);
    if (node.attributes.has("max"))
      high = node.scalar(node.attributes.real("max", 0), element);
  } else {
    low = node.optionalInput(1);
    high = node.optionalInput(2);
    if ((node.has(1) && !low) || (node.has(2) && !high))
      return failure();
  }
  if (low)
    result = node.build("mithril.maximum", {result, low});
  if (result && high)
    result = node.build("mithril.minimum", {result, high});
  return node.setOutput(result);
}

/// Softmax and LogSoftmax along `axis` from opset 13; before, the input is
/// flattened to 2-D at `axis` (default 1), which is the catalog's op only
/// when that is the last axis.
LogicalResult convertSoftmax(NodeImport &node) {
  Value input = node.checkedInput({"axis"});
  if (!input)
    return failure();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  int64_t axis = node.attributes.integer("axis", node.opset() >= 13 ? -1 : 1);
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (node.opset() < 13 && normalized != rank - 1)
    return node.refuse(
        "before opset 13, an axis other than the last is not supported");
  StringRef opName =
      node.type() == "Softmax" ? "mithril.softmax" : "mithril.log_softmax";
  return node.setOutput(
      node.build(opName, {input}, {node.namedInt("dim", axis)}));
}

LogicalResult convertLeakyRelu(NodeImport &node) {
  if (failed(node.checkAttributes({"alpha"})))
    return failure();
  return node.setOutput(
      node.build("mithril.leaky_relu", {node.input(0)},
                 {node.namedReal("negative_slope",
                                 node.attributes.real("alpha", 0.01f))}));
}

/// `x > 0 ? x : alpha * (exp(x) - 1)`, times `scale`.
Value exponentialLinear(NodeImport &node, Value x, double alpha, double scale) {
  Type element = elementTypeOf(x);
  Value zero = node.scalar(0, element);
  Value negative = node.build(
      "mithril.mul", {node.scalar(alpha, element),
                      node.build("mithril.sub", {node.build("mithril.exp", {x}),
                                                 node.scalar(1, element)})});
  Value result = node.build(
      "mithril.where", {node.build("mithril.greater", {x, zero}), x, negative});
  if (result && scale != 1.0)
    result = node.build("mithril.mul", {result, node.scalar(scale, element)});
  return result;
}

LogicalResult convertElu(NodeImport &node) {
  Value x = node.checkedInput({"alpha"});
  if (!x)
    return failure();
  return node.setOutput(
      exponentialLinear(node, x, node.attributes.real("alpha", 1.0f), 1.0));
}

LogicalResult convertSelu(NodeImport &node) {
  Value x = node.checkedInput({"alpha", "gamma"});
  if (!x)
    return failure();
  return node.setOutput(exponentialLinear(
      node, x, node.attributes.real("alpha", 1.67326319217681884765625f),
      node.attributes.real("gamma", 1.05070102214813232421875f)));
}

/// HardSigmoid, `max(0, min(1, alpha * x + beta))`, and HardSwish,
/// `x * HardSigmoid(x)` with alpha 1/6 and beta 1/2.
LogicalResult convertHardSigmoid(NodeImport &node) {
  bool swish = node.type() == "HardSwish";
  if (failed(node.checkAttributes(swish
                                      ? ArrayRef<StringRef>()
                                      : ArrayRef<StringRef>{"alpha", "beta"})))
    return failure();
  Value x = node.input(0);
  if (!x)
    return failure();
  Type element = elementTypeOf(x);
  double alpha = swish ? 1.0 / 6.0 : node.attributes.real("alpha", 0.2f);
  double beta = swish ? 0.5 : node.attributes.real("beta", 0.5f);
  Value linear =
      node.build("mithril.add",
                 {node.build("mithril.mul", {x, node.scalar(alpha, element)}),
                  node.scalar(beta, element)});
  Value result = node.build(
      "mithril.maximum",
      {node.build("mithril.minimum", {linear, node.scalar(1, element)}),
       node.scalar(0, element)});
  if (result && swish)
    result = node.build("mithril.mul", {x, result});
  return node.setOutput(result);
}

/// PRelu, `x < 0 ? slope * x : x` (the slope broadcasts to x).
LogicalResult convertPRelu(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  Value x = node.input(0), slope = node.input(1);
  if (!x || !slope)
    return failure();
  // Before opset 7, a vector slope is per channel (dim 1).
  auto xType = cast<RankedTensorType>(x.getType());
  auto slopeType = cast<RankedTensorType>(slope.getType());
  if (node.opset() < 7 && slopeType.getRank() == 1 && xType.getRank() > 2 &&
      slopeType.getDimSize(0) != 1) {
    SmallVector<Attribute> shape{
        node.builder().getI64IntegerAttr(slopeType.getDimSize(0))};
    shape.append(xType.getRank() - 2, node.builder().getI64IntegerAttr(1));
    slope =
        node.build("mithril.reshape", {slope},
                   {node.named("shape", node.builder().getArrayAttr(shape))});
  }
  Value negative =
      node.build("mithril.less", {x, node.scalar(0, elementTypeOf(x))});
  return node.setOutput(node.build(
      "mithril.where", {negative, node.build("mithril.mul", {x, slope}), x}));
}

/// Softsign `x / (1 + |x|)` and Reciprocal `1 / x`.
LogicalResult convertDivisionForm(NodeImport &node) {
  Value x = node.checkedInput({});
  if (!x)
    return failure();
  Value one = node.scalar(1, elementTypeOf(x));
  if (node.type() == "Reciprocal")
    return node.setOutput(node.build("mithril.div", {one, x}));
  return node.setOutput(node.build(
      "mithril.div",
      {x, node.build("mithril.add", {one, node.build("mithril.abs", {x})})}));
}

LogicalResult convertWhere(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  return node.setOutput(node.build(
      "mithril.where", {node.input(0), node.input(1), node.input(2)}));
}

/// Cast to `to`; integers known at import time stay known.
LogicalResult convertCast(NodeImport &node) {
  if (failed(node.checkAttributes({"to", "saturate"})))
    return failure();
  Type target = node.elementType(node.attributes.integer("to", 0));
  if (!target)
    return node.refuse("cast to data type " +
                       Twine(node.attributes.integer("to", 0)) +
                       " is not supported");
  if (const KnownInts *ints = node.known(0);
      ints && target.isSignlessInteger() &&
      target.getIntOrFloatBitWidth() >= 32) {
    KnownInts result = *ints;
    result.elementType = target;
    node.setKnownOutput(0, std::move(result));
    return success();
  }
  return node.setOutput(
      node.build("mithril.cast", {node.input(0)},
                 {node.named("dtype", TypeAttr::get(target))}));
}

/// Boolean logic from comparisons and selects: Not is `x == false`, And
/// `where(a, b, false)`, Or `where(a, true, b)`, Xor `(a == b) == false`.
LogicalResult convertLogic(NodeImport &node) {
  Value a = node.checkedInput({});
  if (!a)
    return failure();
  if (!getElementTypeOrSelf(a).isInteger(1))
    return node.refuse("only bool operands are supported");
  Type i1 = node.builder().getI1Type();
  auto no = [&]() { return node.scalar(0, i1); };
  if (node.type() == "Not")
    return node.setOutput(node.build("mithril.equal", {a, no()}));
  Value b = node.input(1);
  if (!b)
    return failure();
  if (node.type() == "And")
    return node.setOutput(node.build("mithril.where", {a, b, no()}));
  if (node.type() == "Or")
    return node.setOutput(
        node.build("mithril.where", {a, node.scalar(1, i1), b}));
  return node.setOutput(
      node.build("mithril.equal", {node.build("mithril.equal", {a, b}), no()}));
}

} // namespace

void mlir::mithril::onnx_import::addElementwiseConverters(
    ConverterTable &table) {
  for (const auto &entry : plainOps())
    table[entry.first()] = convertPlain;
  for (StringRef type : {"Max", "Min", "Sum", "Mean"})
    table[type] = convertVariadic;
  table["Identity"] = convertIdentity;
  table["Dropout"] = convertDropout;
  table["Clip"] = convertClip;
  table["Softmax"] = convertSoftmax;
  table["LogSoftmax"] = convertSoftmax;
  table["LeakyRelu"] = convertLeakyRelu;
  table["Elu"] = convertElu;
  table["Selu"] = convertSelu;
  table["HardSigmoid"] = convertHardSigmoid;
  table["HardSwish"] = convertHardSigmoid;
  table["PRelu"] = convertPRelu;
  table["Softsign"] = convertDivisionForm;
  table["Reciprocal"] = convertDivisionForm;
  table["Where"] = convertWhere;
  table["Cast"] = convertCast;
  for (StringRef type : {"Not", "And", "Or", "Xor"})
    table[type] = convertLogic;
}
