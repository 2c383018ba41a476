//===- InferShapes.cpp - Refine types and bind symbolic dims --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"
#include "mithril/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MITHRILINFERSHAPES
#include "mithril/Transforms/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// More rounds than this means types keep changing: a bug, not a model.
constexpr unsigned kMaxRounds = 64;

//===----------------------------------------------------------------------===//
// Refining types
//===----------------------------------------------------------------------===//

/// Sets the results of `op` to their refinement with `types`; fails (with
/// an error at `op`) where they conflict.
LogicalResult refineResults(Operation *op, TypeRange types, bool &changed) {
  if (types.size() != op->getNumResults())
    return op->emitOpError() << "infers " << types.size()
                             << " results, but has " << op->getNumResults();
  for (auto [result, type] : llvm::zip_equal(op->getResults(), types)) {
    Type refined = refineType(result.getType(), type);
    if (!refined)
      return op->emitOpError() << "result type " << result.getType()
                               << " conflicts with the inferred " << type;
    changed |= refined != result.getType();
    result.setType(refined);
  }
  return success();
}

/// Sets the type of input `i` of `model` (its argument and signature).
void setInputType(ModelOp model, unsigned i, Type type) {
  model.getArgument(i).setType(type);
  SmallVector<Type> inputs(model.getArgumentTypes());
  inputs[i] = type;
  model.setFunctionType(
      FunctionType::get(model.getContext(), inputs, model.getResultTypes()));
}

/// Refines the result types of the ops of `model`, then its output types.
LogicalResult inferModel(ModelOp model, SymbolTableCollection &symbols,
                         bool &changed) {
  WalkResult walk = model.getBody().walk([&](Operation *op) {
    SmallVector<Type> inferred;
    if (auto instance = dyn_cast<InstanceOp>(op)) {
      auto callee = symbols.lookupNearestSymbolFrom<ModelOp>(
          instance, instance.getCalleeAttr());
      if (!callee)
        return WalkResult::advance(); // The verifier reports it.
      llvm::append_range(inferred, callee.getFunctionType().getResults());
    } else if (auto inference = dyn_cast<InferTypeOpInterface>(op)) {
      if (failed(inference.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
              op->getRegions(), inferred)))
        return WalkResult::interrupt();
    } else {
      return WalkResult::advance();
    }
    return failed(refineResults(op, inferred, changed))
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  SmallVector<Type> outputs;
  FunctionType type = model.getFunctionType();
  ReturnOp returnOp = model.getReturnOp();
  for (auto [i, declared, value] :
       llvm::enumerate(type.getResults(), returnOp.getOperands())) {
    Type refined = refineType(declared, value.getType());
    if (!refined)
      return returnOp.emitOpError()
             << "returns " << value.getType() << " for output " << i
             << ", which @" << model.getSymName() << " declares as "
             << declared;
    outputs.push_back(refined);
  }
  changed |= ArrayRef<Type>(outputs) != type.getResults();
  model.setFunctionType(
      FunctionType::get(model.getContext(), type.getInputs(), outputs));
  return success();
}

/// The most refined type that all `types` are instances of: a dim is
/// static where they all agree on it.
RankedTensorType generalize(ArrayRef<RankedTensorType> types) {
  SmallVector<int64_t> shape(types.front().getShape());
  for (RankedTensorType type : types.drop_front())
    for (auto [dim, size] : llvm::zip_equal(shape, type.getShape()))
      if (dim != size)
        dim = ShapedType::kDynamic;
  return RankedTensorType::get(shape, types.front().getElementType());
}

/// Refines each block's input types to what all its instances agree on.
LogicalResult refineCalleeInputs(ModuleOp module, bool &changed) {
  llvm::MapVector<Operation *, SmallVector<InstanceOp>> uses;
  SymbolTable symbols(module);
  module.walk([&](InstanceOp instance) {
    if (auto callee = symbols.lookup<ModelOp>(instance.getCallee()))
      uses[callee].push_back(instance);
  });
  for (auto &[op, instances] : uses) {
    auto callee = cast<ModelOp>(op);
    for (unsigned i = 0; i < callee.getNumArguments(); ++i) {
      SmallVector<RankedTensorType> operandTypes;
      for (InstanceOp instance : instances) {
        auto type = dyn_cast<RankedTensorType>(
            i < instance.getInputs().size() ? instance.getInputs()[i].getType()
                                            : Type());
        auto declared =
            dyn_cast<RankedTensorType>(callee.getArgument(i).getType());
        if (!type || !declared || type.getRank() != declared.getRank() ||
            !refineType(type, declared))
          return instance.emitOpError()
                 << "operand " << i << " has type "
                 << (type ? Type(type) : Type()) << ", but @"
                 << callee.getSymName() << " takes " << declared;
        operandTypes.push_back(type);
      }
      Type current = callee.getArgument(i).getType();
      Type refined = refineType(current, generalize(operandTypes));
      if (refined != current) {
        setInputType(callee, i, refined);
        changed = true;
      }
    }
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Symbols
//===----------------------------------------------------------------------===//

/// Sizes of symbols, and what bound each first, for error messages.
class SymbolBindings {
public:
  /// Binds `symbol` to `size`; reports a conflict at `loc`.
  LogicalResult bind(StringRef symbol, int64_t size, const Twine &source,
                     Location loc) {
    auto [it, inserted] = sizes.try_emplace(symbol, size, source.str());
    if (inserted || it->second.first == size)
      return success();
    return emitError(loc) << "symbol '" << symbol << "' is bound to "
                          << it->second.first << " (by " << it->second.second
                          << ") and to " << size << " (by " << source << ")";
  }
  std::optional<int64_t> lookup(StringRef symbol) const {
    auto it = sizes.find(symbol);
    if (it == sizes.end())
      return std::nullopt;
    return it->second.first;
  }

private:
  llvm::StringMap<std::pair<int64_t, std::string>> sizes;
};

ArrayAttr getDims(ModelOp model, unsigned i) {
  return model.getArgAttrOfType<ArrayAttr>(i, MithrilDialect::kDimsAttrName);
}

/// The symbol of dim `d` in `dims`, or "".
StringRef symbolAt(ArrayAttr dims, size_t d) {
  if (!dims || d >= dims.size())
    return {};
  auto symbol = dyn_cast<StringAttr>(dims[d]);
  return symbol ? symbol.getValue() : StringRef();
}

/// Binds the symbols of `dims` that `type` has static sizes for.
LogicalResult bindFromType(SymbolBindings &bindings, ArrayAttr dims, Type type,
                           const Twine &source, Location loc) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return success();
  for (auto [d, size] : llvm::enumerate(tensor.getShape())) {
    StringRef symbol = symbolAt(dims, d);
    if (!symbol.empty() && size != ShapedType::kDynamic &&
        failed(bindings.bind(symbol, size, source, loc)))
      return failure();
  }
  return success();
}

/// "input 'x'", or "input #2" for an unnamed one.
std::string describeInput(ModelOp model, unsigned i) {
  StringRef name = model.getInputName(i);
  return name.empty() ? "input #" + std::to_string(i)
                      : ("input '" + name + "'").str();
}

/// Binds the symbols that model inputs and instance operands make static.
LogicalResult collectBindings(ModuleOp module, SymbolBindings &bindings) {
  SymbolTable symbols(module);
  for (auto model : module.getOps<ModelOp>())
    for (unsigned i = 0; i < model.getNumArguments(); ++i)
      if (failed(bindFromType(
              bindings, getDims(model, i), model.getArgument(i).getType(),
              describeInput(model, i) + " of @" + model.getSymName(),
              model.getLoc())))
        return failure();
  WalkResult walk = module.walk([&](InstanceOp instance) {
    auto callee = symbols.lookup<ModelOp>(instance.getCallee());
    if (!callee)
      return WalkResult::advance();
    for (auto [i, operand] : llvm::enumerate(instance.getInputs()))
      if (i < callee.getNumArguments() &&
          failed(bindFromType(bindings, getDims(callee, i), operand.getType(),
                              describeInput(callee, i) + " of instance '" +
                                  instance.getName() + "'",
                              instance.getLoc())))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

/// Fixes every dim of a bound symbol: in model inputs and reshape shapes.
void applyBindings(ModuleOp module, const SymbolBindings &bindings,
                   bool &changed) {
  for (auto model : module.getOps<ModelOp>()) {
    for (unsigned i = 0; i < model.getNumArguments(); ++i) {
      auto type = dyn_cast<RankedTensorType>(model.getArgument(i).getType());
      ArrayAttr dims = getDims(model, i);
      if (!type || !dims)
        continue;
      SmallVector<int64_t> shape(type.getShape());
      for (auto [d, size] : llvm::enumerate(shape))
        if (auto bound = bindings.lookup(symbolAt(dims, d));
            bound && size == ShapedType::kDynamic)
          size = *bound;
      if (shape != type.getShape()) {
        setInputType(model, i, type.clone(shape));
        changed = true;
      }
    }
    model.walk([&](ReshapeOp reshape) {
      SmallVector<Attribute> shape(reshape.getShape().getValue());
      bool replaced = false;
      for (Attribute &dim : shape)
        if (auto symbol = dyn_cast<StringAttr>(dim))
          if (auto bound = bindings.lookup(symbol.getValue())) {
            dim = IntegerAttr::get(IntegerType::get(module.getContext(), 64),
                                   *bound);
            replaced = true;
          }
      if (replaced) {
        reshape.setShapeAttr(ArrayAttr::get(module.getContext(), shape));
        changed = true;
      }
    });
  }
}

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

/// Applies `--shape NAME=DIMS` to the top model, binding its symbols.
LogicalResult applyShapeOption(ModelOp top, StringRef option,
                               SymbolBindings &bindings) {
  auto [name, dimList] = option.split('=');
  // An option is no place in the model.
  Location loc = UnknownLoc::get(top.getContext());
  std::string source = ("--shape " + option).str();
  SmallVector<StringRef> dimStrings;
  dimList.split(dimStrings, 'x');
  SmallVector<int64_t> sizes;
  for (StringRef dim : dimStrings) {
    int64_t size;
    if (dim.getAsInteger(10, size) || size < 0)
      return emitError(loc) << source << ": expected NAME=DIMS with DIMS "
                            << "non-negative integers separated by 'x'";
    sizes.push_back(size);
  }
  std::optional<unsigned> input;
  SmallVector<StringRef> names;
  for (unsigned i = 0; i < top.getNumArguments(); ++i) {
    names.push_back(top.getInputName(i));
    if (top.getInputName(i) == name)
      input = i;
  }
  if (!input)
    return emitError(loc) << source << ": @" << top.getSymName()
                          << " has no input '" << name
                          << "' (its inputs: " << llvm::join(names, ", ")
                          << ")";
  auto type = cast<RankedTensorType>(top.getArgument(*input).getType());
  if (static_cast<int64_t>(sizes.size()) != type.getRank())
    return emitError(loc) << source << ": input '" << name << "' has rank "
                          << type.getRank() << " "
                          << formatShape(type.getShape()) << ", not "
                          << sizes.size();
  ArrayAttr dims = getDims(top, *input);
  for (auto [d, size] : llvm::enumerate(sizes)) {
    int64_t current = type.getDimSize(d);
    if (current != ShapedType::kDynamic && current != size)
      return emitError(loc) << source << ": dim " << d << " of input '" << name
                            << "' is " << current << ", not " << size;
    if (StringRef symbol = symbolAt(dims, d);
        !symbol.empty() && failed(bindings.bind(symbol, size, source, loc)))
      return failure();
  }
  setInputType(top, *input, type.clone(sizes));
  return success();
}

/// Visits `model` after the models it instantiates.
void visitInPostOrder(ModelOp model, SymbolTableCollection &symbols,
                      llvm::SetVector<Operation *> &order,
                      llvm::SmallPtrSetImpl<Operation *> &visiting) {
  if (order.contains(model) || !visiting.insert(model).second)
    return; // Done, or a cycle (which the verifier rejects).
  model.walk([&](InstanceOp instance) {
    if (auto callee = symbols.lookupNearestSymbolFrom<ModelOp>(
            instance, instance.getCalleeAttr()))
      visitInPostOrder(callee, symbols, order, visiting);
  });
  order.insert(model);
}

struct MithrilInferShapes
    : mithril::impl::MithrilInferShapesBase<MithrilInferShapes> {
  using MithrilInferShapesBase::MithrilInferShapesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolBindings bindings;
    if (failed(applyOptions(module, bindings)))
      return signalPassFailure();

    SymbolTableCollection symbols;
    llvm::SetVector<Operation *> order;
    llvm::SmallPtrSet<Operation *, 8> visiting;
    for (auto model : module.getOps<ModelOp>())
      visitInPostOrder(model, symbols, order, visiting);

    // Types only ever get more static, so this reaches a fixed point.
    for (unsigned round = 0; round < kMaxRounds; ++round) {
      bool changed = false;
      if (failed(collectBindings(module, bindings)))
        return signalPassFailure();
      applyBindings(module, bindings, changed);
      for (Operation *model : order)
        if (failed(inferModel(cast<ModelOp>(model), symbols, changed)))
          return signalPassFailure();
      if (failed(refineCalleeInputs(module, changed)))
        return signalPassFailure();
      if (!changed)
        return;
    }
    module.emitError() << "mithril-infer-shapes did not converge";
    signalPassFailure();
  }

  LogicalResult applyOptions(ModuleOp module, SymbolBindings &bindings) {
    if (batch >= 0 &&
        failed(bindings.bind("N", batch, "--batch " + std::to_string(batch),
                             UnknownLoc::get(&getContext()))))
      return failure();
    if (shapes.empty())
      return success();
    ModelOp top = getTopModel(module);
    if (!top)
      return module.emitError() << "--shape: the module has no top model";
    for (const std::string &option : shapes)
      if (failed(applyShapeOption(top, option, bindings)))
        return failure();
    return success();
  }
};

} // namespace
