//===- OpCatalogGen.cpp - The op catalog from the ops' `catalog` ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `-gen-op-catalog` writes the C++ table of the model format's op catalog
// (lib/Frontend/OpCatalog.cpp includes it) and `-gen-op-catalog-json` the
// same catalog as JSON for the Python frontend, both from the ops that set
// `catalog` (dialects/mithril/IR/MithrilCatalog.td). What ODS already says
// is read off the op: ports are the operands that are not parameters (with
// their optional and variadic flags), outputs are numbered when the result
// is variadic, and defaults are the attributes' defaults. The entry is
// checked against the op, so the two cannot drift: every argument held as
// an attribute is one of the op's attributes, every attribute is an
// argument, every parameter is an operand.
//
//===----------------------------------------------------------------------===//

#include "mlir/TableGen/GenInfo.h"
#include "mlir/TableGen/Operator.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Regex.h"
#include "llvm/TableGen/Error.h"
#include "llvm/TableGen/Record.h"
#include "llvm/TableGen/TableGenBackend.h"

using namespace mlir;
using llvm::Record;
using llvm::RecordKeeper;
using llvm::StringRef;

namespace {

/// The ArgKinds of OpCatalog.h.
constexpr StringRef kArgKinds[] = {
    "Int",   "PositiveInt",  "Float",       "Bool",         "Choice",
    "Sizes", "Ints",         "IntList",     "Padding",      "DimList",
    "DType", "OptionalInts", "OptionalInt", "OptionalFloat"};

struct CatalogArg {
  std::string name, kind, choices;
  bool required = false, isAttribute = true;
  int64_t length = 0;
  /// The default as JSON ("null" where there is none).
  std::string defaultJson = "null";
};

struct CatalogPort {
  std::string name;
  bool optional = false, variadic = false;
};

/// One op's entry, read off its `catalog` and checked against the op.
struct CatalogEntry {
  std::string name, opName, cppClass;
  std::vector<CatalogPort> ports;
  std::vector<CatalogArg> args;
  bool hasParameters = false, numberedOutputs = false;
};

/// An ODS default (a C++ expression) as JSON: numbers, quoted strings,
/// booleans and `{...}` lists of those. Fails on anything else, so that an
/// op author learns at build time that the Python side cannot read it.
std::optional<std::string> defaultAsJson(StringRef value) {
  value = value.trim();
  if (value == "true" || value == "false")
    return value.str();
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"' &&
      !value.drop_front().drop_back().contains('\\') &&
      !value.drop_front().drop_back().contains('"'))
    return value.str();
  static const llvm::Regex number(
      "^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?$");
  if (number.match(value))
    return value.str();
  if (value.consume_front("{") && value.consume_back("}")) {
    SmallVector<StringRef> elements;
    value.split(elements, ',', -1, /*KeepEmpty=*/false);
    std::string list = "[";
    for (auto [i, element] : llvm::enumerate(elements)) {
      std::optional<std::string> json = defaultAsJson(element);
      if (!json)
        return std::nullopt;
      list += (i ? ", " : "") + *json;
    }
    return list + "]";
  }
  return std::nullopt;
}

CatalogArg readArg(const Record &arg) {
  CatalogArg result;
  result.name = arg.getValueAsString("name").str();
  result.kind = arg.getValueAsString("kind").str();
  result.required = arg.getValueAsBit("required");
  result.length = arg.getValueAsInt("length");
  result.choices = arg.getValueAsString("choices").str();
  result.isAttribute = arg.getValueAsBit("isAttribute");
  if (!result.isAttribute && !arg.getValueAsString("defaultValue").empty())
    result.defaultJson = arg.getValueAsString("defaultValue").str();
  return result;
}

/// Checks the entry's arguments against the op's attributes and fills in
/// their defaults.
void checkArgs(const tblgen::Operator &op, std::vector<CatalogArg> &args) {
  llvm::StringSet<> names;
  for (CatalogArg &arg : args) {
    if (!names.insert(arg.name).second)
      llvm::PrintFatalError(op.getLoc(), "catalog argument '" + arg.name +
                                             "' is listed twice");
    if (!llvm::is_contained(kArgKinds, arg.kind))
      llvm::PrintFatalError(op.getLoc(), "catalog argument '" + arg.name +
                                             "' has no kind '" + arg.kind +
                                             "'");
    const tblgen::NamedAttribute *attr =
        llvm::find_if(op.getAttributes(), [&](const tblgen::NamedAttribute &a) {
          return a.name == arg.name;
        });
    bool isAttr = attr != op.attribute_end();
    if (arg.isAttribute != isAttr)
      llvm::PrintFatalError(op.getLoc(), "catalog argument '" + arg.name +
                                             "' is " + (isAttr ? "" : "not ") +
                                             "an attribute of " +
                                             op.getOperationName());
    if (!isAttr || !attr->attr.hasDefaultValue())
      continue;
    std::optional<std::string> json =
        defaultAsJson(attr->attr.getDefaultValue());
    if (!json)
      llvm::PrintFatalError(op.getLoc(),
                            "cannot write the default of '" + arg.name + "' (" +
                                attr->attr.getDefaultValue() + ") as JSON");
    arg.defaultJson = *json;
  }
  for (const tblgen::NamedAttribute &attr : op.getAttributes())
    if (!names.contains(attr.name))
      llvm::PrintFatalError(op.getLoc(), "attribute '" + attr.name + "' of " +
                                             op.getOperationName() +
                                             " is no catalog argument");
}

CatalogEntry readEntry(const Record &def) {
  tblgen::Operator op(def);
  const Record *catalog = def.getValueAsDef("catalog");
  CatalogEntry entry;
  entry.name = catalog->getValueAsString("name").str();
  entry.opName = op.getOperationName();
  entry.cppClass = op.getQualCppClassName();
  for (const Record *arg : catalog->getValueAsListOfDefs("args"))
    entry.args.push_back(readArg(*arg));
  checkArgs(op, entry.args);

  std::vector<StringRef> parameters =
      catalog->getValueAsListOfStrings("parameters");
  entry.hasParameters = !parameters.empty();
  for (StringRef parameter : parameters)
    if (llvm::none_of(op.getOperands(), [&](const auto &operand) {
          return operand.name == parameter;
        }))
      llvm::PrintFatalError(op.getLoc(), "catalog parameter '" + parameter +
                                             "' is no operand of " +
                                             entry.opName);
  for (const tblgen::NamedTypeConstraint &operand : op.getOperands())
    if (!llvm::is_contained(parameters, operand.name))
      entry.ports.push_back(
          {operand.name.str(), operand.isOptional(), operand.isVariadic()});
  entry.numberedOutputs =
      op.getNumResults() == 1 && op.getResult(0).isVariadic();
  return entry;
}

/// The catalog ops, in the order of their definitions.
std::vector<CatalogEntry> readCatalog(const RecordKeeper &records) {
  std::vector<const Record *> defs;
  for (const Record *def : records.getAllDerivedDefinitions("Op"))
    if (def->getValue("catalog") && !def->isValueUnset("catalog"))
      defs.push_back(def);
  llvm::sort(defs, [](const Record *a, const Record *b) {
    return a->getID() < b->getID();
  });
  std::vector<CatalogEntry> entries;
  llvm::StringSet<> names;
  for (const Record *def : defs) {
    entries.push_back(readEntry(*def));
    if (!names.insert(entries.back().name).second)
      llvm::PrintFatalError(def->getLoc(), "catalog name '" +
                                               entries.back().name +
                                               "' is used twice");
  }
  return entries;
}

std::string quoted(StringRef text) { return "\"" + text.str() + "\""; }

const char *boolean(bool value) { return value ? "true" : "false"; }

bool emitCatalog(const RecordKeeper &records, llvm::raw_ostream &os) {
  llvm::emitSourceFileHeader("The op catalog of the model format", os, records);
  std::vector<CatalogEntry> entries = readCatalog(records);
  for (const CatalogEntry &entry : entries) {
    os << "static constexpr PortSpec k" << entry.name << "Ports[] = {";
    for (auto [i, port] : llvm::enumerate(entry.ports))
      os << (i ? ", " : "") << "{" << quoted(port.name) << ", "
         << boolean(port.optional) << ", " << boolean(port.variadic) << "}";
    os << "};\n";
    if (entry.args.empty())
      continue;
    os << "static constexpr ArgSpec k" << entry.name << "Args[] = {\n";
    for (const CatalogArg &arg : entry.args)
      os << "    {" << quoted(arg.name) << ", ArgKind::" << arg.kind << ", "
         << boolean(arg.required) << ", " << quoted(arg.choices) << ", "
         << arg.length << ", " << boolean(arg.isAttribute) << "},\n";
    os << "};\n";
  }
  os << "\nstatic const OpSpec kCatalog[] = {\n";
  for (const CatalogEntry &entry : entries) {
    os << "    {" << quoted(entry.name) << ", " << quoted(entry.opName) << ", k"
       << entry.name << "Ports, ";
    os << (entry.args.empty() ? "{}" : "k" + entry.name + "Args") << ", ";
    os << (entry.hasParameters ? "&" + entry.cppClass + "::getParameterSpecs"
                               : "nullptr")
       << ", " << boolean(entry.numberedOutputs) << "},\n";
  }
  os << "};\n";
  return false;
}

bool emitCatalogJson(const RecordKeeper &records, llvm::raw_ostream &os) {
  std::vector<CatalogEntry> entries = readCatalog(records);
  os << "{\"ops\": [\n";
  for (auto [i, entry] : llvm::enumerate(entries)) {
    os << (i ? ",\n" : "") << " {\"name\": " << quoted(entry.name)
       << ", \"op\": " << quoted(entry.opName) << ", \"ports\": [";
    for (auto [j, port] : llvm::enumerate(entry.ports))
      os << (j ? ", " : "") << "{\"name\": " << quoted(port.name)
         << ", \"optional\": " << boolean(port.optional)
         << ", \"variadic\": " << boolean(port.variadic) << "}";
    os << "],\n  \"args\": [";
    for (auto [j, arg] : llvm::enumerate(entry.args)) {
      SmallVector<StringRef> choices;
      StringRef(arg.choices).split(choices, '|', -1, /*KeepEmpty=*/false);
      os << (j ? ",\n   " : "") << "{\"name\": " << quoted(arg.name)
         << ", \"kind\": " << quoted(arg.kind)
         << ", \"required\": " << boolean(arg.required)
         << ", \"length\": " << arg.length << ", \"choices\": [";
      for (auto [k, choice] : llvm::enumerate(choices))
        os << (k ? ", " : "") << quoted(choice);
      os << "], \"attribute\": " << boolean(arg.isAttribute)
         << ", \"default\": " << arg.defaultJson << "}";
    }
    os << "],\n  \"parameters\": " << boolean(entry.hasParameters)
       << ", \"numbered_outputs\": " << boolean(entry.numberedOutputs) << "}";
  }
  os << "\n]}\n";
  return false;
}

} // namespace

static GenRegistration
    genCatalog("gen-op-catalog",
               "The op catalog of the model format as a C++ table",
               emitCatalog);
static GenRegistration
    genCatalogJson("gen-op-catalog-json",
                   "The op catalog of the model format as JSON",
                   emitCatalogJson);
