//===- CPUCodeGen.cpp - Object code for CPUs through LLVM -----------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/CPUTarget.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

using namespace mlir;
using namespace mlir::mithril;

std::optional<CPUMachine> mlir::mithril::parseCPUMachine(StringRef name) {
  if (name == "host") {
    SmallVector<std::string> features;
    llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
    for (const auto &feature : host)
      features.push_back((feature.getValue() ? "+" : "-") +
                         feature.getKey().str());
    int vectorBits = host.lookup("avx512f") ? 512
                     : host.lookup("avx2")  ? 256
                                            : 128;
    return CPUMachine{llvm::sys::getDefaultTargetTriple(),
                      llvm::sys::getHostCPUName().str(),
                      llvm::join(features, ","),
                      vectorBits,
                      vectorBits == 512 && host.lookup("avx512bf16"),
                      vectorBits == 512 && host.lookup("avx512vnni")};
  }
  if (name == "x86_64")
    return CPUMachine{"x86_64-unknown-linux-gnu", "x86-64", "", 128};
  if (name == "x86_64-avx2")
    return CPUMachine{"x86_64-unknown-linux-gnu", "x86-64-v3", "", 256};
  if (name == "x86_64-avx512")
    return CPUMachine{"x86_64-unknown-linux-gnu", "x86-64-v4", "", 512};
  if (name == "aarch64")
    return CPUMachine{"aarch64-unknown-linux-gnu", "generic", "+neon", 128};
  return std::nullopt;
}

/// LLVM's targets, registered once per process.
static void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
}

/// Drops the `mithril.*` argument and result attributes (names, dims,
/// parameters) that lowered functions carry: LLVM IR has no place for
/// them, and the library's signature is read before lowering.
static void dropMithrilAttributes(ModuleOp module) {
  module.walk([](LLVM::LLVMFuncOp function) {
    auto strip = [](DictionaryAttr attrs) {
      NamedAttrList kept;
      for (NamedAttribute attr : attrs)
        if (!attr.getName().getValue().starts_with("mithril."))
          kept.push_back(attr);
      return kept.getDictionary(attrs.getContext());
    };
    for (unsigned i = 0; i < function.getNumArguments(); ++i)
      function.setArgAttrs(
          i, strip(function.getArgAttrDict(i)
                       ? function.getArgAttrDict(i)
                       : DictionaryAttr::get(function.getContext())));
    for (unsigned i = 0; i < function.getNumResults(); ++i)
      if (DictionaryAttr attrs = function.getResultAttrDict(i))
        function.setResultAttrs(i, strip(attrs));
  });
}

/// Defines the weights that mithril-emit-library-abi declared
/// (`__mithril_weights_begin`/`_end`) as one read-only array holding
/// `image`. The image is added here, in LLVM IR, rather than as an MLIR
/// attribute, so that it is copied once.
static void defineEmbeddedWeights(llvm::Module &module, StringRef image) {
  llvm::GlobalVariable *begin =
      module.getGlobalVariable("__mithril_weights_begin");
  llvm::GlobalVariable *end = module.getGlobalVariable("__mithril_weights_end");
  if (!begin || !end)
    return;
  llvm::LLVMContext &context = module.getContext();
  llvm::Constant *bytes = llvm::ConstantDataArray::getRaw(
      image, image.size(), llvm::Type::getInt8Ty(context));
  auto *weights = new llvm::GlobalVariable(
      module, bytes->getType(), /*isConstant=*/true,
      llvm::GlobalValue::PrivateLinkage, bytes, "__mithril_weights");
  weights->setAlignment(llvm::Align(64));
  begin->replaceAllUsesWith(weights);
  end->replaceAllUsesWith(llvm::ConstantExpr::getInBoundsGetElementPtr(
      llvm::Type::getInt8Ty(context), weights,
      llvm::ConstantInt::get(llvm::Type::getInt64Ty(context), image.size())));
  begin->eraseFromParent();
  end->eraseFromParent();
}

LogicalResult
mlir::mithril::emitCPUCode(ModuleOp module, const CPUMachine &target,
                           CPUOutput output, llvm::raw_pwrite_stream &os,
                           std::string &error, StringRef weightsImage) {
  initializeLLVMTargets();
  llvm::Triple triple(target.triple);
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return failure();
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      triple, target.cpu, target.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine) {
    error = "cannot create a target machine for " + target.triple;
    return failure();
  }

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  module->getContext()->appendDialectRegistry(registry);
  dropMithrilAttributes(module);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule) {
    error = "cannot translate the module to LLVM IR";
    return failure();
  }
  defineEmbeddedWeights(*llvmModule, weightsImage);
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Error optError =
          makeOptimizingTransformer(2, 0, machine.get())(llvmModule.get())) {
    error = llvm::toString(std::move(optError));
    return failure();
  }

  if (output == CPUOutput::LLVMIR) {
    llvmModule->print(os, nullptr);
    return success();
  }
  llvm::legacy::PassManager codegen;
  auto fileType = output == CPUOutput::Object
                      ? llvm::CodeGenFileType::ObjectFile
                      : llvm::CodeGenFileType::AssemblyFile;
  if (machine->addPassesToEmitFile(codegen, os, nullptr, fileType)) {
    error = "the target cannot emit this kind of file";
    return failure();
  }
  codegen.run(*llvmModule);
  return success();
}
