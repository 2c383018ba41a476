//===- ConvolutionsToMatmuls.cpp - im2col for convolution generics --------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Convolutions become an im2col copy and a matmul, so that they run on the
// tiled, vectorised matmul code. Upstream's rewriteInIm2Col takes named
// convolution ops; ours are generics over grouped tensors (loops n, g, oc,
// o..., ic, k...), whose window map is reused as it is.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Passes.h"
#include "mithril/Codegen/Tiling.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_CONVOLUTIONSTOMATMULS
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The shape of a convolution generic: `spatial` output and kernel dims.
struct Convolution {
  linalg::GenericOp op;
  int64_t spatial;
};

/// Whether `op`'s body is `out + in0 * in1` on floats. (Upstream's
/// isaContractionOpInterface also wants projected-permutation maps, which a
/// convolution's window is not.)
bool hasMultiplyAddBody(linalg::GenericOp op) {
  return linalg::detail::isContractionBody(
      *op.getBlock(), [](Operation *multiply, Operation *add) {
        return isa<arith::MulFOp>(multiply) && isa<arith::AddFOp>(add);
      });
}

/// `op` if it is a one-group convolution of floats as the conversion from
/// mithril writes it: input and weight of one type, summed in it or in a
/// wider one (f16/bf16 into f32); or int8 weights read widened
/// (`--quantize`).
std::optional<Convolution> matchConvolution(linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops != 6 && loops != 8)
    return std::nullopt;
  int64_t spatial = (loops - 4) / 2;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !hasMultiplyAddBody(op))
    return std::nullopt;
  auto types = op->getOperandTypes();
  auto element = dyn_cast<FloatType>(getElementTypeOrSelf(types[0]));
  auto sum = dyn_cast<FloatType>(getElementTypeOrSelf(types[2]));
  Type weightElement = getElementTypeOrSelf(types[1]);
  if (!element || !sum || sum.getWidth() < element.getWidth() ||
      (weightElement != element && !weightElement.isSignlessInteger(8)))
    return std::nullopt;
  for (auto [i, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((iterator == utils::IteratorType::reduction) !=
        (int64_t(i) >= 3 + spatial))
      return std::nullopt;
  MLIRContext *context = op.getContext();
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };
  unsigned ic = 3 + spatial;
  SmallVector<AffineExpr> weight = {dim(1), dim(2), dim(ic)};
  SmallVector<AffineExpr> out = {dim(0), dim(1), dim(2)};
  for (int64_t i = 0; i < spatial; ++i) {
    weight.push_back(dim(ic + 1 + i));
    out.push_back(dim(3 + i));
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  AffineMap input = maps[0];
  if (maps[1] != AffineMap::get(loops, 0, weight, context) ||
      maps[2] != AffineMap::get(loops, 0, out, context) ||
      input.getNumResults() != 3 + spatial || input.getResult(0) != dim(0) ||
      input.getResult(1) != dim(1) || input.getResult(2) != dim(ic) ||
      input.isFunctionOfDim(2))
    return std::nullopt;
  // One group: the weight's first dim.
  if (cast<ShapedType>(types[1]).getDimSize(0) != 1)
    return std::nullopt;
  return Convolution{op, spatial};
}

/// The im2col rewrite of one convolution: `weight [OC, IC*K...]` times
/// `cols [IC*K..., N*O...]`, so that neither operand is transposed and the
/// product's rows are output channels, as in the NCHW output.
void rewrite(RewriterBase &rewriter, const Convolution &conv) {
  linalg::GenericOp op = conv.op;
  int64_t s = conv.spatial;
  MLIRContext *context = op.getContext();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value input = op.getDpsInputs()[0], weight = op.getDpsInputs()[1];
  Value init = op.getDpsInits()[0];
  auto weightType = cast<RankedTensorType>(weight.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  // The columns keep the input's type; the product sums in the output's.
  Type element = outType.getElementType();
  Type columnType = getElementTypeOrSelf(input.getType());
  auto dim = [&](unsigned i) { return getAffineDimExpr(i, context); };

  // cols[g, ic, k..., n, o...] = input[window]: the convolution's window
  // map with its loops renumbered (oc, which it does not use, dropped).
  unsigned colLoops = 3 + 2 * s, ic = 3 + s;
  SmallVector<AffineExpr> renumber(op.getNumLoops());
  renumber[0] = dim(2 + s);
  renumber[1] = dim(0);
  renumber[2] = getAffineConstantExpr(0, context);
  for (int64_t i = 0; i < s; ++i) {
    renumber[3 + i] = dim(3 + s + i);
    renumber[ic + 1 + i] = dim(2 + i);
  }
  renumber[ic] = dim(1);
  AffineMap window = op.getIndexingMapsArray()[0].replaceDimsAndSymbols(
      renumber, {}, colLoops, 0);
  SmallVector<OpFoldResult> outSizes =
      tensor::getMixedSizes(rewriter, loc, init);
  SmallVector<OpFoldResult> colSizes = {
      outSizes[1], rewriter.getIndexAttr(weightType.getDimSize(2))};
  for (int64_t i = 0; i < s; ++i)
    colSizes.push_back(rewriter.getIndexAttr(weightType.getDimSize(3 + i)));
  colSizes.push_back(outSizes[0]);
  for (int64_t i = 0; i < s; ++i)
    colSizes.push_back(outSizes[3 + i]);
  Value colInit = tensor::EmptyOp::create(rewriter, loc, colSizes, columnType);
  Value cols = parallelGeneric(
      rewriter, loc, colInit.getType(), ValueRange{input}, colInit,
      {window, AffineMap::getMultiDimIdentityMap(colLoops, context)},
      [](OpBuilder &, Location, ValueRange args) { return args[0]; });

  // [1*OC, IC*K...] x [1*IC*K..., N*O...].
  ReassociationIndices depth = {0, 1}, columns;
  for (int64_t i = 0; i < s; ++i)
    depth.push_back(2 + i);
  for (int64_t i = 0; i <= s; ++i)
    columns.push_back(2 + s + i);
  Value rhs = tensor::CollapseShapeOp::create(
      rewriter, loc, cols, SmallVector<ReassociationIndices>{depth, columns});
  ReassociationIndices filterDepth;
  for (int64_t i = 0; i <= s; ++i)
    filterDepth.push_back(2 + i);
  Value lhs = tensor::CollapseShapeOp::create(
      rewriter, loc, weight,
      SmallVector<ReassociationIndices>{{0, 1}, filterDepth});
  SmallVector<OpFoldResult> productSizes = {
      rewriter.getIndexAttr(weightType.getDimSize(1)),
      tensor::getMixedSize(rewriter, loc, rhs, 1)};
  Value zero = arith::ConstantOp::create(rewriter, loc, element,
                                         rewriter.getZeroAttr(element));
  Value product =
      linalg::MatmulOp::create(
          rewriter, loc, ValueRange{lhs, rhs},
          ValueRange{
              linalg::FillOp::create(
                  rewriter, loc, zero,
                  tensor::EmptyOp::create(rewriter, loc, productSizes, element)
                      .getResult())
                  .getResult(0)})
          .getResult(0);

  // [OC, N, O...], added to the initial value (the bias) in the output's
  // layout [N, 1, OC, O...].
  SmallVector<OpFoldResult> expandedSizes = {outSizes[2], outSizes[0]};
  for (int64_t i = 0; i < s; ++i)
    expandedSizes.push_back(outSizes[3 + i]);
  SmallVector<int64_t> expandedShape;
  SmallVector<Value> dynamicSizes;
  dispatchIndexOpFoldResults(expandedSizes, dynamicSizes, expandedShape);
  ReassociationIndices spread = {1};
  for (int64_t i = 0; i < s; ++i)
    spread.push_back(2 + i);
  Value expanded = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get(expandedShape, element), product,
      SmallVector<ReassociationIndices>{{0}, spread}, expandedSizes);
  unsigned outLoops = 3 + s;
  SmallVector<AffineExpr> fromProduct = {dim(2), dim(0)};
  for (int64_t i = 0; i < s; ++i)
    fromProduct.push_back(dim(3 + i));
  Value result =
      parallelGeneric(rewriter, loc, outType, ValueRange{expanded}, init,
                      {AffineMap::get(outLoops, 0, fromProduct, context),
                       AffineMap::getMultiDimIdentityMap(outLoops, context)},
                      [](OpBuilder &b, Location l, ValueRange args) -> Value {
                        return arith::AddFOp::create(b, l, args[1], args[0]);
                      });
  rewriter.replaceOp(op, result);
}

struct ConvolutionsToMatmulsPass
    : mlir::mithril::impl::ConvolutionsToMatmulsBase<
          ConvolutionsToMatmulsPass> {
  void runOnOperation() override {
    SmallVector<Convolution> convolutions;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<Convolution> conv = matchConvolution(op))
        convolutions.push_back(*conv);
    });
    IRRewriter rewriter(&getContext());
    for (const Convolution &conv : convolutions)
      rewrite(rewriter, conv);
  }
};

} // namespace
