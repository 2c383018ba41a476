//===- NodeImport.h - What an ONNX op's converter works with -----*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Each ONNX op type has a converter: a function from the node (its inputs,
// attributes and opset) to catalog ops, or a refusal saying what is not
// supported. Converters live in files by kind (elementwise, layers, shapes,
// reductions) and register themselves in one table.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_ONNX_NODEIMPORT_H
#define MITHRIL_LIB_FRONTEND_ONNX_NODEIMPORT_H

#include "SymbolicSize.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

namespace mlir::mithril::onnx_import {

class GraphImporter;

/// A node's attributes by name.
class NodeAttributes {
public:
  explicit NodeAttributes(const onnx::NodeProto &node);

  bool has(StringRef name) const { return byName.contains(name); }
  /// The first attribute not in `known`, if any.
  std::optional<std::string> unknown(ArrayRef<StringRef> known) const;
  int64_t integer(StringRef name, int64_t otherwise) const;
  float real(StringRef name, float otherwise) const;
  std::string text(StringRef name, StringRef otherwise) const;
  SmallVector<int64_t> ints(StringRef name,
                            ArrayRef<int64_t> otherwise = {}) const;
  SmallVector<float> reals(StringRef name) const;
  const onnx::AttributeProto *lookup(StringRef name) const {
    return byName.lookup(name);
  }

private:
  llvm::StringMap<const onnx::AttributeProto *> byName;
};

/// A value of the graph: a tensor, integers known at import time, or both.
struct GraphValue {
  Value tensor;
  std::optional<KnownInts> ints;
};

/// One node being imported.
class NodeImport {
public:
  NodeImport(GraphImporter &graph, const onnx::NodeProto &node, Location loc,
             SmallVector<GraphValue *> inputs);

  const onnx::NodeProto &node;
  const NodeAttributes attributes;
  const Location loc;

  int64_t opset() const;
  OpBuilder &builder();
  /// The element type of ONNX data type `dataType`; null if none.
  Type elementType(int64_t dataType);
  StringRef type() const { return node.op_type(); }

  /// Inputs: `has(i)` is false for one left out (an empty name) or past the
  /// end.
  unsigned numInputs() const { return inputs.size(); }
  bool has(unsigned i) const { return i < inputs.size() && inputs[i]; }
  /// Input `i` as a tensor; known integers become a constant. Null after
  /// a refusal where it is absent or known only at run time.
  Value input(unsigned i);
  /// Input 0 after checking that the node has no attribute outside
  /// `knownAttributes`; null after a refusal.
  Value checkedInput(ArrayRef<StringRef> knownAttributes);
  /// Input `i` if it is given, else null without a refusal.
  Value optionalInput(unsigned i) { return has(i) ? input(i) : Value(); }
  /// The type input `i` has (or would have, for known integers).
  RankedTensorType inputType(unsigned i) const;
  /// Input `i`'s elements where they are known at import time.
  const KnownInts *known(unsigned i) const;
  /// Input `i`'s elements where each is a constant known at import time;
  /// a refusal naming `what` otherwise.
  FailureOr<SmallVector<int64_t>> constantInts(unsigned i, StringRef what);

  /// Input `i`'s elements as doubles where it is a constant (a
  /// `mithril.constant` or known integers); a refusal naming `what`
  /// otherwise.
  FailureOr<SmallVector<double>> constantReals(unsigned i, StringRef what);

  /// Reports what is not supported (once per node); always fails.
  LogicalResult refuse(const Twine &what);
  /// Refuses the first attribute not in `known`.
  LogicalResult checkAttributes(ArrayRef<StringRef> known);

  /// Builds catalog op `opName`, typed by its inference; null after a
  /// diagnostic.
  Operation *buildOp(StringRef opName, ValueRange operands,
                     ArrayRef<NamedAttribute> attributes = {});
  /// The single result of `buildOp`; null after a diagnostic.
  Value build(StringRef opName, ValueRange operands,
              ArrayRef<NamedAttribute> attributes = {});
  /// A rank-0 constant of `elementType`.
  Value scalar(double value, Type elementType);
  NamedAttribute named(StringRef name, Attribute value);
  NamedAttribute namedInt(StringRef name, int64_t value);
  NamedAttribute namedInts(StringRef name, ArrayRef<int64_t> values);
  NamedAttribute namedReal(StringRef name, double value);

  /// Sets output `i`; `setOutput` with a null value fails (after the
  /// diagnostic that made it null).
  LogicalResult setOutput(unsigned i, Value value);
  LogicalResult setOutput(Value value) { return setOutput(0, value); }
  void setKnownOutput(unsigned i, KnownInts ints);
  /// Sets output `i` to a constant: known integers where it is a small
  /// integer vector, else a `mithril.constant`.
  LogicalResult setConstantOutput(unsigned i, ElementsAttr value);
  /// The value of a TensorProto (a `Constant`'s); null after a diagnostic.
  ElementsAttr tensorValue(const onnx::TensorProto &tensor);

  /// The symbolic sizes of the dims of `value` (for Shape).
  SmallVector<SymbolicSize> symbolicShape(Value value);
  void setSymbolicShape(Value value, ArrayRef<SymbolicSize> shape);
  /// A size no symbol names yet.
  SymbolicSize freshSize();

private:
  GraphImporter &graph;
  SmallVector<GraphValue *> inputs;
  bool refused = false;
};

using Converter = LogicalResult (*)(NodeImport &);
using ConverterTable = llvm::StringMap<Converter>;

void addElementwiseConverters(ConverterTable &table);
void addLayerConverters(ConverterTable &table);
void addShapeConverters(ConverterTable &table);
void addReductionConverters(ConverterTable &table);
void addEinsumConverter(ConverterTable &table);
void addResizeConverters(ConverterTable &table);

/// The normalised `axis` of a rank-`rank` tensor; none if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

} // namespace mlir::mithril::onnx_import

#endif // MITHRIL_LIB_FRONTEND_ONNX_NODEIMPORT_H
