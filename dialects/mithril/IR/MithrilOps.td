//===- MithrilOps.td - All ops of the mithril dialect ---------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The op catalog, version 1 (`spec/model-format.md`), plus the
// ops that give a logical model its structure. One file per op family.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_OPS_TD
#define MITHRIL_OPS_TD

include "MithrilBase.td"
include "MithrilAttributes.td"
include "MithrilModelOps.td"
include "MithrilLayerOps.td"
include "MithrilElementwiseOps.td"
include "MithrilShapeOps.td"
include "MithrilReductionOps.td"
include "MithrilGradientOps.td"

#endif // MITHRIL_OPS_TD
