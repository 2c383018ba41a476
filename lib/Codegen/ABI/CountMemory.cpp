//===- CountMemory.cpp - The memory a call uses ---------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryStatistics.h"
#include "mithril/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::mithril {
#define GEN_PASS_DEF_COUNTMEMORY
#include "mithril/Codegen/Passes.h.inc"
} // namespace mlir::mithril

using namespace mlir;
using namespace mlir::mithril;

namespace {

/// The bytes of one element: index as 64 bits, sub-byte types as a byte.
int64_t elementBytes(Type type) {
  if (type.isIndex())
    return 8;
  if (type.isIntOrFloat())
    return std::max<int64_t>(1, (type.getIntOrFloatBitWidth() + 7) / 8);
  return 0;
}

/// The bytes of the buffers `module` allocates; a dynamic dim counts as 1.
int64_t countAllocatedBytes(ModuleOp module) {
  int64_t bytes = 0;
  module.walk([&](memref::AllocOp alloc) {
    MemRefType type = alloc.getType();
    int64_t elements = 1;
    for (int64_t dim : type.getShape())
      elements *= ShapedType::isDynamic(dim) ? 1 : dim;
    bytes += elements * elementBytes(type.getElementType());
  });
  return bytes;
}

struct CountMemory : mithril::impl::CountMemoryBase<CountMemory> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto i64 = IntegerType::get(&getContext(), 64);
    module->setAttr(kAllocatedBytesAttrName,
                    IntegerAttr::get(i64, countAllocatedBytes(module)));
    // The arenas mithril-plan-memory placed, summed over the entries.
    for (StringRef name : {kArenaBytesAttrName, kArenaBuffersAttrName,
                           kArenaBufferBytesAttrName}) {
      int64_t total = 0;
      for (auto function : module.getOps<FunctionOpInterface>())
        if (auto value = function->getAttrOfType<IntegerAttr>(name))
          total += value.getInt();
      module->setAttr(name, IntegerAttr::get(i64, total));
    }
  }
};

} // namespace
