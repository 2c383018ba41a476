//===- SymbolicSize.h - Sizes known at import time ---------------*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Exporters compute shapes inside the graph (Shape, Gather, Mul, Concat,
// then Reshape). With a dynamic batch those computations involve sizes
// known only at run time, but as products of the model's dim symbols: the
// importer evaluates them in this small domain and folds them into the
// catalog ops' attributes.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_ONNX_SYMBOLICSIZE_H
#define MITHRIL_LIB_FRONTEND_ONNX_SYMBOLICSIZE_H

#include "mlir/IR/Types.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <string>

namespace mlir::mithril::onnx_import {

/// `factor` times the product of `symbols` (sorted, repeats allowed): the
/// model's dim symbols (`N`), or `?k` for a size nothing names.
struct SymbolicSize {
  int64_t factor = 1;
  SmallVector<std::string, 1> symbols;

  static SymbolicSize constant(int64_t value) { return {value, {}}; }
  static SymbolicSize symbol(StringRef name) { return {1, {name.str()}}; }

  bool isConstant() const { return symbols.empty(); }
  /// Whether this is one symbol that names a model dim (`N`, not `?3`).
  bool isNamedSymbol() const;
  bool operator==(const SymbolicSize &other) const {
    return factor == other.factor && symbols == other.symbols;
  }
  bool operator!=(const SymbolicSize &other) const { return !(*this == other); }
  std::string str() const;
};

/// The results of ONNX's integer arithmetic on sizes; none where the
/// result is not such a product (N + 1, N / 2) or overflows. Division
/// truncates, as ONNX's does on integers.
std::optional<SymbolicSize> add(const SymbolicSize &a, const SymbolicSize &b);
std::optional<SymbolicSize> subtract(const SymbolicSize &a,
                                     const SymbolicSize &b);
std::optional<SymbolicSize> multiply(const SymbolicSize &a,
                                     const SymbolicSize &b);
std::optional<SymbolicSize> divide(const SymbolicSize &a,
                                   const SymbolicSize &b);

/// An integer tensor of rank 0 or 1 whose elements are known at import time
/// (a shape, an index, a size).
struct KnownInts {
  Type elementType;
  bool scalar = false;
  SmallVector<SymbolicSize> elements;

  /// The elements, if each is a constant.
  std::optional<SmallVector<int64_t>> constants() const;
};

} // namespace mlir::mithril::onnx_import

#endif // MITHRIL_LIB_FRONTEND_ONNX_SYMBOLICSIZE_H
