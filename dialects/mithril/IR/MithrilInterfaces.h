//===- MithrilInterfaces.h - What ops say about themselves ------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_MITHRILINTERFACES_H
#define MITHRIL_IR_MITHRILINTERFACES_H

#include "mithril/IR/MithrilAttributes.h"

#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace mlir::mithril {

/// The arguments of a catalog op by name, as a model file gives them
/// (converted to attributes; no defaults filled in), including those that
/// only decide which parameters exist (`bias`).
using ArgValues = llvm::StringMap<Attribute>;

/// A parameter of one op: its name relative to the node and its shape;
/// `present` is false where the arguments turn it off.
struct ParameterSpec {
  std::string name;
  llvm::SmallVector<int64_t> shape;
  bool present = true;
};

} // namespace mlir::mithril

#include "mithril/IR/MithrilInterfaces.h.inc"

#endif // MITHRIL_IR_MITHRILINTERFACES_H
