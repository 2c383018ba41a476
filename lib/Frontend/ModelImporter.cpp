//===- ModelImporter.cpp - Model files to the mithril dialect -------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Reads a model file (model-format.md) into `mithril.model`s. Problems are
// reported, one diagnostic each, at the JSON path of the offending value;
// the importer goes on after an error where it can (skipping what depends
// on a broken node), so that one run shows several problems.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/ModelImporter.h"

#include "JsonDocument.h"
#include "ModelFileReader.h"
#include "WeightsChecker.h"
#include "mithril/Frontend/JsonPathDiagnostics.h"
#include "mithril/Frontend/OpCatalog.h"
#include "mithril/IR/CreateInferred.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// Stop after this many errors: the rest are usually consequences.
constexpr unsigned kMaxErrors = 20;

/// A graph of the model file: the top graph or a block.
struct GraphSource {
  std::string name;    // the model's symbol name
  std::string pointer; // "" for the top graph, "/blocks/<name>" for a block
  const Json *inputs = nullptr;
  const Json *outputs = nullptr;
  const Json *nodes = nullptr;
};

/// The values of one graph being imported, by key.
struct GraphScope {
  ModelOp model;
  llvm::StringMap<Value> values;
  /// Keys whose producer failed: users are skipped without a new error.
  llvm::StringSet<> poisoned;
  /// Where each key is produced (the JSON path of the output or input).
  llvm::StringMap<std::string> producers;
  /// For each key, the index of the node producing it (-1: a graph input).
  llvm::StringMap<int64_t> producerNodes;
  Value chained; // what a node without `inputs` takes
  /// Whether `chained` is null because the previous node failed.
  bool chainBroken = false;
  /// The index of the node being imported: keys it uses must come from
  /// earlier nodes.
  int64_t currentNode = 0;
};

/// An input port's value: a key's value, or a constant still to be typed.
struct PortValue {
  Value value;
  std::optional<double> constant;
  std::string pointer;
};

class Importer : ModelFileReader {
public:
  Importer(const JsonDocument &document, StringRef filename,
           MLIRContext *context, const ModelImportOptions &options)
      : ModelFileReader(document, filename, context), options(options) {}

  OwningOpRef<ModuleOp> run();

private:
  bool tooManyErrors() const { return numErrors >= kMaxErrors; }

  //===--------------------------------------------------------------------===//
  // The file
  //===--------------------------------------------------------------------===//

  bool checkHeader(const Json &root);
  bool collectBlocks(const Json &root);
  bool checkBlockCycles();
  bool findCycle(StringRef block, SmallVectorImpl<std::string> &path,
                 llvm::StringSet<> &done);

  //===--------------------------------------------------------------------===//
  // Graphs and nodes
  //===--------------------------------------------------------------------===//

  ModelOp importGraph(const GraphSource &graph, ArrayRef<Type> inputTypes,
                      ArrayRef<ArrayAttr> inputDims);
  void scanKeys(const GraphSource &graph, GraphScope &scope);
  SmallVector<std::string> nameNodes(const GraphSource &graph);
  void importNode(const GraphSource &graph, GraphScope &scope, size_t index,
                  StringRef name);
  void importOp(const GraphSource &graph, GraphScope &scope, const Json &node,
                StringRef pointer, StringRef name, const OpSpec &spec);
  bool readArgs(const OpSpec &spec, const Json &node, StringRef pointer,
                ArgValues &args, NamedAttrList &attributes);
  Operation *buildOp(const OpSpec &spec, Location opLoc,
                     ArrayRef<Value> operands, ArrayRef<int32_t> segments,
                     const NamedAttrList &attributes,
                     ArrayRef<SmallVector<PortValue>> inputs);
  void importInstance(const GraphSource &graph, GraphScope &scope,
                      const Json &node, StringRef pointer, StringRef name,
                      StringRef blockName);
  void finishGraph(const GraphSource &graph, GraphScope &scope);

  /// Resolves the input ports of a node; false if a problem was reported
  /// or an input is poisoned.
  bool resolveInputs(GraphScope &scope, const Json &node, StringRef pointer,
                     ArrayRef<StringRef> ports, ArrayRef<bool> optionalPorts,
                     ArrayRef<bool> variadicPorts, StringRef what,
                     SmallVectorImpl<SmallVector<PortValue>> &values);
  std::optional<PortValue> resolveKey(GraphScope &scope, const Json &key,
                                      StringRef pointer, int64_t user,
                                      bool &poisoned);
  bool materializeConstants(SmallVectorImpl<SmallVector<PortValue>> &values,
                            Location location);
  void bindOutputs(GraphScope &scope, const Json &node, StringRef pointer,
                   ArrayRef<std::string> ports, ValueRange results,
                   StringRef what);
  void poisonOutputs(GraphScope &scope, const Json &node);

  ModelOp getOrImportBlock(StringRef blockName, ArrayRef<Type> inputTypes);

  void checkWeights(ModuleOp module);

  const ModelImportOptions &options;
  ModuleOp module;

  /// The blocks of the file, by name.
  llvm::StringMap<GraphSource> blocks;
  std::vector<std::string> blockOrder;
  /// Imported blocks, by name and input types.
  std::map<std::pair<std::string, std::vector<const void *>>, ModelOp>
      importedBlocks;
  llvm::StringSet<> usedSymbols;
};

} // namespace

//===----------------------------------------------------------------------===//
// The file
//===----------------------------------------------------------------------===//

bool Importer::checkHeader(const Json &root) {
  checkKeys(root, "",
            {"format", "version", "name", "inputs", "outputs", "blocks",
             "nodes", "weights"},
            "a model file");
  const Json *format = member(root, "format");
  if (!format)
    error("") << "missing key 'format' (expected \"mithril-model\")";
  else if (!format->is_string() ||
           format->get<std::string>() != "mithril-model")
    expected("/format", "\"mithril-model\"", *format);
  const Json *version = member(root, "version");
  if (!version)
    error("") << "missing key 'version' (expected 1)";
  else if (!version->is_number_integer() || *asInteger(*version) != 1)
    error("/version") << "unsupported version " << describe(*version)
                      << ": this Mithril reads version 1";
  const Json *name = member(root, "name");
  if (!name)
    error("") << "missing key 'name'";
  else if (!name->is_string() || !isCIdentifier(name->get<std::string>()))
    expected("/name", "a C identifier", *name);

  bool ok = numErrors == 0;
  for (StringRef key : {"inputs", "outputs", "nodes"}) {
    if (!member(root, key)) {
      error("") << "missing key '" << key << "'";
      ok = false;
    }
  }
  if (const Json *weights = member(root, "weights");
      weights && !weights->is_string())
    expected("/weights", "a file name", *weights);
  return ok;
}

bool Importer::collectBlocks(const Json &root) {
  const Json *blockMap = member(root, "blocks");
  if (!blockMap)
    return true;
  if (!blockMap->is_object()) {
    expected("/blocks", "an object of named blocks", *blockMap);
    return false;
  }
  bool ok = true;
  for (auto it = blockMap->begin(); it != blockMap->end(); ++it) {
    std::string pointer = JsonDocument::child("/blocks", it.key());
    const Json &block = it.value();
    if (!isCIdentifier(it.key())) {
      error(pointer) << "block name '" << it.key() << "' is not a C identifier";
      ok = false;
      continue;
    }
    if (!block.is_object()) {
      expected(pointer, "a block {\"inputs\", \"outputs\", \"nodes\"}", block);
      ok = false;
      continue;
    }
    checkKeys(block, pointer, {"inputs", "outputs", "nodes"}, "a block");
    GraphSource source{it.key(), pointer, member(block, "inputs"),
                       member(block, "outputs"), member(block, "nodes")};
    for (auto [key, value] : {std::pair{"inputs", source.inputs},
                              {"outputs", source.outputs},
                              {"nodes", source.nodes}}) {
      if (!value) {
        error(pointer) << "block '" << it.key() << "' has no '" << key << "'";
        ok = false;
      }
    }
    blocks[it.key()] = source;
    blockOrder.push_back(it.key());
  }
  return ok;
}

/// Depth-first search for a block that uses itself, directly or not.
bool Importer::findCycle(StringRef block, SmallVectorImpl<std::string> &path,
                         llvm::StringSet<> &done) {
  if (done.contains(block))
    return false;
  auto onPath = llvm::find(path, block);
  if (onPath != path.end()) {
    std::string cycle;
    for (auto it = onPath; it != path.end(); ++it)
      cycle += *it + " -> ";
    auto source = blocks.find(*onPath);
    error(source->second.pointer)
        << (path.end() - onPath == 1 ? "block '" + block.str() + "' uses itself"
                                     : "blocks form a cycle")
        << " (" << cycle << block << "); a block may not use itself, "
        << "directly or not";
    return true;
  }
  auto source = blocks.find(block);
  if (source == blocks.end() || !source->second.nodes ||
      !source->second.nodes->is_array())
    return false;
  path.push_back(block.str());
  bool found = false;
  for (const Json &node : *source->second.nodes) {
    const Json *callee = member(node, "block");
    if (callee && callee->is_string() &&
        findCycle(callee->get<std::string>(), path, done)) {
      found = true;
      break;
    }
  }
  path.pop_back();
  done.insert(block);
  return found;
}

bool Importer::checkBlockCycles() {
  llvm::StringSet<> done;
  bool ok = true;
  for (const std::string &block : blockOrder) {
    SmallVector<std::string> path;
    if (findCycle(block, path, done))
      ok = false;
  }
  return ok;
}

OwningOpRef<ModuleOp> Importer::run() {
  const Json &root = document.root();
  if (!root.is_object()) {
    expected("", "a model file (a JSON object)", root);
    return nullptr;
  }
  bool headerOk = checkHeader(root);
  bool blocksOk = collectBlocks(root);
  if (!headerOk || !blocksOk || !checkBlockCycles())
    return nullptr;

  module = ModuleOp::create(FileLineColLoc::get(context, filename, 1, 1));
  OwningOpRef<ModuleOp> owned(module);

  // The top graph's inputs are typed in full.
  GraphSource top{member(root, "name")->get<std::string>(), "",
                  member(root, "inputs"), member(root, "outputs"),
                  member(root, "nodes")};
  if (!top.inputs->is_object()) {
    expected("/inputs", "an object of named inputs", *top.inputs);
    return nullptr;
  }
  SmallVector<Type> inputTypes;
  SmallVector<ArrayAttr> inputDims;
  for (auto it = top.inputs->begin(); it != top.inputs->end(); ++it) {
    std::string pointer = JsonDocument::child("/inputs", it.key());
    if (!isCIdentifier(it.key()))
      error(pointer) << "input name '" << it.key() << "' is not a C identifier";
    ArrayAttr dims;
    if (auto type = parseTensorType(it.value(), pointer, dims)) {
      inputTypes.push_back(*type);
      inputDims.push_back(dims);
    }
  }
  if (numErrors)
    return nullptr;
  usedSymbols.insert(top.name);
  ModelOp model = importGraph(top, inputTypes, inputDims);
  if (!model || numErrors)
    return nullptr;

  if (options.randomInit)
    module->setAttr(
        MithrilDialect::kRandomInitAttrName,
        builder.getI64IntegerAttr(static_cast<int64_t>(options.seed)));
  checkWeights(module);
  if (numErrors || failed(verify(module)))
    return nullptr;
  return owned;
}

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

ModelOp Importer::importGraph(const GraphSource &graph,
                              ArrayRef<Type> inputTypes,
                              ArrayRef<ArrayAttr> inputDims) {
  if (!graph.nodes->is_array()) {
    expected(JsonDocument::child(graph.pointer, "nodes"), "a list of nodes",
             *graph.nodes);
    return nullptr;
  }
  if (!graph.outputs->is_array() || graph.outputs->empty() ||
      !llvm::all_of(*graph.outputs,
                    [](const Json &k) { return k.is_string(); })) {
    expected(JsonDocument::child(graph.pointer, "outputs"),
             "a non-empty list of keys", *graph.outputs);
    return nullptr;
  }

  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  auto model = ModelOp::create(builder, loc(graph.pointer), graph.name,
                               builder.getFunctionType(inputTypes, {}));
  GraphScope scope;
  scope.model = model;
  size_t i = 0;
  for (auto it = graph.inputs->begin(); it != graph.inputs->end(); ++it, ++i) {
    model.setArgAttr(i, MithrilDialect::kNameAttrName,
                     builder.getStringAttr(it.key()));
    if (i < inputDims.size() && inputDims[i])
      model.setArgAttr(i, MithrilDialect::kDimsAttrName, inputDims[i]);
    Value argument = model.getArgument(i);
    scope.values[it.key()] = argument;
    scope.producers[it.key()] = JsonDocument::child(
        JsonDocument::child(graph.pointer, "inputs"), it.key());
    scope.producerNodes[it.key()] = -1;
    if (i == 0)
      scope.chained = argument;
  }

  scanKeys(graph, scope);
  SmallVector<std::string> names = nameNodes(graph);
  builder.setInsertionPointToEnd(&model.getBody().front());
  for (size_t index = 0; index < graph.nodes->size() && !tooManyErrors();
       ++index) {
    scope.currentNode = static_cast<int64_t>(index);
    importNode(graph, scope, index, names[index]);
  }
  finishGraph(graph, scope);
  return model;
}

/// Records where each key is produced, and reports keys produced twice.
void Importer::scanKeys(const GraphSource &graph, GraphScope &scope) {
  for (auto [index, node] : llvm::enumerate(*graph.nodes)) {
    const Json *outputs = member(node, "outputs");
    if (!outputs || !outputs->is_object())
      continue;
    std::string pointer = JsonDocument::child(
        JsonDocument::child(JsonDocument::child(graph.pointer, "nodes"), index),
        "outputs");
    for (auto it = outputs->begin(); it != outputs->end(); ++it) {
      if (!it.value().is_string())
        continue; // Reported with the node.
      std::string key = it.value().get<std::string>();
      std::string keyPointer = JsonDocument::child(pointer, it.key());
      auto [existing, inserted] = scope.producers.try_emplace(key, keyPointer);
      if (!inserted) {
        error(keyPointer) << "key '" << key << "' is produced twice: "
                          << "first by " << existing->second;
        continue;
      }
      scope.producerNodes[key] = static_cast<int64_t>(index);
    }
  }
}

/// The name of each node: its `name`, or `<op in snake_case>_<k>`.
SmallVector<std::string> Importer::nameNodes(const GraphSource &graph) {
  std::string nodesPointer = JsonDocument::child(graph.pointer, "nodes");
  SmallVector<std::string> names(graph.nodes->size());
  llvm::StringMap<std::string> seen; // name -> pointer of its node
  llvm::StringMap<unsigned> counters;
  for (auto [index, node] : llvm::enumerate(*graph.nodes)) {
    std::string pointer = JsonDocument::child(nodesPointer, index);
    if (const Json *name = member(node, "name")) {
      if (!name->is_string() || !isCIdentifier(name->get<std::string>())) {
        expected(JsonDocument::child(pointer, "name"),
                 "a node name that is a C identifier", *name);
        continue;
      }
      names[index] = name->get<std::string>();
      continue;
    }
    const Json *op = member(node, "op");
    const Json *block = member(node, "block");
    std::string base = op && op->is_string()
                           ? toSnakeCase(op->get<std::string>())
                       : block && block->is_string() ? block->get<std::string>()
                                                     : "node";
    names[index] = base + "_" + std::to_string(counters[base]++);
  }
  for (auto [index, name] : llvm::enumerate(names)) {
    if (name.empty())
      continue;
    std::string pointer = JsonDocument::child(nodesPointer, index);
    auto [existing, inserted] = seen.try_emplace(name, pointer);
    if (!inserted) {
      const Json &node = (*graph.nodes)[index];
      error(member(node, "name") ? JsonDocument::child(pointer, "name")
                                 : pointer)
          << "node name '" << name << "' clashes with the node at "
          << existing->second << " (names are unique among sibling nodes)";
    }
  }
  return names;
}

void Importer::finishGraph(const GraphSource &graph, GraphScope &scope) {
  std::string outputsPointer = JsonDocument::child(graph.pointer, "outputs");
  SmallVector<Value> results;
  SmallVector<std::string> names;
  bool ok = true;
  for (auto [i, key] : llvm::enumerate(*graph.outputs)) {
    std::string name = key.get<std::string>();
    std::string pointer = JsonDocument::child(outputsPointer, i);
    if (graph.pointer.empty() && !isCIdentifier(name))
      error(pointer) << "output name '" << name << "' is not a C identifier";
    if (llvm::is_contained(names, name))
      error(pointer) << "output '" << name << "' is listed twice";
    names.push_back(name);
    // Chaining: an unproduced first output is the last node's first output.
    auto value = scope.values.find(name);
    if (value == scope.values.end() && i == 0 &&
        !scope.producers.contains(name) && !graph.nodes->empty()) {
      if (!scope.chained) {
        ok = false; // The last node failed and was reported.
        continue;
      }
      results.push_back(scope.chained);
      continue;
    }
    if (value != scope.values.end()) {
      results.push_back(value->second);
      continue;
    }
    ok = false;
    if (scope.poisoned.contains(name) || scope.producers.contains(name))
      continue; // Its producer failed and was reported.
    auto diag = error(pointer)
                << "output '" << name << "' is not produced by any node";
    SmallVector<StringRef> keys;
    for (auto &entry : scope.values)
      keys.push_back(entry.getKey());
    if (auto suggestion = closestName(name, keys))
      diag << "; did you mean '" << *suggestion << "'?";
  }
  Block &body = scope.model.getBody().front();
  builder.setInsertionPointToEnd(&body);
  if (!ok) {
    ReturnOp::create(builder, loc(outputsPointer), ValueRange());
    return;
  }
  ReturnOp::create(builder, loc(outputsPointer), results);
  scope.model.setFunctionType(builder.getFunctionType(
      scope.model.getArgumentTypes(), ValueRange(results).getTypes()));
  for (auto [i, name] : llvm::enumerate(names))
    scope.model.setResultAttr(i, MithrilDialect::kNameAttrName,
                              builder.getStringAttr(name));
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

void Importer::importNode(const GraphSource &graph, GraphScope &scope,
                          size_t index, StringRef name) {
  const Json &node = (*graph.nodes)[index];
  std::string pointer =
      JsonDocument::child(JsonDocument::child(graph.pointer, "nodes"), index);
  if (!node.is_object()) {
    expected(pointer, "a node (an object with \"op\" or \"block\")", node);
    return;
  }
  checkKeys(node, pointer, {"op", "block", "name", "args", "inputs", "outputs"},
            "a node");
  const Json *op = member(node, "op");
  const Json *block = member(node, "block");
  if (op && block) {
    error(pointer) << "a node has either \"op\" or \"block\", not both";
    return poisonOutputs(scope, node);
  }
  if (name.empty())
    return poisonOutputs(scope, node); // Its name was reported.
  if (block) {
    std::string blockPointer = JsonDocument::child(pointer, "block");
    if (!block->is_string()) {
      expected(blockPointer, "a block name", *block);
      return poisonOutputs(scope, node);
    }
    std::string blockName = block->get<std::string>();
    if (!blocks.contains(blockName)) {
      auto diag = error(blockPointer) << "unknown block '" << blockName << "'";
      SmallVector<StringRef> candidates(blockOrder.begin(), blockOrder.end());
      if (auto suggestion = closestName(blockName, candidates))
        diag << "; did you mean '" << *suggestion << "'?";
      else if (lookupOp(blockName))
        diag << "; '" << blockName << "' is an op: write \"op\"";
      return poisonOutputs(scope, node);
    }
    if (member(node, "args"))
      error(JsonDocument::child(pointer, "args"))
          << "a block instance takes no args";
    return importInstance(graph, scope, node, pointer, name, blockName);
  }
  if (!op) {
    error(pointer) << "a node needs \"op\" (a catalog op) or \"block\"";
    return poisonOutputs(scope, node);
  }
  std::string opPointer = JsonDocument::child(pointer, "op");
  const OpSpec *spec =
      op->is_string() ? lookupOp(op->get<std::string>()) : nullptr;
  if (!spec) {
    if (!op->is_string()) {
      expected(opPointer, "an op name", *op);
      return poisonOutputs(scope, node);
    }
    std::string opName = op->get<std::string>();
    auto diag = error(opPointer) << "unknown op '" << opName << "'";
    SmallVector<StringRef> candidates;
    for (const OpSpec &candidate : getOpCatalog())
      candidates.push_back(candidate.name);
    if (blocks.contains(opName))
      diag << "; '" << opName << "' is a block: write \"block\"";
    else if (auto suggestion = closestName(opName, candidates))
      diag << "; did you mean '" << *suggestion << "'?";
    return poisonOutputs(scope, node);
  }
  importOp(graph, scope, node, pointer, name, *spec);
}

void Importer::poisonOutputs(GraphScope &scope, const Json &node) {
  scope.chained = nullptr;
  scope.chainBroken = true;
  const Json *outputs = member(node, "outputs");
  if (!outputs || !outputs->is_object())
    return;
  for (auto it = outputs->begin(); it != outputs->end(); ++it)
    if (it.value().is_string())
      scope.poisoned.insert(it.value().get<std::string>());
}

std::optional<PortValue> Importer::resolveKey(GraphScope &scope,
                                              const Json &key,
                                              StringRef pointer, int64_t user,
                                              bool &poisoned) {
  if (key.is_number() && !key.is_boolean()) {
    double constant = key.get<double>();
    if (!std::isfinite(constant)) {
      expected(pointer, "a key or a finite number", key);
      return std::nullopt;
    }
    return PortValue{Value(), constant, pointer.str()};
  }
  if (!key.is_string()) {
    expected(pointer, "a key (a string) or a number", key);
    return std::nullopt;
  }
  std::string name = key.get<std::string>();
  if (auto value = scope.values.find(name); value != scope.values.end())
    return PortValue{value->second, std::nullopt, pointer.str()};
  if (scope.poisoned.contains(name)) {
    poisoned = true;
    return std::nullopt;
  }
  auto producer = scope.producers.find(name);
  if (producer != scope.producers.end()) {
    int64_t producerNode = scope.producerNodes.lookup(name);
    if (producerNode >= user) {
      error(pointer) << "key '" << name
                     << "' is used before it is produced (by "
                     << producer->second
                     << "): a node may only use keys of earlier nodes, so a "
                        "graph has no cycle";
      return std::nullopt;
    }
    poisoned = true; // Its producer failed and was reported.
    return std::nullopt;
  }
  auto diag = error(pointer)
              << "unknown key '" << name
              << "': no graph input or earlier node output has it";
  SmallVector<StringRef> keys;
  for (auto &entry : scope.values)
    keys.push_back(entry.getKey());
  if (auto suggestion = closestName(name, keys))
    diag << "; did you mean '" << *suggestion << "'?";
  return std::nullopt;
}

bool Importer::resolveInputs(GraphScope &scope, const Json &node,
                             StringRef pointer, ArrayRef<StringRef> ports,
                             ArrayRef<bool> optionalPorts,
                             ArrayRef<bool> variadicPorts, StringRef what,
                             SmallVectorImpl<SmallVector<PortValue>> &values) {
  values.assign(ports.size(), {});
  int64_t user = scope.currentNode;
  const Json *inputs = member(node, "inputs");
  if (!inputs) {
    // Chaining: the previous node's first output feeds the first port.
    if (!scope.chained) {
      if (!scope.chainBroken) // Else the previous node failed, reported.
        error(pointer) << what << " has no \"inputs\", and there is no "
                       << "graph input or earlier output to take instead";
      return false;
    }
    if (!ports.empty())
      values[0].push_back({scope.chained, std::nullopt, pointer.str()});
    for (auto [i, port] : llvm::enumerate(ports))
      if (i > 0 && !optionalPorts[i]) {
        error(pointer) << what << " needs input '" << port
                       << "': give \"inputs\" (only the first input is "
                          "chained from the previous node)";
        return false;
      }
    return true;
  }
  std::string inputsPointer = JsonDocument::child(pointer, "inputs");
  if (!inputs->is_object()) {
    expected(inputsPointer, "an object of input ports", *inputs);
    return false;
  }
  bool ok = true, poisoned = false;
  for (auto it = inputs->begin(); it != inputs->end(); ++it) {
    std::string portPointer = JsonDocument::child(inputsPointer, it.key());
    auto port = llvm::find(ports, StringRef(it.key()));
    if (port == ports.end()) {
      auto diag = error(portPointer)
                  << "unknown input port '" << it.key() << "' of " << what;
      if (auto suggestion = closestName(it.key(), ports))
        diag << "; did you mean '" << *suggestion << "'?";
      else
        diag << " (its ports: " << join(ports) << ")";
      ok = false;
      continue;
    }
    size_t index = port - ports.begin();
    if (variadicPorts[index]) {
      if (!it.value().is_array() || it.value().empty()) {
        expected(portPointer, "a non-empty list of keys", it.value());
        ok = false;
        continue;
      }
      for (auto [k, key] : llvm::enumerate(it.value())) {
        if (auto value =
                resolveKey(scope, key, JsonDocument::child(portPointer, k),
                           user, poisoned))
          values[index].push_back(*value);
        else
          ok = false;
      }
      continue;
    }
    if (auto value = resolveKey(scope, it.value(), portPointer, user, poisoned))
      values[index].push_back(*value);
    else
      ok = false;
  }
  for (auto [i, port] : llvm::enumerate(ports)) {
    if (values[i].empty() && !optionalPorts[i] && ok) {
      error(inputsPointer) << "missing input '" << port << "' of " << what;
      ok = false;
    }
  }
  return ok && !poisoned;
}

/// Turns number inputs into rank-0 constants of the other operands' dtype.
bool Importer::materializeConstants(
    SmallVectorImpl<SmallVector<PortValue>> &values, Location location) {
  Type elementType;
  for (auto &port : values)
    for (PortValue &value : port)
      if (value.value && !elementType)
        elementType =
            cast<RankedTensorType>(value.value.getType()).getElementType();
  for (auto &port : values) {
    for (PortValue &value : port) {
      if (!value.constant)
        continue;
      if (!elementType) {
        error(value.pointer) << "a number input takes its dtype from the "
                                "node's other inputs, and this node has none";
        return false;
      }
      auto type = RankedTensorType::get({}, elementType);
      Attribute attr;
      if (isa<FloatType>(elementType)) {
        attr = DenseElementsAttr::get(
            type, FloatAttr::get(elementType, *value.constant).getValue());
      } else {
        double integral;
        unsigned width = elementType.getIntOrFloatBitWidth();
        bool isUnsigned = elementType.isUnsignedInteger() || width == 1;
        double low = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
        double high =
            isUnsigned ? std::ldexp(1.0, width) : std::ldexp(1.0, width - 1);
        if (std::modf(*value.constant, &integral) != 0.0 || integral < low ||
            integral >= high) {
          error(value.pointer) << "the number " << Json(*value.constant).dump()
                               << " is not a value of the "
                               << getDTypeName(elementType).value_or("?")
                               << " operands it goes with";
          return false;
        }
        attr = DenseElementsAttr::get(
            type,
            APInt(width, static_cast<uint64_t>(static_cast<int64_t>(integral)),
                  /*isSigned=*/!isUnsigned));
      }
      Location constantLoc =
          NameLoc::get(StringAttr::get(context, value.pointer), location);
      value.value =
          ConstantOp::create(builder, constantLoc, cast<ElementsAttr>(attr));
    }
  }
  return true;
}

void Importer::bindOutputs(GraphScope &scope, const Json &node,
                           StringRef pointer, ArrayRef<std::string> ports,
                           ValueRange results, StringRef what) {
  scope.chained = results.empty() ? Value() : results.front();
  scope.chainBroken = false;
  const Json *outputs = member(node, "outputs");
  if (!outputs)
    return;
  std::string outputsPointer = JsonDocument::child(pointer, "outputs");
  if (!outputs->is_object()) {
    expected(outputsPointer, "an object of output ports", *outputs);
    return;
  }
  for (auto it = outputs->begin(); it != outputs->end(); ++it) {
    std::string portPointer = JsonDocument::child(outputsPointer, it.key());
    if (!it.value().is_string()) {
      expected(portPointer, "a key (a string)", it.value());
      continue;
    }
    auto port = llvm::find(ports, it.key());
    if (port == ports.end()) {
      SmallVector<StringRef> names(ports.begin(), ports.end());
      auto diag = error(portPointer)
                  << "unknown output port '" << it.key() << "' of " << what;
      if (auto suggestion = closestName(it.key(), names))
        diag << "; did you mean '" << *suggestion << "'?";
      else
        diag << " (its outputs: " << join(names) << ")";
      scope.poisoned.insert(it.value().get<std::string>());
      continue;
    }
    std::string key = it.value().get<std::string>();
    if (scope.producers.lookup(key) == portPointer) // Not a duplicate.
      scope.values[key] = results[port - ports.begin()];
  }
}

/// Reads a node's `args` into `args` (every argument) and `attributes`
/// (those the op holds); false if a problem was reported.
bool Importer::readArgs(const OpSpec &spec, const Json &node, StringRef pointer,
                        ArgValues &args, NamedAttrList &attributes) {
  bool ok = true;
  std::string argsPointer = JsonDocument::child(pointer, "args");
  const Json *argsJson = member(node, "args");
  if (argsJson && !argsJson->is_object()) {
    expected(argsPointer, "an object of arguments", *argsJson);
    ok = false;
  } else if (argsJson) {
    for (auto it = argsJson->begin(); it != argsJson->end(); ++it) {
      std::string argPointer = JsonDocument::child(argsPointer, it.key());
      const ArgSpec *arg = spec.findArg(it.key());
      if (!arg) {
        SmallVector<StringRef> names;
        for (const ArgSpec &candidate : spec.args)
          names.push_back(candidate.name);
        auto diag = error(argPointer)
                    << "unknown argument '" << it.key() << "' of " << spec.name;
        if (auto suggestion = closestName(it.key(), names))
          diag << "; did you mean '" << *suggestion << "'?";
        else if (names.empty())
          diag << " (it takes none)";
        else
          diag << " (it takes " << join(names) << ")";
        ok = false;
        continue;
      }
      std::optional<Attribute> value = convertArg(*arg, it.value(), argPointer);
      if (!value) {
        ok = false;
        continue;
      }
      if (!*value)
        continue; // null: the default.
      args[arg->name] = *value;
      if (arg->isAttribute)
        attributes.set(arg->name, *value);
    }
  }
  for (const ArgSpec &arg : spec.args)
    if (arg.required && !(argsJson && member(*argsJson, arg.name))) {
      error(argsJson ? argsPointer : pointer)
          << "missing argument '" << arg.name << "' of " << spec.name;
      ok = false;
    }

  return ok;
}

void Importer::importOp(const GraphSource &graph, GraphScope &scope,
                        const Json &node, StringRef pointer, StringRef name,
                        const OpSpec &spec) {
  std::string what = "'" + name.str() + "' (" + spec.name.str() + ")";

  ArgValues args;
  NamedAttrList attributes;
  bool ok = readArgs(spec, node, pointer, args, attributes);

  // Inputs.
  SmallVector<StringRef> ports;
  SmallVector<bool> optionalPorts, variadicPorts;
  for (const PortSpec &port : spec.ports) {
    ports.push_back(port.name);
    optionalPorts.push_back(port.optional);
    variadicPorts.push_back(port.variadic);
  }
  SmallVector<SmallVector<PortValue>> inputs;
  Location opLoc = NameLoc::get(builder.getStringAttr(name), loc(pointer));
  if (!resolveInputs(scope, node, pointer, ports, optionalPorts, variadicPorts,
                     what, inputs) ||
      !ok || !materializeConstants(inputs, loc(pointer)))
    return poisonOutputs(scope, node);

  // Parameters: named relative to this graph, typed like the input.
  SmallVector<Value> operands;
  SmallVector<int32_t> segments;
  for (auto &port : inputs) {
    for (PortValue &value : port)
      operands.push_back(value.value);
    segments.push_back(static_cast<int32_t>(port.size()));
  }
  Type elementType =
      cast<RankedTensorType>(operands.front().getType()).getElementType();
  if (!isa<FloatType>(elementType))
    elementType = builder.getF32Type();
  if (spec.params) {
    for (const ParameterSpec &param : spec.params(args)) {
      segments.push_back(param.present ? 1 : 0);
      if (!param.present)
        continue;
      if (llvm::any_of(param.shape, [](int64_t size) { return size < 0; })) {
        error(JsonDocument::child(pointer, "args"))
            << "the arguments of " << what << " give parameter '" << param.name
            << "' no valid shape";
        return poisonOutputs(scope, node);
      }
      auto type = RankedTensorType::get(param.shape, elementType);
      operands.push_back(ParameterOp::create(builder, opLoc, type,
                                             name.str() + "." + param.name));
    }
  }

  Operation *op = buildOp(spec, opLoc, operands, segments, attributes, inputs);
  if (!op)
    return poisonOutputs(scope, node);

  SmallVector<std::string> outputPorts;
  if (spec.numberedOutputs)
    for (unsigned i = 0; i < op->getNumResults(); ++i)
      outputPorts.push_back("output_" + std::to_string(i));
  else
    outputPorts.push_back("output");
  bindOutputs(scope, node, pointer, outputPorts, op->getResults(), what);
}

/// Creates the op of `spec`, with the result types it infers; null if
/// inference or verification failed. A failure is reported at the op with
/// the shapes of the node's inputs, which the op's own message may not
/// show.
Operation *Importer::buildOp(const OpSpec &spec, Location opLoc,
                             ArrayRef<Value> operands,
                             ArrayRef<int32_t> segments,
                             const NamedAttrList &attributes,
                             ArrayRef<SmallVector<PortValue>> inputs) {
  OperationState state(opLoc, spec.opName);
  state.addOperands(operands);
  state.addAttributes(attributes);
  if (state.name.hasTrait<OpTrait::AttrSizedOperandSegments>())
    state.addAttribute("operandSegmentSizes",
                       builder.getDenseI32ArrayAttr(segments));
  std::optional<std::string> message;
  Operation *op;
  {
    ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
      if (!message)
        message = diag.str();
      return success();
    });
    op = createInferred(builder, state);
  }
  if (op)
    return op;
  ++numErrors;
  // A graph input shows its symbols: [N, 4] rather than [?, 4].
  SmallVector<std::string> shapes;
  for (const SmallVector<PortValue> &port : inputs)
    for (const PortValue &value : port) {
      ArrayAttr dims;
      if (auto arg = dyn_cast<BlockArgument>(value.value))
        if (auto model = dyn_cast<ModelOp>(arg.getOwner()->getParentOp()))
          dims = model.getArgAttrOfType<ArrayAttr>(
              arg.getArgNumber(), MithrilDialect::kDimsAttrName);
      std::string type = describeTensorType(value.value.getType(), dims);
      shapes.push_back(type.substr(0, type.rfind(' '))); // Without dtype.
    }
  emitError(opLoc) << message.value_or("cannot build " + spec.name.str())
                   << " (input shapes: " << llvm::join(shapes, ", ") << ")";
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Block instances
//===----------------------------------------------------------------------===//

ModelOp Importer::getOrImportBlock(StringRef blockName,
                                   ArrayRef<Type> inputTypes) {
  std::vector<const void *> typeKey;
  for (Type type : inputTypes)
    typeKey.push_back(type.getAsOpaquePointer());
  auto key = std::make_pair(blockName.str(), typeKey);
  if (auto it = importedBlocks.find(key); it != importedBlocks.end())
    return it->second;

  // One model per distinct list of input types; the first keeps the name.
  GraphSource graph = blocks.find(blockName)->second;
  std::string symbol = graph.name;
  for (unsigned k = 1; usedSymbols.contains(symbol); ++k)
    symbol = graph.name + "_" + std::to_string(k);
  usedSymbols.insert(symbol);
  graph.name = symbol;

  SmallVector<ArrayAttr> dims(inputTypes.size());
  size_t i = 0;
  for (auto it = graph.inputs->begin(); it != graph.inputs->end(); ++it, ++i) {
    if (it.value().is_object() && !it.value().empty()) {
      std::string pointer = JsonDocument::child(
          JsonDocument::child(graph.pointer, "inputs"), it.key());
      parseTensorType(it.value(), pointer, dims[i]);
    }
  }
  unsigned errorsBefore = numErrors;
  ModelOp model = importGraph(graph, inputTypes, dims);
  if (numErrors != errorsBefore) {
    if (model)
      model.erase();
    model = nullptr;
  }
  importedBlocks[key] = model;
  return model;
}

void Importer::importInstance(const GraphSource &graph, GraphScope &scope,
                              const Json &node, StringRef pointer,
                              StringRef name, StringRef blockName) {
  const GraphSource &block = blocks.find(blockName)->second;
  std::string what = "'" + name.str() + "' (block " + blockName.str() + ")";
  std::string inputsPointer = JsonDocument::child(block.pointer, "inputs");
  if (!block.inputs->is_object()) {
    expected(inputsPointer, "an object of named inputs", *block.inputs);
    return poisonOutputs(scope, node);
  }
  if (!block.outputs->is_array() ||
      !llvm::all_of(*block.outputs,
                    [](const Json &k) { return k.is_string(); })) {
    expected(JsonDocument::child(block.pointer, "outputs"), "a list of keys",
             *block.outputs);
    return poisonOutputs(scope, node);
  }

  // The block's declared input types, where it gives them.
  SmallVector<std::string> portNames;
  SmallVector<std::optional<RankedTensorType>> declared;
  SmallVector<ArrayAttr> declaredDims;
  bool ok = true;
  for (auto it = block.inputs->begin(); it != block.inputs->end(); ++it) {
    portNames.push_back(it.key());
    std::string portPointer = JsonDocument::child(inputsPointer, it.key());
    if (it.value().is_object() && it.value().empty()) {
      declared.push_back(std::nullopt);
      declaredDims.push_back(nullptr);
      continue;
    }
    ArrayAttr dims;
    declared.push_back(parseTensorType(it.value(), portPointer, dims));
    declaredDims.resize(declared.size());
    declaredDims.back() = dims;
    ok &= declared.back().has_value();
  }
  if (!ok)
    return poisonOutputs(scope, node);

  SmallVector<StringRef> ports(portNames.begin(), portNames.end());
  SmallVector<bool> notOptional(ports.size(), false);
  SmallVector<SmallVector<PortValue>> inputs;
  if (!resolveInputs(scope, node, pointer, ports, notOptional, notOptional,
                     what, inputs) ||
      !materializeConstants(inputs, loc(pointer)))
    return poisonOutputs(scope, node);

  SmallVector<Value> operands;
  SmallVector<Type> inputTypes;
  for (auto [i, port] : llvm::enumerate(inputs)) {
    Value operand = port.front().value;
    operands.push_back(operand);
    Type type = operand.getType();
    if (declared[i]) {
      if (!areCompatibleTypes(*declared[i], type)) {
        error(JsonDocument::child(pointer, "inputs"))
            << "input '" << ports[i] << "' of block '" << blockName
            << "' is declared "
            << describeTensorType(*declared[i], declaredDims[i])
            << ", but node " << what << " gives it "
            << describeTensorType(type);
        return poisonOutputs(scope, node);
      }
      type = *declared[i];
    }
    inputTypes.push_back(type);
  }

  ModelOp callee = getOrImportBlock(blockName, inputTypes);
  if (!callee)
    return poisonOutputs(scope, node);
  Location instanceLoc =
      NameLoc::get(builder.getStringAttr(name), loc(pointer));
  auto instance = InstanceOp::create(builder, instanceLoc,
                                     callee.getFunctionType().getResults(),
                                     name, callee.getSymName(), operands);
  SmallVector<std::string> outputPorts;
  for (const Json &output : *block.outputs)
    outputPorts.push_back(output.get<std::string>());
  bindOutputs(scope, node, pointer, outputPorts, instance.getResults(), what);
}

//===----------------------------------------------------------------------===//
// Entry points
//===----------------------------------------------------------------------===//

void Importer::checkWeights(ModuleOp module) {
  const Json *weights = member(document.root(), "weights");
  std::string path = options.weightsPath;
  Location weightsLoc = FileLineColLoc::get(context, path, 0, 0);
  if (path.empty() && weights && weights->is_string()) {
    // Relative to the model file's folder.
    SmallString<256> resolved(weights->get<std::string>());
    if (llvm::sys::path::is_relative(resolved)) {
      resolved = llvm::sys::path::parent_path(filename);
      llvm::sys::path::append(resolved, weights->get<std::string>());
    }
    path = resolved.str().str();
    weightsLoc = loc("/weights");
  }
  if (path.empty() || options.randomInit)
    return;
  SmallString<256> absolute(path);
  llvm::sys::fs::make_absolute(absolute);
  module->setAttr(MithrilDialect::kWeightsAttrName,
                  builder.getStringAttr(absolute));
  numErrors += checkModelWeights(module, path, weightsLoc);
}

OwningOpRef<ModuleOp>
mlir::mithril::importModelFile(llvm::SourceMgr &sourceMgr, MLIRContext *context,
                               const ModelImportOptions &options) {
  context->loadDialect<MithrilDialect>();
  JsonPathDiagnosticHandler pathHandler(context);
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef filename = buffer->getBufferIdentifier();
  std::vector<JsonProblem> problems;
  std::optional<JsonDocument> document =
      JsonDocument::parse(buffer->getBuffer(), problems);
  for (const JsonProblem &problem : problems) {
    Location location = FileLineColLoc::get(
        context, filename, problem.position.line, problem.position.column);
    if (!problem.pointer.empty())
      location =
          NameLoc::get(StringAttr::get(context, problem.pointer), location);
    emitError(location) << (problem.pointer.empty() ? "invalid JSON: " : "")
                        << problem.message;
  }
  if (!document)
    return nullptr;
  return Importer(*document, filename, context, options).run();
}

void mlir::mithril::registerImportedDialects(DialectRegistry &registry) {
  registry.insert<MithrilDialect>();
}
