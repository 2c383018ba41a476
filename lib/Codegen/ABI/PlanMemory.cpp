//===- PlanMemory.cpp - Intermediates in one arena, reused by liveness ----===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// After bufferisation and deallocation, every intermediate and output of an
// entry is a `memref.alloc`. Those of static shape that stay in our sight
// (used in the entry, deallocated in it or returned) become views of one
// arena, which the runtime allocates once per instance and passes as the
// entry's last argument; it copies outputs out of it after the call. Two
// buffers share bytes when their lifetimes (from the allocation to the last use
// of the buffer or of a view of it, in the order of the entry's top-level ops)
// do not overlap. Offsets are chosen greedily, largest buffer first, each in
// the smallest gap that fits it (best fit), as TensorFlow Lite's "greedy by
// size" planner does; no upstream pass plans memory, hence our own.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibrarySignature.h"
#include "mithril/Codegen/LibraryStatistics.h"
#include "mithril/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/CastInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_PLANMEMORY
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// One planned intermediate: its bytes, its lifetime as positions among the
/// entry block's ops (inclusive), and its place in the arena.
struct Buffer {
  memref::AllocOp alloc;
  int64_t bytes;
  unsigned first, last;
  int64_t offset = 0;
};

int64_t alignTo(int64_t value, int64_t alignment) {
  return (value + alignment - 1) / alignment * alignment;
}

/// The position of the op of `block` that is or holds `op`.
std::optional<unsigned>
positionIn(Block &block, Operation *op,
           const DenseMap<Operation *, unsigned> &positions) {
  Operation *ancestor = block.findAncestorOpInBlock(*op);
  if (!ancestor)
    return std::nullopt;
  return positions.lookup(ancestor);
}

/// Whether `user` takes `value` (or a view of it) out of our sight: a call,
/// a terminator other than the entry's return (an output, which the runtime
/// copies out of the arena), the pointer itself (as a conditional
/// deallocation reads it).
bool escapes(Operation *user, Block &block) {
  if (isa<func::ReturnOp>(user))
    return user->getBlock() != &block;
  return isa<CallOpInterface, memref::ExtractStridedMetadataOp,
             memref::ExtractAlignedPointerAsIndexOp>(user) ||
         user->hasTrait<OpTrait::IsTerminator>();
}

/// Extends `last` to the last use of `value` and of the views of it; false
/// if one of them escapes. Deallocations of `value` itself do not count:
/// they go with the allocation.
bool lastUse(Value value, Block &block,
             const DenseMap<Operation *, unsigned> &positions, unsigned &last) {
  for (Operation *user : value.getUsers()) {
    if (auto dealloc = dyn_cast<memref::DeallocOp>(user)) {
      if (!isa_and_nonnull<memref::AllocOp>(value.getDefiningOp()))
        return false;
      continue;
    }
    if (escapes(user, block))
      return false;
    std::optional<unsigned> position = positionIn(block, user, positions);
    if (!position)
      return false;
    last = std::max(last, *position);
    auto view = dyn_cast<ViewLikeOpInterface>(user);
    bool aliases =
        (view && view.getViewSource() == value) || isa<CastOpInterface>(user);
    if (aliases)
      for (Value result : user->getResults())
        if (!lastUse(result, block, positions, last))
          return false;
  }
  return true;
}

/// The allocations of `function`'s entry block that can live in the arena:
/// static shape, identity layout, default memory space, not escaping.
SmallVector<Buffer> collectBuffers(func::FuncOp function) {
  Block &block = function.getBody().front();
  DenseMap<Operation *, unsigned> positions;
  for (auto [i, op] : llvm::enumerate(block))
    positions[&op] = i;
  DataLayout layout = DataLayout::closest(function);
  SmallVector<Buffer> buffers;
  for (auto alloc : block.getOps<memref::AllocOp>()) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getMemorySpace() || !type.getElementType().isIntOrIndexOrFloat())
      continue;
    unsigned first = positions.lookup(alloc);
    unsigned last = first;
    if (!lastUse(alloc.getResult(), block, positions, last))
      continue;
    int64_t bytes = type.getNumElements() *
                    int64_t(layout.getTypeSize(type.getElementType()));
    buffers.push_back({alloc, std::max<int64_t>(bytes, 1), first, last});
  }
  return buffers;
}

/// Places each buffer, largest first, in the smallest gap between the
/// buffers already placed whose lifetimes overlap its own; returns the
/// arena's size.
int64_t placeBuffers(MutableArrayRef<Buffer> buffers, int64_t alignment) {
  SmallVector<Buffer *> order;
  for (Buffer &buffer : buffers)
    order.push_back(&buffer);
  llvm::stable_sort(order, [](const Buffer *a, const Buffer *b) {
    return a->bytes > b->bytes;
  });
  SmallVector<Buffer *> placed;
  int64_t arenaBytes = 0;
  for (Buffer *buffer : order) {
    SmallVector<Buffer *> live;
    for (Buffer *other : placed)
      if (other->first <= buffer->last && buffer->first <= other->last)
        live.push_back(other);
    llvm::sort(live, [](const Buffer *a, const Buffer *b) {
      return a->offset < b->offset;
    });
    int64_t end = 0, best = -1, bestGap = INT64_MAX;
    for (Buffer *other : live) {
      int64_t gap = other->offset - end;
      if (gap >= buffer->bytes && gap < bestGap) {
        best = end;
        bestGap = gap;
      }
      end = std::max(end, alignTo(other->offset + other->bytes, alignment));
    }
    buffer->offset = best >= 0 ? best : end;
    arenaBytes = std::max(arenaBytes, buffer->offset + buffer->bytes);
    placed.push_back(buffer);
  }
  return alignTo(arenaBytes, alignment);
}

struct PlanMemoryPass : mlir::mithril::impl::PlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<LibrarySignature> signature = getRecordedSignature(module);
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal() || !function.isPublic())
        continue;
      int64_t bytes = plan(function);
      if (auto *entry = signature
                            ? signature->findEntry(function.getSymName().str())
                            : nullptr)
        entry->arenaBytes = bytes;
    }
    if (signature)
      setRecordedSignature(module, *signature);
  }

  /// Adds the arena argument to `function` and moves its buffers into it;
  /// returns the arena's size.
  int64_t plan(func::FuncOp function) {
    SmallVector<Buffer> buffers = collectBuffers(function);
    int64_t arenaBytes = placeBuffers(buffers, alignment);
    OpBuilder builder(function.getContext());
    auto arenaType =
        MemRefType::get({ShapedType::kDynamic}, builder.getIntegerType(8));
    unsigned index = function.getNumArguments();
    if (failed(
            function.insertArgument(index, arenaType, {}, function.getLoc())))
      return 0;
    Value arena = function.getArgument(index);
    // One constant per offset, at the top.
    DenseMap<int64_t, Value> offsets;
    Block &entryBlock = function.getBody().front();
    for (Buffer &buffer : buffers) {
      Location loc = buffer.alloc.getLoc();
      Value &offset = offsets[buffer.offset];
      if (!offset) {
        builder.setInsertionPointToStart(&entryBlock);
        offset = arith::ConstantIndexOp::create(builder, loc, buffer.offset);
      }
      builder.setInsertionPoint(buffer.alloc);
      Value view = memref::ViewOp::create(builder, loc, buffer.alloc.getType(),
                                          arena, offset, ValueRange());
      for (Operation *user :
           llvm::make_early_inc_range(buffer.alloc->getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->erase();
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }
    int64_t bufferBytes = 0;
    for (const Buffer &buffer : buffers)
      bufferBytes += buffer.bytes;
    function->setAttr(kArenaBytesAttrName,
                      builder.getI64IntegerAttr(arenaBytes));
    function->setAttr(kArenaBuffersAttrName,
                      builder.getI64IntegerAttr(buffers.size()));
    function->setAttr(kArenaBufferBytesAttrName,
                      builder.getI64IntegerAttr(bufferBytes));
    return arenaBytes;
  }
};

} // namespace
