//===- Outputs.cpp - What a compilation writes ----------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Every file is written to a temporary beside it and renamed, so a failed
// run leaves no partial file (and an earlier output intact).
//
//===----------------------------------------------------------------------===//

#include "Outputs.h"

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/LibraryWeights.h"
#include "mithril/Frontend/OnnxImporter.h"
#include "mithril/Frontend/Weights.h"
#include "mithril/IR/MithrilDialect.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mithril;

std::optional<Output> mlir::mithril::parseOutput(StringRef path) {
  if (path.empty())
    return Output{};
  auto artifact = [](ArtifactKind kind) {
    return Output{OutputKind::Artifact, kind};
  };
  return llvm::StringSwitch<std::optional<Output>>(
             llvm::sys::path::extension(path))
      .Case(".mlir", Output{OutputKind::MLIR})
      .Case(".h", Output{OutputKind::Header})
      .Case(".ll", artifact(ArtifactKind::LLVMIR))
      .Case(".s", artifact(ArtifactKind::Assembly))
      .Case(".o", artifact(ArtifactKind::Object))
      .Case(".a", artifact(ArtifactKind::StaticLibrary))
      .Case(".so", artifact(ArtifactKind::SharedLibrary))
      .Case(".ptx", artifact(ArtifactKind::PTX))
      .Default(std::nullopt);
}

bool mlir::mithril::hasWeightSource(ModuleOp module) {
  return module->hasAttr(MithrilDialect::kWeightsAttrName) ||
         module->hasAttr(MithrilDialect::kRandomInitAttrName);
}

namespace {

/// A run that failed after it started: exit status 2.
int runError(const llvm::Twine &message) {
  llvm::errs() << "mlc-compile: " << message << "\n";
  return 2;
}

/// Writes `path` whole or not at all; 0, or 2 after a message.
int writeFile(StringRef path,
              llvm::function_ref<void(llvm::raw_ostream &)> write) {
  if (llvm::Error error = llvm::writeToOutput(path, [&](llvm::raw_ostream &os) {
        write(os);
        return llvm::Error::success();
      }))
    return runError("cannot write '" + path +
                    "': " + llvm::toString(std::move(error)));
  return 0;
}

/// The weight source the module names, from the frontend of its format;
/// null without one.
FailureOr<std::unique_ptr<WeightSource>> openWeightSource(ModuleOp module) {
  if (module->hasAttr(MithrilDialect::kRandomInitAttrName))
    return createRandomWeights(module);
  auto path =
      module->getAttrOfType<StringAttr>(MithrilDialect::kWeightsAttrName);
  if (!path)
    return std::unique_ptr<WeightSource>();
  if (path.getValue().ends_with(".onnx"))
    return openOnnxWeights(path.getValue(), module.getLoc());
  return openSafetensorsWeights(path.getValue(), module.getLoc());
}

/// The folder of libmithril_runtime.so, relative to the running
/// mlc-compile: the install tree's (MITHRIL_RUNTIME_FROM_BINDIR, e.g.
/// `../lib`), else the build tree's `../lib`.
std::string runtimeDirectory(StringRef executable) {
  StringRef bindir = llvm::sys::path::parent_path(executable);
  for (StringRef relative : {MITHRIL_RUNTIME_FROM_BINDIR, "../lib"}) {
    SmallString<256> directory(bindir);
    llvm::sys::path::append(directory, relative);
    SmallString<256> library(directory);
    llvm::sys::path::append(library, "libmithril_runtime.so");
    if (llvm::sys::fs::exists(library))
      return std::string(directory);
  }
  SmallString<256> directory(bindir);
  llvm::sys::path::append(directory, MITHRIL_RUNTIME_FROM_BINDIR);
  return std::string(directory);
}

/// `path` written as a word of a Makefile rule.
std::string makeWord(StringRef path) {
  std::string word;
  for (char c : path) {
    if (c == ' ' || c == '#' || c == '\\')
      word += '\\';
    else if (c == '$')
      word += '$';
    word += c;
  }
  return word;
}

/// What a compilation writes, once its phases ran.
class OutputWriter {
public:
  OutputWriter(const CompilerOptions &options, const Target &target,
               ModuleOp module)
      : options(options), target(target), module(module),
        signature(getRecordedSignature(module)) {}

  int write(Output output, StringRef path) {
    switch (output.kind) {
    case OutputKind::MLIR:
      return writeFile(path, [&](llvm::raw_ostream &os) { module.print(os); });
    case OutputKind::Header:
      return writeHeader(path);
    case OutputKind::Artifact:
      return writeArtifact(output.artifact, path);
    }
    return 2;
  }

  /// The output's path: `path`, or by default `lib<name>.so`; none (after
  /// a message) for a module without a signature.
  std::optional<std::string> outputPath(StringRef path) const {
    if (!path.empty())
      return path.str();
    if (signature)
      return "lib" + signature->name() + ".so";
    runError("the module has no recorded signature");
    return std::nullopt;
  }

  /// `output: inputs...`, the depfile that Ninja and Make read.
  int writeDepfile(StringRef output) {
    std::vector<std::string> inputs{options.input};
    if (auto weights =
            module->getAttrOfType<StringAttr>(MithrilDialect::kWeightsAttrName))
      inputs.push_back(weights.str());
    return writeFile(options.depfile, [&](llvm::raw_ostream &os) {
      os << makeWord(output) << ":";
      for (const std::string &input : inputs)
        os << " " << makeWord(input);
      os << "\n";
    });
  }

private:
  int writeHeader(StringRef path) {
    if (!signature)
      return runError("the module has no recorded signature");
    return writeFile(path, [&](llvm::raw_ostream &os) {
      writeLibraryHeader(*signature, os);
    });
  }

  int writeArtifact(ArtifactKind kind, StringRef path) {
    if (!signature)
      return runError("the module has no recorded signature");
    FailureOr<std::string> embedded =
        options.weightsMode == "embed" ? weightsImage() : std::string();
    if (failed(embedded))
      return 2;
    EmitOptions emitOptions;
    emitOptions.weightsImage = *embedded;
    emitOptions.runtimeDirectory = runtimeDirectory(options.executable);
    emitOptions.libraryName = signature->name();
    if (llvm::Error error = target.emit(module, kind, path, emitOptions))
      return runError(llvm::toString(std::move(error)));
    if (kind == ArtifactKind::LLVMIR || kind == ArtifactKind::Assembly ||
        kind == ArtifactKind::PTX)
      return 0;
    return writeBeside(path);
  }

  /// The header, and with --weights-mode=external the weights, beside
  /// `path`.
  int writeBeside(StringRef path) {
    SmallString<128> beside(llvm::sys::path::parent_path(path));
    llvm::sys::path::append(beside, signature->name() + ".h");
    if (int status = writeHeader(beside))
      return status;
    if (options.weightsMode != "external")
      return 0;
    FailureOr<std::string> weights = weightsImage();
    if (failed(weights))
      return 2;
    llvm::sys::path::replace_extension(beside, ".safetensors");
    return writeFile(beside, [&](llvm::raw_ostream &os) { os << *weights; });
  }

  /// The weights the library carries, as one safetensors image (empty for
  /// a module that names no source: its instances are given weights).
  FailureOr<std::string> weightsImage() {
    if (!hasWeightSource(module))
      return std::string();
    FailureOr<std::unique_ptr<WeightSource>> source = openWeightSource(module);
    if (failed(source))
      return failure();
    return buildWeightsImage(*signature, source->get(), module.getLoc());
  }

  const CompilerOptions &options;
  const Target &target;
  ModuleOp module;
  std::optional<LibrarySignature> signature;
};

} // namespace

int mlir::mithril::writeOutputs(const CompilerOptions &options,
                                const Target &target, Output output,
                                ModuleOp module) {
  OutputWriter writer(options, target, module);
  std::optional<std::string> path = writer.outputPath(options.output);
  if (!path)
    return 2;
  if (int status = writer.write(output, *path))
    return status;
  if (!options.depfile.empty())
    return writer.writeDepfile(*path);
  return 0;
}
