//===- RandomInit.cpp - Parameters drawn from their initialisers ----------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// `--init=random`: each parameter's initialiser comes from the op that uses
// it (ParameterizedOpInterface, recorded by mithril-record-init-rules); the
// values are drawn here, when the library is written.
//
//===----------------------------------------------------------------------===//

#include "mithril/Frontend/Weights.h"
#include "mithril/IR/MithrilDialect.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/xxhash.h"

#include <cmath>
#include <vector>

using namespace mlir;
using namespace mlir::mithril;
namespace rt = ::mithril::runtime;

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

/// Values drawn on demand, kept until the source goes.
class RandomWeights : public WeightSource {
public:
  RandomWeights(uint64_t seed, DictionaryAttr rules)
      : seed(seed), rules(rules) {}

  FailureOr<ArrayRef<uint8_t>> read(const rt::Port &parameter,
                                    Location loc) override {
    auto rule = dyn_cast_or_null<InitializerAttr>(
        rules ? rules.get(parameter.name) : Attribute());
    if (!rule || parameter.dtype != rt::DType::F32 ||
        parameter.numElements() < 0)
      return emitError(loc)
             << "--init=random cannot draw parameter '" << parameter.name
             << "' (" << rt::modelDTypeName(parameter.dtype)
             << "): random values are drawn for static f32 parameters of "
                "catalog ops only";
    std::vector<float> &values = drawn[parameter.name];
    values.resize(parameter.numElements());
    fillParameter(rule, seed, parameter.name, values);
    return ArrayRef(reinterpret_cast<const uint8_t *>(values.data()),
                    values.size() * sizeof(float));
  }

private:
  uint64_t seed;
  DictionaryAttr rules;
  llvm::StringMap<std::vector<float>> drawn;
};

} // namespace

std::unique_ptr<WeightSource>
mlir::mithril::createRandomWeights(ModuleOp module) {
  auto seed =
      module->getAttrOfType<IntegerAttr>(MithrilDialect::kRandomInitAttrName);
  return std::make_unique<RandomWeights>(
      seed ? seed.getValue().getZExtValue() : 0,
      module->getAttrOfType<DictionaryAttr>(
          MithrilDialect::kInitRulesAttrName));
}

void mlir::mithril::fillParameter(InitializerAttr rule, uint64_t seed,
                                  StringRef name,
                                  MutableArrayRef<float> values) {
  Generator generator{seed ^ llvm::xxh3_64bits(name)};
  double first = rule.getFirstValue(), second = rule.getSecondValue();
  for (float &value : values) {
    switch (rule.getKind()) {
    case InitKind::Constant:
      value = float(first);
      break;
    case InitKind::Uniform:
      value = float(first + (second - first) * generator.uniform());
      break;
    case InitKind::Normal: {
      // Box-Muller; 1 - u keeps the logarithm finite.
      double radius = std::sqrt(-2.0 * std::log(1.0 - generator.uniform()));
      double angle = 2.0 * M_PI * generator.uniform();
      value = float(first + second * radius * std::cos(angle));
      break;
    }
    }
  }
}
