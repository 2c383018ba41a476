//===- CopyBF16VectorsAsIntegers.cpp - bf16 vector memory as i16 ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A workaround of an LLVM 22 instruction-selection abort on x86 with
// AVX-512: a load of `<9 x bfloat>` feeding a store cannot be legalised.
// Loads and stores of bf16 vectors become i16 vector accesses and bitcasts
// (see the pass description); the arithmetic on the values is untouched.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_COPYBF16VECTORSASINTEGERS
#include "mithril/Target/CPU/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

/// The i16 vector of `type`'s shape if it is a vector of bf16, else null.
VectorType asIntegers(Type type) {
  auto vector = dyn_cast<VectorType>(type);
  if (!vector || !vector.getElementType().isBF16())
    return nullptr;
  return vector.clone(IntegerType::get(type.getContext(), 16));
}

void rewriteLoad(LLVM::LoadOp load, VectorType integers) {
  OpBuilder builder(load);
  auto wide = cast<LLVM::LoadOp>(builder.clone(*load));
  wide.getResult().setType(integers);
  builder.setInsertionPointAfter(wide);
  Value bits = LLVM::BitcastOp::create(builder, load.getLoc(), load.getType(),
                                       wide.getResult());
  load.replaceAllUsesWith(bits);
  load.erase();
}

void rewriteStore(LLVM::StoreOp store, VectorType integers) {
  OpBuilder builder(store);
  Value bits = LLVM::BitcastOp::create(builder, store.getLoc(), integers,
                                       store.getValue());
  store.getValueMutable().assign(bits);
}

struct CopyBF16VectorsAsIntegersPass
    : mlir::mithril::impl::CopyBF16VectorsAsIntegersBase<
          CopyBF16VectorsAsIntegersPass> {
  void runOnOperation() override {
    SmallVector<Operation *> accesses;
    getOperation()->walk([&](Operation *op) {
      if (isa<LLVM::LoadOp, LLVM::StoreOp>(op))
        accesses.push_back(op);
    });
    for (Operation *op : accesses) {
      if (auto load = dyn_cast<LLVM::LoadOp>(op)) {
        if (VectorType integers = asIntegers(load.getType()))
          rewriteLoad(load, integers);
      } else {
        auto store = cast<LLVM::StoreOp>(op);
        if (VectorType integers = asIntegers(store.getValue().getType()))
          rewriteStore(store, integers);
      }
    }
  }
};

} // namespace
