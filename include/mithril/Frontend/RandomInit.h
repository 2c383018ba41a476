//===- RandomInit.h - PyTorch's default parameter initialisers --*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `--init=random`: the values a freshly constructed PyTorch module gives its
// parameters (kaiming-uniform weights, zero biases, unit norms, ...), drawn
// from a seeded generator of our own so that a seed gives the same values
// on every platform (the distributions of <random> are not portable).
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_FRONTEND_RANDOMINIT_H
#define MITHRIL_FRONTEND_RANDOMINIT_H

#include "mithril/IR/MithrilOps.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>

namespace mlir::mithril {

/// A distribution of parameter values.
struct InitRule {
  enum class Kind { Uniform, Normal, Constant };
  Kind kind = Kind::Constant;
  double first = 0;  // Uniform: low; Normal: mean; Constant: the value
  double second = 0; // Uniform: high; Normal: standard deviation

  static InitRule uniform(double bound) {
    return {Kind::Uniform, -bound, bound};
  }
  static InitRule normal(double stddev) { return {Kind::Normal, 0, stddev}; }
  static InitRule constant(double value) { return {Kind::Constant, value, 0}; }
};

/// PyTorch's default initialiser of `parameter`, read off the catalog op
/// that uses it: `Linear`/`Conv` weights and biases U(-1/sqrt(fan_in),
/// 1/sqrt(fan_in)), `Embedding` N(0, 1), norm weights and running variances
/// 1, biases and running means 0, `MultiheadAttention` in-projection
/// Xavier-uniform with zero biases. Fails if no catalog op uses it.
FailureOr<InitRule> getDefaultInitRule(ParameterOp parameter);

/// Fills `values` from `rule`, deterministically from `seed` and the
/// parameter's full `name` (so each parameter gets its own stream).
void fillParameter(const InitRule &rule, uint64_t seed, llvm::StringRef name,
                   llvm::MutableArrayRef<float> values);

} // namespace mlir::mithril

#endif // MITHRIL_FRONTEND_RANDOMINIT_H
