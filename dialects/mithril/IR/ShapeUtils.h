//===- ShapeUtils.h - Shape arithmetic shared by the mithril ops -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Pure functions over shapes (`int64_t` dims, `kDynamic` for `?`) that the
// ops' type inference is built from. They know PyTorch's rules (negative
// dims, NumPy broadcasting, window sizes, matmul, reshape with -1, Python
// slicing) and keep a dim dynamic whenever its size depends on one.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_SHAPEUTILS_H
#define MITHRIL_IR_SHAPEUTILS_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <utility>

namespace mlir::mithril {

/// The size of a dynamic dimension (`?`).
inline constexpr int64_t kDynamic = ShapedType::kDynamic;

/// Maps a PyTorch dim in `[-rank, rank)` to `[0, rank)`; nullopt when out of
/// range.
std::optional<int64_t> normalizeDim(int64_t dim, int64_t rank);

/// Whether two dims can be the same size: equal, or either is dynamic.
bool areCompatibleDims(int64_t lhs, int64_t rhs);

/// The product of two dims; dynamic if either is (unless the other is 0).
int64_t multiplyDims(int64_t lhs, int64_t rhs);

/// The shape two shapes broadcast to under NumPy's rules, or nullopt if they
/// do not broadcast. A dynamic dim against a static one > 1 takes the static
/// size; against 1 or another dynamic dim it stays dynamic.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// The padding `(before, after)` of PyTorch's `padding="same"` for one
/// spatial dim (stride 1): `dilation * (kernel - 1)` split with the extra
/// element after.
std::pair<int64_t, int64_t> samePadding(int64_t kernel, int64_t dilation);

/// The output size of a convolution or pooling window along one dim:
/// `floor((input + before + after - dilation * (kernel - 1) - 1) / stride) +
/// 1`. Dynamic if `input` is; may be <= 0, which callers report.
int64_t windowOutputSize(int64_t input, int64_t kernel, int64_t stride,
                         int64_t padBefore, int64_t padAfter,
                         int64_t dilation = 1);

/// The result shape of `torch.matmul` on operands of these shapes, or nullopt
/// if the contracting dims differ or the batch dims do not broadcast. Both
/// operands have rank >= 1.
std::optional<llvm::SmallVector<int64_t>>
matmulShape(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// The number of elements `x[start:end:step]` has along a dim of `size`,
/// with Python's clamping of negative and out-of-range bounds; dynamic when
/// `size` is. `step` > 0.
int64_t sliceSize(int64_t size, int64_t start, int64_t end, int64_t step);

/// The result of reshaping `input` to `target`, whose entries are sizes,
/// `kDynamic` (a symbolic size) or at most one -1 (the size that keeps the
/// element count). Nullopt if the element counts cannot match.
std::optional<llvm::SmallVector<int64_t>>
reshapeShape(llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> target);

/// `shape` without the dims in `dims` (normalised, unique), or with them set
/// to 1 when `keepDims`.
llvm::SmallVector<int64_t> reduceShape(llvm::ArrayRef<int64_t> shape,
                                       llvm::ArrayRef<int64_t> dims,
                                       bool keepDims);

/// A shape as diagnostics print it: `[?, 3, 224, 224]`.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace mlir::mithril

#endif // MITHRIL_IR_SHAPEUTILS_H
