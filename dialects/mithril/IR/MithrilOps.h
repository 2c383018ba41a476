//===- MithrilOps.h - The ops of the mithril dialect -----------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_IR_MITHRILOPS_H
#define MITHRIL_IR_MITHRILOPS_H

#include "mithril/IR/MithrilAttributes.h"
#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilInterfaces.h"
#include "mithril/IR/ShapeUtils.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ControlFlowInterfaces.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::mithril {

/// Whether `actual` result types are compatible with `inferred` ones: as
/// many, each a ranked tensor of the same element type and rank whose dims
/// agree wherever both are static.
bool areCompatibleTypes(TypeRange inferred, TypeRange actual);

/// The most refined type compatible with both `lhs` and `rhs`: for ranked
/// tensors of one element type and rank, each dim static where either is.
/// Null if the two are not compatible.
Type refineType(Type lhs, Type rhs);

/// Whether `attr` is an array of integers and strings (a `mithril.reshape`
/// shape or a `mithril.dims` list).
bool isDimListAttr(Attribute attr);

/// Whether `name` is a C identifier (`[A-Za-z_][A-Za-z0-9_]*`), as model
/// names, node names and dim symbols must be.
bool isCIdentifier(StringRef name);

/// The dtype name of an element type, as model files, signatures and the
/// runtime write it ("f32", "u8", "bool", ...), or std::nullopt for a type
/// outside the model format's dtypes.
std::optional<std::string> getDTypeName(Type elementType);

/// The element type a dtype name names (the inverse of getDTypeName), or
/// null for a name outside the model format's dtypes.
Type parseDTypeName(MLIRContext *context, StringRef name);

/// Whether casting `from` to `to` and back gives every value back: a float
/// type into one that represents all its values (f16 -> f32, bf16 -> f64).
bool widensExactly(Type from, Type to);

/// The `state_dict` name of `value` where it is a parameter argument of a
/// function lowered from a model (`mithril.parameter` on the argument of
/// its entry block); none otherwise.
std::optional<StringRef> getParameterName(Value value);

/// The padding `(before, after)` of each of `spatialRank` dims that a
/// convolution's `padding` attribute means: "same" (stride 1), "valid", one
/// size per dim (on both sides) or two per dim; null means "same", the
/// default. Empty if it is none of these
/// or `kernel`/`dilation` do not have `spatialRank` entries.
SmallVector<std::pair<int64_t, int64_t>>
resolveConvPadding(Attribute padding, ArrayRef<int64_t> kernel,
                   ArrayRef<int64_t> dilation, unsigned spatialRank);

/// Marks the ops that `mithril-apply-precision` computes in f16/bf16
/// (Mithril_ReducedPrecision in MithrilBase.td).
template <typename ConcreteType>
class ReducedPrecision
    : public OpTrait::TraitBase<ConcreteType, ReducedPrecision> {};

} // namespace mlir::mithril

#define GET_OP_CLASSES
#include "mithril/IR/MithrilOps.h.inc"

namespace mlir::mithril {

/// The top model of `module`: the first model that no instance uses (the
/// model file's top graph; the others are its blocks). Null if none.
ModelOp getTopModel(ModuleOp module);

} // namespace mlir::mithril

#endif // MITHRIL_IR_MITHRILOPS_H
