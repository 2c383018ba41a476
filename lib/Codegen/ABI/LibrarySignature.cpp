//===- LibrarySignature.cpp - What a compiled library exposes -------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibrarySignature.h"

#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

//===----------------------------------------------------------------------===//
// Reading the functions
//===----------------------------------------------------------------------===//

static FailureOr<rt::Port> readPort(Location loc, Type type,
                                    DictionaryAttr attrs,
                                    StringRef fallbackName) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<std::string> name =
      tensor ? getDTypeName(tensor.getElementType()) : std::nullopt;
  std::optional<rt::DType> dtype =
      name ? rt::parseModelDType(*name) : std::nullopt;
  if (!dtype)
    return emitError(loc) << "'" << fallbackName << "' has type " << type
                          << ", which a library cannot take or return";
  rt::Port port;
  port.name = fallbackName.str();
  port.dtype = *dtype;
  for (int64_t dim : tensor.getShape()) // The runtime marks dynamic by -1.
    port.shape.push_back(ShapedType::isDynamic(dim) ? -1 : dim);
  port.symbols.assign(port.shape.size(), "");
  if (!attrs)
    return port;
  if (auto name = attrs.getAs<StringAttr>(MithrilDialect::kNameAttrName))
    port.name = name.str();
  if (auto parameter =
          attrs.getAs<StringAttr>(MithrilDialect::kParameterAttrName))
    port.name = parameter.str();
  if (auto initial =
          attrs.getAs<FloatAttr>(MithrilDialect::kInitialValueAttrName))
    port.initialValue = initial.getValueAsDouble();
  if (auto modelType =
          attrs.getAs<TypeAttr>(MithrilDialect::kModelDTypeAttrName)) {
    std::optional<std::string> modelName = getDTypeName(modelType.getValue());
    if (modelName)
      port.modelDtype = rt::parseModelDType(*modelName);
  }
  if (auto axis =
          attrs.getAs<IntegerAttr>(MithrilDialect::kQuantizedAxisAttrName))
    port.quantizedAxis = axis.getInt();
  if (auto scaleOf = attrs.getAs<StringAttr>(MithrilDialect::kScaleOfAttrName))
    port.scaleOf = scaleOf.str();
  if (auto dims = attrs.getAs<ArrayAttr>(MithrilDialect::kDimsAttrName))
    if (dims.size() == port.shape.size())
      for (auto [i, dim] : llvm::enumerate(dims))
        if (auto symbol = dyn_cast<StringAttr>(dim))
          port.symbols[i] = symbol.str();
  return port;
}

/// Names the dynamic dims of output `index` after the input symbols they
/// provably equal (upstream's value-bounds analysis, which follows
/// tensor.dim, tensor.empty and the ops' destinations): `[N,10]` rather
/// than `[?,10]`.
static void nameOutputSymbols(func::FuncOp function, unsigned index,
                              rt::Port &port) {
  auto returnOp =
      dyn_cast<func::ReturnOp>(function.getBody().front().getTerminator());
  if (!returnOp)
    return;
  Value output = returnOp.getOperand(index);
  for (auto [dim, symbol] : llvm::enumerate(port.symbols)) {
    if (port.shape[dim] >= 0)
      continue;
    for (BlockArgument argument : function.getArguments()) {
      auto dims = dyn_cast_or_null<ArrayAttr>(function.getArgAttr(
          argument.getArgNumber(), MithrilDialect::kDimsAttrName));
      if (!dims || !isa<RankedTensorType>(argument.getType()))
        continue;
      for (auto [i, name] : llvm::enumerate(dims)) {
        auto symbolName = dyn_cast<StringAttr>(name);
        if (!symbolName || !symbol.empty())
          continue;
        FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(
            {output, int64_t(dim)}, {argument, int64_t(i)});
        if (succeeded(equal) && *equal)
          symbol = symbolName.str();
      }
    }
  }
}

static FailureOr<rt::Entry> readEntry(func::FuncOp function) {
  rt::Entry entry;
  entry.name = function.getSymName().str();
  FunctionType type = function.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    DictionaryAttr attrs = function.getArgAttrDict(i);
    bool isParameter =
        attrs && attrs.get(MithrilDialect::kParameterAttrName) != nullptr;
    FailureOr<rt::Port> port = readPort(function.getLoc(), type.getInput(i),
                                        attrs, "input" + std::to_string(i));
    if (failed(port))
      return failure();
    (isParameter ? entry.parameters : entry.inputs).push_back(*port);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    // A train step's updates follow its outputs.
    if (auto updated = function.getResultAttrOfType<StringAttr>(
            i, MithrilDialect::kUpdatesAttrName)) {
      if (!entry.findParameter(updated.str()))
        return function.emitError()
               << "result " << i << " updates '" << updated.getValue()
               << "', which is no parameter of @" << function.getSymName();
      entry.updates.push_back(updated.str());
      continue;
    }
    if (!entry.updates.empty())
      return function.emitError() << "output " << i
                                  << " follows an update: a train step "
                                     "returns its outputs first";
    FailureOr<rt::Port> port =
        readPort(function.getLoc(), type.getResult(i),
                 function.getResultAttrDict(i), "output" + std::to_string(i));
    if (failed(port))
      return failure();
    // A step without an optimizer returns its parameters' gradients.
    if (auto parameter = function.getResultAttrOfType<StringAttr>(
            i, MithrilDialect::kGradientOfAttrName))
      port->name = ("grad." + parameter.getValue()).str();
    nameOutputSymbols(function, i, *port);
    entry.outputs.push_back(*port);
  }
  return entry;
}

FailureOr<LibrarySignature>
mlir::mithril::readLibrarySignature(ModuleOp module) {
  LibrarySignature signature;
  for (auto function : module.getOps<func::FuncOp>()) {
    if (function.isExternal() || !function->hasAttr("llvm.emit_c_interface"))
      continue;
    FailureOr<rt::Entry> entry = readEntry(function);
    if (failed(entry))
      return failure();
    signature.entries.push_back(std::move(*entry));
  }
  if (signature.entries.empty())
    return module.emitError() << "no model to compile: the module has no "
                                 "function made from a model";
  return signature;
}

bool mlir::mithril::isTrainStep(const rt::Entry &entry) {
  return !entry.updates.empty() && entry.outputs.size() == 1 &&
         entry.outputs[0].shape.empty() &&
         entry.outputs[0].dtype == rt::DType::F32;
}

std::optional<LibrarySignature>
mlir::mithril::getRecordedSignature(ModuleOp module) {
  auto json = module->getAttrOfType<StringAttr>(kSignatureAttrName);
  LibrarySignature signature;
  std::string error;
  if (!json || !rt::parseSignature(json.str().c_str(), signature, error) ||
      signature.entries.empty())
    return std::nullopt;
  return signature;
}

void mlir::mithril::setRecordedSignature(ModuleOp module,
                                         const LibrarySignature &signature) {
  module->setAttr(
      kSignatureAttrName,
      StringAttr::get(module.getContext(), rt::printSignature(signature)));
}

std::string mlir::mithril::toCIdentifier(StringRef name) {
  std::string identifier;
  for (char c : name)
    identifier += llvm::isAlnum(c) ? c : '_';
  if (identifier.empty() || llvm::isDigit(identifier.front()))
    identifier.insert(identifier.begin(), '_');
  return identifier;
}
