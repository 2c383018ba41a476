//===- LibraryStatistics.h - What a call costs ------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The numbers `mlc-compile --stats` prints. Dynamic dims are taken as 1, so
// for a model with a dynamic batch the numbers are per batch element.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_LIBRARYSTATISTICS_H
#define MITHRIL_CODEGEN_LIBRARYSTATISTICS_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::mithril {

/// Arithmetic operations per call, counted on linalg: each linalg op's
/// iterations times the arithmetic ops of its body (a multiply-add counts
/// 2; constants and casts count 0).
int64_t countFlops(ModuleOp module);

/// Bytes of the buffers a call allocates (memref.alloc), on bufferized IR.
int64_t countAllocatedBytes(ModuleOp module);

/// What mithril-plan-memory records on each entry: the arena's bytes, the
/// buffers placed in it, and their bytes without reuse.
constexpr llvm::StringLiteral kArenaBytesAttrName = "mithril.arena_bytes";
constexpr llvm::StringLiteral kArenaBuffersAttrName = "mithril.arena_buffers";
constexpr llvm::StringLiteral kArenaBufferBytesAttrName =
    "mithril.arena_buffer_bytes";

/// What mithril-plan-memory placed, summed over the entries.
struct ArenaStatistics {
  /// The arenas' bytes, and the bytes of the buffers in them (what they
  /// would take without reuse).
  int64_t arenaBytes = 0, bufferBytes = 0;
  int64_t buffers = 0;
};
ArenaStatistics countArenaBytes(ModuleOp module);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_LIBRARYSTATISTICS_H
