//===- LibrarySignature.cpp - What a compiled library exposes -------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/LibrarySignature.h"

#include "mithril/Frontend/OpCatalog.h"
#include "mithril/IR/MithrilDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringSwitch.h"

#include <nlohmann/json.hpp>

using namespace mlir;
using namespace mlir::mithril;
using Json = nlohmann::ordered_json;

int64_t PortSignature::elementBytes() const {
  return llvm::StringSwitch<int64_t>(dtype)
      .Cases({"f64", "i64"}, 8)
      .Cases({"f32", "i32"}, 4)
      .Cases({"f16", "bf16"}, 2)
      .Default(1);
}

std::optional<int64_t> PortSignature::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (ShapedType::isDynamic(dim))
      return std::nullopt;
    count *= dim;
  }
  return count;
}

int64_t LibrarySignature::parameterBytes() const {
  llvm::StringSet<> seen;
  int64_t bytes = 0;
  for (const EntrySignature &entry : entries)
    for (const PortSignature &parameter : entry.parameters)
      if (seen.insert(parameter.name).second)
        bytes += parameter.numElements().value_or(0) * parameter.elementBytes();
  return bytes;
}

//===----------------------------------------------------------------------===//
// Reading the functions
//===----------------------------------------------------------------------===//

static FailureOr<PortSignature> readPort(Location loc, Type type,
                                         DictionaryAttr attrs,
                                         StringRef fallbackName) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  std::optional<std::string> dtype =
      tensor ? getDTypeName(tensor.getElementType()) : std::nullopt;
  if (!dtype)
    return emitError(loc) << "'" << fallbackName << "' has type " << type
                          << ", which a library cannot take or return";
  PortSignature port;
  port.name = fallbackName.str();
  port.dtype = *dtype;
  port.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  port.symbols.assign(port.shape.size(), "");
  if (!attrs)
    return port;
  if (auto name = attrs.getAs<StringAttr>(MithrilDialect::kNameAttrName))
    port.name = name.str();
  if (auto parameter =
          attrs.getAs<StringAttr>(MithrilDialect::kParameterAttrName))
    port.name = parameter.str();
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
                              PortSignature &port) {
  auto returnOp =
      dyn_cast<func::ReturnOp>(function.getBody().front().getTerminator());
  if (!returnOp)
    return;
  Value output = returnOp.getOperand(index);
  for (auto [dim, symbol] : llvm::enumerate(port.symbols)) {
    if (!ShapedType::isDynamic(port.shape[dim]))
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

static FailureOr<EntrySignature> readEntry(func::FuncOp function) {
  EntrySignature entry;
  entry.name = function.getSymName().str();
  FunctionType type = function.getFunctionType();
  for (unsigned i = 0; i < type.getNumInputs(); ++i) {
    DictionaryAttr attrs = function.getArgAttrDict(i);
    bool isParameter =
        attrs && attrs.get(MithrilDialect::kParameterAttrName) != nullptr;
    FailureOr<PortSignature> port =
        readPort(function.getLoc(), type.getInput(i), attrs,
                 "input" + std::to_string(i));
    if (failed(port))
      return failure();
    (isParameter ? entry.parameters : entry.inputs).push_back(*port);
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    FailureOr<PortSignature> port =
        readPort(function.getLoc(), type.getResult(i),
                 function.getResultAttrDict(i), "output" + std::to_string(i));
    if (failed(port))
      return failure();
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
    FailureOr<EntrySignature> entry = readEntry(function);
    if (failed(entry))
      return failure();
    signature.entries.push_back(std::move(*entry));
  }
  if (signature.entries.empty())
    return module.emitError() << "no model to compile: the module has no "
                                 "function made from a model";
  return signature;
}

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

static Json printPort(const PortSignature &port) {
  Json shape = Json::array(), dims = Json::array();
  for (auto [dim, symbol] : llvm::zip_equal(port.shape, port.symbols)) {
    Json size = ShapedType::isDynamic(dim) ? Json(nullptr) : Json(dim);
    shape.push_back(size);
    dims.push_back(symbol.empty() ? size : Json(symbol));
  }
  return {{"name", port.name},
          {"dtype", port.dtype},
          {"shape", shape},
          {"dims", dims}};
}

static Json printPorts(const std::vector<PortSignature> &ports) {
  Json list = Json::array();
  for (const PortSignature &port : ports)
    list.push_back(printPort(port));
  return list;
}

std::string
mlir::mithril::printLibrarySignature(const LibrarySignature &signature) {
  Json entries = Json::array();
  for (const EntrySignature &entry : signature.entries)
    entries.push_back({{"name", entry.name},
                       {"inputs", printPorts(entry.inputs)},
                       {"outputs", printPorts(entry.outputs)},
                       {"parameters", printPorts(entry.parameters)}});
  return Json{{"entries", entries}}.dump(-1, ' ', false,
                                         Json::error_handler_t::replace);
}

static bool parsePorts(const Json &list, std::vector<PortSignature> &ports) {
  if (!list.is_array())
    return false;
  for (const Json &value : list) {
    if (!value.is_object() || !value.value("name", Json()).is_string() ||
        !value.value("dtype", Json()).is_string() ||
        !value.value("shape", Json()).is_array())
      return false;
    PortSignature port;
    port.name = value["name"].get<std::string>();
    port.dtype = value["dtype"].get<std::string>();
    const Json &dims = value.value("dims", Json::array());
    for (size_t i = 0; i < value["shape"].size(); ++i) {
      const Json &dim = value["shape"][i];
      port.shape.push_back(dim.is_number_integer() ? dim.get<int64_t>()
                                                   : ShapedType::kDynamic);
      port.symbols.push_back(i < dims.size() && dims[i].is_string()
                                 ? dims[i].get<std::string>()
                                 : "");
    }
    ports.push_back(std::move(port));
  }
  return true;
}

std::optional<LibrarySignature>
mlir::mithril::parseLibrarySignature(StringRef text) {
  Json root = Json::parse(text.begin(), text.end(), nullptr,
                          /*allow_exceptions=*/false);
  if (!root.is_object() || !root.value("entries", Json()).is_array())
    return std::nullopt;
  LibrarySignature signature;
  for (const Json &value : root["entries"]) {
    EntrySignature entry;
    if (!value.is_object() || !value.value("name", Json()).is_string() ||
        !parsePorts(value.value("inputs", Json::array()), entry.inputs) ||
        !parsePorts(value.value("outputs", Json::array()), entry.outputs) ||
        !parsePorts(value.value("parameters", Json::array()), entry.parameters))
      return std::nullopt;
    entry.name = value["name"].get<std::string>();
    signature.entries.push_back(std::move(entry));
  }
  if (signature.entries.empty())
    return std::nullopt;
  return signature;
}

std::string mlir::mithril::toCIdentifier(StringRef name) {
  std::string identifier;
  for (char c : name)
    identifier += llvm::isAlnum(c) ? c : '_';
  if (identifier.empty() || llvm::isDigit(identifier.front()))
    identifier.insert(identifier.begin(), '_');
  return identifier;
}
