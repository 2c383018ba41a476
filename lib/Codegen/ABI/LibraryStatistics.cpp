//===- LibraryStatistics.cpp - What a call costs --------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Codegen/LibraryStatistics.h"

using namespace mlir;
using namespace mlir::mithril;

LibraryStatistics mlir::mithril::getRecordedStatistics(ModuleOp module) {
  auto get = [&](StringRef name) -> std::optional<int64_t> {
    if (auto attr = module->getAttrOfType<IntegerAttr>(name))
      return attr.getInt();
    return std::nullopt;
  };
  return {get(kFlopsAttrName), get(kAllocatedBytesAttrName),
          get(kArenaBytesAttrName), get(kArenaBuffersAttrName),
          get(kArenaBufferBytesAttrName)};
}
