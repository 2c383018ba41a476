//===- CPU.h - Object code for CPUs -----------------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CPU_CPUTARGET_H
#define MITHRIL_TARGET_CPU_CPUTARGET_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir::mithril {

/// A CPU to compile for: an LLVM target triple, CPU and feature string.
struct CPUTarget {
  std::string triple;
  std::string cpu;
  std::string features;
  /// The widest vector registers, in bits (AVX-512: 512, AVX2: 256).
  int vectorBits = 128;
};

/// The target `--target=NAME` names: `host` (this CPU and its features),
/// `x86_64` (baseline x86-64), `x86_64-avx2` (x86-64-v3), `x86_64-avx512`
/// (x86-64-v4) or `aarch64` (generic ARMv8-A, Linux). std::nullopt for any
/// other name.
std::optional<CPUTarget> parseCPUTarget(llvm::StringRef name);

/// What to emit for a module in the LLVM dialect.
enum class CPUOutput { LLVMIR, Assembly, Object };

/// Translates `module` (in the LLVM dialect) to LLVM IR, defines the
/// embedded weights the module declares with `weightsImage`, optimises it at
/// -O2 for `target`, and writes `output` to `os`. Fails with a message in
/// `error`.
LogicalResult emitCPUCode(ModuleOp module, const CPUTarget &target,
                          CPUOutput output, llvm::raw_pwrite_stream &os,
                          std::string &error,
                          llvm::StringRef weightsImage = {});

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_CPU_CPUTARGET_H
