//===- LibraryStatistics.cpp - What a call costs --------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryStatistics.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/CastInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace mlir::mithril;

/// A dynamic extent counts as 1.
static int64_t extentOrOne(int64_t extent) {
  return ShapedType::isDynamic(extent) ? 1 : extent;
}

static int64_t countBodyOps(linalg::LinalgOp op) {
  int64_t count = 0;
  op->walk([&](Operation *nested) {
    if (nested == op.getOperation() || isa<arith::ConstantOp>(nested) ||
        isa<CastOpInterface>(nested))
      return;
    if (isa<arith::ArithDialect, math::MathDialect>(nested->getDialect()))
      ++count;
  });
  return count;
}

int64_t mlir::mithril::countFlops(ModuleOp module) {
  int64_t flops = 0;
  module.walk([&](linalg::LinalgOp op) {
    int64_t iterations = 1;
    for (int64_t extent : op.getStaticLoopRanges())
      iterations *= extentOrOne(extent);
    flops += iterations * countBodyOps(op);
  });
  return flops;
}

/// The bytes of one element: index as 64 bits, sub-byte types as a byte.
static int64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  if (type.isIntOrFloat())
    return std::max<int64_t>(1, (type.getIntOrFloatBitWidth() + 7) / 8);
  return 0;
}

int64_t mlir::mithril::countAllocatedBytes(ModuleOp module) {
  int64_t bytes = 0;
  module.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    int64_t elements = 1;
    for (int64_t dim : type.getShape())
      elements *= extentOrOne(dim);
    bytes += elements * elementBytes(type.getElementType());
  });
  return bytes;
}

ArenaStatistics mlir::mithril::countArenaBytes(ModuleOp module) {
  ArenaStatistics statistics;
  for (auto function : module.getOps<FunctionOpInterface>()) {
    auto get = [&](StringRef name) -> int64_t {
      auto attr = function->getAttrOfType<IntegerAttr>(name);
      return attr ? attr.getInt() : 0;
    };
    statistics.arenaBytes += get(kArenaBytesAttrName);
    statistics.bufferBytes += get(kArenaBufferBytesAttrName);
    statistics.buffers += get(kArenaBuffersAttrName);
  }
  return statistics;
}
