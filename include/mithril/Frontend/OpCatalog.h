//===- OpCatalog.h - The op catalog of the model format ---------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The ops a model file may use (model-format.md, "Op catalog, version 1"):
// for each, its ports, its arguments with PyTorch's names, its parameters,
// and the `mithril` op it becomes. The table is generated from the ops'
// ODS records (their `catalog`, see dialects/mithril/IR/MithrilCatalog.td)
// by mithril-tblgen; the importer and the exporter both read it, so the two
// stay inverse to each other.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_OPCATALOG_H
#define MITHRIL_FRONTEND_OPCATALOG_H

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Types.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::mithril {

/// How an argument is written in a model file and held in the IR.
enum class ArgKind {
  Int,          // integer
  PositiveInt,  // integer > 0
  Float,        // number
  Bool,         // true / false
  Choice,       // one of `ArgSpec::choices`
  Sizes,        // positive integer, or list of `ArgSpec::length` of them
  Ints,         // integer or list of integers (of `ArgSpec::length`, if set)
  IntList,      // list of integers
  Padding,      // int, list of ints, "same" or "valid"
  DimList,      // list of integers and symbols (Reshape)
  DType,        // one of the model format's dtypes
  OptionalInts, // null, integer or list of integers (reduction dims)
  OptionalInt,  // null or integer
  OptionalFloat // null or number
};

/// One argument of an op.
struct ArgSpec {
  llvm::StringLiteral name;
  ArgKind kind;
  bool required = false;
  /// For Choice: the allowed values, separated by '|'.
  llvm::StringLiteral choices = "";
  /// For Sizes, Ints and Padding: how many values a list has (an integer
  /// is repeated); 0 for any number.
  unsigned length = 0;
  /// False for arguments that only decide which parameters exist (`bias`).
  bool isAttribute = true;
};

/// One input port of an op.
struct PortSpec {
  llvm::StringLiteral name;
  bool optional = false;
  bool variadic = false; // Concat's `inputs`: a list of keys
};

/// One op of the catalog.
struct OpSpec {
  llvm::StringLiteral name;   // as in a model file: "Conv2d"
  llvm::StringLiteral opName; // the mithril op: "mithril.conv2d"
  llvm::ArrayRef<PortSpec> ports;
  llvm::ArrayRef<ArgSpec> args;
  /// The op's parameters, in operand order (after the ports): its
  /// ParameterizedOpInterface's; null if it has none.
  llvm::SmallVector<ParameterSpec> (*params)(const ArgValues &) = nullptr;
  /// Whether the outputs are `output_0`, `output_1`, ... (Split).
  bool numberedOutputs = false;

  const ArgSpec *findArg(llvm::StringRef argName) const;
  const PortSpec *findPort(llvm::StringRef portName) const;
};

/// The catalog, in the order of model-format.md.
llvm::ArrayRef<OpSpec> getOpCatalog();
/// The op called `name` in a model file, or null.
const OpSpec *lookupOp(llvm::StringRef name);
/// The catalog op that becomes the mithril op `opName`, or null.
const OpSpec *lookupOpByMithrilName(llvm::StringRef opName);

/// A tensor type as a model file writes it, with the symbols of `dims`
/// where given: "[N, 3, 224, 224] f32".
std::string describeTensorType(Type type, ArrayAttr dims = {});

/// `name` in snake_case, as the model format names unnamed nodes:
/// lower-case, and an upper-case letter that follows a lower-case letter or
/// a digit starts a new word (`BatchNorm2d` -> `batch_norm2d`).
std::string toSnakeCase(llvm::StringRef name);

/// The closest of `candidates` to `name`, if close enough to suggest.
std::optional<std::string>
closestName(llvm::StringRef name, llvm::ArrayRef<llvm::StringRef> candidates);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_OPCATALOG_H
