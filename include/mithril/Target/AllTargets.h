//===- AllTargets.h - Every target Mithril has ------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_ALLTARGETS_H
#define MITHRIL_TARGET_ALLTARGETS_H

namespace mlir::mithril {

/// Registers every target family (and its mlc-opt pipelines) and the common
/// pipelines; idempotent.
void registerAllTargets();

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_ALLTARGETS_H
