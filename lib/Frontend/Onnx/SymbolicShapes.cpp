//===- SymbolicShapes.cpp - The symbolic sizes of imported values ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// What `Shape` of a value gives when its dims are dynamic: the model's dim
// symbols, carried through each op by the op's own type inference rather
// than by rules of our own. The op's inference is run on *probe* operands:
// each symbol stands for a distinct prime far from any real size, so a
// result dim that the op keeps, multiplies or concatenates comes out as a
// product of those primes and is read back as the product of the symbols
// (N, 2 * N, N * T). It is run twice with two sets of primes, and only an
// answer both agree on counts, so no coincidence passes. A dim no probe
// explains gets a fresh symbol of its own, so that equal sizes still compare
// equal and products (`?3 * 4`) still divide.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mithril/IR/MithrilOps.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

using MaybeShape = SmallVector<std::optional<SymbolicSize>>;
using Probes = llvm::StringMap<int64_t>;

/// Two sets of primes, each far from the sizes of real models and from the
/// other set's, so that products of up to four fit in 63 bits.
constexpr int64_t kProbePrimes[2][8] = {
    {10007, 10009, 10037, 10039, 10061, 10067, 10069, 10079},
    {20011, 20021, 20023, 20029, 20047, 20051, 20063, 20071}};

/// `size` with each symbol replaced by its probe; none on overflow.
std::optional<int64_t> evaluate(const SymbolicSize &size,
                                const Probes &probes) {
  int64_t value = size.factor;
  for (const std::string &symbol : size.symbols)
    if (llvm::MulOverflow(value, probes.lookup(symbol), value))
      return std::nullopt;
  return value;
}

/// `value` as a factor times the symbols whose probes divide it; none if
/// no probe divides it (a size the op computed some other way).
std::optional<SymbolicSize> decode(int64_t value, const Probes &probes) {
  SymbolicSize size;
  for (const auto &probe : probes)
    while (value != 0 && value % probe.getValue() == 0) {
      value /= probe.getValue();
      size.symbols.push_back(probe.getKey().str());
    }
  if (size.symbols.empty() || value <= 0)
    return std::nullopt;
  llvm::sort(size.symbols);
  size.factor = value;
  return size;
}

/// The type of result `result` that its op infers when the dynamic dims of
/// its operands (whose symbolic shapes are `shapes`) have their probes;
/// none if a size overflows or the op refuses the probes (two symbols it
/// requires to be equal, say).
RankedTensorType inferWithProbes(OpResult result,
                                 ArrayRef<SmallVector<SymbolicSize>> shapes,
                                 const Probes &probes) {
  Operation *op = result.getOwner();
  auto inference = dyn_cast<InferTypeOpInterface>(op);
  if (!inference)
    return {};
  Block operands; // Block arguments of the probe types stand for them.
  for (auto [operand, shape] : llvm::zip_equal(op->getOperands(), shapes)) {
    auto type = cast<RankedTensorType>(operand.getType());
    SmallVector<int64_t> sizes(type.getShape());
    for (auto [i, size] : llvm::enumerate(shape)) {
      if (!type.isDynamicDim(i))
        continue;
      std::optional<int64_t> probe = evaluate(size, probes);
      if (!probe)
        return {};
      sizes[i] = *probe;
    }
    operands.addArgument(type.clone(sizes), op->getLoc());
  }
  MLIRContext *context = op->getContext();
  ScopedDiagnosticHandler silence(context,
                                  [](Diagnostic &) { return success(); });
  SmallVector<Type> types;
  if (failed(inference.inferReturnTypes(
          context, op->getLoc(), ValueRange(operands.getArguments()),
          op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
          op->getRegions(), types)) ||
      types.size() != op->getNumResults())
    return {};
  return dyn_cast<RankedTensorType>(types[result.getResultNumber()]);
}

/// The sizes `result` keeps from its operands, given theirs: the dims both
/// probes explain the same way.
MaybeShape inferredShape(OpResult result,
                         function_ref<SmallVector<SymbolicSize>(Value)> of) {
  auto type = cast<RankedTensorType>(result.getType());
  MaybeShape shape(type.getRank());
  Operation *op = result.getOwner();
  if (!llvm::all_of(op->getOperandTypes(), llvm::IsaPred<RankedTensorType>))
    return shape;
  SmallVector<SmallVector<SymbolicSize>> shapes;
  SmallVector<std::string> symbols;
  for (Value operand : op->getOperands()) {
    shapes.push_back(of(operand));
    for (const SymbolicSize &size : shapes.back())
      for (const std::string &symbol : size.symbols)
        if (!llvm::is_contained(symbols, symbol))
          symbols.push_back(symbol);
  }
  if (symbols.empty() || symbols.size() > std::size(kProbePrimes[0]))
    return shape;
  Probes probes[2];
  for (auto [i, symbol] : llvm::enumerate(symbols))
    for (int set : {0, 1})
      probes[set][symbol] = kProbePrimes[set][i];
  RankedTensorType first = inferWithProbes(result, shapes, probes[0]);
  RankedTensorType second = inferWithProbes(result, shapes, probes[1]);
  if (!first || !second || first.getRank() != type.getRank() ||
      second.getRank() != type.getRank())
    return shape;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!type.isDynamicDim(i))
      continue;
    std::optional<SymbolicSize> a = decode(first.getDimSize(i), probes[0]);
    std::optional<SymbolicSize> b = decode(second.getDimSize(i), probes[1]);
    if (a && b && *a == *b)
      shape[i] = a;
  }
  return shape;
}

} // namespace

SmallVector<SymbolicSize> GraphImporter::symbolicShape(Value value) {
  if (auto found = shapes.find(value); found != shapes.end())
    return found->second;
  auto type = cast<RankedTensorType>(value.getType());
  MaybeShape inferred(type.getRank());
  if (auto result = dyn_cast<OpResult>(value))
    inferred = inferredShape(
        result, [&](Value operand) { return symbolicShape(operand); });
  SmallVector<SymbolicSize> shape;
  for (auto [i, size] : llvm::enumerate(inferred)) {
    if (!type.isDynamicDim(i))
      shape.push_back(SymbolicSize::constant(type.getDimSize(i)));
    else if (size)
      shape.push_back(*size);
    else
      shape.push_back(SymbolicSize::symbol("?" + std::to_string(++freshSizes)));
  }
  shapes[value] = shape;
  return shape;
}
