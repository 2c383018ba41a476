//===- RandomInit.cpp - PyTorch's default parameter initialisers ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/RandomInit.h"

#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/xxhash.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

/// U(-1/sqrt(fan_in), 1/sqrt(fan_in)): what kaiming_uniform_(a=sqrt(5))
/// gives a weight, and what torch.nn.Linear/ConvNd give their bias.
static InitRule fanInUniform(int64_t fanIn) {
  return InitRule::uniform(fanIn > 0 ? 1.0 / std::sqrt(double(fanIn)) : 0.0);
}

/// The fan-in of a convolution: in_channels / groups * kernel volume.
template <typename ConvOp> static int64_t convFanIn(ConvOp conv) {
  auto weight = cast<RankedTensorType>(conv.getWeight().getType());
  int64_t fanIn = 1;
  for (int64_t size : weight.getShape().drop_front())
    fanIn *= size;
  return fanIn;
}

FailureOr<InitRule> mlir::mithril::getDefaultInitRule(ParameterOp parameter) {
  Value value = parameter.getResult();
  for (OpOperand &use : value.getUses()) {
    Operation *owner = use.getOwner();
    auto is = [&](Value operand) { return operand == value; };
    std::optional<InitRule> rule =
        llvm::TypeSwitch<Operation *, std::optional<InitRule>>(owner)
            .Case([&](LinearOp op) { return fanInUniform(op.getInFeatures()); })
            .Case<Conv1dOp, Conv2dOp>(
                [&](auto op) { return fanInUniform(convFanIn(op)); })
            .Case([&](EmbeddingOp) { return InitRule::normal(1.0); })
            .Case<BatchNorm1dOp, BatchNorm2dOp>([&](auto op) {
              bool one = is(op.getWeight()) || is(op.getRunningVar());
              return InitRule::constant(one ? 1.0 : 0.0);
            })
            .Case([&](LayerNormOp op) {
              return InitRule::constant(is(op.getWeight()) ? 1.0 : 0.0);
            })
            .Case([&](RMSNormOp) { return InitRule::constant(1.0); })
            .Case([&](GroupNormOp op) {
              return InitRule::constant(is(op.getWeight()) ? 1.0 : 0.0);
            })
            .Case([&](MultiheadAttentionOp op) -> std::optional<InitRule> {
              int64_t embed = op.getEmbedDim();
              if (is(op.getInProjWeight())) // Xavier-uniform of [3E, E].
                return InitRule::uniform(std::sqrt(6.0 / double(4 * embed)));
              if (is(op.getOutProjWeight()))
                return fanInUniform(embed);
              return InitRule::constant(0.0); // Both biases.
            })
            .Default([](Operation *) { return std::nullopt; });
    if (rule)
      return *rule;
  }
  return failure();
}

namespace {
/// splitmix64: small, fast, and the same on every platform.
struct Generator {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1), with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }
};
} // namespace

void mlir::mithril::fillParameter(const InitRule &rule, uint64_t seed,
                                  StringRef name,
                                  MutableArrayRef<float> values) {
  Generator generator{seed ^ llvm::xxh3_64bits(name)};
  for (float &value : values) {
    switch (rule.kind) {
    case InitRule::Kind::Constant:
      value = float(rule.first);
      break;
    case InitRule::Kind::Uniform:
      value =
          float(rule.first + (rule.second - rule.first) * generator.uniform());
      break;
    case InitRule::Kind::Normal: {
      // Box-Muller; 1 - u keeps the logarithm finite.
      double radius = std::sqrt(-2.0 * std::log(1.0 - generator.uniform()));
      double angle = 2.0 * M_PI * generator.uniform();
      value = float(rule.first + rule.second * radius * std::cos(angle));
      break;
    }
    }
  }
}
