//===- CPUTarget.h - The CPU target -----------------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// CPUs through LLVM: x86-64 (baseline, AVX2, AVX-512) and AArch64. Matmuls
// and elementwise ops are tiled for the caches and vector registers and
// vectorised, loops over blocks run on OpenMP threads, and the module
// becomes an object, a static or a shared library.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CPU_CPUTARGET_H
#define MITHRIL_TARGET_CPU_CPUTARGET_H

#include "mithril/Target/Target.h"

#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir::mithril {

/// A CPU to compile for: an LLVM target triple, CPU and feature string.
struct CPUMachine {
  std::string triple;
  std::string cpu;
  std::string features;
  /// The widest vector registers, in bits (AVX-512: 512, AVX2: 256).
  int vectorBits = 128;
  /// Whether it has AVX-512 BF16: the bf16 dot product (`vdpbf16ps`) and
  /// conversions from f32.
  bool bf16DotProducts = false;
  /// Whether it has AVX-512 VNNI: the int8 dot product (`vpdpbusd`).
  bool int8DotProducts = false;
};

/// The machine `--target=NAME` names: `host` (this CPU and its features),
/// `x86_64` (baseline x86-64), `x86_64-avx2` (x86-64-v3), `x86_64-avx512`
/// (x86-64-v4) or `aarch64` (generic ARMv8-A, Linux); none for any other
/// name.
std::optional<CPUMachine> parseCPUMachine(llvm::StringRef name);

/// The passes of the CPU's own phases for `machine`: tiling, vectorisation,
/// bufferisation and memory planning (`bufferize`); everything to the LLVM
/// dialect and the library's C interface (`llvm`).
void addCPUBufferizePhase(OpPassManager &pm, const CPUMachine &machine,
                          const PipelineOptions &options);
void addCPULLVMPhase(OpPassManager &pm, const CPUMachine &machine,
                     const PipelineOptions &options);

/// What LLVM writes for a module in the LLVM dialect.
enum class CPUOutput { LLVMIR, Assembly, Object };

/// Translates `module` (in the LLVM dialect) to LLVM IR, defines the
/// embedded weights the module declares with `weightsImage`, optimises it
/// at -O2 for `machine`, and writes `output` to `os`. Fails with a message
/// in `error`.
LogicalResult emitCPUCode(ModuleOp module, const CPUMachine &machine,
                          CPUOutput output, llvm::raw_pwrite_stream &os,
                          std::string &error,
                          llvm::StringRef weightsImage = {});

/// Registers the CPU family of targets (`lookupTarget("x86_64-avx2")`) and
/// its pipelines for mlc-opt: `mithril-cpu-bufferize-pipeline`,
/// `mithril-cpu-llvm-pipeline` and `mithril-cpu-pipeline` (every phase).
/// Once per process: registerAllTargets() calls it.
void registerCPUTarget();

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_CPU_CPUTARGET_H
