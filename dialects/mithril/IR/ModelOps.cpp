//===- ModelOps.cpp - Models, parameters, instances -----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/FunctionImplementation.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::mithril;

//===----------------------------------------------------------------------===//
// ModelOp
//===----------------------------------------------------------------------===//

void ModelOp::build(OpBuilder &builder, OperationState &state, StringRef name,
                    FunctionType type) {
  state.addAttribute(SymbolTable::getSymbolAttrName(),
                     builder.getStringAttr(name));
  state.addAttribute(getFunctionTypeAttrName(state.name), TypeAttr::get(type));
  Region *body = state.addRegion();
  Block *entry = new Block();
  body->push_back(entry);
  for (Type input : type.getInputs())
    entry->addArgument(input, state.location);
}

ParseResult ModelOp::parse(OpAsmParser &parser, OperationState &result) {
  auto buildType = [](Builder &builder, ArrayRef<Type> inputs,
                      ArrayRef<Type> results,
                      function_interface_impl::VariadicFlag, std::string &) {
    return builder.getFunctionType(inputs, results);
  };
  return function_interface_impl::parseFunctionOp(
      parser, result, /*allowVariadic=*/false,
      getFunctionTypeAttrName(result.name), buildType,
      getArgAttrsAttrName(result.name), getResAttrsAttrName(result.name));
}

void ModelOp::print(OpAsmPrinter &printer) {
  function_interface_impl::printFunctionOp(
      printer, *this, /*isVariadic=*/false, getFunctionTypeAttrName(),
      getArgAttrsAttrName(), getResAttrsAttrName());
}

void ModelOp::getAsmBlockArgumentNames(Region &region,
                                       OpAsmSetValueNameFn setNameFn) {
  if (&region != &getBody())
    return;
  for (BlockArgument arg : getArguments())
    if (StringRef name = getInputName(arg.getArgNumber()); !name.empty())
      setNameFn(arg, name);
}

StringRef ModelOp::getInputName(unsigned i) {
  auto name = getArgAttrOfType<StringAttr>(i, MithrilDialect::kNameAttrName);
  return name ? name.getValue() : StringRef();
}

StringRef ModelOp::getOutputName(unsigned i) {
  auto name = getResultAttrOfType<StringAttr>(i, MithrilDialect::kNameAttrName);
  return name ? name.getValue() : StringRef();
}

ModelOp mlir::mithril::getTopModel(ModuleOp module) {
  llvm::StringSet<> used;
  module.walk([&](InstanceOp instance) { used.insert(instance.getCallee()); });
  for (auto model : module.getOps<ModelOp>())
    if (!used.contains(model.getSymName()))
      return model;
  return nullptr;
}

ReturnOp ModelOp::getReturnOp() {
  return cast<ReturnOp>(getBody().front().getTerminator());
}

LogicalResult ModelOp::verify() {
  if (!isCIdentifier(getSymName()))
    return emitOpError() << "expected name '" << getSymName()
                         << "' to be a C identifier";
  for (Type type : getFunctionType().getInputs())
    if (!isa<RankedTensorType>(type))
      return emitOpError() << "expected inputs to be ranked tensors, got "
                           << type;
  for (Type type : getFunctionType().getResults())
    if (!isa<RankedTensorType>(type))
      return emitOpError() << "expected outputs to be ranked tensors, got "
                           << type;
  return success();
}

LogicalResult ModelOp::verifyRegions() {
  llvm::StringMap<ParameterOp> seen;
  for (ParameterOp param : getParameters()) {
    auto [it, inserted] = seen.try_emplace(param.getName(), param);
    if (!inserted)
      return param.emitOpError()
                 .append("redefines parameter '", param.getName(), "'")
                 .attachNote(it->second.getLoc())
             << "first defined here";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ParameterOp
//===----------------------------------------------------------------------===//

void ParameterOp::getAsmResultNames(OpAsmSetValueNameFn setNameFn) {
  setNameFn(getOutput(), getName());
}

LogicalResult ParameterOp::verify() {
  // A state_dict key: dot-separated segments of letters, digits and '_'
  // (`layers.0.weight`).
  SmallVector<StringRef> segments;
  getName().split(segments, '.');
  bool valid = llvm::all_of(segments, [](StringRef segment) {
    return !segment.empty() && llvm::all_of(segment, [](char c) {
      return llvm::isAlnum(c) || c == '_';
    });
  });
  if (!valid)
    return emitOpError() << "expected name '" << getName()
                         << "' to be dot-separated identifiers, as in a "
                            "PyTorch state_dict";
  return success();
}

FailureOr<InitializerAttr> ParameterOp::getDefaultInitializer() {
  for (OpOperand &use : getResult().getUses())
    if (auto layer = dyn_cast<ParameterizedOpInterface>(use.getOwner()))
      return layer.getDefaultInitializer(use);
  return failure();
}

//===----------------------------------------------------------------------===//
// InstanceOp
//===----------------------------------------------------------------------===//

/// Whether `from` instantiates `target`, directly or through other models.
static bool instantiates(ModelOp from, ModelOp target,
                         SymbolTableCollection &symbolTable,
                         llvm::SmallPtrSetImpl<Operation *> &visited) {
  if (!visited.insert(from).second)
    return false;
  WalkResult walk = from.walk([&](InstanceOp instance) {
    auto callee = symbolTable.lookupNearestSymbolFrom<ModelOp>(
        instance, instance.getCalleeAttr());
    if (callee && (callee == target ||
                   instantiates(callee, target, symbolTable, visited)))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return walk.wasInterrupted();
}

LogicalResult InstanceOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto callee =
      symbolTable.lookupNearestSymbolFrom<ModelOp>(*this, getCalleeAttr());
  if (!callee)
    return emitOpError() << "'" << getCallee()
                         << "' does not name a mithril.model";

  FunctionType type = callee.getFunctionType();
  if (type.getNumInputs() != getInputs().size())
    return emitOpError() << "expected " << type.getNumInputs()
                         << " inputs for @" << getCallee() << ", got "
                         << getInputs().size();
  if (!areCompatibleTypes(type.getInputs(), getInputs().getTypes()))
    return emitOpError() << "input types " << getInputs().getTypes()
                         << " do not match @" << getCallee() << "'s "
                         << type.getInputs();
  if (!areCompatibleTypes(type.getResults(), getResultTypes()))
    return emitOpError() << "result types " << getResultTypes()
                         << " do not match @" << getCallee() << "'s "
                         << type.getResults();

  auto parent = (*this)->getParentOfType<ModelOp>();
  llvm::SmallPtrSet<Operation *, 8> visited;
  if (parent &&
      (callee == parent || instantiates(callee, parent, symbolTable, visited)))
    return emitOpError() << "makes @" << parent.getSymName()
                         << " instantiate itself through @" << getCallee();
  return success();
}

//===----------------------------------------------------------------------===//
// ReturnOp
//===----------------------------------------------------------------------===//

LogicalResult ReturnOp::verify() {
  auto model = (*this)->getParentOfType<ModelOp>();
  ArrayRef<Type> results = model.getFunctionType().getResults();
  if (results.size() != getOperands().size())
    return emitOpError() << "has " << getOperands().size() << " operands, but @"
                         << model.getSymName() << " has " << results.size()
                         << " outputs";
  if (!areCompatibleTypes(results, getOperands().getTypes()))
    return emitOpError() << "operand types " << getOperands().getTypes()
                         << " do not match @" << model.getSymName()
                         << "'s outputs " << results;
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  if (!adaptor.getValue())
    return failure();
  types.push_back(adaptor.getValue().getType());
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }
