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

#include "mithril/IR/CreateInferred.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/StringMap.h"

#include <onnx/onnx_pb.h>

#include <type_traits>

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

/// An operand that ODS declares optional, passed to `NodeImport::create`:
/// null where the node leaves it out.
struct OptionalOperand {
  Value value;
  operator Value() const { return value; }
};

/// `value` as ODS's builders take the value of an F64 attribute.
inline APFloat f64(double value) { return APFloat(value); }

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

  /// Catalog op `OpTy` built by ODS's typed builder from `args`, the
  /// operands and attributes `OpTy::build` takes after the result types
  /// (an optional operand in an `OptionalOperand`), typed by its inference
  /// (see `createInferred`). Null after a diagnostic, and null without
  /// building where an operand is null (the mark of a refusal or diagnostic
  /// before). C++ leaves open the order in which arguments are evaluated:
  /// ops that build operands are built in statements before, so that the
  /// IR's order does not depend on the compiler.
  template <typename OpTy, typename... Args> OpTy create(Args &&...args) {
    if ((isMissing(args) || ...))
      return nullptr;
    OpTy op = createInferred<OpTy>(builder(), loc, std::forward<Args>(args)...);
    if (!op)
      markError();
    return op;
  }
  /// The single result of `create`; null after a diagnostic.
  template <typename OpTy, typename... Args> Value build(Args &&...args) {
    OpTy op = create<OpTy>(std::forward<Args>(args)...);
    return op ? op->getResult(0) : Value();
  }
  /// A rank-0 constant of `elementType`.
  Value scalar(double value, Type elementType);

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
  /// Whether `arg`, an argument of `create`, is an operand that is null.
  template <typename Arg> static bool isMissing(const Arg &arg) {
    if constexpr (std::is_same_v<Arg, OptionalOperand>)
      return false;
    else if constexpr (std::is_convertible_v<Arg, Value>)
      return !Value(arg);
    else if constexpr (std::is_convertible_v<Arg, ValueRange>)
      return llvm::is_contained(ValueRange(arg), Value());
    else
      return false;
  }
  /// Records that building an op failed (its diagnostic is out).
  void markError();

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
