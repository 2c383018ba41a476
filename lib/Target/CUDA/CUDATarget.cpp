//===- CUDATarget.cpp - The CUDA target: phases and PTX -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// What is built: the kernels of every model, as PTX for sm_80 or sm_90
// (`-o net.ptx`, `--stop-after=gpu`). What is not yet: the host side (the
// launch layer in the runtime, the device arena), so a CUDA library (.so,
// .a, .o) is refused with a message saying so (docs/cuda.md).
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CUDA/CUDATarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

constexpr llvm::StringLiteral kCUDATargetNames = "cuda, cuda:sm_80, cuda:sm_90";

/// The PTX of the module's one `gpu.binary` (gpu-module-to-binary with
/// format isa), or an error.
llvm::Expected<StringRef> getPTX(ModuleOp module) {
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  if (binaries.empty())
    return llvm::createStringError("the model has no GPU kernels");
  if (binaries.size() != 1)
    return llvm::createStringError("the kernels are in several GPU modules");
  ArrayAttr objects = binaries.front().getObjects();
  auto object = objects.size() == 1 ? dyn_cast<gpu::ObjectAttr>(objects[0])
                                    : gpu::ObjectAttr();
  if (!object || object.getFormat() != gpu::CompilationTarget::Assembly)
    return llvm::createStringError("the GPU module holds no PTX");
  return object.getObject().getValue();
}

class CUDATarget : public Target {
public:
  CUDATarget(StringRef name, CUDAMachine machine)
      : name(name.str()), machine(std::move(machine)) {}

  StringRef getName() const override { return name; }

  llvm::Error emit(ModuleOp module, ArtifactKind kind, StringRef path,
                   const EmitOptions &) const override {
    if (kind != ArtifactKind::PTX)
      return llvm::createStringError(
          "--target=" + name +
          " writes PTX (-o <file>.ptx) or IR (.mlir) for now: the CUDA host "
          "side (launch layer, device memory) is not built yet; see "
          "docs/cuda.md");
    llvm::Expected<StringRef> ptx = getPTX(module);
    if (!ptx)
      return ptx.takeError();
    return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
      os << *ptx;
      return llvm::Error::success();
    });
  }

protected:
  void addTargetPhase(OpPassManager &pm, Phase phase,
                      const PipelineOptions &options) const override {
    if (phase == Phase::Bufferize)
      addCUDABufferizePhase(pm, machine, options);
    else if (phase == Phase::GPU)
      addCUDAGPUPhase(pm, machine, options);
    else if (phase == Phase::LLVM)
      addCUDALLVMPhase(pm, machine, options);
  }

private:
  std::string name;
  CUDAMachine machine;
};

} // namespace

std::optional<CUDAMachine> mlir::mithril::parseCUDAMachine(StringRef name) {
  if (name == "cuda")
    return CUDAMachine{};
  if (name == "cuda:sm_80" || name == "cuda:sm_90")
    return CUDAMachine{name.drop_front(5).str()};
  return std::nullopt;
}

void mlir::mithril::registerCUDATarget() {
  registerTargetFamily(
      {kCUDATargetNames.str(), [](StringRef name) -> std::unique_ptr<Target> {
         if (std::optional<CUDAMachine> machine = parseCUDAMachine(name))
           return std::make_unique<CUDATarget>(name, std::move(*machine));
         return nullptr;
       }});
}
