//===- MithrilAttributes.h - Attributes of the mithril dialect --*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_MITHRILATTRIBUTES_H
#define MITHRIL_IR_MITHRILATTRIBUTES_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/APFloat.h"

namespace mlir::mithril {

/// The distributions of `#mithril.init`.
enum class InitKind { Uniform, Normal, Constant };

} // namespace mlir::mithril

#define GET_ATTRDEF_CLASSES
#include "mithril/IR/MithrilAttributes.h.inc"

#endif // MITHRIL_IR_MITHRILATTRIBUTES_H
