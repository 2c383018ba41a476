//===- NodeImport.cpp - What an ONNX op's converter works with ------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "NodeImport.h"
#include "GraphImporter.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <limits>

using namespace mlir;
using namespace mlir::mithril;
using namespace mlir::mithril::onnx_import;

//===----------------------------------------------------------------------===//
// NodeAttributes
//===----------------------------------------------------------------------===//

NodeAttributes::NodeAttributes(const onnx::NodeProto &node) {
  for (const onnx::AttributeProto &attribute : node.attribute())
    byName[attribute.name()] = &attribute;
}

std::optional<std::string>
NodeAttributes::unknown(ArrayRef<StringRef> known) const {
  for (const auto &entry : byName)
    if (!llvm::is_contained(known, entry.first()))
      return entry.first().str();
  return std::nullopt;
}

int64_t NodeAttributes::integer(StringRef name, int64_t otherwise) const {
  const onnx::AttributeProto *attribute = byName.lookup(name);
  return attribute ? attribute->i() : otherwise;
}

float NodeAttributes::real(StringRef name, float otherwise) const {
  const onnx::AttributeProto *attribute = byName.lookup(name);
  return attribute ? attribute->f() : otherwise;
}

std::string NodeAttributes::text(StringRef name, StringRef otherwise) const {
  const onnx::AttributeProto *attribute = byName.lookup(name);
  return attribute ? attribute->s() : otherwise.str();
}

SmallVector<int64_t> NodeAttributes::ints(StringRef name,
                                          ArrayRef<int64_t> otherwise) const {
  const onnx::AttributeProto *attribute = byName.lookup(name);
  if (!attribute)
    return SmallVector<int64_t>(otherwise);
  return SmallVector<int64_t>(attribute->ints().begin(),
                              attribute->ints().end());
}

SmallVector<float> NodeAttributes::reals(StringRef name) const {
  const onnx::AttributeProto *attribute = byName.lookup(name);
  if (!attribute)
    return {};
  return SmallVector<float>(attribute->floats().begin(),
                            attribute->floats().end());
}

//===----------------------------------------------------------------------===//
// NodeImport
//===----------------------------------------------------------------------===//

NodeImport::NodeImport(GraphImporter &graph, const onnx::NodeProto &node,
                       Location loc, SmallVector<GraphValue *> inputs)
    : node(node), attributes(node), loc(loc), graph(graph),
      inputs(std::move(inputs)) {}

int64_t NodeImport::opset() const { return graph.opset; }

OpBuilder &NodeImport::builder() { return graph.builder; }

Type NodeImport::elementType(int64_t dataType) {
  if (dataType < 0 || dataType > std::numeric_limits<int32_t>::max())
    return {};
  return graph.elementType(int32_t(dataType));
}

Value NodeImport::input(unsigned i) {
  if (!has(i)) {
    (void)refuse("input " + Twine(i) + " is required");
    return {};
  }
  GraphValue &value = *inputs[i];
  if (value.tensor)
    return value.tensor;
  value.tensor = graph.materialize(*value.ints, loc);
  if (!value.tensor) {
    std::string sizes;
    for (const SymbolicSize &size : value.ints->elements)
      sizes += (sizes.empty() ? "" : ", ") + size.str();
    (void)refuse("sizes known only at run time ([" + sizes +
                 "]) used as data are not supported");
  }
  return value.tensor;
}

Value NodeImport::checkedInput(ArrayRef<StringRef> knownAttributes) {
  if (failed(checkAttributes(knownAttributes)))
    return {};
  return input(0);
}

RankedTensorType NodeImport::inputType(unsigned i) const {
  if (!has(i))
    return {};
  const GraphValue &value = *inputs[i];
  if (value.tensor)
    return cast<RankedTensorType>(value.tensor.getType());
  SmallVector<int64_t> shape;
  if (!value.ints->scalar)
    shape.push_back(value.ints->elements.size());
  return RankedTensorType::get(shape, value.ints->elementType);
}

const KnownInts *NodeImport::known(unsigned i) const {
  if (!has(i) || !inputs[i]->ints)
    return nullptr;
  return &*inputs[i]->ints;
}

FailureOr<SmallVector<int64_t>> NodeImport::constantInts(unsigned i,
                                                         StringRef what) {
  if (const KnownInts *ints = known(i))
    if (std::optional<SmallVector<int64_t>> values = ints->constants())
      return *values;
  return refuse(what + " known only at run time is not supported");
}

FailureOr<SmallVector<double>> NodeImport::constantReals(unsigned i,
                                                         StringRef what) {
  SmallVector<double> values;
  if (const KnownInts *ints = known(i)) {
    if (std::optional<SmallVector<int64_t>> constants = ints->constants()) {
      for (int64_t value : *constants)
        values.push_back(double(value));
      return values;
    }
  } else if (Value value = has(i) ? inputs[i]->tensor : Value()) {
    DenseElementsAttr constant;
    if (const onnx::TensorProto *tensor = graph.parameterTensors.lookup(value))
      constant = dyn_cast_or_null<DenseElementsAttr>(tensorValue(*tensor));
    else if (auto op = value.getDefiningOp<ConstantOp>())
      constant = dyn_cast<DenseElementsAttr>(op.getValue());
    if (constant && isa<FloatType>(constant.getElementType())) {
      for (const APFloat &element : constant.getValues<APFloat>())
        values.push_back(element.convertToDouble());
      return values;
    }
  }
  return refuse(what + " known only at run time is not supported");
}

LogicalResult NodeImport::refuse(const Twine &what) {
  if (!refused)
    graph.unsupportedNode(node, loc, what);
  refused = true;
  return failure();
}

LogicalResult NodeImport::checkAttributes(ArrayRef<StringRef> known) {
  if (std::optional<std::string> other = attributes.unknown(known))
    return refuse("attribute '" + *other + "' is not supported");
  return success();
}

void NodeImport::markError() { graph.hadError = true; }

Value NodeImport::scalar(double value, Type elementType) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute element =
      isa<FloatType>(elementType)
          ? Attribute(FloatAttr::get(elementType, value))
          : Attribute(IntegerAttr::get(elementType, int64_t(value)));
  return build<ConstantOp>(
      cast<ElementsAttr>(DenseElementsAttr::get(type, element)));
}

LogicalResult NodeImport::setOutput(unsigned i, Value value) {
  if (!value)
    return failure();
  if (int(i) < node.output_size() && !node.output(i).empty())
    graph.values[node.output(i)] = GraphValue{value, std::nullopt};
  return success();
}

void NodeImport::setKnownOutput(unsigned i, KnownInts ints) {
  if (int(i) < node.output_size() && !node.output(i).empty())
    graph.values[node.output(i)] = GraphValue{Value(), std::move(ints)};
}

LogicalResult NodeImport::setConstantOutput(unsigned i, ElementsAttr value) {
  if (!value)
    return failure();
  GraphValue constant = graph.constantValue(value, loc);
  if (int(i) < node.output_size() && !node.output(i).empty())
    graph.values[node.output(i)] = std::move(constant);
  return success();
}

ElementsAttr NodeImport::tensorValue(const onnx::TensorProto &tensor) {
  return graph.tensorValue(tensor, loc);
}

SmallVector<SymbolicSize> NodeImport::symbolicShape(Value value) {
  return graph.symbolicShape(value);
}

void NodeImport::setSymbolicShape(Value value, ArrayRef<SymbolicSize> shape) {
  graph.shapes[value] = SmallVector<SymbolicSize>(shape);
}

SymbolicSize NodeImport::freshSize() {
  return SymbolicSize::symbol("?" + std::to_string(++graph.freshSizes));
}

std::optional<int64_t> mlir::mithril::onnx_import::normalizeAxis(int64_t axis,
                                                                 int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}
