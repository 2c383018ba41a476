//===- Weights.h - Where a model file's parameter values come from -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The weight sources of model files (see mithril/Support/WeightSource.h): a
// safetensors file (the model file's `weights`, or `--weights`), or values
// drawn from PyTorch's default initialisers (`--init=random`) by a seeded
// generator of our own, so that a seed gives the same values on every
// platform (the distributions of <random> are not portable).
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_WEIGHTS_H
#define MITHRIL_FRONTEND_WEIGHTS_H

#include "mithril/IR/MithrilAttributes.h"
#include "mithril/Support/WeightSource.h"

#include "mlir/IR/BuiltinOps.h"

#include <memory>

namespace mlir::mithril {

/// The tensors of the safetensors file at `path`, checked before any is
/// read; failure after a diagnostic at `loc`.
FailureOr<std::unique_ptr<WeightSource>> openSafetensorsWeights(StringRef path,
                                                                Location loc);

/// Values drawn from the initialisers that mithril-record-init-rules put in
/// `module` (`mithril.init_rules`), seeded by its `mithril.random_init`:
/// static f32 parameters only.
std::unique_ptr<WeightSource> createRandomWeights(ModuleOp module);

/// Fills `values` from `rule`, deterministically from `seed` and the
/// parameter's full `name` (so each parameter gets its own stream).
void fillParameter(InitializerAttr rule, uint64_t seed, llvm::StringRef name,
                   llvm::MutableArrayRef<float> values);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_WEIGHTS_H
