//===- CPUPipeline.cpp - The phases of the CPU pipeline -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Each phase is written as the textual pipeline one would pass to mlc-opt,
// so that what mlc-compile runs can be rerun, stage by stage, by hand.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/CPU/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// Binds symbols on the hierarchical model (where block inputs still name
/// them), flattens it, and refines the flat graph once more.
std::string shapesPipeline(const PipelineOptions &options) {
  std::string specialise;
  if (!options.shapes.empty())
    specialise += "shape=" + llvm::join(options.shapes, ",");
  if (options.batch >= 0)
    specialise += (specialise.empty() ? "" : " ") +
                  ("batch=" + std::to_string(options.batch));
  return "mithril-infer-shapes{" + specialise +
         "},mithril-inline-blocks,mithril-infer-shapes,canonicalize";
}

/// Catalog ops to linalg on tensors, models to functions (whose signature
/// is recorded while the types still carry it), then upstream's fusion of
/// elementwise generics.
constexpr llvm::StringLiteral kLinalgPipeline =
    "convert-mithril-to-linalg,convert-mithril-models-to-functions,"
    "mithril-record-signature,canonicalize,mithril-fuse-elementwise,cse";

/// Matmuls tiled and vectorised for the target's registers (weights'
/// transposes made once per instance, accumulators hoisted out of the K
/// loops while on tensors), one-shot bufferization across function
/// boundaries (plain strided layouts at the boundary, as a C caller passes
/// buffers), what is left to hoist on buffers, elementwise ops, transposes,
/// copies and row reductions vectorised, deallocation (which clones what a
/// function returns but does not own, e.g. an input returned as an output),
/// memory planning, and loops for the rest.
std::string bufferizePipeline(const PipelineOptions &options) {
  // Two vectors of columns; as many rows as leave registers for operands.
  int lanes = options.vectorBits / 32;
  int rows = options.vectorBits >= 512 ? 8 : options.vectorBits >= 256 ? 6 : 4;
  std::string registerTile =
      std::to_string(rows) + "," + std::to_string(2 * lanes);
  std::string parallel = options.parallel ? " parallel=true" : "";
  return "func.func(mithril-convolutions-to-matmuls,"
         "mithril-vectorize-contractions{register-tile=" +
         registerTile + parallel +
         "}),mithril-prepare-weights,canonicalize,cse,"
         // Register accumulators out of the K loops, while on tensors:
         // after bufferisation they are views, which upstream's hoisting
         // of vector transfers on buffers refuses.
         "func.func(loop-invariant-subset-hoisting),canonicalize,"
         "one-shot-bufferize{bufferize-function-boundaries "
         "function-boundary-type-conversion=identity-layout-map},"
         // Views of views folded, then merged: the copies of a block into
         // itself that bufferisation leaves are then seen, and dropped.
         "canonicalize,cse,canonicalize,"
         "func.func(mithril-hoist-vector-transfers,"
         "mithril-vectorize-elementwise{lanes=" +
         std::to_string(lanes) + parallel + "}" +
         (options.parallel ? ",scf-forall-to-parallel" : "") +
         "),canonicalize,"
         "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
         "canonicalize,mithril-plan-memory,"
         "convert-linalg-to-loops,canonicalize";
}

/// Everything to the LLVM dialect, then the library's C interface. `rsqrt`
/// is expanded first: libm has no rsqrtf; transcendental ops on vectors
/// become polynomials rather than a libm call per lane. Strided metadata is
/// expanded before affine is lowered, since the expansion creates affine ops.
/// Parallel loops become OpenMP worksharing loops, which the translation to
/// LLVM IR outlines into calls of libomp.
std::string llvmPipeline(const PipelineOptions &options) {
  return std::string(options.parallel ? "convert-scf-to-openmp," : "") +
         "convert-vector-to-scf{full-unroll=true},"
         // Drops the alloca scopes of parallel loops that allocate nothing:
         // lowering their bodies to blocks would break them.
         "canonicalize,"
         "math-expand-ops{ops=rsqrt},mithril-approximate-vector-math,"
         // Integer powers (math.ipowi) as generated functions.
         "convert-math-to-funcs{convert-ctlz=false},"
         "convert-math-to-llvm,convert-math-to-libm,"
         "mithril-expand-shapes-as-casts,expand-strided-metadata,"
         "lower-affine,convert-scf-to-cf,"
         "convert-vector-to-llvm,convert-ub-to-llvm,"
         "finalize-memref-to-llvm,convert-arith-to-llvm,convert-cf-to-llvm,"
         "convert-func-to-llvm," +
         (options.parallel ? "convert-openmp-to-llvm," : "") +
         "reconcile-unrealized-casts,"
         "mithril-emit-library-abi{weights=" +
         options.weightsMode + " threads=" + std::to_string(options.threads) +
         (options.localInfo ? " local-info=true}" : "}");
}

std::string phasePipeline(Phase phase, const PipelineOptions &options) {
  switch (phase) {
  case Phase::Import:
    return "";
  case Phase::Shapes:
    return shapesPipeline(options);
  case Phase::Linalg:
    return kLinalgPipeline.str();
  case Phase::Bufferize:
    return bufferizePipeline(options);
  case Phase::LLVM:
    return llvmPipeline(options);
  }
  return "";
}

} // namespace

std::optional<Phase> mlir::mithril::parsePhase(StringRef name) {
  return llvm::StringSwitch<std::optional<Phase>>(name)
      .Case("import", Phase::Import)
      .Case("shapes", Phase::Shapes)
      .Case("linalg", Phase::Linalg)
      .Case("bufferize", Phase::Bufferize)
      .Case("llvm", Phase::LLVM)
      .Default(std::nullopt);
}

LogicalResult mlir::mithril::addPhase(OpPassManager &pm, Phase phase,
                                      const PipelineOptions &pipelineOptions,
                                      std::string &error) {
  std::string pipeline = phasePipeline(phase, pipelineOptions);
  if (pipeline.empty())
    return success();
  llvm::raw_string_ostream errorStream(error);
  return parsePassPipeline(pipeline, pm, errorStream);
}

void mlir::mithril::registerMithrilPipelines() {
  auto registerPhase = [](StringRef name, StringRef description, Phase phase) {
    PassPipelineRegistration<>(name, description, [phase](OpPassManager &pm) {
      std::string error;
      if (failed(addPhase(pm, phase, {}, error)))
        llvm::errs() << error << "\n";
    });
  };
  registerPhase("mithril-shapes-pipeline",
                "Bind symbols, inline blocks, refine every type",
                Phase::Shapes);
  registerPhase("mithril-linalg-pipeline",
                "Lower the catalog ops to linalg and models to functions",
                Phase::Linalg);
  registerPhase("mithril-bufferize-pipeline",
                "Bufferize, deallocate, and lower linalg to loops",
                Phase::Bufferize);
  registerPhase("mithril-llvm-pipeline", "Lower everything to the LLVM dialect",
                Phase::LLVM);
  PassPipelineRegistration<>(
      "mithril-cpu-pipeline", "All phases of the CPU pipeline, in order",
      [](OpPassManager &pm) {
        std::string error;
        for (Phase phase :
             {Phase::Shapes, Phase::Linalg, Phase::Bufferize, Phase::LLVM})
          if (failed(addPhase(pm, phase, {}, error)))
            llvm::errs() << error << "\n";
      });
}
