//===- ShapeUtils.cpp - Shape arithmetic shared by the mithril ops --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/ShapeUtils.h"

#include "mlir/Dialect/Traits.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::mithril;

std::optional<int64_t> mlir::mithril::normalizeDim(int64_t dim, int64_t rank) {
  if (dim < -rank || dim >= rank)
    return std::nullopt;
  return dim < 0 ? dim + rank : dim;
}

bool mlir::mithril::areCompatibleDims(int64_t lhs, int64_t rhs) {
  return lhs == kDynamic || rhs == kDynamic || lhs == rhs;
}

int64_t mlir::mithril::multiplyDims(int64_t lhs, int64_t rhs) {
  if (lhs == 0 || rhs == 0)
    return 0;
  if (lhs == kDynamic || rhs == kDynamic)
    return kDynamic;
  // A product too large for int64_t is no size MLIR can express: unknown.
  return llvm::checkedMul(lhs, rhs).value_or(kDynamic);
}

std::optional<SmallVector<int64_t>>
mlir::mithril::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  // Upstream's helper implements NumPy's rules with dynamic dims.
  SmallVector<int64_t> result;
  if (!OpTrait::util::getBroadcastedShape(lhs, rhs, result))
    return std::nullopt;
  return result;
}

std::pair<int64_t, int64_t> mlir::mithril::samePadding(int64_t kernel,
                                                       int64_t dilation) {
  int64_t total = dilation * (kernel - 1);
  return {total / 2, total - total / 2};
}

int64_t mlir::mithril::windowOutputSize(int64_t input, int64_t kernel,
                                        int64_t stride, int64_t padBefore,
                                        int64_t padAfter, int64_t dilation) {
  if (input == kDynamic)
    return kDynamic;
  // Attributes may hold any int64_t: a window that cannot be computed
  // without overflow gives no output element, which callers report.
  std::optional<int64_t> padded = llvm::checkedAdd(input, padBefore);
  if (padded)
    padded = llvm::checkedAdd(*padded, padAfter);
  std::optional<int64_t> extent = llvm::checkedMul(dilation, kernel - 1);
  if (!padded || !extent)
    return 0;
  std::optional<int64_t> span = llvm::checkedSub(*padded, *extent);
  if (!span || *span < 1)
    return 0;
  return (*span - 1) / stride + 1;
}

std::optional<SmallVector<int64_t>>
mlir::mithril::matmulShape(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs) {
  if (lhs.empty() || rhs.empty())
    return std::nullopt;
  // A 1-d left operand is a row [1, k], a 1-d right operand a column [k, 1];
  // the added dim is dropped from the result.
  SmallVector<int64_t> left(lhs), right(rhs);
  if (lhs.size() == 1)
    left.insert(left.begin(), 1);
  if (rhs.size() == 1)
    right.push_back(1);
  if (!areCompatibleDims(left.back(), right[right.size() - 2]))
    return std::nullopt;
  auto batch = broadcastShapes(ArrayRef<int64_t>(left).drop_back(2),
                               ArrayRef<int64_t>(right).drop_back(2));
  if (!batch)
    return std::nullopt;
  SmallVector<int64_t> result = std::move(*batch);
  if (lhs.size() != 1)
    result.push_back(left[left.size() - 2]);
  if (rhs.size() != 1)
    result.push_back(right.back());
  return result;
}

int64_t mlir::mithril::sliceSize(int64_t size, int64_t start, int64_t end,
                                 int64_t step) {
  if (size == kDynamic)
    return kDynamic;
  auto clamp = [size](int64_t index) {
    if (index < 0)
      index += size;
    return std::clamp<int64_t>(index, 0, size);
  };
  int64_t first = clamp(start), last = clamp(end);
  if (last <= first)
    return 0;
  return (last - first + step - 1) / step;
}

std::optional<SmallVector<int64_t>>
mlir::mithril::reshapeShape(ArrayRef<int64_t> input, ArrayRef<int64_t> target) {
  if (llvm::count(target, -1) > 1 ||
      llvm::any_of(target, [](int64_t d) { return d < -1 && d != kDynamic; }))
    return std::nullopt;
  int64_t inputCount = 1;
  for (int64_t dim : input)
    inputCount = multiplyDims(inputCount, dim);
  int64_t knownCount = 1;
  for (int64_t dim : target)
    if (dim != -1)
      knownCount = multiplyDims(knownCount, dim);

  SmallVector<int64_t> result(target);
  auto inferred = llvm::find(result, -1);
  if (inputCount == kDynamic || knownCount == kDynamic) {
    // A size is unknown: -1 stays unknown too.
    if (inferred != result.end())
      *inferred = kDynamic;
    return result;
  }
  if (inferred == result.end())
    return inputCount == knownCount ? std::optional(result) : std::nullopt;
  if (knownCount == 0 || inputCount % knownCount != 0)
    return std::nullopt;
  *inferred = inputCount / knownCount;
  return result;
}

SmallVector<int64_t> mlir::mithril::reduceShape(ArrayRef<int64_t> shape,
                                                ArrayRef<int64_t> dims,
                                                bool keepDims) {
  SmallVector<int64_t> result;
  for (auto [i, size] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(dims, static_cast<int64_t>(i)))
      result.push_back(size);
    else if (keepDims)
      result.push_back(1);
  }
  return result;
}

std::string mlir::mithril::formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << '[';
  llvm::interleaveComma(shape, os, [&](int64_t dim) {
    if (dim == kDynamic)
      os << '?';
    else
      os << dim;
  });
  os << ']';
  return text;
}
