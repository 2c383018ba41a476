//===- MithrilDialect.cpp - The mithril dialect ---------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Dialect registration, its discardable attributes, and the helpers that
// ODS declarations of several op families call.
//
//===----------------------------------------------------------------------===//

#include "mithril/IR/MithrilDialect.h"
#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::mithril;

#include "mithril/IR/MithrilOpsDialect.cpp.inc"

void MithrilDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mithril/IR/MithrilOps.cpp.inc"
      >();
  registerAttributes();
}

Operation *MithrilDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, elements);
}

//===----------------------------------------------------------------------===//
// Discardable attributes: mithril.name, mithril.dims
//===----------------------------------------------------------------------===//

/// Checks `mithril.name` on an input or output of a model.
static LogicalResult verifyNameAttr(Operation *op, NamedAttribute attr,
                                    StringRef what, unsigned index) {
  auto name = dyn_cast<StringAttr>(attr.getValue());
  if (!name || name.getValue().empty())
    return op->emitOpError()
           << "expected '" << attr.getName().getValue() << "' of " << what
           << " " << index << " to be a non-empty string";
  return success();
}

/// Checks `mithril.dims` on input `index`: one entry per dim, a symbol (a C
/// identifier) or the dim's static size.
static LogicalResult verifyDimsAttr(Operation *op, NamedAttribute attr,
                                    Type type, unsigned index) {
  auto dims = dyn_cast<ArrayAttr>(attr.getValue());
  if (!dims || !isDimListAttr(dims))
    return op->emitOpError()
           << "expected '" << attr.getName().getValue() << "' of input "
           << index << " to be an array of sizes and symbols";
  // Lowered functions keep the names of their inputs' dims, through
  // bufferization (memrefs) and beyond (LLVM types, not checked).
  auto tensor = dyn_cast<ShapedType>(type);
  if (!tensor || !tensor.hasRank())
    return success();
  if (static_cast<int64_t>(dims.size()) != tensor.getRank())
    return op->emitOpError()
           << "expected '" << attr.getName().getValue() << "' of input "
           << index << " to have " << tensor.getRank()
           << " entries (the rank of " << type << "), got " << dims.size();
  for (auto [i, dim] : llvm::enumerate(dims)) {
    if (auto symbol = dyn_cast<StringAttr>(dim)) {
      if (!isCIdentifier(symbol.getValue()))
        return op->emitOpError() << "expected symbol " << symbol << " of input "
                                 << index << " to be a C identifier";
      continue;
    }
    int64_t size = cast<IntegerAttr>(dim).getInt();
    if (size != tensor.getDimSize(i))
      return op->emitOpError()
             << "expected dim " << i << " of input " << index << " ("
             << (tensor.isDynamicDim(i) ? std::string("?")
                                        : std::to_string(tensor.getDimSize(i)))
             << ") to be " << size << " as '" << attr.getName().getValue()
             << "' says";
  }
  return success();
}

LogicalResult MithrilDialect::verifyRegionArgAttribute(Operation *op,
                                                       unsigned region,
                                                       unsigned index,
                                                       NamedAttribute attr) {
  if (attr.getName() == kNameAttrName)
    return verifyNameAttr(op, attr, "input", index);
  if (attr.getName() == kDimsAttrName) {
    Type type = op->getRegion(region).getArgument(index).getType();
    return verifyDimsAttr(op, attr, type, index);
  }
  if (attr.getName() == kInitialValueAttrName) {
    if (!isa<FloatAttr>(attr.getValue()))
      return op->emitOpError() << "expected " << attr.getName()
                               << " of argument " << index << " to be a float";
    return success();
  }
  if (attr.getName() == kModelDTypeAttrName) {
    auto type = dyn_cast<TypeAttr>(attr.getValue());
    if (!type || !getDTypeName(type.getValue()))
      return op->emitOpError() << "expected " << attr.getName()
                               << " of argument " << index << " to be a dtype";
    return success();
  }
  if (attr.getName() == kQuantizedAxisAttrName) {
    if (!isa<IntegerAttr>(attr.getValue()))
      return op->emitOpError()
             << "expected " << attr.getName() << " of argument " << index
             << " to be an integer";
    return success();
  }
  if (attr.getName() == kParameterAttrName ||
      attr.getName() == kPreparedAttrName ||
      attr.getName() == kScaleOfAttrName) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitOpError() << "expected " << attr.getName()
                               << " of argument " << index << " to be a string";
    return success();
  }
  return op->emitOpError() << "unknown argument attribute " << attr.getName();
}

LogicalResult MithrilDialect::verifyRegionResultAttribute(Operation *op,
                                                          unsigned region,
                                                          unsigned index,
                                                          NamedAttribute attr) {
  if (attr.getName() == kNameAttrName)
    return verifyNameAttr(op, attr, "output", index);
  if (attr.getName() == kUpdatesAttrName ||
      attr.getName() == kGradientOfAttrName) {
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitOpError() << "expected " << attr.getName() << " of result "
                               << index << " to name a parameter";
    return success();
  }
  return op->emitOpError() << "unknown result attribute " << attr.getName();
}

//===----------------------------------------------------------------------===//
// Helpers for ODS declarations
//===----------------------------------------------------------------------===//

bool mlir::mithril::areCompatibleTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [lhs, rhs] : llvm::zip_equal(inferred, actual)) {
    auto left = dyn_cast<RankedTensorType>(lhs);
    auto right = dyn_cast<RankedTensorType>(rhs);
    if (!left || !right) {
      if (lhs != rhs)
        return false;
      continue;
    }
    if (left.getElementType() != right.getElementType() ||
        failed(verifyCompatibleShape(left.getShape(), right.getShape())))
      return false;
  }
  return true;
}

Type mlir::mithril::refineType(Type lhs, Type rhs) {
  if (lhs == rhs)
    return lhs;
  if (!areCompatibleTypes(lhs, rhs))
    return nullptr;
  auto left = dyn_cast<RankedTensorType>(lhs);
  auto right = dyn_cast<RankedTensorType>(rhs);
  if (!left || !right)
    return nullptr;
  SmallVector<int64_t> shape(left.getShape());
  for (auto [dim, other] : llvm::zip_equal(shape, right.getShape()))
    if (dim == kDynamic)
      dim = other;
  return RankedTensorType::get(shape, left.getElementType(),
                               left.getEncoding());
}

bool mlir::mithril::isDimListAttr(Attribute attr) {
  auto array = dyn_cast<ArrayAttr>(attr);
  return array && llvm::all_of(array, [](Attribute dim) {
           auto size = dyn_cast<IntegerAttr>(dim);
           return isa<StringAttr>(dim) ||
                  (size && size.getType().isSignlessInteger(64));
         });
}

bool mlir::mithril::isCIdentifier(StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name,
                      [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

std::optional<std::string> mlir::mithril::getDTypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isUnsignedInteger(8))
    return "u8";
  if (type.isSignlessInteger(1))
    return "bool";
  if (type.isSignlessInteger(8))
    return "i8";
  if (type.isSignlessInteger(32))
    return "i32";
  if (type.isSignlessInteger(64))
    return "i64";
  return std::nullopt;
}

Type mlir::mithril::parseDTypeName(MLIRContext *context, StringRef name) {
  Builder b(context);
  return llvm::StringSwitch<Type>(name)
      .Case("f32", b.getF32Type())
      .Case("f16", b.getF16Type())
      .Case("bf16", b.getBF16Type())
      .Case("f64", b.getF64Type())
      .Case("i64", b.getI64Type())
      .Case("i32", b.getI32Type())
      .Case("i8", b.getI8Type())
      .Case("u8", b.getIntegerType(8, /*isSigned=*/false))
      .Case("bool", b.getI1Type())
      .Default(Type());
}

bool mlir::mithril::widensExactly(Type from, Type to) {
  auto narrow = dyn_cast<FloatType>(from);
  auto wide = dyn_cast<FloatType>(to);
  return narrow && wide &&
         APFloat::isRepresentableBy(narrow.getFloatSemantics(),
                                    wide.getFloatSemantics());
}

std::optional<StringRef> mlir::mithril::getParameterName(Value value) {
  auto argument = dyn_cast<BlockArgument>(value);
  if (!argument || !argument.getOwner()->isEntryBlock())
    return std::nullopt;
  auto function =
      dyn_cast<FunctionOpInterface>(argument.getOwner()->getParentOp());
  auto name = function ? function.getArgAttrOfType<StringAttr>(
                             argument.getArgNumber(),
                             MithrilDialect::kParameterAttrName)
                       : StringAttr();
  if (!name)
    return std::nullopt;
  return name.getValue();
}

SmallVector<std::pair<int64_t, int64_t>>
mlir::mithril::resolveConvPadding(Attribute padding, ArrayRef<int64_t> kernel,
                                  ArrayRef<int64_t> dilation,
                                  unsigned spatialRank) {
  SmallVector<std::pair<int64_t, int64_t>> pairs;
  if (kernel.size() != spatialRank || dilation.size() != spatialRank)
    return pairs;
  // Null is the default, "same": a builder's inference sees the attribute
  // before the op's default properties are filled in.
  auto mode = padding ? dyn_cast<StringAttr>(padding) : nullptr;
  if (mode || !padding) {
    StringRef name = mode ? mode.getValue() : "same";
    for (unsigned i = 0; i < spatialRank; ++i) {
      if (name == "same")
        pairs.push_back(samePadding(kernel[i], dilation[i]));
      else if (name == "valid")
        pairs.push_back({0, 0});
      else
        return {};
    }
    return pairs;
  }
  auto sizes = dyn_cast_or_null<DenseI64ArrayAttr>(padding);
  if (!sizes ||
      llvm::any_of(sizes.asArrayRef(), [](int64_t p) { return p < 0; }))
    return pairs;
  if (sizes.size() == static_cast<int64_t>(spatialRank)) {
    for (int64_t p : sizes.asArrayRef())
      pairs.push_back({p, p});
  } else if (sizes.size() == static_cast<int64_t>(2 * spatialRank)) {
    for (unsigned i = 0; i < spatialRank; ++i)
      pairs.push_back({sizes[2 * i], sizes[2 * i + 1]});
  }
  return pairs;
}

//===----------------------------------------------------------------------===//
// custom<ElementwiseType>: `T` when operand and result types are equal,
// `T -> U` otherwise.
//===----------------------------------------------------------------------===//

ParseResult parseElementwiseType(OpAsmParser &parser, Type &inputType,
                                 Type &outputType) {
  if (parser.parseType(inputType))
    return failure();
  outputType = inputType;
  if (succeeded(parser.parseOptionalArrow()))
    return parser.parseType(outputType);
  return success();
}

void printElementwiseType(OpAsmPrinter &printer, Operation *, Type inputType,
                          Type outputType) {
  printer << inputType;
  if (outputType != inputType)
    printer << " -> " << outputType;
}

#define GET_OP_CLASSES
#include "mithril/IR/MithrilOps.cpp.inc"
