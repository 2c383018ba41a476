//===- LibraryStatistics.h - What a call costs ------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The numbers `mlc-compile --stats` prints, recorded in the module by the
// phase that can count them: mithril-count-flops on linalg,
// mithril-count-memory after mithril-plan-memory. Dynamic dims are taken as
// 1, so for a model with a dynamic batch the numbers are per batch element.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_LIBRARYSTATISTICS_H
#define MITHRIL_CODEGEN_LIBRARYSTATISTICS_H

#include "mlir/IR/BuiltinOps.h"

#include <optional>

namespace mlir::mithril {

/// What mithril-plan-memory records on each entry, and mithril-count-memory
/// sums over the entries on the module: the arena's bytes, the buffers
/// placed in it, and their bytes without reuse.
constexpr llvm::StringLiteral kArenaBytesAttrName = "mithril.arena_bytes";
constexpr llvm::StringLiteral kArenaBuffersAttrName = "mithril.arena_buffers";
constexpr llvm::StringLiteral kArenaBufferBytesAttrName =
    "mithril.arena_buffer_bytes";
/// What mithril-count-memory records: the bytes a call allocates.
constexpr llvm::StringLiteral kAllocatedBytesAttrName =
    "mithril.allocated_bytes";
/// What mithril-count-flops records: arithmetic operations per call.
constexpr llvm::StringLiteral kFlopsAttrName = "mithril.flops";

/// The statistics recorded in a module; those not recorded are unset.
struct LibraryStatistics {
  std::optional<int64_t> flops;
  std::optional<int64_t> allocatedBytes;
  /// The arenas' bytes, the buffers in them, and their bytes without reuse.
  std::optional<int64_t> arenaBytes, arenaBuffers, arenaBufferBytes;
};
LibraryStatistics getRecordedStatistics(ModuleOp module);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_LIBRARYSTATISTICS_H
