//===- GradientBuilder.h - Building gradients with mithril ops --*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// What the ops' gradient rules (DifferentiableOpInterface) and the training
// passes build with: one mithril op per call, typed by its own inference, at
// one location. A rule reads like the formula it implements:
//
//   GradientBuilder g(builder, op.getLoc());
//   Value s = g.sigmoid(x);
//   return g.mul(grad, g.mul(s, g.sub(g.scalar(1, s), s)));
//
// An op that fails to build (operands that do not fit) leaves a diagnostic
// and returns null; every later call with a null operand returns null too,
// so a rule checks once, at the end (`failed()`).
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_GRADIENTBUILDER_H
#define MITHRIL_IR_GRADIENTBUILDER_H

#include "mithril/IR/CreateInferred.h"
#include "mithril/IR/MithrilOps.h"

namespace mlir::mithril {

class GradientBuilder {
public:
  GradientBuilder(OpBuilder &builder, Location loc)
      : builder(builder), loc(loc) {}

  OpBuilder &getBuilder() { return builder; }
  Location getLoc() const { return loc; }
  /// Whether a call failed (after its diagnostic).
  bool failed() const { return hasFailed; }
  /// `grads`, the result of a rule, or failure if a call failed.
  FailureOr<SmallVector<Value>> finish(SmallVector<Value> grads) const {
    if (hasFailed)
      return failure();
    return grads;
  }

  /// `OpTy` from `operands` (tensor values, all non-null) and `args` (the
  /// rest of its typed builder's arguments); its first result.
  template <typename OpTy, typename... Args>
  Value create(ValueRange operands, Args &&...args) {
    if (hasFailed || llvm::is_contained(operands, Value()))
      return fail();
    auto op = createInferred<OpTy>(builder, loc, std::forward<Args>(args)...);
    return op ? op->getResult(0) : fail();
  }

  /// A rank-0 constant of `like`'s element type.
  Value scalar(double value, Value like);
  /// A rank-0 `i64` constant.
  Value index(int64_t value);

  Value add(Value x, Value y) { return create<AddOp>({x, y}, x, y); }
  Value sub(Value x, Value y) { return create<SubOp>({x, y}, x, y); }
  Value mul(Value x, Value y) { return create<MulOp>({x, y}, x, y); }
  Value div(Value x, Value y) { return create<DivOp>({x, y}, x, y); }
  Value pow(Value x, Value y) { return create<PowOp>({x, y}, x, y); }
  Value neg(Value x) { return create<NegOp>({x}, x); }
  Value exp(Value x) { return create<ExpOp>({x}, x); }
  Value log(Value x) { return create<LogOp>({x}, x); }
  Value sqrt(Value x) { return create<SqrtOp>({x}, x); }
  Value rsqrt(Value x) { return create<RsqrtOp>({x}, x); }
  Value abs(Value x) { return create<AbsOp>({x}, x); }
  Value sigmoid(Value x) { return create<SigmoidOp>({x}, x); }
  Value tanh(Value x) { return create<TanhOp>({x}, x); }
  Value sin(Value x) { return create<SinOp>({x}, x); }
  Value cos(Value x) { return create<CosOp>({x}, x); }
  Value erf(Value x) { return create<ErfOp>({x}, x); }
  Value softplus(Value x) { return create<SoftplusOp>({x}, x); }
  Value equal(Value x, Value y) { return create<EqualOp>({x, y}, x, y); }
  Value less(Value x, Value y) { return create<LessOp>({x, y}, x, y); }
  Value greater(Value x, Value y) { return create<GreaterOp>({x, y}, x, y); }
  Value where(Value c, Value x, Value y) {
    return create<WhereOp>({c, x, y}, c, x, y);
  }
  Value castTo(Value x, Type elementType);

  /// Sums (means, ...) over `dims` (all of them when empty).
  Value sum(Value x, ArrayRef<int64_t> dims, bool keepdim);
  Value mean(Value x, ArrayRef<int64_t> dims, bool keepdim);
  Value variance(Value x, ArrayRef<int64_t> dims, int64_t correction,
                 bool keepdim);
  Value softmax(Value x, int64_t dim);
  Value logSoftmax(Value x, int64_t dim);
  /// The number of elements over `dims` of `x` (all when empty), as a
  /// scalar of its dtype.
  Value reducedSize(Value x, ArrayRef<int64_t> dims);

  Value matmul(Value x, Value y) { return create<MatMulOp>({x, y}, x, y); }
  Value transpose(Value x, int64_t dim0, int64_t dim1);
  Value permute(Value x, ArrayRef<int64_t> dims);
  Value unsqueeze(Value x, int64_t dim);
  /// `x` reshaped to static-or-(-1) `shape`.
  Value reshape(Value x, ArrayRef<int64_t> shape);
  Value reshapeAs(Value x, Value like) {
    return create<ReshapeAsOp>({x, like}, x, like);
  }
  Value broadcastTo(Value x, Value like) {
    return create<BroadcastToOp>({x, like}, x, like);
  }
  /// Zeros of `like`'s type.
  Value zerosLike(Value like) { return broadcastTo(scalar(0, like), like); }
  /// PyTorch's F.pad order: (before, after) pairs from the last dim back.
  Value pad(Value x, ArrayRef<int64_t> pairs);

  /// Undoes a broadcast: `grad`, the gradient of a broadcast of `operand`,
  /// summed over the dims the broadcast added or stretched, so that it has
  /// `operand`'s shape.
  Value sumToShapeOf(Value grad, Value operand);
  /// `reduced`, a reduction of `input` over `dims` (all when empty) that
  /// dropped them, with them put back as size 1.
  Value keepReducedDims(Value reduced, Value input, ArrayRef<int64_t> dims);
  /// `grad` of a reduction over `dims` of `input` (kept as size 1 unless
  /// `keepdim`), with the reduced dims put back as size 1.
  Value restoreReducedDims(Value grad, Value input, ArrayRef<int64_t> dims,
                           bool keepdim);

private:
  Value fail() {
    hasFailed = true;
    return nullptr;
  }

  OpBuilder &builder;
  Location loc;
  bool hasFailed = false;
};

/// The dims a reduction over `dims` of a rank-`rank` tensor reduces: all of
/// them when absent, else `dims` normalised and sorted.
SmallVector<int64_t> getReducedDims(std::optional<ArrayRef<int64_t>> dims,
                                    int64_t rank);

/// Whether `value` is a float tensor, which gradients flow through.
bool isDifferentiable(Value value);

/// Reverse mode over `ops` (in block order, last first): each op with a
/// gradient in `gradients` for one of its results builds its operands'
/// gradients by its rule, at the builder's insertion point, and adds them to
/// `gradients` (summed over the uses of a value). `check`, when given, may
/// refuse an op before; `isActive`, when given, says which operands take a
/// gradient.
LogicalResult
propagateGradients(OpBuilder &builder, ArrayRef<Operation *> ops,
                   llvm::DenseMap<Value, Value> &gradients,
                   function_ref<LogicalResult(Operation *)> check = nullptr,
                   function_ref<bool(Value)> isActive = nullptr);

/// The gradients of `inputs` given `outputGradient`, that of `output`, which
/// ops with gradient rules compute from them in one block (a composite
/// op's decomposition, just built): reverse mode over those ops. A value
/// listed twice gets its gradient once, at its first place (null after).
FailureOr<SmallVector<Value>> differentiateComposite(OpBuilder &builder,
                                                     ValueRange inputs,
                                                     Value output,
                                                     Value outputGradient);

} // namespace mlir::mithril

#endif // MITHRIL_IR_GRADIENTBUILDER_H
