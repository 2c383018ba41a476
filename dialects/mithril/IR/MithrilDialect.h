//===- MithrilDialect.h - The mithril dialect ------------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_MITHRILDIALECT_H
#define MITHRIL_IR_MITHRILDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/Dialect.h"

#include "mithril/IR/MithrilOpsDialect.h.inc"

#endif // MITHRIL_IR_MITHRILDIALECT_H
