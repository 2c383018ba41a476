//===- Tiling.h - Tiling and vectorising linalg ops -------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_TILING_H
#define MITHRIL_CODEGEN_TILING_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::mithril {

/// Tiles `op` by `sizes` (0: not tiled) and replaces it (on tensors or on
/// buffers); the tiled op, or failure. The loops are scf.for, or with
/// `parallel` one scf.forall (tensors) or scf.parallel (buffers) over the
/// tiled dims, which must then be parallel ones.
FailureOr<linalg::LinalgOp> tileWithLoops(RewriterBase &rewriter,
                                          linalg::LinalgOp op,
                                          ArrayRef<int64_t> sizes,
                                          bool parallel = false);

/// Whether `op` is a copy: an all-parallel `linalg.generic` yielding its one
/// input into its identity-mapped init (however the input is indexed: an
/// im2col's window map, say), on tensors or on buffers.
bool isCopyGeneric(linalg::LinalgOp op);

/// A `linalg.generic` of all-parallel loops (as many as `maps` have dims)
/// from `inputs` into `init`, of type `type`, each element `body`.
Value parallelGeneric(
    OpBuilder &b, Location loc, Type type, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// Vectorises `op` with `vectorSizes` (masked where a tile is partial) and
/// replaces it; failure leaves it as it is.
LogicalResult vectorizeWithMasks(RewriterBase &rewriter, linalg::LinalgOp op,
                                 ArrayRef<int64_t> vectorSizes);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_TILING_H
