//===- CopyBF16VectorsAsIntegers.cpp - bf16 vector memory as i16 ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Workarounds of LLVM 22's x86 instruction selection for bf16 vectors: with
// AVX-512, a load of `<9 x bfloat>` feeding a store aborts; without
// AVX-512 BF16, a bf16 vector loaded (a masked load too) is "soft promoted"
// through `__truncsfbf2`, which Debian's libgcc lacks. Loads and stores of
// bf16 vectors become i16 vector accesses and bitcasts (see the pass
// description); the arithmetic on the values is untouched.
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

/// `op`, a memory access, moving i16 vectors instead of bf16 ones: its bf16
/// vector operands bitcast before it, its bf16 vector results after it.
void accessAsIntegers(Operation *op) {
  OpBuilder builder(op);
  for (OpOperand &operand : op->getOpOperands())
    if (VectorType integers = asIntegers(operand.get().getType()))
      operand.set(LLVM::BitcastOp::create(builder, op->getLoc(), integers,
                                          operand.get()));
  builder.setInsertionPointAfter(op);
  for (OpResult result : op->getResults()) {
    VectorType integers = asIntegers(result.getType());
    if (!integers)
      continue;
    Type values = result.getType();
    result.setType(integers);
    auto back = LLVM::BitcastOp::create(builder, op->getLoc(), values, result);
    result.replaceAllUsesExcept(back, back);
  }
}

struct CopyBF16VectorsAsIntegersPass
    : mlir::mithril::impl::CopyBF16VectorsAsIntegersBase<
          CopyBF16VectorsAsIntegersPass> {
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      if (isa<LLVM::LoadOp, LLVM::StoreOp, LLVM::MaskedLoadOp,
              LLVM::MaskedStoreOp>(op))
        accessAsIntegers(op);
    });
  }
};

} // namespace
