//===- SymbolicSize.cpp - Sizes known at import time ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "SymbolicSize.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mithril::onnx_import;

bool SymbolicSize::isNamedSymbol() const {
  return factor == 1 && symbols.size() == 1 && !symbols.front().empty() &&
         symbols.front().front() != '?';
}

std::string SymbolicSize::str() const {
  std::string text =
      factor == 1 && !symbols.empty() ? "" : std::to_string(factor);
  for (const std::string &symbol : symbols)
    text += (text.empty() ? "" : "*") + symbol;
  return text;
}

std::optional<SymbolicSize>
mlir::mithril::onnx_import::add(const SymbolicSize &a, const SymbolicSize &b) {
  int64_t sum;
  if (a.symbols != b.symbols || llvm::AddOverflow(a.factor, b.factor, sum))
    return std::nullopt;
  if (sum == 0)
    return SymbolicSize::constant(0);
  return SymbolicSize{sum, a.symbols};
}

std::optional<SymbolicSize>
mlir::mithril::onnx_import::subtract(const SymbolicSize &a,
                                     const SymbolicSize &b) {
  if (b.factor == std::numeric_limits<int64_t>::min())
    return std::nullopt;
  return add(a, SymbolicSize{-b.factor, b.symbols});
}

std::optional<SymbolicSize>
mlir::mithril::onnx_import::multiply(const SymbolicSize &a,
                                     const SymbolicSize &b) {
  int64_t product;
  if (llvm::MulOverflow(a.factor, b.factor, product))
    return std::nullopt;
  if (product == 0)
    return SymbolicSize::constant(0);
  SymbolicSize result{product, a.symbols};
  llvm::append_range(result.symbols, b.symbols);
  llvm::sort(result.symbols);
  return result;
}

std::optional<SymbolicSize>
mlir::mithril::onnx_import::divide(const SymbolicSize &a,
                                   const SymbolicSize &b) {
  if (b.factor == 0 || (b.factor == -1 && a.factor == INT64_MIN))
    return std::nullopt;
  if (a.isConstant() && b.isConstant())
    return SymbolicSize::constant(a.factor / b.factor);
  // A symbolic quotient must be exact: b's symbols among a's, and b's
  // factor dividing a's.
  if (a.factor % b.factor != 0)
    return std::nullopt;
  SymbolicSize result{a.factor / b.factor, a.symbols};
  for (const std::string &symbol : b.symbols) {
    auto *found = llvm::find(result.symbols, symbol);
    if (found == result.symbols.end())
      return std::nullopt;
    result.symbols.erase(found);
  }
  return result;
}

std::optional<SmallVector<int64_t>> KnownInts::constants() const {
  SmallVector<int64_t> values;
  for (const SymbolicSize &element : elements) {
    if (!element.isConstant())
      return std::nullopt;
    values.push_back(element.factor);
  }
  return values;
}
