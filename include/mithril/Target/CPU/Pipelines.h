//===- Pipelines.h - The named pipelines mlc-compile runs -------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mlc-compile runs the phases of `--stop-after` in order; each phase is a
// pass pipeline of its own, registered in mlc-opt under the same name:
//
//   shapes     mithril-shapes-pipeline     bind symbols, inline blocks
//   linalg     mithril-linalg-pipeline     catalog ops -> linalg, models ->
//   func bufferize  mithril-bufferize-pipeline  tensors -> buffers, loops llvm
//   mithril-llvm-pipeline       everything -> the LLVM dialect
//
// and `mithril-cpu-pipeline` runs them all.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_PIPELINES_PIPELINES_H
#define MITHRIL_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::mithril {

/// The phases of the CPU pipeline, in order (`--stop-after`).
enum class Phase { Import, Shapes, Linalg, Bufferize, LLVM };

/// The phase named `name` (`import`, `shapes`, ...), if any.
std::optional<Phase> parsePhase(llvm::StringRef name);

/// What the shapes phase specialises (`--shape`, `--batch`).
struct PipelineOptions {
  std::vector<std::string> shapes;
  int64_t batch = -1;
  /// Where instances of the library find their weights: none (given at
  /// create), embed, external (see mithril-emit-library-abi).
  std::string weightsMode = "none";
  /// Whether the reflection symbol stays local: a static library or an
  /// object, linked with other models into one program.
  bool localInfo = false;
  /// The target's vector registers, in bits: they size the register blocks
  /// of matmuls (mithril-vectorize-contractions).
  int vectorBits = 512;
  /// Whether loops over cache blocks and large elementwise ops run on
  /// threads (scf.forall/scf.parallel lowered to OpenMP).
  bool parallel = false;
  /// The threads a call runs on by default (0: one per core), recorded in
  /// the library's signature for the runtime.
  int threads = 0;
};

/// Adds the passes of `phase` to `pm`; fails (with a message in `error`) if
/// a pipeline does not parse. Its passes must be registered (upstream's,
/// `registerMithrilPasses`, `registerMithrilConversionPasses`).
LogicalResult addPhase(OpPassManager &pm, Phase phase,
                       const PipelineOptions &pipelineOptions,
                       std::string &error);

/// Registers the phase pipelines and `mithril-cpu-pipeline` for mlc-opt.
void registerMithrilPipelines();

} // namespace mlir::mithril

#endif // MITHRIL_PIPELINES_PIPELINES_H
