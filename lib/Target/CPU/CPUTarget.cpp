//===- CPUTarget.cpp - The CPU target -------------------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/CPUTarget.h"

#include "mithril/Target/LibraryLinker.h"

#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The `--target` names of the CPU family.
constexpr llvm::StringLiteral kCPUTargetNames =
    "host, x86_64, x86_64-avx2, x86_64-avx512, aarch64";

/// Writes `path` whole or not at all, from what `write` puts in a buffer
/// (object files need a seekable stream).
llvm::Error writeBuffered(
    StringRef path,
    llvm::function_ref<llvm::Error(llvm::raw_pwrite_stream &)> write) {
  return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) -> llvm::Error {
    SmallString<0> buffer;
    llvm::raw_svector_ostream stream(buffer);
    if (llvm::Error error = write(stream))
      return error;
    os << buffer;
    return llvm::Error::success();
  });
}

class CPUTarget : public Target {
public:
  CPUTarget(StringRef name, CPUMachine machine)
      : name(name.str()), machine(std::move(machine)) {}

  StringRef getName() const override { return name; }

  llvm::Error emit(ModuleOp module, ArtifactKind kind, StringRef path,
                   const EmitOptions &options) const override {
    switch (kind) {
    case ArtifactKind::LLVMIR:
      return writeCode(module, CPUOutput::LLVMIR, path, options);
    case ArtifactKind::Assembly:
      return writeCode(module, CPUOutput::Assembly, path, options);
    case ArtifactKind::Object:
      return writeCode(module, CPUOutput::Object, path, options);
    case ArtifactKind::StaticLibrary:
    case ArtifactKind::SharedLibrary:
      return writeLibrary(module, kind, path, options);
    case ArtifactKind::PTX:
      return llvm::createStringError(
          "PTX is written for a GPU: give --target=cuda");
    }
    return llvm::createStringError("unknown artefact");
  }

protected:
  void addTargetPhase(OpPassManager &pm, Phase phase,
                      const PipelineOptions &options) const override {
    if (phase == Phase::Bufferize)
      addCPUBufferizePhase(pm, machine, options);
    else if (phase == Phase::LLVM)
      addCPULLVMPhase(pm, machine, options);
  }

private:
  llvm::Error writeCode(ModuleOp module, CPUOutput output, StringRef path,
                        const EmitOptions &options) const {
    return writeBuffered(path, [&](llvm::raw_pwrite_stream &os) -> llvm::Error {
      std::string error;
      if (failed(emitCPUCode(module, machine, output, os, error,
                             options.weightsImage)))
        return llvm::createStringError(error);
      return llvm::Error::success();
    });
  }

  /// An object in a temporary file, archived or linked into `path`.
  llvm::Error writeLibrary(ModuleOp module, ArtifactKind kind, StringRef path,
                           const EmitOptions &options) const {
    if (kind == ArtifactKind::SharedLibrary &&
        llvm::Triple(machine.triple).getArch() !=
            llvm::Triple(llvm::sys::getDefaultTargetTriple()).getArch())
      return llvm::createStringError(
          "a shared library for " + machine.triple +
          " needs that target's libmithril_runtime; write a .o or .a and "
          "link it there");
    SmallString<128> objectPath;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("mithril", "o", objectPath))
      return llvm::createStringError("cannot create a temporary file: " +
                                     ec.message());
    llvm::FileRemover removeObject(objectPath);
    if (llvm::Error error =
            writeCode(module, CPUOutput::Object, objectPath, options))
      return error;
    if (kind == ArtifactKind::StaticLibrary)
      return writeArchive(objectPath, path, options.libraryName);
    return link(objectPath, path, options.runtimeDirectory);
  }

  /// An archive holding the object as `<name>.o`.
  llvm::Error writeArchive(StringRef objectPath, StringRef path,
                           StringRef name) const {
    auto object = llvm::MemoryBuffer::getFile(objectPath);
    if (!object)
      return llvm::createStringError("cannot read the object file back");
    return llvm::writeToOutput(path, [&](llvm::raw_ostream &os) -> llvm::Error {
      std::string error;
      if (failed(writeStaticLibrary((*object)->getBuffer(), name.str() + ".o",
                                    os, error)))
        return llvm::createStringError(error);
      return llvm::Error::success();
    });
  }

  /// The object linked into a temporary beside `path`, then renamed.
  llvm::Error link(StringRef objectPath, StringRef path,
                   StringRef runtimeDirectory) const {
    SmallString<128> temporary;
    if (std::error_code ec =
            llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", temporary))
      return llvm::createStringError("cannot write '" + path +
                                     "': " + ec.message());
    llvm::FileRemover removeTemporary(temporary);
    std::string error;
    if (failed(linkSharedLibrary(objectPath, temporary, runtimeDirectory,
                                 llvm::sys::path::filename(path), error)))
      return llvm::createStringError(error);
    if (std::error_code ec = llvm::sys::fs::rename(temporary, path))
      return llvm::createStringError("cannot write '" + path +
                                     "': " + ec.message());
    return llvm::Error::success();
  }

  std::string name;
  CPUMachine machine;
};

/// The options of the CPU pipelines in mlc-opt.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("The CPU: a --target name of mlc-compile"),
      llvm::cl::init("host")};
  Option<int> threads{*this, "threads",
                      llvm::cl::desc("0: one per core, 1: sequential code "
                                     "(the default), N: N threads"),
                      llvm::cl::init(1)};

  PipelineOptions pipelineOptions() const {
    PipelineOptions options;
    options.threads = threads;
    return options;
  }
  /// The machine `target=` names; an unknown name is reported, and the
  /// host's machine taken instead.
  CPUMachine cpuMachine() const {
    if (std::optional<CPUMachine> machine = parseCPUMachine(target))
      return *machine;
    llvm::errs() << "mithril-cpu pipelines: unknown target=" << target << " ("
                 << kCPUTargetNames << "); using host\n";
    return *parseCPUMachine("host");
  }
};

void registerCPUPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "mithril-cpu-bufferize-pipeline",
      "The CPU's bufferize phase: tile, vectorise, bufferise, plan memory",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        addCPUBufferizePhase(pm, options.cpuMachine(),
                             options.pipelineOptions());
      });
  PassPipelineRegistration<CPUPipelineOptions>(
      "mithril-cpu-llvm-pipeline",
      "The CPU's llvm phase: everything to the LLVM dialect, the C interface",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        addCPULLVMPhase(pm, options.cpuMachine(), options.pipelineOptions());
      });
  PassPipelineRegistration<CPUPipelineOptions>(
      "mithril-cpu-pipeline", "Every phase of the CPU target, in order",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        CPUTarget target(options.target, options.cpuMachine());
        for (Phase phase : getAllPhases())
          target.addPhase(pm, phase, options.pipelineOptions());
      });
}

} // namespace

void mlir::mithril::registerCPUTarget() {
  registerTargetFamily(
      {kCPUTargetNames.str(), [](StringRef name) -> std::unique_ptr<Target> {
         if (std::optional<CPUMachine> machine = parseCPUMachine(name))
           return std::make_unique<CPUTarget>(name, std::move(*machine));
         return nullptr;
       }});
  registerCPUPipelines();
}
