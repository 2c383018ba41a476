//===- RecordSignature.cpp - Keep the signature through lowering ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_RECORDLIBRARYSIGNATURE
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

struct RecordLibrarySignaturePass
    : mlir::mithril::impl::RecordLibrarySignatureBase<
          RecordLibrarySignaturePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<LibrarySignature> signature = readLibrarySignature(module);
    if (failed(signature))
      return signalPassFailure();
    setRecordedSignature(module, *signature);
  }
};

} // namespace
