//===- mlc-opt.cpp - Mithril's optimizer driver ---------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `mlir-opt` with the mithril dialect and its passes, and the upstream
// dialects and passes that Mithril's pipelines lower through.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Passes.h"
#include "mithril/Conversion/Passes.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/Target/AllTargets.h"
#include "mithril/Target/CPU/Passes.h"
#include "mithril/Target/CUDA/Passes.h"
#include "mithril/Transforms/Passes.h"
#include "mithril/Version.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  llvm::cl::AddExtraVersionPrinter([](llvm::raw_ostream &os) {
    os << "Mithril version " << MITHRIL_VERSION << "\n";
  });

  // Upstream passes and dialects: the pipelines go through linalg, tensor,
  // bufferization, vector, scf, gpu/nvvm, shard, emitc and LLVM.
  mlir::registerAllPasses();
  mlir::mithril::registerMithrilPasses();
  mlir::mithril::registerMithrilConversionPasses();
  mlir::mithril::registerMithrilCodegenPasses();
  mlir::mithril::registerMithrilCPUPasses();
  mlir::mithril::registerMithrilCUDAPasses();
  // Each target's phases, as pipelines (`--mithril-cpu-pipeline`).
  mlir::mithril::registerAllTargets();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::mithril::MithrilDialect>();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "Mithril optimizer driver\n", registry));
}
