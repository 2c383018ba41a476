//===- ApplyPrecision.cpp - Contractions in f16/bf16, weights stored so ---===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Mixed precision on the logical model: the ops marked `ReducedPrecision`
// take f16/bf16 operands and give f16/bf16 results (their lowerings
// accumulate in f32), parameters are stored in the reduced type, and every
// other op keeps computing in f32, reading reduced values widened. Why a
// pass of our own: upstream has no notion of which ops of a model tolerate
// a narrower type, which is per-op knowledge of the mithril dialect.
//
//===----------------------------------------------------------------------===//

#include "TrainingSupport.h"

#include "mithril/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILAPPLYPRECISION
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The element type of `type` if it is a tensor of floats, else null.
FloatType floatElementType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor ? dyn_cast<FloatType>(tensor.getElementType()) : nullptr;
}

/// Whether the precision pass changes values of `type`: f32, f16 and bf16
/// tensors (f64 is kept, as a model that asks for it means it).
bool isAdjustable(Type type) {
  FloatType element = floatElementType(type);
  return element && element.getWidth() <= 32;
}

/// Converts values between element types, reusing conversions: a value
/// converted back to the type it was exactly widened from is that value,
/// and each value is converted to a type once.
class Converter {
public:
  Value convert(Value value, Type elementType) {
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getElementType() == elementType)
      return value;
    if (auto widened = value.getDefiningOp<CastOp>())
      if (getElementTypeOrSelf(widened.getInput().getType()) == elementType &&
          widensExactly(elementType, type.getElementType()))
        return widened.getInput();
    Value &converted = conversions[{value, elementType}];
    if (!converted) {
      OpBuilder builder(value.getContext());
      builder.setInsertionPointAfterValue(value);
      converted =
          CastOp::create(builder, value.getLoc(), type.clone(elementType),
                         value, TypeAttr::get(elementType));
    }
    return converted;
  }

  /// Retypes `value` to `elementType` in place; its users read it converted
  /// back to the old type.
  void retype(Value value, Type elementType) {
    auto type = cast<RankedTensorType>(value.getType());
    Type old = type.getElementType();
    value.setType(type.clone(elementType));
    OpBuilder builder(value.getContext());
    builder.setInsertionPointAfterValue(value);
    auto back = CastOp::create(builder, value.getLoc(), type, value,
                               TypeAttr::get(old));
    value.replaceAllUsesExcept(back, back);
  }

private:
  llvm::DenseMap<std::pair<Value, Type>, Value> conversions;
};

/// Stores the model's f32 parameters (not a train step's state, nor the
/// scales of int8 weights) in `reduced`.
void storeParameters(ModelOp model, FloatType reduced, Converter &converter) {
  Type f32 = Float32Type::get(model.getContext());
  for (ParameterOp parameter : model.getParameters()) {
    if (floatElementType(parameter.getType()) != f32 ||
        parameter->hasAttr(MithrilDialect::kInitialValueAttrName) ||
        parameter->hasAttr(MithrilDialect::kScaleOfAttrName))
      continue;
    parameter->setAttr(MithrilDialect::kModelDTypeAttrName, TypeAttr::get(f32));
    converter.retype(parameter.getOutput(), reduced);
  }
}

/// Computes the `ReducedPrecision` ops of `model` whose float operands are
/// f32 on `reduced` operands, their results widened back.
void narrowOps(ModelOp model, FloatType reduced, Converter &converter) {
  Type f32 = Float32Type::get(model.getContext());
  SmallVector<Operation *> ops;
  model.walk([&](Operation *op) {
    if (op->hasTrait<ReducedPrecision>())
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    auto isF32 = [&](Type type) { return floatElementType(type) == f32; };
    if (!llvm::any_of(op->getOperandTypes(), isF32))
      continue;
    for (OpOperand &operand : op->getOpOperands())
      if (isF32(operand.get().getType()))
        operand.set(converter.convert(operand.get(), reduced));
    for (OpResult result : op->getResults())
      if (isF32(result.getType()))
        converter.retype(result, reduced);
  }
}

/// Gives the float inputs of `model` the element type `io`.
void applyInputPrecision(ModelOp model, FloatType io, Converter &converter) {
  for (BlockArgument argument : model.getBody().front().getArguments())
    if (isAdjustable(argument.getType()))
      converter.retype(argument, io);
}

/// Gives the float outputs of `model` (not a train step's updates or
/// gradients) the element type `io`, and the model its new type.
void applyOutputPrecision(ModelOp model, FloatType io, Converter &converter) {
  ReturnOp returnOp = model.getReturnOp();
  for (OpOperand &operand : returnOp->getOpOperands()) {
    unsigned index = operand.getOperandNumber();
    if (!isAdjustable(operand.get().getType()) ||
        model.getResultAttr(index, MithrilDialect::kUpdatesAttrName) ||
        model.getResultAttr(index, MithrilDialect::kGradientOfAttrName))
      continue;
    operand.set(converter.convert(operand.get(), io));
  }
  model.setFunctionTypeAttr(TypeAttr::get(FunctionType::get(
      model.getContext(), model.getBody().front().getArgumentTypes(),
      returnOp->getOperandTypes())));
}

/// Erases the casts left without users (conversions that folded away).
void eraseUnusedCasts(ModelOp model) {
  SmallVector<CastOp> casts;
  model.walk([&](CastOp cast) { casts.push_back(cast); });
  for (CastOp cast : llvm::reverse(casts))
    if (cast->use_empty())
      cast.erase();
}

/// The float type `name` names if it is f32, f16 or bf16, else null.
FloatType parseFloatType(MLIRContext *context, StringRef name) {
  auto type = dyn_cast_if_present<FloatType>(parseDTypeName(context, name));
  return type && type.getWidth() <= 32 ? type : nullptr;
}

struct ApplyPrecision
    : mithril::impl::MithrilApplyPrecisionBase<ApplyPrecision> {
  using MithrilApplyPrecisionBase::MithrilApplyPrecisionBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *context = module.getContext();
    FloatType reduced = parseFloatType(context, precision);
    FloatType io =
        ioPrecision == "model" ? nullptr : parseFloatType(context, ioPrecision);
    if (!reduced || (!io && ioPrecision != "model")) {
      module.emitError() << "mithril-apply-precision: precision takes f32, "
                            "f16 or bf16, io-precision model, f32, f16 or "
                            "bf16";
      return signalPassFailure();
    }
    // A train step updates its parameters: they stay f32, master weights.
    bool training = !getTrainModels(module).empty();
    for (ModelOp model : module.getOps<ModelOp>()) {
      Converter converter;
      if (io)
        applyInputPrecision(model, io, converter);
      if (!reduced.isF32()) {
        if (!training)
          storeParameters(model, reduced, converter);
        narrowOps(model, reduced, converter);
      }
      if (io)
        applyOutputPrecision(model, io, converter);
      eraseUnusedCasts(model);
    }
  }
};

} // namespace
