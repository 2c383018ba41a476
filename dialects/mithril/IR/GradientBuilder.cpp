//===- GradientBuilder.cpp - Building gradients with mithril ops ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "GradientBuilder.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace mlir::mithril;

SmallVector<int64_t>
mlir::mithril::getReducedDims(std::optional<ArrayRef<int64_t>> dims,
                              int64_t rank) {
  SmallVector<int64_t> result;
  if (!dims) {
    for (int64_t d = 0; d < rank; ++d)
      result.push_back(d);
    return result;
  }
  for (int64_t dim : *dims)
    result.push_back(dim < 0 ? dim + std::max<int64_t>(rank, 1) : dim);
  llvm::sort(result);
  result.erase(std::unique(result.begin(), result.end()), result.end());
  return result;
}

bool mlir::mithril::isDifferentiable(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

Value GradientBuilder::scalar(double value, Value like) {
  if (hasFailed || !like)
    return fail();
  Type elementType = getElementTypeOrSelf(like.getType());
  auto type = RankedTensorType::get({}, elementType);
  Attribute element =
      isa<FloatType>(elementType)
          ? Attribute(builder.getFloatAttr(elementType, value))
          : Attribute(builder.getIntegerAttr(elementType, int64_t(value)));
  return create<ConstantOp>({}, DenseElementsAttr::get(type, element));
}

Value GradientBuilder::index(int64_t value) {
  auto type = RankedTensorType::get({}, builder.getI64Type());
  return create<ConstantOp>(
      {}, DenseElementsAttr::get(type, builder.getI64IntegerAttr(value)));
}

Value GradientBuilder::castTo(Value x, Type elementType) {
  if (x && getElementTypeOrSelf(x.getType()) == elementType)
    return x;
  return create<CastOp>({x}, x, TypeAttr::get(elementType));
}

/// The `dim` attribute of a reduction: absent (all dims) when empty.
static DenseI64ArrayAttr reductionDims(OpBuilder &builder,
                                       ArrayRef<int64_t> dims) {
  return dims.empty() ? DenseI64ArrayAttr()
                      : builder.getDenseI64ArrayAttr(dims);
}

// A reduction that keeps its dims is built as one that drops them and a
// reshape: the reduction's outer loop is then the first kept dim (the
// channels of a BatchNorm statistic), which parallel code splits, rather
// than a dim of size 1.

Value GradientBuilder::sum(Value x, ArrayRef<int64_t> dims, bool keepdim) {
  Value sum = create<SumOp>({x}, x, reductionDims(builder, dims),
                            builder.getBoolAttr(false));
  return keepdim ? keepReducedDims(sum, x, dims) : sum;
}

Value GradientBuilder::mean(Value x, ArrayRef<int64_t> dims, bool keepdim) {
  Value mean = create<MeanOp>({x}, x, reductionDims(builder, dims),
                              builder.getBoolAttr(false));
  return keepdim ? keepReducedDims(mean, x, dims) : mean;
}

Value GradientBuilder::variance(Value x, ArrayRef<int64_t> dims,
                                int64_t correction, bool keepdim) {
  Value variance = create<VarianceOp>({x}, x, reductionDims(builder, dims),
                                      builder.getI64IntegerAttr(correction),
                                      builder.getBoolAttr(false));
  return keepdim ? keepReducedDims(variance, x, dims) : variance;
}

Value GradientBuilder::keepReducedDims(Value reduced, Value input,
                                       ArrayRef<int64_t> dims) {
  if (hasFailed || !reduced)
    return fail();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  return restoreReducedDims(
      reduced, input,
      getReducedDims(dims.empty() ? std::nullopt : std::optional(dims), rank),
      false);
}

Value GradientBuilder::softmax(Value x, int64_t dim) {
  return create<SoftmaxOp>({x}, x, builder.getI64IntegerAttr(dim));
}

Value GradientBuilder::logSoftmax(Value x, int64_t dim) {
  return create<LogSoftmaxOp>({x}, x, builder.getI64IntegerAttr(dim));
}

Value GradientBuilder::reducedSize(Value x, ArrayRef<int64_t> dims) {
  return create<ReducedSizeOp>({x}, x, reductionDims(builder, dims));
}

Value GradientBuilder::transpose(Value x, int64_t dim0, int64_t dim1) {
  return create<TransposeOp>({x}, x, builder.getI64IntegerAttr(dim0),
                             builder.getI64IntegerAttr(dim1));
}

Value GradientBuilder::permute(Value x, ArrayRef<int64_t> dims) {
  return create<PermuteOp>({x}, x, builder.getDenseI64ArrayAttr(dims));
}

Value GradientBuilder::unsqueeze(Value x, int64_t dim) {
  return create<UnsqueezeOp>({x}, x, builder.getI64IntegerAttr(dim));
}

Value GradientBuilder::reshape(Value x, ArrayRef<int64_t> shape) {
  SmallVector<Attribute> dims;
  for (int64_t dim : shape)
    dims.push_back(builder.getI64IntegerAttr(dim));
  return create<ReshapeOp>({x}, x, builder.getArrayAttr(dims));
}

Value GradientBuilder::pad(Value x, ArrayRef<int64_t> pairs) {
  return create<PadOp>({x}, x, builder.getDenseI64ArrayAttr(pairs),
                       builder.getF64FloatAttr(0.0));
}

Value GradientBuilder::sumToShapeOf(Value grad, Value operand) {
  if (hasFailed || !grad || !operand)
    return fail();
  auto gradType = cast<RankedTensorType>(grad.getType());
  auto operandType = cast<RankedTensorType>(operand.getType());
  int64_t extra = gradType.getRank() - operandType.getRank();
  // Dims the broadcast added in front, then dims of static size 1 that it
  // stretched (a sum over a dim of size 1 changes nothing, so a dynamic
  // grad dim there is summed too).
  SmallVector<int64_t> leading;
  for (int64_t d = 0; d < extra; ++d)
    leading.push_back(d);
  Value result = grad;
  if (!leading.empty())
    result = sum(result, leading, /*keepdim=*/false);
  SmallVector<int64_t> stretched;
  for (int64_t d = 0; d < operandType.getRank(); ++d)
    if (operandType.getDimSize(d) == 1 && gradType.getDimSize(extra + d) != 1)
      stretched.push_back(d);
  if (!stretched.empty())
    result = sum(result, stretched, /*keepdim=*/true);
  return result;
}

Value GradientBuilder::restoreReducedDims(Value grad, Value input,
                                          ArrayRef<int64_t> dims,
                                          bool keepdim) {
  if (keepdim || hasFailed)
    return grad;
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  if (dims.size() == size_t(rank))
    return reshape(grad, SmallVector<int64_t>(rank, 1));
  Value result = grad;
  for (int64_t dim : dims) // Ascending: each lands where it was.
    result = unsqueeze(result, dim);
  return result;
}

LogicalResult mlir::mithril::propagateGradients(
    OpBuilder &builder, ArrayRef<Operation *> ops,
    llvm::DenseMap<Value, Value> &gradients,
    function_ref<LogicalResult(Operation *)> check,
    function_ref<bool(Value)> isActive) {
  for (Operation *op : llvm::reverse(ops)) {
    if (check && failed(check(op)))
      return failure();
    SmallVector<Value> resultGradients;
    for (Value result : op->getResults())
      resultGradients.push_back(gradients.lookup(result));
    if (llvm::all_of(resultGradients, [](Value v) { return !v; }))
      continue;
    // A result whose gradient is absent (an unused output of a split) gets
    // zeros from the rule.
    auto differentiable = dyn_cast<DifferentiableOpInterface>(op);
    if (!differentiable)
      return op->emitOpError("has no gradient");
    FailureOr<SmallVector<Value>> operandGradients =
        differentiable.buildGradients(builder, resultGradients);
    if (failed(operandGradients))
      return failure();
    for (auto [operand, gradient] :
         llvm::zip(op->getOperands(), *operandGradients)) {
      if (!gradient || (isActive && !isActive(operand)))
        continue;
      Value &total = gradients[operand];
      GradientBuilder g(builder, op->getLoc());
      total = total ? g.add(total, gradient) : gradient;
      if (g.failed())
        return failure();
    }
  }
  return success();
}

FailureOr<SmallVector<Value>>
mlir::mithril::differentiateComposite(OpBuilder &builder, ValueRange inputs,
                                      Value output, Value outputGradient) {
  // The ops between the inputs and the output, in block order.
  llvm::DenseSet<Value> sources(inputs.begin(), inputs.end());
  llvm::SetVector<Operation *> ops;
  SmallVector<Value> worklist = {output};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    Operation *op = value.getDefiningOp();
    if (sources.contains(value) || !op || !ops.insert(op))
      continue;
    llvm::append_range(worklist, op->getOperands());
  }
  SmallVector<Operation *> ordered(ops.begin(), ops.end());
  llvm::sort(ordered,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  llvm::DenseMap<Value, Value> gradients;
  gradients[output] = outputGradient;
  if (failed(propagateGradients(builder, ordered, gradients)))
    return failure();
  SmallVector<Value> result;
  llvm::DenseSet<Value> given;
  for (Value input : inputs)
    result.push_back(given.insert(input).second ? gradients.lookup(input)
                                                : Value());
  return result;
}
