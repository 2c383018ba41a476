//===- SymbolicShapes.cpp - The symbolic sizes of imported values ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// What `Shape` of a value gives when its dims are dynamic: the model's dim
// symbols carried through the ops that keep them (elementwise, permute,
// matmul, linear, reductions, slices of other dims, ...). A dim no rule
// follows gets a fresh symbol of its own, so that equal sizes still
// compare equal and products (`?3 * 4`) still divide.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mithril/IR/MithrilOps.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

using MaybeShape = SmallVector<std::optional<SymbolicSize>>;

/// NumPy broadcasting of `shapes` to `rank` dims: each dim from the first
/// operand whose dim there is not 1.
MaybeShape broadcast(ArrayRef<SmallVector<SymbolicSize>> shapes, int64_t rank) {
  MaybeShape result(rank);
  for (int64_t i = 0; i < rank; ++i)
    for (const SmallVector<SymbolicSize> &shape : shapes) {
      int64_t j = i - (rank - int64_t(shape.size()));
      if (j < 0 || shape[j] == SymbolicSize::constant(1))
        continue;
      result[i] = shape[j];
      break;
    }
  return result;
}

bool keepsShape(Operation *op) {
  return op->hasTrait<OpTrait::SameOperandsAndResultShape>() ||
         isa<SoftmaxOp, LogSoftmaxOp, LayerNormOp, RMSNormOp, GroupNormOp,
             BatchNorm1dOp, BatchNorm2dOp>(op);
}

bool broadcasts(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaximumOp, MinimumOp, EqualOp,
             LessOp, GreaterOp, WhereOp>(op);
}

/// The sizes `op`'s first result keeps from its operands, given theirs.
MaybeShape inferredShape(Operation *op, int64_t rank,
                         function_ref<SmallVector<SymbolicSize>(Value)> of) {
  if (op->getNumOperands() == 0)
    return MaybeShape(rank);
  SmallVector<SymbolicSize> input = of(op->getOperand(0));
  auto inputRank = int64_t(input.size());
  if (keepsShape(op))
    return MaybeShape(input.begin(), input.end());
  if (broadcasts(op)) {
    SmallVector<SmallVector<SymbolicSize>> shapes;
    for (Value operand : op->getOperands())
      shapes.push_back(of(operand));
    return broadcast(shapes, rank);
  }
  if (auto permute = dyn_cast<PermuteOp>(op)) {
    MaybeShape result;
    for (int64_t dim : permute.getDims())
      result.push_back(input[dim < 0 ? dim + inputRank : dim]);
    return result;
  }
  if (isa<MatMulOp>(op)) {
    SmallVector<SymbolicSize> right = of(op->getOperand(1));
    if (inputRank < 2 || right.size() < 2)
      return MaybeShape(rank);
    SmallVector<SmallVector<SymbolicSize>> batches{
        SmallVector<SymbolicSize>(ArrayRef(input).drop_back(2)),
        SmallVector<SymbolicSize>(ArrayRef(right).drop_back(2))};
    MaybeShape result = broadcast(batches, rank - 2);
    result.push_back(input[inputRank - 2]);
    result.push_back(right.back());
    return result;
  }
  if (isa<LinearOp>(op)) {
    MaybeShape result(input.begin(), input.end());
    result.back() = std::nullopt;
    return result;
  }
  if (isa<SumOp, MeanOp, MaxOp, MinOp, VarianceOp>(op)) {
    auto dims = op->getAttrOfType<DenseI64ArrayAttr>("dim");
    auto keep = op->getAttrOfType<BoolAttr>("keepdim");
    MaybeShape result;
    for (int64_t i = 0; i < inputRank; ++i) {
      bool reduced = !dims || llvm::any_of(dims.asArrayRef(), [&](int64_t d) {
        return d == i || d + inputRank == i;
      });
      if (!reduced)
        result.push_back(input[i]);
      else if (keep && keep.getValue())
        result.push_back(SymbolicSize::constant(1));
    }
    return result;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    MaybeShape result(input.begin(), input.end());
    int64_t dim = slice.getDim();
    result[dim < 0 ? dim + inputRank : dim] = std::nullopt;
    return result;
  }
  if (auto unsqueeze = dyn_cast<UnsqueezeOp>(op)) {
    MaybeShape result(input.begin(), input.end());
    int64_t dim = unsqueeze.getDim();
    dim = dim < 0 ? dim + inputRank + 1 : dim;
    result.insert(result.begin() + dim, SymbolicSize::constant(1));
    return result;
  }
  if (auto squeeze = dyn_cast<SqueezeOp>(op)) {
    MaybeShape result(input.begin(), input.end());
    int64_t dim = squeeze.getDim();
    result.erase(result.begin() + (dim < 0 ? dim + inputRank : dim));
    return result;
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    MaybeShape result(input.begin(), input.end());
    int64_t dim = concat.getDim();
    dim = dim < 0 ? dim + inputRank : dim;
    for (Value operand : op->getOperands().drop_front()) {
      std::optional<SymbolicSize> &size = result[dim];
      if (size)
        size = add(*size, of(operand)[dim]);
    }
    return result;
  }
  if (isa<Conv2dOp, MaxPool2dOp, AvgPool2dOp, AdaptiveAvgPool2dOp>(op)) {
    MaybeShape result(rank);
    if (inputRank == rank)
      result[0] = input[0];
    return result;
  }
  return MaybeShape(rank);
}

} // namespace

SmallVector<SymbolicSize> GraphImporter::symbolicShape(Value value) {
  if (auto found = shapes.find(value); found != shapes.end())
    return found->second;
  auto type = cast<RankedTensorType>(value.getType());
  MaybeShape inferred(type.getRank());
  if (Operation *op = value.getDefiningOp(); op && op->getNumResults() == 1)
    inferred = inferredShape(op, type.getRank(), [&](Value operand) {
      return symbolicShape(operand);
    });
  if (int64_t(inferred.size()) != type.getRank())
    inferred = MaybeShape(type.getRank());
  SmallVector<SymbolicSize> shape;
  for (auto [i, size] : llvm::enumerate(inferred)) {
    if (!type.isDynamicDim(i))
      shape.push_back(SymbolicSize::constant(type.getDimSize(i)));
    else if (size && !size->isConstant())
      shape.push_back(*size);
    else
      shape.push_back(SymbolicSize::symbol("?" + std::to_string(++freshSizes)));
  }
  shapes[value] = shape;
  return shape;
}
