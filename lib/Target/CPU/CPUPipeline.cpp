//===- CPUPipeline.cpp - The passes of the CPU's phases -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/Passes.h"
#include "mithril/Target/CPU/CPUTarget.h"
#include "mithril/Target/CPU/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::mithril;

/// Matmuls tiled and vectorised for the machine's registers (weights'
/// transposes made once per instance, accumulators hoisted out of the K
/// loops while on tensors), one-shot bufferisation across function
/// boundaries (plain strided layouts at the boundary, as a C caller passes
/// buffers), what is left to hoist on buffers, elementwise ops, transposes,
/// copies and row reductions vectorised, deallocation (which clones what a
/// function returns but does not own, e.g. an input returned as an output),
/// memory planning, and loops for the rest.
void mlir::mithril::addCPUBufferizePhase(OpPassManager &pm,
                                         const CPUMachine &machine,
                                         const PipelineOptions &options) {
  bool parallel = options.threads != 1;
  // Two vectors of columns; as many rows as leave registers for operands.
  int64_t lanes = machine.vectorBits / 32;
  int64_t rows = machine.vectorBits >= 512   ? 8
                 : machine.vectorBits >= 256 ? 6
                                             : 4;
  VectorizeContractionsOptions contractions;
  contractions.registerTile = {rows, 2 * lanes};
  contractions.parallel = parallel;
  contractions.bf16DotProducts = machine.bf16DotProducts;
  contractions.int8DotProducts = machine.int8DotProducts;
  pm.addNestedPass<func::FuncOp>(createConvolutionsToMatmuls());
  pm.addNestedPass<func::FuncOp>(createVectorizeContractions(contractions));
  pm.addPass(createPrepareWeights());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Register accumulators out of the K loops, while on tensors: after
  // bufferisation they are views, which upstream's hoisting of vector
  // transfers on buffers refuses.
  pm.addNestedPass<func::FuncOp>(createLoopInvariantSubsetHoistingPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createUnshareFills());

  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // Views of views folded, then merged: the copies of a block into itself
  // that bufferisation leaves are then seen, and dropped.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());

  VectorizeElementwiseOptions elementwise;
  elementwise.lanes = lanes;
  elementwise.parallel = parallel;
  OpPassManager &functions = pm.nest<func::FuncOp>();
  functions.addPass(createHoistVectorTransfers());
  functions.addPass(createVectorizeElementwise(elementwise));
  if (parallel)
    functions.addPass(createForallToParallelLoopPass());
  pm.addPass(createCanonicalizerPass());

  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createPlanMemory());
  if (options.statistics)
    pm.addPass(createCountMemory());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
}

/// Everything to the LLVM dialect, then the library's C interface. `rsqrt`
/// is expanded first: libm has no rsqrtf; transcendental ops on vectors
/// become polynomials rather than a libm call per lane. Strided metadata is
/// expanded before affine is lowered, since the expansion creates affine
/// ops. Without AVX-512 BF16, conversions to and from bf16 become integer
/// ops (LLVM would call __truncsfbf2, which Debian's libgcc lacks). With
/// AVX-512 VNNI, int8 register blocks become vpdpbusd first.
/// Parallel loops become OpenMP worksharing loops, which the translation to
/// LLVM IR outlines into calls of libomp.
void mlir::mithril::addCPULLVMPhase(OpPassManager &pm,
                                    const CPUMachine &machine,
                                    const PipelineOptions &options) {
  bool parallel = options.threads != 1;
  if (machine.int8DotProducts)
    pm.addPass(createLowerInt8DotProducts());
  if (parallel)
    pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  // Drops the alloca scopes of parallel loops that allocate nothing:
  // lowering their bodies to blocks would break them.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(math::createMathExpandOpsPass({{"rsqrt"}}));
  pm.addPass(createApproximateVectorMath());
  if (!machine.bf16DotProducts)
    pm.addPass(createExpandBF16Conversions());
  // Integer powers (math.ipowi) as generated functions.
  pm.addPass(createConvertMathToFuncs());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createExpandShapesAsCasts());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // x86vector: the bf16 dot products of mithril-vectorize-contractions.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (parallel)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCopyBF16VectorsAsIntegers());

  EmitLibraryABIOptions abi;
  abi.weights = options.weights == WeightsMode::Embed      ? "embed"
                : options.weights == WeightsMode::External ? "external"
                                                           : "none";
  abi.threads = options.threads;
  abi.localInfo = options.localInfo;
  pm.addPass(createEmitLibraryABI(abi));
}
