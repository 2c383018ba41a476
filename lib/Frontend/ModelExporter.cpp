//===- ModelExporter.cpp - The mithril dialect to model files -------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/ModelExporter.h"

#include "JsonDocument.h"
#include "mithril/Frontend/ModelImporter.h"
#include "mithril/Frontend/OpCatalog.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The JSON form of an argument attribute.
std::optional<Json> attributeToJson(Attribute attr) {
  if (auto boolean = dyn_cast<BoolAttr>(attr))
    return Json(boolean.getValue());
  if (auto integer = dyn_cast<IntegerAttr>(attr))
    return Json(integer.getValue().getSExtValue());
  if (auto real = dyn_cast<FloatAttr>(attr))
    return Json(real.getValueAsDouble());
  if (auto string = dyn_cast<StringAttr>(attr))
    return Json(string.str());
  if (auto ints = dyn_cast<DenseI64ArrayAttr>(attr))
    return Json(std::vector<int64_t>(ints.asArrayRef()));
  if (auto type = dyn_cast<TypeAttr>(attr)) {
    if (auto name = getDTypeName(type.getValue()))
      return Json(*name);
    return std::nullopt;
  }
  if (auto array = dyn_cast<ArrayAttr>(attr)) {
    Json list = Json::array();
    for (Attribute element : array) {
      std::optional<Json> value = attributeToJson(element);
      if (!value)
        return std::nullopt;
      list.push_back(*value);
    }
    return list;
  }
  return std::nullopt;
}

class Exporter {
public:
  LogicalResult exportModule(ModuleOp module, Json &file);

private:
  std::optional<Json> tensorType(RankedTensorType type, ArrayAttr dims,
                                 bool allowOmitted);
  LogicalResult exportModel(ModelOp model, Json &graph, bool isTop);
  LogicalResult exportOp(Operation *op, const OpSpec &spec, Json &node);
  std::optional<Json> portValue(Value value, Operation *user);
  std::string nodeName(Operation *op, const OpSpec *spec);
  std::string newKey(StringRef base);

  Attribute defaultArgument(OperationName opName, StringRef name);

  llvm::DenseMap<Value, std::string> keys;
  /// The default-valued attributes of each op, read off a bare instance.
  llvm::DenseMap<OperationName, NamedAttrList> defaults;
  llvm::StringSet<> usedKeys, usedNames;
  llvm::StringMap<unsigned> counters;
};

} // namespace

std::optional<Json> Exporter::tensorType(RankedTensorType type, ArrayAttr dims,
                                         bool allowOmitted) {
  std::optional<std::string> dtype = getDTypeName(type.getElementType());
  if (!dtype)
    return std::nullopt;
  Json shape = Json::array();
  for (auto [i, size] : llvm::enumerate(type.getShape())) {
    if (dims && i < dims.size()) {
      shape.push_back(*attributeToJson(dims[i]));
    } else if (size == ShapedType::kDynamic) {
      // A block's input inferred from its use: leave it to the use again.
      if (allowOmitted)
        return Json::object();
      return std::nullopt;
    } else {
      shape.push_back(size);
    }
  }
  Json result = Json::object();
  result["shape"] = shape;
  result["dtype"] = *dtype;
  return result;
}

/// The value the op gives argument `name` when a model file leaves it out.
/// ODS keeps defaults in the op's properties, so they are read off an op
/// created with no attributes (and no operands, so nothing is used).
Attribute Exporter::defaultArgument(OperationName opName, StringRef name) {
  auto [it, inserted] = defaults.try_emplace(opName);
  if (inserted) {
    Operation *bare =
        Operation::create(UnknownLoc::get(opName.getContext()), opName, {}, {},
                          NamedAttrList(), nullptr, {}, 0);
    if (auto props =
            dyn_cast_or_null<DictionaryAttr>(bare->getPropertiesAsAttribute()))
      it->second = NamedAttrList(props);
    bare->destroy();
  }
  return it->second.get(name);
}

std::string Exporter::newKey(StringRef base) {
  std::string key = base.str();
  for (unsigned k = 1; usedKeys.contains(key); ++k)
    key = base.str() + "_" + std::to_string(k);
  usedKeys.insert(key);
  return key;
}

/// The node's name: from its parameters' names, else its location (where
/// the importer put it), else the model format's automatic name.
std::string Exporter::nodeName(Operation *op, const OpSpec *spec) {
  std::string name;
  for (Value operand : op->getOperands())
    if (auto parameter = operand.getDefiningOp<ParameterOp>()) {
      StringRef full = parameter.getName();
      // Parameter names are `<node>.<param>`; MHA's `out_proj.weight`
      // has a dot of its own.
      StringRef suffix =
          full.ends_with(".out_proj.weight") || full.ends_with(".out_proj.bias")
              ? full.rsplit('.').first.rsplit('.').first
              : full.rsplit('.').first;
      name = suffix.str();
      break;
    }
  if (name.empty())
    if (auto nameLoc = dyn_cast<NameLoc>(op->getLoc()))
      if (!nameLoc.getName().getValue().starts_with("/"))
        name = nameLoc.getName().str();
  if (name.empty() || !isCIdentifier(name) || usedNames.contains(name)) {
    std::string base = spec ? toSnakeCase(spec->name) : "node";
    do
      name = base + "_" + std::to_string(counters[base]++);
    while (usedNames.contains(name));
  }
  usedNames.insert(name);
  return name;
}

std::optional<Json> Exporter::portValue(Value value, Operation *user) {
  if (auto constant = value.getDefiningOp<ConstantOp>()) {
    auto elements = dyn_cast<DenseElementsAttr>(constant.getValue());
    if (!elements || elements.getType().getRank() != 0) {
      user->emitError() << "a model file can only hold scalar constants";
      return std::nullopt;
    }
    Type type = elements.getElementType();
    if (isa<FloatType>(type))
      return Json(elements.getSplatValue<APFloat>().convertToDouble());
    APInt integer = elements.getSplatValue<APInt>();
    return type.isUnsignedInteger() || type.isSignlessInteger(1)
               ? Json(integer.getZExtValue())
               : Json(integer.getSExtValue());
  }
  auto it = keys.find(value);
  if (it == keys.end()) {
    user->emitError() << "a model file cannot express this operand";
    return std::nullopt;
  }
  return Json(it->second);
}

LogicalResult Exporter::exportOp(Operation *op, const OpSpec &spec,
                                 Json &node) {
  std::string name = nodeName(op, &spec);
  node["op"] = spec.name.str();
  node["name"] = name;

  Json args = Json::object();
  for (const ArgSpec &arg : spec.args) {
    if (!arg.isAttribute) {
      // `bias`: whether the bias parameters are there.
      bool hasBias = llvm::any_of(op->getOperands(), [](Value v) {
        auto parameter = v.getDefiningOp<ParameterOp>();
        return parameter && parameter.getName().ends_with("bias");
      });
      if (!hasBias)
        args[arg.name.str()] = false;
      continue;
    }
    Attribute attr = op->getAttr(arg.name);
    if (!attr || attr == defaultArgument(op->getName(), arg.name))
      continue; // Written only where it differs from the catalog's default.
    std::optional<Json> value = attributeToJson(attr);
    if (!value)
      return op->emitError() << "cannot write argument '" << arg.name << "'";
    args[arg.name.str()] = *value;
  }
  if (!args.empty())
    node["args"] = args;

  Json inputs = Json::object();
  unsigned operand = 0;
  for (const PortSpec &port : spec.ports) {
    if (port.variadic) {
      Json list = Json::array();
      for (; operand < op->getNumOperands(); ++operand) {
        std::optional<Json> value = portValue(op->getOperand(operand), op);
        if (!value)
          return failure();
        list.push_back(*value);
      }
      inputs[port.name.str()] = list;
      continue;
    }
    if (operand >= op->getNumOperands() ||
        op->getOperand(operand).getDefiningOp<ParameterOp>())
      continue; // An absent optional port (SDPA's mask).
    std::optional<Json> value = portValue(op->getOperand(operand++), op);
    if (!value)
      return failure();
    inputs[port.name.str()] = *value;
  }
  node["inputs"] = inputs;

  Json outputs = Json::object();
  for (OpResult result : op->getResults()) {
    std::string port =
        spec.numberedOutputs
            ? "output_" + std::to_string(result.getResultNumber())
            : "output";
    std::string key =
        newKey(op->getNumResults() == 1 ? name : name + "_" + port);
    keys[result] = key;
    outputs[port] = key;
  }
  node["outputs"] = outputs;
  return success();
}

LogicalResult Exporter::exportModel(ModelOp model, Json &graph, bool isTop) {
  keys.clear();
  usedKeys.clear();
  usedNames.clear();
  counters.clear();

  Json inputs = Json::object();
  for (BlockArgument arg : model.getArguments()) {
    std::string name = model.getInputName(arg.getArgNumber()).str();
    if (name.empty())
      name = "input_" + std::to_string(arg.getArgNumber());
    auto dims = model.getArgAttrOfType<ArrayAttr>(
        arg.getArgNumber(), MithrilDialect::kDimsAttrName);
    std::optional<Json> type = tensorType(cast<RankedTensorType>(arg.getType()),
                                          dims, /*allowOmitted=*/!isTop);
    if (!type)
      return model.emitError()
             << "input '" << name << "' has a dynamic dim without a symbol "
             << "(mithril.dims) or a dtype a model file cannot write";
    inputs[name] = *type;
    keys[arg] = newKey(name);
  }
  graph["inputs"] = inputs;

  // Returned values take their output's name as key, where it is free.
  ReturnOp returnOp = model.getReturnOp();
  llvm::DenseMap<Value, std::string> outputNames;
  for (auto [i, value] : llvm::enumerate(returnOp.getOperands())) {
    std::string name = model.getOutputName(i).str();
    if (!name.empty() && !usedKeys.contains(name) && !outputNames.count(value))
      outputNames[value] = name;
  }

  Json nodes = Json::array();
  for (Operation &op : model.getBody().front()) {
    if (isa<ParameterOp, ConstantOp, ReturnOp>(op))
      continue;
    Json node = Json::object();
    if (auto instance = dyn_cast<InstanceOp>(op)) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<ModelOp>(
          instance, instance.getCalleeAttr());
      if (!callee)
        return instance.emitError() << "unknown model " << instance.getCallee();
      node["block"] = instance.getCallee().str();
      node["name"] = instance.getName().str();
      usedNames.insert(instance.getName());
      Json ports = Json::object();
      for (auto [i, operand] : llvm::enumerate(instance.getInputs())) {
        std::optional<Json> value = portValue(operand, instance);
        if (!value)
          return failure();
        ports[callee.getInputName(i).str()] = *value;
      }
      node["inputs"] = ports;
      Json outputs = Json::object();
      for (auto [i, result] : llvm::enumerate(instance.getResults())) {
        std::string port = callee.getOutputName(i).str();
        std::string key = newKey(instance.getName().str() + "_" + port);
        keys[result] = key;
        outputs[port] = key;
      }
      node["outputs"] = outputs;
    } else {
      const OpSpec *spec = lookupOpByMithrilName(op.getName().getStringRef());
      if (!spec)
        return op.emitError() << "a model file cannot express this op";
      if (failed(exportOp(&op, *spec, node)))
        return failure();
    }
    // Rename keys of returned values to the output names.
    for (auto &[port, key] : node["outputs"].items()) {
      (void)port;
      for (auto &[value, outputName] : outputNames)
        if (keys.lookup(value) == key.get<std::string>() &&
            !usedKeys.contains(outputName)) {
          usedKeys.insert(outputName);
          keys[value] = outputName;
          key = outputName;
        }
    }
    nodes.push_back(node);
  }
  graph["nodes"] = nodes;

  Json outputs = Json::array();
  for (Value value : returnOp.getOperands()) {
    std::optional<Json> key = portValue(value, returnOp);
    if (!key || !key->is_string())
      return returnOp.emitError() << "a model output must be a node output";
    outputs.push_back(*key);
  }
  graph["outputs"] = outputs;
  return success();
}

LogicalResult Exporter::exportModule(ModuleOp module, Json &file) {
  ModelOp top = getTopModel(module);
  if (!top)
    return module.emitError() << "no top model: every model is instantiated";
  file["format"] = "mithril-model";
  file["version"] = 1;
  file["name"] = top.getSymName().str();
  Json graph = Json::object();
  if (failed(exportModel(top, graph, /*isTop=*/true)))
    return failure();
  file["inputs"] = graph["inputs"];
  file["outputs"] = graph["outputs"];
  Json blocks = Json::object();
  for (auto model : module.getOps<ModelOp>()) {
    if (model == top)
      continue;
    Json block = Json::object();
    if (failed(exportModel(model, block, /*isTop=*/false)))
      return failure();
    blocks[model.getSymName().str()] = block;
  }
  if (!blocks.empty())
    file["blocks"] = blocks;
  file["nodes"] = graph["nodes"];
  if (auto weights =
          module->getAttrOfType<StringAttr>(MithrilDialect::kWeightsAttrName))
    file["weights"] = weights.str();
  return success();
}

/// Writes `value` as a person would: lists of scalars and small flat
/// objects on one line, everything else one entry a line.
static void printJson(const Json &value, llvm::raw_ostream &os,
                      unsigned indent) {
  auto isFlat = [](const Json &v) {
    return llvm::all_of(v, [](const Json &e) { return e.is_primitive(); });
  };
  bool structured = value.is_structured();
  if (!structured || value.empty() ||
      (isFlat(value) && (value.is_array() || value.dump().size() <= 72))) {
    // nlohmann's compact form, with a space after ',' and ':'.
    std::string text = value.dump();
    if (!structured) {
      os << text;
      return;
    }
    const char *separator = value.is_array() ? "[" : "{";
    for (auto it = value.begin(); it != value.end(); ++it) {
      os << separator;
      if (value.is_object())
        os << Json(it.key()).dump() << ": ";
      os << it.value().dump();
      separator = ", ";
    }
    os << (value.empty() ? (value.is_array() ? "[" : "{") : "")
       << (value.is_array() ? "]" : "}");
    return;
  }
  std::string pad(indent + 2, ' ');
  os << (value.is_array() ? "[\n" : "{\n");
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (it != value.begin())
      os << ",\n";
    os << pad;
    if (value.is_object())
      os << Json(it.key()).dump() << ": ";
    printJson(it.value(), os, indent + 2);
  }
  os << "\n" << std::string(indent, ' ') << (value.is_array() ? "]" : "}");
}

LogicalResult mlir::mithril::exportModelFile(ModuleOp module,
                                             llvm::raw_ostream &os) {
  Json file = Json::object();
  if (failed(Exporter().exportModule(module, file)))
    return failure();
  printJson(file, os, 0);
  os << "\n";
  return success();
}
