//===- Signature.cpp - A compiled library's entries and ports -------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Signature.h"

#include "mithril/runtime.h"

#include <nlohmann/json.hpp>

#include <set>

using json = nlohmann::json;

namespace mithril::runtime {
namespace {

bool parsePort(const json &value, Port &port, std::string &error) {
  if (!value.is_object() || !value.contains("name") ||
      !value["name"].is_string() || !value.contains("dtype") ||
      !value["dtype"].is_string() || !value.contains("shape") ||
      !value["shape"].is_array()) {
    error = "a port lacks its name, dtype or shape";
    return false;
  }
  port.name = value["name"].get<std::string>();
  std::optional<DType> dtype =
      parseModelDType(value["dtype"].get<std::string>());
  if (!dtype) {
    error = "port '" + port.name + "' has an unknown dtype";
    return false;
  }
  port.dtype = *dtype;
  const json &shape = value["shape"];
  if (shape.size() > MITHRIL_MAX_RANK) {
    error = "port '" + port.name + "' has rank " +
            std::to_string(shape.size()) + ", above the runtime's " +
            std::to_string(MITHRIL_MAX_RANK);
    return false;
  }
  const json *dims = value.contains("dims") && value["dims"].is_array() &&
                             value["dims"].size() == shape.size()
                         ? &value["dims"]
                         : nullptr;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i].is_null())
      port.shape.push_back(-1);
    else if (shape[i].is_number_integer() && shape[i].get<int64_t>() >= 0)
      port.shape.push_back(shape[i].get<int64_t>());
    else {
      error = "port '" + port.name + "' has an invalid dim";
      return false;
    }
    port.symbols.push_back(dims && (*dims)[i].is_string()
                               ? (*dims)[i].get<std::string>()
                               : std::string());
  }
  if (value.contains("initial")) {
    if (!value["initial"].is_number()) {
      error = "port '" + port.name + "' has an invalid initial value";
      return false;
    }
    port.initialValue = value["initial"].get<double>();
  }
  if (value.contains("model_dtype")) {
    std::optional<DType> modelDtype =
        value["model_dtype"].is_string()
            ? parseModelDType(value["model_dtype"].get<std::string>())
            : std::nullopt;
    if (!modelDtype) {
      error = "port '" + port.name + "' has an unknown model_dtype";
      return false;
    }
    port.modelDtype = *modelDtype;
  }
  if (value.contains("quantized_axis")) {
    const json &axis = value["quantized_axis"];
    if (!axis.is_number_integer() || axis.get<int64_t>() < 0 ||
        axis.get<int64_t>() >= int64_t(port.shape.size())) {
      error = "port '" + port.name + "' has an invalid quantized_axis";
      return false;
    }
    port.quantizedAxis = axis.get<int64_t>();
  }
  if (value.contains("scale_of")) {
    if (!value["scale_of"].is_string()) {
      error = "port '" + port.name + "' has an invalid scale_of";
      return false;
    }
    port.scaleOf = value["scale_of"].get<std::string>();
  }
  return true;
}

bool parsePorts(const json &entry, const char *key, std::vector<Port> &ports,
                std::string &error) {
  if (!entry.contains(key))
    return true;
  if (!entry[key].is_array()) {
    error = std::string("'") + key + "' is not a list";
    return false;
  }
  for (const json &value : entry[key]) {
    ports.emplace_back();
    if (!parsePort(value, ports.back(), error))
      return false;
  }
  return true;
}

} // namespace

std::string formatShape(const int64_t *shape, size_t rank) {
  std::string text = "[";
  for (size_t i = 0; i < rank; ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string Port::describeShape() const {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    text += i ? "," : "";
    if (shape[i] >= 0)
      text += std::to_string(shape[i]);
    else
      text += symbols[i].empty() ? "?" : symbols[i];
  }
  return text + "]";
}

const Port *Entry::findParameter(const std::string &name) const {
  for (const Port &port : parameters)
    if (port.name == name)
      return &port;
  return nullptr;
}

Entry *Signature::findEntry(const std::string &name) {
  for (Entry &entry : entries)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

int64_t Port::numElements() const {
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return -1;
    count *= dim;
  }
  return count;
}

int64_t Signature::parameterBytes() const {
  std::set<std::string> seen;
  int64_t bytes = 0;
  for (const Entry &entry : entries)
    for (const Port &parameter : entry.parameters)
      if (!parameter.initialValue && seen.insert(parameter.name).second &&
          parameter.numElements() > 0)
        bytes += parameter.numElements() * int64_t(dtypeSize(parameter.dtype));
  return bytes;
}

namespace {

nlohmann::ordered_json printPorts(const std::vector<Port> &ports) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Port &port : ports) {
    nlohmann::ordered_json shape = nlohmann::ordered_json::array();
    nlohmann::ordered_json dims = nlohmann::ordered_json::array();
    for (size_t i = 0; i < port.shape.size(); ++i) {
      nlohmann::ordered_json size = port.shape[i] < 0
                                        ? nlohmann::ordered_json(nullptr)
                                        : nlohmann::ordered_json(port.shape[i]);
      shape.push_back(size);
      dims.push_back(port.symbols[i].empty()
                         ? size
                         : nlohmann::ordered_json(port.symbols[i]));
    }
    list.push_back({{"name", port.name},
                    {"dtype", std::string(modelDTypeName(port.dtype))},
                    {"shape", shape},
                    {"dims", dims}});
    if (port.initialValue)
      list.back()["initial"] = *port.initialValue;
    if (port.modelDtype)
      list.back()["model_dtype"] =
          std::string(modelDTypeName(*port.modelDtype));
    if (port.quantizedAxis)
      list.back()["quantized_axis"] = *port.quantizedAxis;
    if (!port.scaleOf.empty())
      list.back()["scale_of"] = port.scaleOf;
  }
  return list;
}

nlohmann::ordered_json printPrepared(const std::vector<Prepared> &prepared) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const Prepared &one : prepared)
    list.push_back({{"parameter", one.parameter},
                    {"shape", one.shape},
                    {"permutation", one.permutation}});
  return list;
}

/// Reads the "shape" of a prepared parameter: positive sizes holding as
/// many elements as `parameter`. Absent: the parameter's own shape.
bool parsePreparedShape(const json &item, const Port &parameter,
                        Prepared &prepared) {
  if (!item.contains("shape")) {
    prepared.shape = parameter.shape;
    return true;
  }
  if (!item["shape"].is_array())
    return false;
  int64_t elements = 1;
  for (const json &size : item["shape"]) {
    // Bounded as the parameter is (2^40 elements), so it cannot overflow.
    if (!size.is_number_integer() || size.get<int64_t>() <= 0 ||
        size.get<int64_t>() > (int64_t(1) << 40) / elements)
      return false;
    elements *= size.get<int64_t>();
    prepared.shape.push_back(size.get<int64_t>());
  }
  return elements == parameter.numElements();
}

/// Reads the optional "prepared" list of `entry`: each names one of its
/// parameters, views it with a shape and permutes its dims.
bool parsePrepared(const json &value, Entry &entry, std::string &error) {
  if (!value.contains("prepared"))
    return true;
  if (!value["prepared"].is_array()) {
    error = "'prepared' is not a list";
    return false;
  }
  for (const json &item : value["prepared"]) {
    Prepared prepared;
    const Port *parameter = nullptr;
    if (item.is_object() && item.contains("parameter") &&
        item["parameter"].is_string()) {
      prepared.parameter = item["parameter"].get<std::string>();
      parameter = entry.findParameter(prepared.parameter);
    }
    if (!parameter) {
      error = "a prepared parameter names no parameter of the entry";
      return false;
    }
    if (!parsePreparedShape(item, *parameter, prepared)) {
      error = "prepared '" + prepared.parameter +
              "' has no shape of the parameter's elements";
      return false;
    }
    std::vector<bool> seen(prepared.shape.size(), false);
    bool listed = item.contains("permutation") &&
                  item["permutation"].is_array() &&
                  item["permutation"].size() == seen.size();
    if (listed)
      for (const json &dim : item["permutation"]) {
        if (!dim.is_number_integer() || dim.get<int64_t>() < 0 ||
            dim.get<uint64_t>() >= seen.size() || seen[dim.get<size_t>()])
          break;
        seen[dim.get<size_t>()] = true;
        prepared.permutation.push_back(dim.get<int64_t>());
      }
    if (!listed || prepared.permutation.size() != seen.size()) {
      error = "prepared '" + prepared.parameter +
              "' has no permutation of its dims";
      return false;
    }
    entry.prepared.push_back(std::move(prepared));
  }
  return true;
}

/// Checks that each quantized parameter of `entry` is int8 with an f32
/// model dtype and has its scale, `<name>.scale`: f32, one per output
/// channel, marked as its scale; and that each scale scales one.
bool checkQuantized(const Entry &entry, std::string &error) {
  for (const Port &port : entry.parameters) {
    if (!port.scaleOf.empty()) {
      const Port *scaled = entry.findParameter(port.scaleOf);
      if (!scaled || !scaled->quantizedAxis) {
        error = "scale '" + port.name + "' scales no quantized parameter";
        return false;
      }
    }
    if (!port.quantizedAxis)
      continue;
    const Port *scale = entry.findParameter(port.name + ".scale");
    if (port.dtype != DType::I8 || port.modelDtype != DType::F32 || !scale ||
        scale->scaleOf != port.name || scale->dtype != DType::F32 ||
        scale->shape !=
            std::vector<int64_t>{port.shape[size_t(*port.quantizedAxis)]}) {
      error = "quantized parameter '" + port.name +
              "' is not int8 from f32 with an f32 scale per channel";
      return false;
    }
  }
  return true;
}

/// Reads the optional "updates" of `entry`: names of its parameters.
bool parseUpdates(const json &value, Entry &entry, std::string &error) {
  if (!value.contains("updates"))
    return true;
  if (!value["updates"].is_array()) {
    error = "'updates' is not a list";
    return false;
  }
  for (const json &name : value["updates"]) {
    if (!name.is_string() || !entry.findParameter(name.get<std::string>())) {
      error = "an update names no parameter of the entry";
      return false;
    }
    entry.updates.push_back(name.get<std::string>());
  }
  return true;
}

/// Reads the optional non-negative integer `key` of `object` into `out`;
/// false if it is there but no such integer.
bool readCount(const json &object, const char *key, int64_t &out) {
  if (!object.contains(key))
    return true;
  const json &value = object[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 0)
    return false;
  out = value.get<int64_t>();
  return true;
}

} // namespace

std::string printSignature(const Signature &signature) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const Entry &entry : signature.entries) {
    entries.push_back({{"name", entry.name},
                       {"inputs", printPorts(entry.inputs)},
                       {"outputs", printPorts(entry.outputs)},
                       {"parameters", printPorts(entry.parameters)},
                       {"prepared", printPrepared(entry.prepared)},
                       {"arena_bytes", entry.arenaBytes}});
    if (!entry.updates.empty())
      entries.back()["updates"] = entry.updates;
  }
  return nlohmann::ordered_json{{"entries", entries},
                                {"threads", signature.threads}}
      .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

bool parseSignature(const char *text, Signature &signature,
                    std::string &error) {
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object() || !root.contains("entries") ||
      !root["entries"].is_array()) {
    error = "the library's signature is not valid JSON with 'entries'";
    return false;
  }
  for (const json &value : root["entries"]) {
    Entry entry;
    if (!value.is_object() || !value.contains("name") ||
        !value["name"].is_string()) {
      error = "an entry of the library's signature has no name";
      return false;
    }
    entry.name = value["name"].get<std::string>();
    if (!parsePorts(value, "inputs", entry.inputs, error) ||
        !parsePorts(value, "outputs", entry.outputs, error) ||
        !parsePorts(value, "parameters", entry.parameters, error)) {
      error = "entry '" + entry.name + "': " + error;
      return false;
    }
    if (!parsePrepared(value, entry, error) || !checkQuantized(entry, error)) {
      error = "entry '" + entry.name + "': " + error;
      return false;
    }
    if (!parseUpdates(value, entry, error)) {
      error = "entry '" + entry.name + "': " + error;
      return false;
    }
    if (!readCount(value, "arena_bytes", entry.arenaBytes)) {
      error = "entry '" + entry.name + "': 'arena_bytes' is not a count";
      return false;
    }
    signature.entries.push_back(std::move(entry));
  }
  if (!readCount(root, "threads", signature.threads)) {
    error = "the library's 'threads' is not a count";
    return false;
  }
  return true;
}

} // namespace mithril::runtime
