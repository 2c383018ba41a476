//===- MergeGPUModules.cpp - Every kernel in one gpu.module ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Outlining gives each kernel a module of its own; a library ships one PTX
// module. Why a pass of our own: upstream's outlining has no option to
// share a module, and nothing merges them.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CUDA/Passes.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_MERGEGPUMODULES
#include "mithril/Target/CUDA/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;

namespace {

struct MergeGPUModulesPass
    : mlir::mithril::impl::MergeGPUModulesBase<MergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> kernelModules(
        module.getOps<gpu::GPUModuleOp>());
    if (kernelModules.empty())
      return;
    gpu::GPUModuleOp target = kernelModules.front();
    auto name = StringAttr::get(&getContext(), getKernelsName(module));
    if (SymbolTable::lookupSymbolIn(module, name) &&
        SymbolTable::lookupSymbolIn(module, name) != target) {
      target.emitError() << "mithril-merge-gpu-modules: '" << name.getValue()
                         << "' names another symbol";
      return signalPassFailure();
    }
    // Outlining names every kernel after its function, in a module named
    // uniquely: each kernel takes its module's name.
    llvm::DenseMap<SymbolRefAttr, StringAttr> renamed;
    for (gpu::GPUModuleOp kernels : kernelModules) {
      SmallVector<gpu::GPUFuncOp> functions(kernels.getOps<gpu::GPUFuncOp>());
      for (gpu::GPUFuncOp function : functions) {
        auto newName =
            functions.size() == 1
                ? kernels.getSymNameAttr()
                : StringAttr::get(&getContext(), kernels.getSymName() + "_" +
                                                     function.getName());
        renamed[SymbolRefAttr::get(
            kernels.getSymNameAttr(),
            ArrayRef<FlatSymbolRefAttr>{
                FlatSymbolRefAttr::get(function.getNameAttr())})] = newName;
        SymbolTable::setSymbolName(function, newName);
      }
    }
    for (gpu::GPUModuleOp other : llvm::drop_begin(kernelModules)) {
      for (Operation &op :
           llvm::make_early_inc_range(other.getBody()->getOperations()))
        op.moveBefore(target.getBody(), target.getBody()->end());
      other.erase();
    }
    target.setSymName(name.getValue());
    WalkResult walk = module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr kernel = renamed.lookup(launch.getKernel());
      if (!kernel) {
        launch.emitError() << "mithril-merge-gpu-modules: the kernel is in no "
                              "GPU module";
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          name, ArrayRef<FlatSymbolRefAttr>{FlatSymbolRefAttr::get(kernel)}));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }

  /// `<first function>_kernels`, after the module's first function.
  static std::string getKernelsName(ModuleOp module) {
    for (auto function : module.getOps<FunctionOpInterface>())
      return (function.getName() + "_kernels").str();
    return "kernels";
  }
};

} // namespace
