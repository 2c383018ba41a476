//===- QuantizeWeights.cpp - int8 weights, one scale per output channel ---===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The weights of Linear, the convolutions, Embedding and MatMul become int8
// parameters with an f32 scale per output channel (`<name>.scale`). Since
// the scale is constant along the contraction, the op reads the int8 values
// widened and its result is scaled: `x (q s)^T + b = (x q^T) s + b`. The
// lowering then fuses the widening into the contraction, which reads a
// quarter of the bytes. With activations quantized too (`int8-dynamic`),
// each row of a Linear's or a MatMul's left operand gets its own scale at
// run time and the product sums int8 values into i32.
// Why a pass of our own: upstream's quant dialect describes quantized types
// but has no pass that picks a model's weights and rewrites their users.
//
//===----------------------------------------------------------------------===//

#include "TrainingSupport.h"

#include "mithril/IR/GradientBuilder.h"
#include "mithril/Transforms/Passes.h"

#include "llvm/ADT/TypeSwitch.h"

#include <cfloat>

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILQUANTIZEWEIGHTS
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The dim of the output channels of the parameter that `use` reads, if
/// its op is one that quantization rewrites.
std::optional<int64_t> getChannelAxis(OpOperand &use) {
  unsigned operand = use.getOperandNumber();
  int64_t rank = cast<RankedTensorType>(use.get().getType()).getRank();
  auto weightAt0 = [&](unsigned weight) -> std::optional<int64_t> {
    return operand == weight ? std::optional<int64_t>(0) : std::nullopt;
  };
  return TypeSwitch<Operation *, std::optional<int64_t>>(use.getOwner())
      .Case<LinearOp, Conv1dOp, Conv2dOp, EmbeddingOp>([&](auto op) {
        return weightAt0(op.getWeightMutable().getOperandNumber());
      })
      .Case([&](MatMulOp) -> std::optional<int64_t> {
        // Rows of a left weight, columns of a right one.
        if (rank != 2)
          return std::nullopt;
        return operand == 0 ? 0 : 1;
      })
      .Default([](Operation *) { return std::nullopt; });
}

/// The channel axis shared by every use of `parameter`, if each is a
/// quantizable weight operand of a static f32 parameter.
std::optional<int64_t> getQuantizableAxis(ParameterOp parameter) {
  auto type = cast<RankedTensorType>(parameter.getType());
  if (!type.getElementType().isF32() || !type.hasStaticShape() ||
      type.getRank() < 2 || parameter.getOutput().use_empty() ||
      parameter->hasAttr(MithrilDialect::kInitialValueAttrName))
    return std::nullopt;
  std::optional<int64_t> axis;
  for (OpOperand &use : parameter.getOutput().getUses()) {
    std::optional<int64_t> useAxis = getChannelAxis(use);
    if (!useAxis || (axis && axis != useAxis))
      return std::nullopt;
    axis = useAxis;
  }
  return axis;
}

/// `value` with each channel along its dim `dim` multiplied by `scale`
/// ([C]), plus `bias` ([C], when present) likewise.
Value scaleChannels(GradientBuilder &b, Value value, Value scale, int64_t dim,
                    Value bias) {
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  SmallVector<int64_t> shape = {-1};
  shape.append(rank - 1 - dim, 1);
  auto alongDim = [&](Value channels) {
    return shape.size() == 1 ? channels : b.reshape(channels, shape);
  };
  Value scaled = b.mul(value, alongDim(scale));
  return bias ? b.add(scaled, alongDim(bias)) : scaled;
}

/// `x` [..., K] times the int8 `weight` [K, N], with each row of `x`
/// quantized at run time: symmetric, scale max|row| / 127, summed into i32,
/// the sums scaled back by the rows' scales (not the weight's).
Value multiplyQuantizedRows(GradientBuilder &b, Value x, Value weight) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  Value largest = b.keepReducedDims(
      b.create<MaxOp>({x}, b.abs(x),
                      b.getBuilder().getDenseI64ArrayAttr({rank - 1}),
                      b.getBuilder().getBoolAttr(false)),
      x, {rank - 1});
  // A row of zeros divides by the smallest normal float, giving zeros.
  Value rowScale = b.create<MaximumOp>(
      {largest}, b.div(largest, b.scalar(127, x)), b.scalar(FLT_MIN, x));
  Value rounded = b.create<RoundOp>({x}, b.div(x, rowScale));
  Value clamped = b.create<MinimumOp>(
      {rounded}, b.create<MaximumOp>({rounded}, rounded, b.scalar(-127, x)),
      b.scalar(127, x));
  Type i8 = b.getBuilder().getI8Type(), i32 = b.getBuilder().getI32Type();
  Value sums =
      b.matmul(b.castTo(b.castTo(clamped, i8), i32), b.castTo(weight, i32));
  return b.mul(b.castTo(sums, b.getBuilder().getF32Type()), rowScale);
}

/// Rewrites the op of `use` to read the int8 `values` and their `scale`.
LogicalResult rewriteUse(OpOperand &use, Value values, Value scale,
                         bool dynamic) {
  Operation *op = use.getOwner();
  OpBuilder builder(op);
  GradientBuilder b(builder, op->getLoc());
  Type f32 = builder.getF32Type();
  Value result = op->getResult(0);
  int64_t resultRank = cast<RankedTensorType>(result.getType()).getRank();
  Value replacement =
      TypeSwitch<Operation *, Value>(op)
          .Case([&](LinearOp linear) -> Value {
            if (dynamic)
              return scaleChannels(
                  b,
                  multiplyQuantizedRows(b, linear.getInput(),
                                        b.transpose(values, 0, 1)),
                  scale, resultRank - 1, linear.getBias());
            use.set(b.castTo(values, f32));
            Value bias = linear.getBias();
            linear.getBiasMutable().clear();
            builder.setInsertionPointAfter(linear);
            return scaleChannels(b, result, scale, resultRank - 1, bias);
          })
          .Case<Conv1dOp, Conv2dOp>([&](auto conv) -> Value {
            use.set(b.castTo(values, f32));
            Value bias = conv.getBias();
            conv.getBiasMutable().clear();
            builder.setInsertionPointAfter(conv);
            int64_t channels = resultRank - 1 - decltype(conv)::kSpatialRank;
            return scaleChannels(b, result, scale, channels, bias);
          })
          .Case([&](EmbeddingOp embedding) -> Value {
            // Rows of int8 values, and the same rows of the scales.
            Value rows =
                b.create<EmbeddingOp>({values}, embedding.getInput(), values,
                                      embedding.getNumEmbeddingsAttr(),
                                      embedding.getEmbeddingDimAttr());
            Value rowScales = b.create<EmbeddingOp>(
                {scale}, embedding.getInput(), b.reshape(scale, {-1, 1}),
                embedding.getNumEmbeddingsAttr(), builder.getI64IntegerAttr(1));
            return b.mul(b.castTo(rows, f32), rowScales);
          })
          .Case([&](MatMulOp matmul) -> Value {
            bool right = use.getOperandNumber() == 1;
            if (dynamic && right)
              return scaleChannels(
                  b, multiplyQuantizedRows(b, matmul.getLeft(), values), scale,
                  resultRank - 1, Value());
            use.set(b.castTo(values, f32));
            builder.setInsertionPointAfter(matmul);
            return scaleChannels(b, result, scale, resultRank - (right ? 1 : 2),
                                 Value());
          });
  if (b.failed())
    return failure();
  // The op's users read `replacement`, which is built just before or after
  // the op (and may read its result): they come after it.
  Operation *last = replacement.getDefiningOp();
  result.replaceUsesWithIf(replacement, [&](OpOperand &other) {
    return last->isBeforeInBlock(other.getOwner());
  });
  if (result.use_empty())
    op->erase();
  return success();
}

/// Quantizes `parameter` along `axis`: it becomes int8, its scale a new
/// parameter after it, and its users read both.
LogicalResult quantizeParameter(ParameterOp parameter, int64_t axis,
                                bool dynamic) {
  MLIRContext *context = parameter.getContext();
  auto type = cast<RankedTensorType>(parameter.getType());
  std::string scaleName = (parameter.getName() + ".scale").str();
  auto model = cast<ModelOp>(parameter->getParentOp());
  for (ParameterOp other : model.getParameters())
    if (other.getName() == scaleName)
      return parameter.emitError()
             << "cannot quantize '" << parameter.getName()
             << "': the model already has a parameter '" << scaleName << "'";
  OpBuilder builder(context);
  builder.setInsertionPointAfter(parameter);
  auto scale = ParameterOp::create(
      builder, parameter.getLoc(),
      RankedTensorType::get({type.getDimSize(axis)}, builder.getF32Type()),
      scaleName);
  scale->setAttr(MithrilDialect::kScaleOfAttrName, parameter.getNameAttr());
  parameter->setAttr(MithrilDialect::kModelDTypeAttrName,
                     TypeAttr::get(type.getElementType()));
  parameter->setAttr(MithrilDialect::kQuantizedAxisAttrName,
                     builder.getI64IntegerAttr(axis));
  Value values = parameter.getOutput();
  SmallVector<OpOperand *> uses = llvm::map_to_vector(
      values.getUses(), [](OpOperand &use) { return &use; });
  values.setType(type.clone(builder.getI8Type()));
  for (OpOperand *use : uses)
    if (failed(rewriteUse(*use, values, scale.getOutput(), dynamic)))
      return failure();
  return success();
}

struct QuantizeWeights
    : mithril::impl::MithrilQuantizeWeightsBase<QuantizeWeights> {
  using MithrilQuantizeWeightsBase::MithrilQuantizeWeightsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (mode != "int8" && mode != "int8-dynamic") {
      module.emitError() << "mithril-quantize-weights: mode takes int8 or "
                            "int8-dynamic, not '"
                         << mode << "'";
      return signalPassFailure();
    }
    if (!getTrainModels(module).empty()) {
      module.emitError() << "mithril-quantize-weights: a train step updates "
                            "its weights, which int8 cannot hold";
      return signalPassFailure();
    }
    for (ModelOp model : module.getOps<ModelOp>())
      for (ParameterOp parameter :
           llvm::make_early_inc_range(model.getParameters()))
        if (std::optional<int64_t> axis = getQuantizableAxis(parameter))
          if (failed(
                  quantizeParameter(parameter, *axis, mode == "int8-dynamic")))
            return signalPassFailure();
  }
};

} // namespace
