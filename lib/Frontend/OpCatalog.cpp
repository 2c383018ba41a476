//===- OpCatalog.cpp - The op catalog of the model format -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/OpCatalog.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"

#include <cctype>

using namespace mlir;
using namespace mlir::mithril;

//===----------------------------------------------------------------------===//
// The catalog: generated from the ops' `catalog` entries (MithrilCatalog.td)
//===----------------------------------------------------------------------===//

namespace {
#include "OpCatalog.inc"
} // namespace

ArrayRef<OpSpec> mlir::mithril::getOpCatalog() { return kCatalog; }

const OpSpec *mlir::mithril::lookupOp(StringRef name) {
  for (const OpSpec &spec : kCatalog)
    if (spec.name == name)
      return &spec;
  return nullptr;
}

const OpSpec *mlir::mithril::lookupOpByMithrilName(StringRef opName) {
  for (const OpSpec &spec : kCatalog)
    if (spec.opName == opName)
      return &spec;
  return nullptr;
}

const ArgSpec *OpSpec::findArg(StringRef argName) const {
  for (const ArgSpec &arg : args)
    if (arg.name == argName)
      return &arg;
  return nullptr;
}

const PortSpec *OpSpec::findPort(StringRef portName) const {
  for (const PortSpec &port : ports)
    if (port.name == portName)
      return &port;
  return nullptr;
}

std::string mlir::mithril::describeTensorType(Type type, ArrayAttr dims) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return "a non-tensor";
  std::string text = "[";
  for (auto [d, size] : llvm::enumerate(tensor.getShape())) {
    if (d > 0)
      text += ", ";
    if (dims && d < dims.size() && isa<StringAttr>(dims[d]))
      text += cast<StringAttr>(dims[d]).getValue().str();
    else
      text += size == ShapedType::kDynamic ? "?" : std::to_string(size);
  }
  return text + "] " +
         getDTypeName(tensor.getElementType()).value_or("(unknown dtype)");
}

std::string mlir::mithril::toSnakeCase(StringRef name) {
  std::string snake;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool startsWord = i > 0 && std::isupper(static_cast<unsigned char>(c)) &&
                      (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                       std::isdigit(static_cast<unsigned char>(name[i - 1])));
    if (startsWord)
      snake += '_';
    snake += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return snake;
}

std::optional<std::string>
mlir::mithril::closestName(StringRef name, ArrayRef<StringRef> candidates) {
  std::optional<std::string> best;
  unsigned bestDistance = std::max<unsigned>(2, name.size() / 3) + 1;
  for (StringRef candidate : candidates) {
    unsigned distance = name.edit_distance_insensitive(candidate);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate.str();
    }
  }
  return best;
}
