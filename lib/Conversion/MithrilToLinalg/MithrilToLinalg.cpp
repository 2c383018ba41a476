//===- MithrilToLinalg.cpp - The convert-mithril-to-linalg pass -----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_CONVERTMITHRILTOLINALG
#include "mithril/Conversion/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

struct ConvertMithrilToLinalg
    : mithril::impl::ConvertMithrilToLinalgBase<ConvertMithrilToLinalg> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    populateElementwiseToLinalgPatterns(patterns);
    populateMatmulToLinalgPatterns(patterns);
    populateReductionsToLinalgPatterns(patterns);
    populateNormalizationToLinalgPatterns(patterns);
    populateShapeToLinalgPatterns(patterns);
    populateConvPoolToLinalgPatterns(patterns);
    populateInterpolateToLinalgPatterns(patterns);
    populateAttentionToLinalgPatterns(patterns);
    populateGradientsToLinalgPatterns(patterns);

    // Every catalog op is lowered; the model structure stays for the
    // passes that turn models into functions.
    ConversionTarget target(*context);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addIllegalDialect<MithrilDialect>();
    target.addLegalOp<ModelOp, ParameterOp, InstanceOp, ReturnOp>();
    // The views of u8 scalars as signless integers (see toSignless).
    target.addLegalOp<UnrealizedConversionCastOp>();
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
