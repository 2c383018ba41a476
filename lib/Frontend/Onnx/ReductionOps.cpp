//===- ReductionOps.cpp - ONNX reductions to catalog ops ------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// ReduceX over `axes` (an attribute, or an input from ReduceSum's opset 13
// and the others' opset 18), keeping the dims by default, and ArgMax /
// ArgMin. The reductions the catalog has no row for are their formulas:
// ReduceL1 is sum(|x|), ReduceL2 sqrt(sum(x²)), ReduceSumSquare sum(x²),
// ReduceLogSumExp log(sum(exp(x))).
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

/// The reduction `OpTy` of `input` over `dims` (all dims where empty).
template <typename OpTy>
Value reduce(NodeImport &node, Value input, ArrayRef<int64_t> dims,
             bool keepdim) {
  DenseI64ArrayAttr dimsAttr;
  if (!dims.empty())
    dimsAttr = node.builder().getDenseI64ArrayAttr(dims);
  return node.build<OpTy>(input, dimsAttr, keepdim);
}

LogicalResult convertReduce(NodeImport &node) {
  StringRef type = node.type();
  if (failed(
          node.checkAttributes({"axes", "keepdims", "noop_with_empty_axes"})))
    return failure();
  Value input = node.input(0);
  if (!input)
    return failure();
  int64_t axesInputFrom = type == "ReduceSum" ? 13 : 18;
  SmallVector<int64_t> axes = node.attributes.ints("axes");
  if (node.opset() >= axesInputFrom && node.has(1)) {
    FailureOr<SmallVector<int64_t>> given = node.constantInts(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  if (axes.empty() && node.attributes.integer("noop_with_empty_axes", 0) != 0)
    return node.setOutput(input);
  Type element = getElementTypeOrSelf(input);
  bool floating = isa<FloatType>(element);
  if (!floating &&
      !llvm::is_contained({"ReduceSum", "ReduceMax", "ReduceMin"}, type))
    return node.refuse("only floating-point inputs are supported");
  bool keepdim = node.attributes.integer("keepdims", 1) != 0;

  Value operand = input;
  if (type == "ReduceSumSquare" || type == "ReduceL2")
    operand = node.build<MulOp>(input, input);
  else if (type == "ReduceL1")
    operand = node.build<AbsOp>(input);
  else if (type == "ReduceLogSumExp")
    operand = node.build<ExpOp>(input);
  Value result =
      type == "ReduceMean"  ? reduce<MeanOp>(node, operand, axes, keepdim)
      : type == "ReduceMax" ? reduce<MaxOp>(node, operand, axes, keepdim)
      : type == "ReduceMin" ? reduce<MinOp>(node, operand, axes, keepdim)
                            : reduce<SumOp>(node, operand, axes, keepdim);
  if (result && type == "ReduceL2")
    result = node.build<SqrtOp>(result);
  else if (result && type == "ReduceLogSumExp")
    result = node.build<LogOp>(result);
  // Sums of narrow integers are i64 in the catalog (torch's rule); ONNX
  // keeps the input's type.
  if (result && getElementTypeOrSelf(result) != element)
    result = node.build<CastOp>(result, element);
  return node.setOutput(result);
}

/// ArgMax, and ArgMin as the ArgMax of the negation (both pick the first
/// index on ties).
LogicalResult convertArgMax(NodeImport &node) {
  if (failed(node.checkAttributes({"axis", "keepdims", "select_last_index"})))
    return failure();
  if (node.attributes.integer("select_last_index", 0) != 0)
    return node.refuse("select_last_index is not supported");
  Value input = node.input(0);
  if (!input)
    return failure();
  if (node.type() == "ArgMin") {
    if (getElementTypeOrSelf(input).isUnsignedInteger())
      return node.refuse("unsigned inputs are not supported");
    input = node.build<NegOp>(input);
  }
  return node.setOutput(node.build<ArgMaxOp>(
      input,
      node.builder().getI64IntegerAttr(node.attributes.integer("axis", 0)),
      node.attributes.integer("keepdims", 1) != 0));
}

} // namespace

void mlir::mithril::onnx_import::addReductionConverters(ConverterTable &table) {
  for (StringRef type :
       {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceSumSquare",
        "ReduceL1", "ReduceL2", "ReduceLogSumExp"})
    table[type] = convertReduce;
  table["ArgMax"] = convertArgMax;
  table["ArgMin"] = convertArgMax;
}
