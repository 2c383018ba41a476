//===- VectorizeContractions.cpp - Tiled, vectorised matmuls --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The pass over mithril/Target/CPU/ContractionVectorizer.h: it reads the
// blocking from its options.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/ContractionVectorizer.h"

#include "mithril/Target/CPU/Passes.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_VECTORIZECONTRACTIONS
#include "mithril/Target/CPU/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

struct VectorizeContractionsPass
    : mithril::impl::VectorizeContractionsBase<VectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    ContractionBlocking blocking;
    if (!registerTile.empty())
      blocking.registerBlock = llvm::to_vector(registerTile);
    if (!cacheTile.empty())
      blocking.cacheBlock = llvm::to_vector(cacheTile);
    blocking.parallel = parallel;
    blocking.pack = pack;
    blocking.bf16DotProducts = bf16DotProducts;
    blocking.int8DotProducts = int8DotProducts;
    if (blocking.registerBlock.size() != 2 || blocking.cacheBlock.size() != 3) {
      getOperation().emitError()
          << "register-tile takes M,N and cache-tile M,N,K";
      return signalPassFailure();
    }
    if (failed(vectorizeContractions(getOperation(), blocking)))
      signalPassFailure();
  }
};

} // namespace
