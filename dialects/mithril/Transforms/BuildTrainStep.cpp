//===- BuildTrainStep.cpp - A train step: the model and its loss ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Clones the top model into `@train_step`, which takes the model's inputs and
// a `target` and returns the loss of the model's output: PyTorch's
// CrossEntropyLoss, MSELoss, L1Loss or BCEWithLogitsLoss, built from catalog
// ops so that their gradients follow from the ops' rules.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/GradientBuilder.h"
#include "mithril/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILBUILDTRAINSTEP
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

constexpr StringLiteral kTrainStepName = "train_step";

/// The loss's options, as the pass takes them.
struct LossOptions {
  StringRef kind, reduction;
  double labelSmoothing;
  int64_t ignoreIndex;
};

/// `perElement` reduced to a scalar by `reduction` ("mean" or "sum").
Value reduce(GradientBuilder &g, Value perElement, StringRef reduction) {
  return reduction == "sum" ? g.sum(perElement, {}, false)
                            : g.mean(perElement, {}, false);
}

/// CrossEntropyLoss of logits `[N, C, d...]` (or `[C]`) and class indices:
/// -sum(q log_softmax(x)) per sample, q the one-hot target smoothed by
/// `labelSmoothing`; samples whose target is `ignoreIndex` count for
/// nothing, also in the mean's denominator.
Value crossEntropy(GradientBuilder &g, Value logits, Value target,
                   const LossOptions &options) {
  int64_t classDim =
      cast<RankedTensorType>(logits.getType()).getRank() == 1 ? 0 : 1;
  int64_t classes =
      cast<RankedTensorType>(logits.getType()).getDimSize(classDim);
  Value logProbabilities = g.logSoftmax(logits, classDim);
  Value oneHot = g.create<OneHotOp>({target, logits}, target, logits);
  Value kept = g.where(g.equal(target, g.index(options.ignoreIndex)),
                       g.scalar(0, logits), g.scalar(1, logits));
  Value keptColumn = classDim == 1 ? g.unsqueeze(kept, 1) : kept;
  // An ignored index may name a class: its rows count for nothing.
  Value q = g.mul(oneHot, keptColumn);
  if (options.labelSmoothing > 0) {
    double eps = options.labelSmoothing;
    q = g.add(g.mul(q, g.scalar(1 - eps, logits)),
              g.mul(keptColumn, g.scalar(eps / double(classes), logits)));
  }
  Value perSample = g.neg(g.sum(g.mul(q, logProbabilities), {classDim}, false));
  Value total = g.sum(perSample, {}, false);
  if (options.reduction == "sum")
    return total;
  return g.div(total, g.sum(kept, {}, false));
}

/// The loss of `output` against `target`.
Value buildLoss(GradientBuilder &g, Value output, Value target,
                const LossOptions &options) {
  if (options.kind == "cross_entropy")
    return crossEntropy(g, output, target, options);
  Value difference = g.sub(output, target);
  if (options.kind == "mse")
    return reduce(g, g.mul(difference, difference), options.reduction);
  if (options.kind == "l1")
    return reduce(g, g.abs(difference), options.reduction);
  // bce_with_logits: softplus(x) - x t, the stable form of
  // -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))).
  return reduce(g, g.sub(g.softplus(output), g.mul(output, target)),
                options.reduction);
}

/// The type of the target: class indices for cross-entropy (the logits
/// without the class dim), else the output's type.
RankedTensorType targetType(RankedTensorType output, StringRef loss) {
  if (loss != "cross_entropy")
    return output;
  SmallVector<int64_t> shape(output.getShape());
  shape.erase(shape.begin() + (output.getRank() == 1 ? 0 : 1));
  return RankedTensorType::get(shape,
                               IntegerType::get(output.getContext(), 64));
}

/// The symbols of the target's dims: those of the model's first input
/// where the target keeps a dynamic dim of the output at the same place (the
/// batch), so that the runtime checks that the two agree.
Attribute targetDims(ModelOp model, RankedTensorType target) {
  auto inputDims =
      model.getArgAttrOfType<ArrayAttr>(0, MithrilDialect::kDimsAttrName);
  Builder builder(model.getContext());
  SmallVector<Attribute> dims;
  bool named = false;
  for (auto [i, size] : llvm::enumerate(target.getShape())) {
    if (!ShapedType::isDynamic(size)) {
      dims.push_back(builder.getI64IntegerAttr(size));
      continue;
    }
    Attribute symbol;
    if (inputDims && i < inputDims.size() && isa<StringAttr>(inputDims[i]))
      symbol = inputDims[i];
    named |= bool(symbol);
    dims.push_back(
        symbol ? symbol : builder.getStringAttr("target_" + std::to_string(i)));
  }
  return named ? builder.getArrayAttr(dims) : Attribute();
}

struct BuildTrainStep
    : mithril::impl::MithrilBuildTrainStepBase<BuildTrainStep> {
  using Base::Base;

  LogicalResult checkOptions(ModelOp model) {
    if (!llvm::is_contained({"cross_entropy", "mse", "l1", "bce_with_logits"},
                            StringRef(loss)))
      return model.emitError() << "unknown loss '" << loss
                               << "': expected cross_entropy, mse, l1 or "
                                  "bce_with_logits";
    if (reduction != "mean" && reduction != "sum")
      return model.emitError()
             << "unknown reduction '" << reduction << "': expected mean or sum";
    if (labelSmoothing < 0 || labelSmoothing > 1)
      return model.emitError()
             << "label smoothing " << labelSmoothing << " is not in [0, 1]";
    if (model.getNumResults() != 1)
      return model.emitError()
             << "a train step needs a model with one output, @"
             << model.getSymName() << " has " << model.getNumResults();
    auto output = dyn_cast<RankedTensorType>(model.getResultTypes()[0]);
    if (!output || !isa<FloatType>(output.getElementType()))
      return model.emitError() << "the output of @" << model.getSymName()
                               << " is not a float tensor, which a loss needs";
    if (loss == "cross_entropy" && output.getRank() < 1)
      return model.emitError() << "cross_entropy needs logits with a class "
                                  "dim, the output is a scalar";
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ModelOp model = getTopModel(module);
    if (!model) {
      module.emitError() << "no model to train";
      return signalPassFailure();
    }
    if (failed(checkOptions(model)))
      return signalPassFailure();
    SymbolTable symbols(module);
    if (symbols.lookup(kTrainStepName)) {
      model.emitError() << "the module already has a symbol @"
                        << kTrainStepName;
      return signalPassFailure();
    }

    auto train = cast<ModelOp>(model->clone());
    train.setSymName(kTrainStepName);
    train->setAttr(MithrilDialect::kTrainAttrName,
                   UnitAttr::get(&getContext()));
    symbols.insert(train, std::next(Block::iterator(model)));

    // The target, after the inputs.
    auto output = cast<RankedTensorType>(model.getResultTypes()[0]);
    RankedTensorType target = targetType(output, loss);
    Builder builder(&getContext());
    SmallVector<NamedAttribute> attrs = {builder.getNamedAttr(
        MithrilDialect::kNameAttrName, builder.getStringAttr("target"))};
    if (Attribute dims = targetDims(model, target))
      attrs.push_back(
          builder.getNamedAttr(MithrilDialect::kDimsAttrName, dims));
    unsigned index = train.getNumArguments();
    (void)train.insertArgument(index, target, builder.getDictionaryAttr(attrs),
                               train.getLoc());

    // The loss replaces the output.
    ReturnOp returnOp = train.getReturnOp();
    OpBuilder opBuilder(returnOp);
    GradientBuilder g(opBuilder, returnOp.getOperand(0).getLoc());
    LossOptions options{loss, reduction, labelSmoothing, ignoreIndex};
    Value lossValue =
        buildLoss(g, returnOp.getOperand(0), train.getArgument(index), options);
    if (g.failed())
      return signalPassFailure();
    returnOp->setOperands(lossValue);
    (void)train.eraseResult(0);
    (void)train.insertResult(
        0, lossValue.getType(),
        builder.getDictionaryAttr(builder.getNamedAttr(
            MithrilDialect::kNameAttrName, builder.getStringAttr("loss"))));
  }
};

} // namespace
