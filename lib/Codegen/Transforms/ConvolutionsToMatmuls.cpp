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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

#include "llvm/ADT/SmallBitVector.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_CONVOLUTIONSTOMATMULS
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

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
/// mithril writes it.
std::optional<Convolution> matchConvolution(linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops != 6 && loops != 8)
    return std::nullopt;
  int64_t spatial = (loops - 4) / 2;
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !hasMultiplyAddBody(op))
    return std::nullopt;
  auto types = op->getOperandTypes();
  Type element = getElementTypeOrSelf(types[0]);
  if (!isa<FloatType>(element) || getElementTypeOrSelf(types[1]) != element ||
      getElementTypeOrSelf(types[2]) != element)
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

/// A generic over `loops` parallel dims with one body.
Value parallelGeneric(
    OpBuilder &b, Location loc, Type type, ValueRange inputs, Value init,
    ArrayRef<AffineMap> maps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  unsigned loops = maps.front().getNumDims();
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(loops,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
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
  Type element = outType.getElementType();
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
  Value colInit = tensor::EmptyOp::create(rewriter, loc, colSizes, element);
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

//===----------------------------------------------------------------------===//
// Window copies as one strided copy per kernel offset
//===----------------------------------------------------------------------===//

/// `coefficient * d<loop>`, a term of an affine sum.
struct Term {
  unsigned loop;
  int64_t coefficient;
};

/// The terms of `expr` if it is a sum of loops times positive constants.
std::optional<SmallVector<Term>> linearTerms(AffineExpr expr) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr))
    return SmallVector<Term>{{dim.getPosition(), 1}};
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  if (binary.getKind() == AffineExprKind::Mul) {
    auto dim = dyn_cast<AffineDimExpr>(binary.getLHS());
    auto constant = dyn_cast<AffineConstantExpr>(binary.getRHS());
    if (!dim || !constant || constant.getValue() <= 0)
      return std::nullopt;
    return SmallVector<Term>{{dim.getPosition(), constant.getValue()}};
  }
  if (binary.getKind() != AffineExprKind::Add)
    return std::nullopt;
  std::optional<SmallVector<Term>> lhs = linearTerms(binary.getLHS());
  std::optional<SmallVector<Term>> rhs = linearTerms(binary.getRHS());
  if (!lhs || !rhs)
    return std::nullopt;
  llvm::append_range(*lhs, *rhs);
  return lhs;
}

/// The most kernel offsets a window copy is split into (an 11 x 11 kernel).
constexpr int64_t kMaxWindowOffsets = 121;

/// A copy through a window, as an im2col writes it: an all-parallel generic
/// on tensors yielding its one input into its identity-mapped init, the
/// input indexed by constants, loops times strides, and sums of two such
/// (`o * stride + k * dilation`). Of each sum, the loop of smaller static
/// extent (the kernel's) is `enumerated`: for each value of these loops the
/// copy is a strided slice of the input, copied along the other loops.
struct WindowCopy {
  linalg::GenericOp op;
  SmallVector<unsigned> enumerated;
};

std::optional<WindowCopy> matchWindowCopy(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.getIndexingMapsArray()[1].isIdentity())
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  if (yield.getValues() != ValueRange{op.getBlock()->getArgument(0)})
    return std::nullopt;
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  WindowCopy copy{op, {}};
  llvm::SmallBitVector seen(op.getNumLoops());
  int64_t offsets = 1;
  for (AffineExpr result : op.getIndexingMapsArray()[0].getResults()) {
    if (isa<AffineConstantExpr>(result))
      continue;
    std::optional<SmallVector<Term>> terms = linearTerms(result);
    if (!terms || terms->size() > 2)
      return std::nullopt;
    for (const Term &term : *terms) {
      if (seen.test(term.loop))
        return std::nullopt;
      seen.set(term.loop);
    }
    if (terms->size() == 1)
      continue;
    auto extent = [&](const Term &term) { return extents[term.loop]; };
    const Term *kernel = &(*terms)[1];
    if (ShapedType::isDynamic(extent(*kernel)) ||
        (!ShapedType::isDynamic(extent((*terms)[0])) &&
         extent((*terms)[0]) < extent(*kernel)))
      kernel = &(*terms)[0];
    if (ShapedType::isDynamic(extent(*kernel)))
      return std::nullopt;
    copy.enumerated.push_back(kernel->loop);
    offsets *= extent(*kernel);
  }
  if (copy.enumerated.empty() || offsets > kMaxWindowOffsets)
    return std::nullopt;
  return copy;
}

/// One window copy as a strided copy per kernel offset, each into its slice
/// of the result: each reads rows along the innermost loop, which the code
/// generator vectorises and splits across threads (the window copy itself,
/// whose maps are no projected permutations, became serial scalar loops:
/// in a ResNet-18 train step, 78 M elements a step).
void splitByKernelOffset(RewriterBase &rewriter, const WindowCopy &copy) {
  linalg::GenericOp op = copy.op;
  MLIRContext *context = op.getContext();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  unsigned loops = op.getNumLoops();
  SmallVector<int64_t> extents = op.getStaticLoopRanges();
  SmallVector<Range> ranges =
      cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(rewriter, loc);
  // Each slice keeps the enumerated dims, of extent 1: dropping them would
  // make its view's rank reduction ambiguous where strides are dynamic
  // (upstream then drops the wrong unit dims).
  SmallVector<int64_t> sliceShape(extents);
  for (unsigned loop : copy.enumerated)
    sliceShape[loop] = 1;
  Value input = op.getDpsInputs()[0];
  Value result = op.getDpsInits()[0];
  auto sliceType =
      RankedTensorType::get(sliceShape, getElementTypeOrSelf(result.getType()));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(loops, context);
  int64_t offsets = 1;
  for (unsigned loop : copy.enumerated)
    offsets *= extents[loop];
  for (int64_t flat = 0; flat < offsets; ++flat) {
    // The value of each enumerated loop for offset `flat`, row-major.
    SmallVector<int64_t> at(loops, 0);
    for (int64_t i = copy.enumerated.size() - 1, rest = flat; i >= 0; --i) {
      at[copy.enumerated[i]] = rest % extents[copy.enumerated[i]];
      rest /= extents[copy.enumerated[i]];
    }
    SmallVector<OpFoldResult> inOffsets, inSizes, inStrides;
    SmallVector<AffineExpr> inExprs;
    for (AffineExpr expr : op.getIndexingMapsArray()[0].getResults()) {
      int64_t offset = 0;
      std::optional<Term> along;
      // Matched: constants and sums of terms only.
      SmallVector<Term> terms;
      if (auto constant = dyn_cast<AffineConstantExpr>(expr))
        offset = constant.getValue();
      else
        terms = *linearTerms(expr);
      for (const Term &term : terms) {
        if (llvm::is_contained(copy.enumerated, term.loop))
          offset += term.coefficient * at[term.loop];
        else
          along = term;
      }
      inOffsets.push_back(rewriter.getIndexAttr(offset));
      inSizes.push_back(along ? ranges[along->loop].size
                              : rewriter.getIndexAttr(1));
      inStrides.push_back(
          rewriter.getIndexAttr(along ? along->coefficient : 1));
      inExprs.push_back(along ? getAffineDimExpr(along->loop, context)
                              : getAffineConstantExpr(0, context));
    }
    Value window = tensor::ExtractSliceOp::create(
        rewriter, loc, input, inOffsets, inSizes, inStrides);
    SmallVector<OpFoldResult> outOffsets, outSizes,
        outStrides(loops, rewriter.getIndexAttr(1));
    for (unsigned loop = 0; loop < loops; ++loop) {
      bool fixed = llvm::is_contained(copy.enumerated, loop);
      outOffsets.push_back(rewriter.getIndexAttr(fixed ? at[loop] : 0));
      outSizes.push_back(fixed ? rewriter.getIndexAttr(1) : ranges[loop].size);
    }
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, loc, sliceType, result, outOffsets, outSizes, outStrides);
    Value copied = parallelGeneric(
        rewriter, loc, sliceType, ValueRange{window}, slice,
        {AffineMap::get(loops, 0, inExprs, context), identity},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    result = tensor::InsertSliceOp::create(rewriter, loc, copied, result,
                                           outOffsets, outSizes, outStrides);
  }
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
    // The im2col copies made above, and those of convolution adjoints.
    SmallVector<WindowCopy> windowCopies;
    getOperation().walk([&](linalg::GenericOp op) {
      if (std::optional<WindowCopy> copy = matchWindowCopy(op))
        windowCopies.push_back(*copy);
    });
    for (const WindowCopy &copy : windowCopies)
      splitByKernelOffset(rewriter, copy);
  }
};

} // namespace
