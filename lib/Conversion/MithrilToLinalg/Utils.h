//===- Utils.h - Shared helpers of the mithril-to-linalg patterns -*- C++
//-*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_CONVERSION_MITHRILTOLINALG_UTILS_H
#define MITHRIL_LIB_CONVERSION_MITHRILTOLINALG_UTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::mithril {

/// Computes one element of an elementwise op from one element of each
/// operand.
using ScalarFn =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange operands)>;

/// A `linalg.generic` that applies `fn` to `operands`, broadcast like NumPy
/// to `resultType`: shapes align at the trailing dim, and a dim of static
/// size 1 stretches. The dynamic dims of the result are read off an operand
/// that has them.
Value buildElementwise(OpBuilder &builder, Location loc,
                       RankedTensorType resultType, ValueRange operands,
                       ScalarFn fn);

/// `value` of element type `type` (a float or signless integer).
Value buildScalarConstant(OpBuilder &builder, Location loc, Type type,
                          double value);

/// Converts the scalar `value` to `type`, with PyTorch's semantics: floats
/// to integers truncate toward zero, anything to bool is `value != 0`;
/// `isUnsigned` says how to read an integer `value`.
Value convertScalar(OpBuilder &builder, Location loc, Value value, Type type,
                    bool isUnsigned = false);

/// The type sums and products of `elementType` accumulate in: f32 for
/// floats narrower than f32, else the type itself.
Type getAccumulatorType(Type elementType);

/// `value` (a tensor) converted elementwise to `resultType`'s element type,
/// or `value` itself if it already has it.
Value castTensor(OpBuilder &builder, Location loc, Value value,
                 RankedTensorType resultType);

} // namespace mlir::mithril

#endif // MITHRIL_LIB_CONVERSION_MITHRILTOLINALG_UTILS_H
