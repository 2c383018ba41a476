//===- Outputs.h - What a compilation writes --------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_DRIVER_OUTPUTS_H
#define MITHRIL_LIB_DRIVER_OUTPUTS_H

#include "mithril/Driver/Compiler.h"
#include "mithril/Target/Target.h"

#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace mlir::mithril {

/// What the output's extension asks for: IR, the C header alone, or one of
/// the target's artefacts.
enum class OutputKind { MLIR, Header, Artifact };
struct Output {
  OutputKind kind = OutputKind::Artifact;
  ArtifactKind artifact = ArtifactKind::SharedLibrary;

  bool isArtifact(ArtifactKind other) const {
    return kind == OutputKind::Artifact && artifact == other;
  }
};

/// The output `path` names by its extension (none: a shared library).
std::optional<Output> parseOutput(StringRef path);

/// Whether the module says where parameter values come from.
bool hasWeightSource(ModuleOp module);

/// Writes the output of a compilation that ran: the IR, the header, or the
/// target's artefact with the header (and with `--weights-mode=external`
/// the weights) beside it; then the depfile. Returns the exit status.
int writeOutputs(const CompilerOptions &options, const Target &target,
                 Output output, ModuleOp module);

} // namespace mlir::mithril

#endif // MITHRIL_LIB_DRIVER_OUTPUTS_H
