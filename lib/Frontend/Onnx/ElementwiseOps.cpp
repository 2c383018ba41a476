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
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

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

/// An ONNX op that is one catalog op, `build`, on the same `arity`
/// operands, with no attributes.
LogicalResult convertPlain(NodeImport &node, unsigned arity,
                           function_ref<Value(ArrayRef<Value>)> build) {
  if (failed(node.checkAttributes({})))
    return failure();
  if (isKnownArithmetic(node))
    return foldKnownArithmetic(node);
  if (node.numInputs() > arity)
    return node.refuse(Twine(node.numInputs()) + " inputs are not supported");
  SmallVector<Value> operands;
  for (unsigned i = 0; i < arity; ++i) {
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
  return node.setOutput(build(operands));
}

template <typename OpTy> LogicalResult convertUnary(NodeImport &node) {
  return convertPlain(node, 1, [&](ArrayRef<Value> operands) {
    return node.build<OpTy>(operands[0]);
  });
}

template <typename OpTy> LogicalResult convertBinary(NodeImport &node) {
  return convertPlain(node, 2, [&](ArrayRef<Value> operands) {
    return node.build<OpTy>(operands[0], operands[1]);
  });
}

/// The node's inputs combined pairwise by `OpTy`, from the first.
template <typename OpTy> Value combinePairwise(NodeImport &node) {
  Value result = node.input(0);
  for (unsigned i = 1; result && i < node.numInputs(); ++i)
    result = node.build<OpTy>(result, node.input(i));
  return result;
}

/// Max, Min, Sum and Mean of one or more inputs, pairwise.
LogicalResult convertVariadic(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  Value result = node.type() == "Max"   ? combinePairwise<MaximumOp>(node)
                 : node.type() == "Min" ? combinePairwise<MinimumOp>(node)
                                        : combinePairwise<AddOp>(node);
  if (result && node.type() == "Mean" && node.numInputs() > 1)
    result = node.build<DivOp>(
        result, node.scalar(node.numInputs(), elementTypeOf(result)));
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
    result = node.build<MaximumOp>(result, low);
  if (result && high)
    result = node.build<MinimumOp>(result, high);
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
  return node.setOutput(node.type() == "Softmax"
                            ? node.build<SoftmaxOp>(input, axis)
                            : node.build<LogSoftmaxOp>(input, axis));
}

LogicalResult convertLeakyRelu(NodeImport &node) {
  if (failed(node.checkAttributes({"alpha"})))
    return failure();
  return node.setOutput(node.build<LeakyReLUOp>(
      node.input(0), f64(node.attributes.real("alpha", 0.01f))));
}

/// `x > 0 ? x : alpha * (exp(x) - 1)`, times `scale`.
Value exponentialLinear(NodeImport &node, Value x, double alpha, double scale) {
  Type element = elementTypeOf(x);
  Value zero = node.scalar(0, element);
  Value factor = node.scalar(alpha, element);
  Value exp = node.build<ExpOp>(x);
  Value expm1 = node.build<SubOp>(exp, node.scalar(1, element));
  Value negative = node.build<MulOp>(factor, expm1);
  Value result =
      node.build<WhereOp>(node.build<GreaterOp>(x, zero), x, negative);
  if (result && scale != 1.0)
    result = node.build<MulOp>(result, node.scalar(scale, element));
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
  Value scaled = node.build<MulOp>(x, node.scalar(alpha, element));
  Value linear = node.build<AddOp>(scaled, node.scalar(beta, element));
  Value clipped = node.build<MinimumOp>(linear, node.scalar(1, element));
  Value result = node.build<MaximumOp>(clipped, node.scalar(0, element));
  if (result && swish)
    result = node.build<MulOp>(x, result);
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
    slope = node.build<ReshapeOp>(slope, node.builder().getArrayAttr(shape));
  }
  Value negative = node.build<LessOp>(x, node.scalar(0, elementTypeOf(x)));
  return node.setOutput(
      node.build<WhereOp>(negative, node.build<MulOp>(x, slope), x));
}

/// Softsign `x / (1 + |x|)` and Reciprocal `1 / x`.
LogicalResult convertDivisionForm(NodeImport &node) {
  Value x = node.checkedInput({});
  if (!x)
    return failure();
  Value one = node.scalar(1, elementTypeOf(x));
  if (node.type() == "Reciprocal")
    return node.setOutput(node.build<DivOp>(one, x));
  return node.setOutput(
      node.build<DivOp>(x, node.build<AddOp>(one, node.build<AbsOp>(x))));
}

LogicalResult convertWhere(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  Value condition = node.input(0), left = node.input(1), right = node.input(2);
  return node.setOutput(node.build<WhereOp>(condition, left, right));
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
  return node.setOutput(node.build<CastOp>(node.input(0), target));
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
    return node.setOutput(node.build<EqualOp>(a, no()));
  Value b = node.input(1);
  if (!b)
    return failure();
  if (node.type() == "And")
    return node.setOutput(node.build<WhereOp>(a, b, no()));
  if (node.type() == "Or")
    return node.setOutput(node.build<WhereOp>(a, node.scalar(1, i1), b));
  Value same = node.build<EqualOp>(a, b);
  return node.setOutput(node.build<EqualOp>(same, no()));
}

} // namespace

void mlir::mithril::onnx_import::addElementwiseConverters(
    ConverterTable &table) {
  // ONNX ops that are one catalog op on the same operands.
  static const std::pair<StringRef, Converter> plainOps[] = {
      {"Abs", convertUnary<AbsOp>},
      {"Add", convertBinary<AddOp>},
      {"Ceil", convertUnary<CeilOp>},
      {"Erf", convertUnary<ErfOp>},
      {"Floor", convertUnary<FloorOp>},
      {"Round", convertUnary<RoundOp>},
      {"Cos", convertUnary<CosOp>},
      {"Div", convertBinary<DivOp>},
      {"Equal", convertBinary<EqualOp>},
      {"Exp", convertUnary<ExpOp>},
      {"Greater", convertBinary<GreaterOp>},
      {"Less", convertBinary<LessOp>},
      {"Log", convertUnary<LogOp>},
      {"MatMul", convertBinary<MatMulOp>},
      {"Mul", convertBinary<MulOp>},
      {"Neg", convertUnary<NegOp>},
      {"Pow", convertBinary<PowOp>},
      {"Relu", convertUnary<ReLUOp>},
      {"Sigmoid", convertUnary<SigmoidOp>},
      {"Sin", convertUnary<SinOp>},
      {"Softplus", convertUnary<SoftplusOp>},
      {"Sqrt", convertUnary<SqrtOp>},
      {"Sub", convertBinary<SubOp>},
      {"Tanh", convertUnary<TanhOp>},
  };
  for (auto [type, converter] : plainOps)
    table[type] = converter;
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
