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

/// `value` of element type `type` (a float or an integer; an unsigned one
/// through fromSignless).
Value buildScalarConstant(OpBuilder &builder, Location loc, Type type,
                          double value);

/// A tensor of `sizes` and `elementType` filled with zeros.
Value buildZeros(OpBuilder &builder, Location loc, ArrayRef<OpFoldResult> sizes,
                 Type elementType);

/// Converts the scalar `value` to `type`, with PyTorch's semantics: floats
/// to integers truncate toward zero, anything to bool is `value != 0`;
/// `isUnsigned` says how to read an integer `value`, `toUnsigned` whether
/// the integer `type` holds unsigned values. Both are signless here.
Value convertScalar(OpBuilder &builder, Location loc, Value value, Type type,
                    bool isUnsigned = false, bool toUnsigned = false);

/// Unsigned integers (`u8`) are computed on as signless ones, since arith
/// takes signless integers only; the ops that read them say how (unsigned
/// division, comparison, extension). These casts mark where a scalar
/// changes view; both sides are the same LLVM type, so the casts vanish
/// when lowering to LLVM reconciles them.
Type getSignlessType(Type type);
Value toSignless(OpBuilder &builder, Location loc, Value value);
Value fromSignless(OpBuilder &builder, Location loc, Value value, Type type);

/// Whether `type` (a scalar or a tensor) holds unsigned integers.
bool isUnsignedType(Type type);

/// The type sums and products of `elementType` accumulate in: f32 for
/// floats narrower than f32, else the type itself.
Type getAccumulatorType(Type elementType);

/// `dim` of a verified op as a non-negative index into a tensor of `rank`
/// (PyTorch's negative dims count from the end; a rank-0 tensor takes 0 or
/// -1). The verifier has checked the range.
int64_t resolveDim(int64_t dim, int64_t rank);

/// `value` cast (`tensor.cast`) to the compatible `type`, or `value` itself
/// if it has that type already.
Value withType(OpBuilder &builder, Location loc, Value value, Type type);

/// `value` (a tensor) converted elementwise to `resultType`'s element type,
/// or `value` itself if it already has it.
Value castTensor(OpBuilder &builder, Location loc, Value value,
                 RankedTensorType resultType);

/// Whether an operand or result of `op` is unsigned (`u8`), which arith
/// (signless integers only) cannot take as it is.
bool hasUnsignedType(Operation *op);

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// Combines one element `x` into the accumulator `acc`.
using CombineFn =
    llvm::function_ref<Value(OpBuilder &, Location, Value x, Value acc)>;

/// The dims a reduction reduces, normalised and sorted (all if absent).
SmallVector<int64_t> reducedDims(std::optional<ArrayRef<int64_t>> dims,
                                 int64_t rank);
/// The type of `input` reduced over `dims` (kept as size 1 if `keepdim`).
RankedTensorType reducedType(RankedTensorType input, ArrayRef<int64_t> dims,
                             bool keepdim, Type elementType);
/// A tensor of `type` filled with `value`, its dynamic dims from `input`.
Value buildFilled(OpBuilder &b, Location loc, RankedTensorType type,
                  Value input, ArrayRef<int64_t> dims, bool keepdim,
                  Value value);
/// The output map of a reduction: reduced dims dropped (or 0 if kept).
AffineMap reducedMap(int64_t rank, ArrayRef<int64_t> dims, bool keepdim,
                     MLIRContext *context);
/// Reduces `input` over `dims` into `init` with `combine`.
Value buildReduce(OpBuilder &b, Location loc, Value input,
                  ArrayRef<int64_t> dims, bool keepdim, Value init,
                  CombineFn combine);
/// The sum of `input` over `dims`, in `accumulator`.
Value buildSum(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> dims,
               bool keepdim, Type accumulator);
/// The first value a maximum (`lowest`) or minimum starts from: -inf or
/// +inf for floats, the smallest or largest value of an integer type.
Value buildLowest(OpBuilder &b, Location loc, Type type, bool lowest);

/// The maximum (or minimum) of `input` over `dims`; NaN propagates.
Value buildExtremum(OpBuilder &b, Location loc, Value input,
                    ArrayRef<int64_t> dims, bool keepdim, bool maximum);
/// The number of elements a reduction over `dims` combines, as `type`.
Value buildCount(OpBuilder &b, Location loc, Value input,
                 ArrayRef<int64_t> dims, Type type);
/// `tensor` divided elementwise by the scalar `divisor`.
Value buildScale(OpBuilder &b, Location loc, Value tensor, Value divisor);
/// The mean of a float `input` over `dims`, in `accumulator`.
Value buildMean(OpBuilder &b, Location loc, Value input, ArrayRef<int64_t> dims,
                bool keepdim, Type accumulator);

} // namespace mlir::mithril

#endif // MITHRIL_LIB_CONVERSION_MITHRILTOLINALG_UTILS_H
