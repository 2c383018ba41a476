//===- Passes.h - Conversions out of the mithril dialect --------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CONVERSION_PASSES_H
#define MITHRIL_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace mlir::mithril {

#define GEN_PASS_DECL
#include "mithril/Conversion/Passes.h.inc"

/// Patterns that lower mithril's elementwise ops (activations, unary math,
/// arithmetic, comparisons, where, cast) and constants to linalg.
void populateElementwiseToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that lower `mithril.matmul` and `mithril.linear` to linalg
/// contractions.
void populateMatmulToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that lower the reductions, softmax and the losses to linalg.
void populateReductionsToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that lower batch, layer, RMS and group norms to linalg.
void populateNormalizationToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that lower the shape and data-movement ops to tensor and
/// linalg.
void populateShapeToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that lower convolutions and pooling to linalg.
void populateConvPoolToLinalgPatterns(RewritePatternSet &patterns);

/// `mithril.interpolate` as a generic that gathers with tensor.extract.
void populateInterpolateToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that rewrite the attention ops into the mithril ops they are
/// made of (lowered by the patterns above).
void populateAttentionToLinalgPatterns(RewritePatternSet &patterns);

/// Patterns that lower the ops gradients build (MithrilGradientOps.td);
/// the adjoints of convolution and pooling come with their forward ops.
void populateGradientsToLinalgPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "mithril/Conversion/Passes.h.inc"

} // namespace mlir::mithril

#endif // MITHRIL_CONVERSION_PASSES_H
