//===- ShapeOps.cpp - ONNX shape ops and shape computations ---------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Ops that move data (Reshape, Transpose, Slice, Concat, Gather, Pad, ...)
// and the shape computations exporters put around them. Shape, Gather,
// Unsqueeze, Concat and Slice of sizes known at import time stay known
// (products of the model's dim symbols), so that a Reshape's computed
// shape folds into its attribute: a constant, a symbol of the model (`N`)
// or the one `-1`.
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

namespace {

constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

Type i64Type(NodeImport &node) { return node.builder().getI64Type(); }

/// The axes of a node: its `axes` input from `fromOpset` on, its attribute
/// before; `otherwise` where it has none.
FailureOr<SmallVector<int64_t>> axesOf(NodeImport &node, unsigned input,
                                       int64_t fromOpset,
                                       ArrayRef<int64_t> otherwise = {}) {
  if (node.opset() < fromOpset)
    return node.attributes.ints("axes", otherwise);
  if (!node.has(input))
    return SmallVector<int64_t>(otherwise);
  return node.constantInts(input, "axes");
}

LogicalResult convertConstant(NodeImport &node) {
  if (const onnx::AttributeProto *value = node.attributes.lookup("value");
      value && value->has_t())
    return node.setConstantOutput(0, node.tensorValue(value->t()));
  OpBuilder &b = node.builder();
  auto vector = [&](Type element, int64_t size) {
    return RankedTensorType::get({size}, element);
  };
  auto scalar = [&](Type element) {
    return RankedTensorType::get({}, element);
  };
  if (node.attributes.has("value_float"))
    return node.setConstantOutput(
        0, DenseElementsAttr::get(scalar(b.getF32Type()),
                                  node.attributes.real("value_float", 0)));
  if (node.attributes.has("value_int"))
    return node.setConstantOutput(
        0, DenseElementsAttr::get(scalar(b.getI64Type()),
                                  node.attributes.integer("value_int", 0)));
  if (node.attributes.has("value_floats")) {
    SmallVector<float> values = node.attributes.reals("value_floats");
    return node.setConstantOutput(
        0, DenseElementsAttr::get(vector(b.getF32Type(), values.size()),
                                  ArrayRef<float>(values)));
  }
  if (node.attributes.has("value_ints")) {
    SmallVector<int64_t> values = node.attributes.ints("value_ints");
    return node.setConstantOutput(
        0, DenseElementsAttr::get(vector(b.getI64Type(), values.size()),
                                  ArrayRef<int64_t>(values)));
  }
  return node.refuse("only a tensor, float(s) or int(s) value is supported");
}

/// Shape: the (symbolic) sizes of the input's dims, from `start` to `end`.
LogicalResult convertShape(NodeImport &node) {
  if (failed(node.checkAttributes({"start", "end"})))
    return failure();
  SmallVector<SymbolicSize> shape;
  if (const KnownInts *ints = node.known(0)) {
    if (!ints->scalar)
      shape.push_back(SymbolicSize::constant(ints->elements.size()));
  } else if (Value input = node.input(0)) {
    shape = node.symbolicShape(input);
  } else {
    return failure();
  }
  auto rank = int64_t(shape.size());
  auto clamp = [&](int64_t index) {
    return std::clamp<int64_t>(index < 0 ? index + rank : index, 0, rank);
  };
  int64_t start = clamp(node.attributes.integer("start", 0));
  int64_t end = clamp(node.attributes.integer("end", rank));
  KnownInts result{i64Type(node), false, {}};
  for (int64_t i = start; i < end; ++i)
    result.elements.push_back(shape[i]);
  node.setKnownOutput(0, std::move(result));
  return success();
}

LogicalResult convertSize(NodeImport &node) {
  Value input = node.checkedInput({});
  if (!input)
    return failure();
  SymbolicSize count = SymbolicSize::constant(1);
  for (const SymbolicSize &size : node.symbolicShape(input)) {
    std::optional<SymbolicSize> product = multiply(count, size);
    if (!product)
      return node.refuse("the element count overflows");
    count = *product;
  }
  node.setKnownOutput(0, KnownInts{i64Type(node), true, {count}});
  return success();
}

/// Whether `ints` is a list of sizes (rank 1).
bool isSizeList(const KnownInts *ints) { return ints && !ints->scalar; }

/// Gather along `axis`: of known sizes it picks sizes; of a tensor with
/// constant indices, slices; with indices known only at run time along
/// dim 0 of a 2-D table, an embedding lookup.
LogicalResult convertGather(NodeImport &node) {
  if (failed(node.checkAttributes({"axis"})))
    return failure();
  int64_t axis = node.attributes.integer("axis", 0);
  const KnownInts *indices = node.known(1);
  std::optional<SmallVector<int64_t>> constantIndices =
      indices ? indices->constants() : std::nullopt;
  if (isSizeList(node.known(0)) && constantIndices &&
      (axis == 0 || axis == -1)) {
    const KnownInts &data = *node.known(0);
    auto size = int64_t(data.elements.size());
    KnownInts result{data.elementType, indices->scalar, {}};
    for (int64_t index : *constantIndices) {
      if (index < -size || index >= size)
        return node.refuse("index " + Twine(index) + " is out of range");
      result.elements.push_back(
          data.elements[index < 0 ? index + size : index]);
    }
    node.setKnownOutput(0, std::move(result));
    return success();
  }
  Value data = node.input(0);
  if (!data)
    return failure();
  auto dataType = cast<RankedTensorType>(data.getType());
  std::optional<int64_t> dim = normalizeAxis(axis, dataType.getRank());
  if (!dim)
    return node.refuse("axis is out of range");
  if (constantIndices) {
    int64_t size = dataType.getDimSize(*dim);
    SmallVector<Value> pieces;
    for (int64_t index : *constantIndices) {
      if (index < 0 && ShapedType::isDynamic(size))
        return node.refuse("a negative index into a dynamic dim is not "
                           "supported");
      if (!ShapedType::isDynamic(size) && (index < -size || index >= size))
        return node.refuse("index " + Twine(index) + " is out of range");
      int64_t start = index < 0 ? index + size : index;
      pieces.push_back(node.build<SliceOp>(data, *dim, start, start + 1));
    }
    if (pieces.empty())
      return node.refuse("gathering no indices is not supported");
    if (indices->scalar)
      return node.setOutput(node.build<SqueezeOp>(pieces.front(), *dim));
    Value result = pieces.size() == 1 ? pieces.front()
                                      : node.build<ConcatOp>(pieces, *dim);
    return node.setOutput(result);
  }
  Value index = node.input(1);
  if (!index)
    return failure();
  if (*dim != 0 || dataType.getRank() != 2 || !dataType.hasStaticShape() ||
      !isa<FloatType>(dataType.getElementType()))
    return node.refuse("indices known only at run time are supported only "
                       "into dim 0 of a static 2-D float table (an "
                       "embedding)");
  return node.setOutput(node.build<EmbeddingOp>(
      index, data, dataType.getDimSize(0), dataType.getDimSize(1)));
}

/// GatherElements, torch.gather: negative indices (ONNX allows them)
/// count from the end of a static dim.
LogicalResult convertGatherElements(NodeImport &node) {
  if (failed(node.checkAttributes({"axis"})))
    return failure();
  Value data = node.input(0), indices = node.input(1);
  if (!data || !indices)
    return failure();
  auto dataType = cast<RankedTensorType>(data.getType());
  std::optional<int64_t> dim =
      normalizeAxis(node.attributes.integer("axis", 0), dataType.getRank());
  if (!dim)
    return node.refuse("axis is out of range");
  int64_t size = dataType.getDimSize(*dim);
  if (ShapedType::isDynamic(size))
    return node.refuse("gathering along a dynamic dim is not supported");
  Type indexType = getElementTypeOrSelf(indices);
  Value negative = node.build<LessOp>(indices, node.scalar(0, indexType));
  Value wrapped = node.build<AddOp>(indices, node.scalar(size, indexType));
  Value index = node.build<WhereOp>(negative, wrapped, indices);
  return node.setOutput(node.build<GatherOp>(data, index, *dim));
}

/// `axes` normalised for rank `rank`; a refusal where one is out of range
/// or repeated.
FailureOr<SmallVector<int64_t>>
distinctDims(NodeImport &node, ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> dims;
  for (int64_t axis : axes) {
    std::optional<int64_t> dim = normalizeAxis(axis, rank);
    if (!dim || llvm::is_contained(dims, *dim))
      return node.refuse("axes are out of range or repeated");
    dims.push_back(*dim);
  }
  return dims;
}

/// Known integers of input 0 made a list (`scalar` false) or a scalar:
/// Unsqueeze and Squeeze of sizes. False where input 0 is no such value.
bool reshapeKnown(NodeImport &node, bool scalar, ArrayRef<int64_t> dims) {
  const KnownInts *ints = node.known(0);
  if (!ints || ints->scalar == scalar || dims != ArrayRef<int64_t>{0})
    return false;
  KnownInts result = *ints;
  result.scalar = scalar;
  node.setKnownOutput(0, std::move(result));
  return true;
}

/// Unsqueeze at `axes` (of the result).
LogicalResult convertUnsqueeze(NodeImport &node) {
  if (failed(node.checkAttributes({"axes"})))
    return failure();
  FailureOr<SmallVector<int64_t>> axes = axesOf(node, 1, 13);
  if (failed(axes))
    return failure();
  RankedTensorType type = node.inputType(0);
  if (!type)
    return node.refuse("input 0 is required");
  FailureOr<SmallVector<int64_t>> dims =
      distinctDims(node, *axes, type.getRank() + int64_t(axes->size()));
  if (failed(dims))
    return failure();
  llvm::sort(*dims);
  if (reshapeKnown(node, /*scalar=*/false, *dims))
    return success();
  Value result = node.input(0);
  for (int64_t dim : *dims)
    result = node.build<UnsqueezeOp>(result, dim);
  return node.setOutput(result);
}

/// Squeeze at `axes`, or every dim of static size 1.
LogicalResult convertSqueeze(NodeImport &node) {
  if (failed(node.checkAttributes({"axes"})))
    return failure();
  FailureOr<SmallVector<int64_t>> axes = axesOf(node, 1, 13);
  if (failed(axes))
    return failure();
  RankedTensorType type = node.inputType(0);
  if (!type)
    return node.refuse("input 0 is required");
  FailureOr<SmallVector<int64_t>> given =
      distinctDims(node, *axes, type.getRank());
  if (failed(given))
    return failure();
  SmallVector<int64_t> dims = *given;
  if (axes->empty())
    for (int64_t dim = 0; dim < type.getRank(); ++dim) {
      if (type.isDynamicDim(dim))
        return node.refuse("squeezing without axes needs static dims");
      if (type.getDimSize(dim) == 1)
        dims.push_back(dim);
    }
  if (reshapeKnown(node, /*scalar=*/true, dims))
    return success();
  llvm::sort(dims, std::greater<int64_t>());
  Value result = node.input(0);
  for (int64_t dim : dims)
    result = node.build<SqueezeOp>(result, dim);
  return node.setOutput(result);
}

LogicalResult convertConcat(NodeImport &node) {
  if (failed(node.checkAttributes({"axis"})))
    return failure();
  int64_t axis = node.attributes.integer("axis", 0);
  bool allKnown = node.numInputs() > 0;
  for (unsigned i = 0; i < node.numInputs(); ++i)
    allKnown &= isSizeList(node.known(i));
  if (allKnown && (axis == 0 || axis == -1)) {
    KnownInts result{node.known(0)->elementType, false, {}};
    for (unsigned i = 0; i < node.numInputs(); ++i)
      llvm::append_range(result.elements, node.known(i)->elements);
    node.setKnownOutput(0, std::move(result));
    return success();
  }
  SmallVector<Value> operands;
  for (unsigned i = 0; i < node.numInputs(); ++i) {
    operands.push_back(node.input(i));
    if (!operands.back())
      return failure();
  }
  return node.setOutput(node.build<ConcatOp>(operands, axis));
}

/// One sliced axis: Python's rules (negative counts from the end,
/// clamped), a positive step.
struct SliceRange {
  int64_t dim, start, end, step;
};

/// Slice's ranges: inputs from opset 10, attributes before. A start or end
/// equal to the dim's symbolic size is its end.
FailureOr<SmallVector<SliceRange>> sliceRanges(NodeImport &node, int64_t rank,
                                               ArrayRef<SymbolicSize> shape) {
  SmallVector<int64_t> axes, steps;
  SmallVector<SymbolicSize> starts, ends;
  auto sizes = [](ArrayRef<int64_t> values) {
    SmallVector<SymbolicSize> result;
    for (int64_t value : values)
      result.push_back(SymbolicSize::constant(value));
    return result;
  };
  if (node.opset() < 10) {
    starts = sizes(node.attributes.ints("starts"));
    ends = sizes(node.attributes.ints("ends"));
    axes = node.attributes.ints("axes");
  } else {
    const KnownInts *knownStarts = node.known(1), *knownEnds = node.known(2);
    if (!knownStarts || !knownEnds)
      return node.refuse("starts and ends known only at run time are not "
                         "supported");
    starts = knownStarts->elements;
    ends = knownEnds->elements;
    if (node.has(3)) {
      FailureOr<SmallVector<int64_t>> given = node.constantInts(3, "axes");
      if (failed(given))
        return failure();
      axes = *given;
    }
    if (node.has(4)) {
      FailureOr<SmallVector<int64_t>> given = node.constantInts(4, "steps");
      if (failed(given))
        return failure();
      steps = *given;
    }
  }
  if (axes.empty())
    for (int64_t i = 0; i < int64_t(starts.size()); ++i)
      axes.push_back(i);
  if (steps.empty())
    steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return node.refuse("starts, ends, axes and steps differ in length");
  SmallVector<SliceRange> ranges;
  for (auto [i, axis] : llvm::enumerate(axes)) {
    std::optional<int64_t> dim = normalizeAxis(axis, rank);
    if (!dim)
      return node.refuse("axis " + Twine(axis) + " is out of range");
    if (steps[i] <= 0)
      return node.refuse("steps other than positive are not supported");
    auto bound = [&](const SymbolicSize &size) -> std::optional<int64_t> {
      if (size.isConstant())
        return size.factor;
      if (size == shape[*dim])
        return kUnbounded;
      return std::nullopt;
    };
    std::optional<int64_t> start = bound(starts[i]), end = bound(ends[i]);
    if (!start || !end)
      return node.refuse("a bound known only at run time is not supported");
    ranges.push_back({*dim, *start, *end, steps[i]});
  }
  return ranges;
}

/// `value` clamped into [0, size] with Python's rule for negatives.
int64_t clampIndex(int64_t value, int64_t size) {
  if (value < 0)
    value = value < -size ? 0 : value + size;
  return std::min(value, size);
}

LogicalResult convertSlice(NodeImport &node) {
  if (failed(node.checkAttributes(
          node.opset() < 10 ? ArrayRef<StringRef>{"starts", "ends", "axes"}
                            : ArrayRef<StringRef>{})))
    return failure();
  RankedTensorType type = node.inputType(0);
  if (!type)
    return node.refuse("input 0 is required");
  if (const KnownInts *ints = node.known(0); isSizeList(ints)) {
    auto size = int64_t(ints->elements.size());
    SmallVector<SymbolicSize> shape{SymbolicSize::constant(size)};
    FailureOr<SmallVector<SliceRange>> ranges = sliceRanges(node, 1, shape);
    if (failed(ranges))
      return failure();
    KnownInts result{ints->elementType, false, {}};
    SliceRange range =
        ranges->empty() ? SliceRange{0, 0, size, 1} : ranges->front();
    for (int64_t i = clampIndex(range.start, size);
         i < clampIndex(range.end, size); i += range.step)
      result.elements.push_back(ints->elements[i]);
    node.setKnownOutput(0, std::move(result));
    return success();
  }
  Value result = node.input(0);
  if (!result)
    return failure();
  FailureOr<SmallVector<SliceRange>> ranges =
      sliceRanges(node, type.getRank(), node.symbolicShape(result));
  if (failed(ranges))
    return failure();
  for (const SliceRange &range : *ranges) {
    int64_t size = type.getDimSize(range.dim);
    int64_t start = range.start, end = range.end;
    // Static dims clamp here, so that attributes stay small.
    if (!ShapedType::isDynamic(size)) {
      start = clampIndex(start, size);
      end = clampIndex(end, size);
      if (start == 0 && end == size && range.step == 1)
        continue;
      if (start >= end)
        return node.refuse("empty slices are not supported");
    }
    result = node.build<SliceOp>(result, range.dim, start, end, range.step);
  }
  return node.setOutput(result);
}

/// Reshape to a shape known at import time. Each entry becomes a size, a
/// symbol of the model or the one -1; 0 copies the input's dim (unless
/// `allowzero`).
LogicalResult convertReshape(NodeImport &node) {
  Value input = node.checkedInput({"allowzero", "shape"});
  if (!input)
    return failure();
  SmallVector<SymbolicSize> target;
  if (node.opset() < 5) {
    for (int64_t size : node.attributes.ints("shape"))
      target.push_back(SymbolicSize::constant(size));
  } else if (const KnownInts *shape = node.known(1); isSizeList(shape)) {
    target = shape->elements;
  } else {
    return node.refuse("a shape known only at run time is not supported");
  }
  SmallVector<SymbolicSize> inputShape = node.symbolicShape(input);
  bool allowZero = node.attributes.integer("allowzero", 0) != 0;
  std::optional<size_t> inferred;
  for (auto [i, size] : llvm::enumerate(target)) {
    if (size == SymbolicSize::constant(0) && !allowZero) {
      if (i >= inputShape.size())
        return node.refuse("a 0 entry past the input's rank");
      size = inputShape[i];
    } else if (size == SymbolicSize::constant(-1)) {
      if (inferred)
        return node.refuse("more than one -1 in the shape");
      inferred = i;
    } else if (size.isConstant() && size.factor < 0) {
      return node.refuse("negative sizes in the shape");
    }
  }
  // The -1, from the element count: often a symbol itself.
  if (inferred) {
    std::optional<SymbolicSize> rest = SymbolicSize::constant(1);
    std::optional<SymbolicSize> count = SymbolicSize::constant(1);
    for (const SymbolicSize &size : inputShape)
      if (count)
        count = multiply(*count, size);
    for (auto [i, size] : llvm::enumerate(target))
      if (i != *inferred && rest)
        rest = multiply(*rest, size);
    std::optional<SymbolicSize> quotient =
        count && rest ? divide(*count, *rest) : std::nullopt;
    // Constants must divide exactly; a symbolic quotient always does.
    if (quotient && count->isConstant() && rest->isConstant() &&
        (rest->factor == 0 || count->factor % rest->factor != 0))
      quotient.reset();
    target[*inferred] = quotient ? *quotient : node.freshSize();
  }
  // The catalog's reshape names sizes by constants and model symbols; one
  // other size may be its -1.
  SmallVector<Attribute> entries;
  bool usedInferred = false;
  for (const SymbolicSize &size : target) {
    if (size.isConstant()) {
      entries.push_back(node.builder().getI64IntegerAttr(size.factor));
    } else if (size.isNamedSymbol() && isCIdentifier(size.symbols.front())) {
      entries.push_back(node.builder().getStringAttr(size.symbols.front()));
    } else if (!usedInferred) {
      usedInferred = true;
      entries.push_back(node.builder().getI64IntegerAttr(-1));
    } else {
      return node.refuse("a shape with two sizes that are products of "
                         "symbols is not supported");
    }
  }
  Value result =
      node.build<ReshapeOp>(input, node.builder().getArrayAttr(entries));
  if (result)
    node.setSymbolicShape(result, target);
  return node.setOutput(result);
}

/// Flatten at `axis`: the dims before it and from it each made one.
LogicalResult convertFlatten(NodeImport &node) {
  Value value = node.checkedInput({"axis"});
  if (!value)
    return failure();
  int64_t rank = cast<RankedTensorType>(value.getType()).getRank();
  int64_t axis = node.attributes.integer("axis", 1);
  if (axis < 0)
    axis += rank;
  if (axis < 1 || axis >= rank)
    return node.refuse("only an axis inside the dims is supported");
  auto flatten = [&](int64_t start, int64_t end) {
    return node.build<FlattenOp>(value, start, end);
  };
  if (axis > 1)
    value = flatten(0, axis - 1);
  if (value)
    value = flatten(1, -1);
  return node.setOutput(value);
}

LogicalResult convertTranspose(NodeImport &node) {
  Value input = node.checkedInput({"perm"});
  if (!input)
    return failure();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<int64_t> perm = node.attributes.ints("perm");
  if (perm.empty())
    for (int64_t dim = rank - 1; dim >= 0; --dim)
      perm.push_back(dim);
  return node.setOutput(node.build<PermuteOp>(input, perm));
}

/// A splat of `value` with `shape` and `element` type.
ElementsAttr splat(ArrayRef<int64_t> shape, Type element, double value) {
  auto type = RankedTensorType::get(shape, element);
  if (isa<FloatType>(element))
    return DenseElementsAttr::get(type, FloatAttr::get(element, value));
  return DenseElementsAttr::get(type,
                                IntegerAttr::get(element, int64_t(value)));
}

/// Expand: broadcasting against a zero of the target shape (a splat).
/// Symbolic sizes must already be the input's.
LogicalResult convertExpand(NodeImport &node) {
  Value input = node.checkedInput({});
  if (!input)
    return failure();
  const KnownInts *shape = node.known(1);
  if (!isSizeList(shape))
    return node.refuse("a shape known only at run time is not supported");
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<SymbolicSize> inputShape = node.symbolicShape(input);
  auto rank = int64_t(shape->elements.size());
  SmallVector<int64_t> zeros;
  for (auto [i, size] : llvm::enumerate(shape->elements)) {
    int64_t j = int64_t(i) - (rank - inputType.getRank());
    bool fromInput =
        j >= 0 && (inputShape[j] == size || size == SymbolicSize::constant(1));
    if (size.isConstant() && size.factor >= 0 && !fromInput)
      zeros.push_back(size.factor);
    else if (fromInput)
      zeros.push_back(1);
    else
      return node.refuse("expanding to a size known only at run time is not "
                         "supported");
  }
  Type element = inputType.getElementType();
  if (element.isInteger(1))
    return node.refuse("expanding bools is not supported");
  Value zero = node.build<ConstantOp>(splat(zeros, element, 0));
  if (!zero)
    return failure();
  return node.setOutput(node.build<AddOp>(input, zero));
}

/// Tile: `repeats[d]` copies joined along each dim d.
LogicalResult convertTile(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  Value result = node.input(0);
  FailureOr<SmallVector<int64_t>> repeats = node.constantInts(1, "repeats");
  if (!result || failed(repeats))
    return failure();
  if (int64_t(repeats->size()) !=
      cast<RankedTensorType>(result.getType()).getRank())
    return node.refuse("repeats must have one entry per dim");
  for (auto [dim, count] : llvm::enumerate(*repeats)) {
    if (count < 1 || count > 64)
      return node.refuse("repeats from 1 to 64 are supported");
    if (count > 1)
      result = node.build<ConcatOp>(SmallVector<Value>(count, result), dim);
  }
  return node.setOutput(result);
}

/// Edge or reflect padding, as copies of single elements joined to each
/// padded dim: the first or last element repeated (edge), or the elements
/// next to them mirrored (reflect). Null after a refusal where a pad is
/// negative or, reflecting, not shorter than a static dim.
Value padByCopies(NodeImport &node, Value input, ArrayRef<int64_t> before,
                  ArrayRef<int64_t> after, bool reflect) {
  auto type = cast<RankedTensorType>(input.getType());
  auto element = [&](Value value, int64_t dim, int64_t index) {
    // Negative indices count from the end, as Python's.
    return node.build<SliceOp>(value, dim, index,
                               index == -1 ? kUnbounded : index + 1);
  };
  Value result = input;
  for (int64_t dim = 0; result && dim < type.getRank(); ++dim) {
    if (before[dim] == 0 && after[dim] == 0)
      continue;
    int64_t size = type.getDimSize(dim);
    if (before[dim] < 0 || after[dim] < 0 || before[dim] > 1024 ||
        after[dim] > 1024 ||
        (reflect && (ShapedType::isDynamic(size) ||
                     std::max(before[dim], after[dim]) >= size))) {
      (void)node.refuse("edge and reflect pads from 0 to 1024 (reflect: "
                        "shorter than a static dim) are supported");
      return {};
    }
    SmallVector<Value> pieces;
    for (int64_t i = before[dim]; i >= 1; --i)
      pieces.push_back(element(result, dim, reflect ? i : 0));
    pieces.push_back(result);
    for (int64_t i = 1; i <= after[dim]; ++i)
      pieces.push_back(element(result, dim, reflect ? -1 - i : -1));
    result = node.build<ConcatOp>(pieces, dim);
  }
  return result;
}

/// Pad: with a constant, ONNX's `[begin..., end...]` becomes the catalog's
/// `(before, after)` pairs from the last dim backwards; edge and reflect
/// padding are copies.
LogicalResult convertPad(NodeImport &node) {
  if (failed(node.checkAttributes({"mode", "pads", "value"})))
    return failure();
  std::string mode = node.attributes.text("mode", "constant");
  if (!llvm::is_contained({"constant", "edge", "reflect"}, mode))
    return node.refuse("mode '" + mode + "' is not supported");
  Value input = node.input(0);
  if (!input)
    return failure();
  int64_t rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<int64_t> pads;
  double value = node.attributes.real("value", 0);
  SmallVector<int64_t> axes;
  if (node.opset() < 11) {
    pads = node.attributes.ints("pads");
  } else {
    FailureOr<SmallVector<int64_t>> given = node.constantInts(1, "pads");
    if (failed(given))
      return failure();
    pads = *given;
    if (node.has(2)) {
      Value constant = node.input(2);
      if (!constant)
        return failure();
      auto splatValue = dyn_cast_or_null<DenseElementsAttr>(
          constant.getDefiningOp() ? constant.getDefiningOp()->getAttr("value")
                                   : Attribute());
      if (!splatValue || !splatValue.isSplat())
        return node.refuse("a pad value known only at run time is not "
                           "supported");
      value = isa<FloatType>(splatValue.getElementType())
                  ? splatValue.getSplatValue<APFloat>().convertToDouble()
                  : double(splatValue.getSplatValue<APInt>().getSExtValue());
    }
    if (node.has(3)) {
      FailureOr<SmallVector<int64_t>> given = node.constantInts(3, "axes");
      if (failed(given))
        return failure();
      axes = *given;
    }
  }
  if (axes.empty())
    for (int64_t dim = 0; dim < rank; ++dim)
      axes.push_back(dim);
  auto count = int64_t(axes.size());
  if (int64_t(pads.size()) != 2 * count)
    return node.refuse("pads must have two entries per axis");
  SmallVector<int64_t> before(rank, 0), after(rank, 0);
  for (auto [i, axis] : llvm::enumerate(axes)) {
    std::optional<int64_t> dim = normalizeAxis(axis, rank);
    if (!dim)
      return node.refuse("axis " + Twine(axis) + " is out of range");
    before[*dim] = pads[i];
    after[*dim] = pads[i + count];
  }
  if (mode != "constant")
    return node.setOutput(
        padByCopies(node, input, before, after, mode == "reflect"));
  SmallVector<int64_t> pairs;
  for (int64_t dim = rank - 1; dim >= 0; --dim) {
    pairs.push_back(before[dim]);
    pairs.push_back(after[dim]);
  }
  // Trailing zero pairs (the leading dims) are left out.
  while (pairs.size() > 2 && pairs[pairs.size() - 1] == 0 &&
         pairs[pairs.size() - 2] == 0)
    pairs.pop_back_n(2);
  return node.setOutput(node.build<PadOp>(input, pairs, f64(value)));
}

/// Split into the given sizes (or equal parts) along a static `axis`.
LogicalResult convertSplit(NodeImport &node) {
  Value input = node.checkedInput({"axis", "split", "num_outputs"});
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  std::optional<int64_t> dim =
      normalizeAxis(node.attributes.integer("axis", 0), type.getRank());
  if (!dim)
    return node.refuse("axis is out of range");
  int64_t size = type.getDimSize(*dim);
  if (ShapedType::isDynamic(size))
    return node.refuse("splitting a dynamic dim is not supported");
  SmallVector<int64_t> sizes = node.attributes.ints("split");
  if (node.opset() >= 13 && node.has(1)) {
    FailureOr<SmallVector<int64_t>> given = node.constantInts(1, "split");
    if (failed(given))
      return failure();
    sizes = *given;
  }
  int64_t parts = node.node.output_size();
  if (sizes.empty()) {
    int64_t chunk = (size + parts - 1) / std::max<int64_t>(parts, 1);
    for (int64_t start = 0; start < size; start += chunk)
      sizes.push_back(std::min(chunk, size - start));
  }
  if (int64_t(sizes.size()) != parts)
    return node.refuse("the split sizes do not match the outputs");
  if (llvm::any_of(sizes, [](int64_t piece) { return piece <= 0; }))
    return node.refuse("empty parts are not supported");
  int64_t start = 0;
  for (auto [i, piece] : llvm::enumerate(sizes)) {
    if (failed(node.setOutput(
            i, node.build<SliceOp>(input, *dim, start, start + piece))))
      return failure();
    start += piece;
  }
  if (start != size)
    return node.refuse("the split sizes do not add up to the dim");
  return success();
}

/// ConstantOfShape with a shape known at import time: a splat.
LogicalResult convertConstantOfShape(NodeImport &node) {
  if (failed(node.checkAttributes({"value"})))
    return failure();
  FailureOr<SmallVector<int64_t>> shape = node.constantInts(0, "shape");
  if (failed(shape))
    return failure();
  Type element = node.builder().getF32Type();
  double value = 0;
  if (const onnx::AttributeProto *attribute = node.attributes.lookup("value")) {
    auto given =
        dyn_cast_or_null<DenseElementsAttr>(node.tensorValue(attribute->t()));
    if (!given || given.getNumElements() != 1)
      return failure();
    element = given.getElementType();
    value = isa<FloatType>(element)
                ? (*given.getValues<APFloat>().begin()).convertToDouble()
                : double((*given.getValues<APInt>().begin()).getSExtValue());
  }
  if (llvm::any_of(*shape, [](int64_t size) { return size < 0; }))
    return node.refuse("negative sizes in the shape");
  if (element.isInteger(1))
    return node.setConstantOutput(
        0, DenseElementsAttr::get(RankedTensorType::get(*shape, element),
                                  value != 0));
  return node.setConstantOutput(0, splat(*shape, element, value));
}

/// Range of constants known at import time.
LogicalResult convertRange(NodeImport &node) {
  if (failed(node.checkAttributes({})))
    return failure();
  SmallVector<int64_t> bounds;
  for (unsigned i = 0; i < 3; ++i) {
    FailureOr<SmallVector<int64_t>> value =
        node.constantInts(i, "an integer start, limit or delta");
    if (failed(value))
      return failure();
    if (value->size() != 1)
      return node.refuse("start, limit and delta must be scalars");
    bounds.push_back(value->front());
  }
  if (bounds[2] == 0)
    return node.refuse("delta 0");
  KnownInts result{node.inputType(0).getElementType(), false, {}};
  for (int64_t value = bounds[0];
       bounds[2] > 0 ? value < bounds[1] : value > bounds[1];
       value += bounds[2]) {
    if (result.elements.size() >= 4096)
      return node.refuse("ranges over 4096 elements are not supported");
    result.elements.push_back(SymbolicSize::constant(value));
  }
  node.setKnownOutput(0, std::move(result));
  return success();
}

} // namespace

void mlir::mithril::onnx_import::addShapeConverters(ConverterTable &table) {
  table["Constant"] = convertConstant;
  table["Shape"] = convertShape;
  table["Size"] = convertSize;
  table["Gather"] = convertGather;
  table["GatherElements"] = convertGatherElements;
  table["Unsqueeze"] = convertUnsqueeze;
  table["Squeeze"] = convertSqueeze;
  table["Concat"] = convertConcat;
  table["Slice"] = convertSlice;
  table["Reshape"] = convertReshape;
  table["Flatten"] = convertFlatten;
  table["Transpose"] = convertTranspose;
  table["Expand"] = convertExpand;
  table["Tile"] = convertTile;
  table["Pad"] = convertPad;
  table["Split"] = convertSplit;
  table["ConstantOfShape"] = convertConstantOfShape;
  table["Range"] = convertRange;
}
