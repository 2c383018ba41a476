//===- ModelFileReader.cpp - Values of a model file, checked --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "ModelFileReader.h"

#include "mithril/IR/MithrilOps.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mithril;

//===----------------------------------------------------------------------===//
// JSON helpers
//===----------------------------------------------------------------------===//

std::string mlir::mithril::describe(const Json &value) {
  switch (value.type()) {
  case Json::value_t::object:
    return "an object";
  case Json::value_t::array:
    return "a list";
  case Json::value_t::null:
    return "null";
  case Json::value_t::string:
    return "\"" + value.get<std::string>() + "\"";
  default:
    return value.dump();
  }
}

std::string mlir::mithril::join(ArrayRef<StringRef> names) {
  std::string joined;
  for (StringRef name : names)
    joined += (joined.empty() ? "" : ", ") + name.str();
  return joined;
}

/// The member `key` of `object`, or null.
const Json *mlir::mithril::member(const Json &object, StringRef key) {
  if (!object.is_object())
    return nullptr;
  auto it = object.find(key.str());
  return it == object.end() ? nullptr : &*it;
}

std::optional<int64_t> mlir::mithril::asInteger(const Json &value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() > uint64_t(INT64_MAX))
      return std::nullopt;
    return value.get<int64_t>();
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Diagnostics
//===----------------------------------------------------------------------===//

Location ModelFileReader::loc(StringRef pointer) {
  SourcePosition position = document.position(pointer);
  Location fileLoc =
      FileLineColLoc::get(context, filename, position.line, position.column);
  if (pointer.empty())
    return fileLoc; // The whole file.
  return NameLoc::get(StringAttr::get(context, pointer), fileLoc);
}

InFlightDiagnostic ModelFileReader::error(StringRef pointer) {
  ++numErrors;
  return emitError(loc(pointer));
}

void ModelFileReader::expected(StringRef pointer, StringRef what,
                               const Json &found) {
  error(pointer) << "expected " << what << ", found " << describe(found);
}

//===----------------------------------------------------------------------===//
// Values
//===----------------------------------------------------------------------===//

void ModelFileReader::checkKeys(const Json &object, StringRef pointer,
                                ArrayRef<StringRef> allowed, StringRef what) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    StringRef key = it.key();
    if (llvm::is_contained(allowed, key))
      continue;
    auto diag = error(JsonDocument::child(pointer, key))
                << "unknown key '" << key << "' in " << what;
    if (auto suggestion = closestName(key, allowed))
      diag << "; did you mean '" << *suggestion << "'?";
    else
      diag << " (expected " << join(allowed) << ")";
  }
}

std::optional<Type> ModelFileReader::parseDType(const Json &dtype,
                                                StringRef pointer) {
  static constexpr StringLiteral kDTypes[] = {
      "f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "bool"};
  if (Type type = dtype.is_string()
                      ? parseDTypeName(context, dtype.get<std::string>())
                      : Type())
    return type;
  SmallVector<StringRef> names(std::begin(kDTypes), std::end(kDTypes));
  expected(pointer, "a dtype (" + join(names) + ")", dtype);
  return std::nullopt;
}

std::optional<RankedTensorType>
ModelFileReader::parseTensorType(const Json &type, StringRef pointer,
                                 ArrayAttr &dims) {
  if (!type.is_object()) {
    expected(pointer, "a tensor type {\"shape\": [...], \"dtype\": ...}", type);
    return std::nullopt;
  }
  checkKeys(type, pointer, {"shape", "dtype"}, "a tensor type");
  const Json *shape = member(type, "shape");
  const Json *dtype = member(type, "dtype");
  if (!shape || !dtype) {
    error(pointer) << "a tensor type needs " << (shape ? "a dtype" : "a shape");
    return std::nullopt;
  }
  std::string shapePointer = JsonDocument::child(pointer, "shape");
  if (!shape->is_array()) {
    expected(shapePointer, "a list of dims", *shape);
    return std::nullopt;
  }
  SmallVector<int64_t> sizes;
  SmallVector<Attribute> written;
  bool ok = true, symbolic = false;
  for (auto [i, dim] : llvm::enumerate(*shape)) {
    std::string dimPointer = JsonDocument::child(shapePointer, i);
    if (std::optional<int64_t> size = asInteger(dim); size && *size >= 0) {
      sizes.push_back(*size);
      written.push_back(builder.getI64IntegerAttr(*size));
    } else if (dim.is_string() && isCIdentifier(dim.get<std::string>())) {
      sizes.push_back(ShapedType::kDynamic);
      written.push_back(builder.getStringAttr(dim.get<std::string>()));
      symbolic = true;
    } else {
      expected(dimPointer,
               "a dim (a non-negative integer or a symbol such as \"N\")", dim);
      ok = false;
    }
  }
  std::optional<Type> elementType =
      parseDType(*dtype, JsonDocument::child(pointer, "dtype"));
  if (!ok || !elementType)
    return std::nullopt;
  dims = symbolic ? builder.getArrayAttr(written) : ArrayAttr();
  return RankedTensorType::get(sizes, *elementType);
}

std::optional<Attribute> ModelFileReader::convertArg(const ArgSpec &arg,
                                                     const Json &value,
                                                     StringRef pointer) {
  auto integer = [&](bool positive) -> std::optional<int64_t> {
    std::optional<int64_t> v = asInteger(value);
    if (!v || (positive && *v <= 0)) {
      expected(pointer, positive ? "a positive integer" : "an integer", value);
      return std::nullopt;
    }
    return v;
  };
  // An integer (repeated `arg.length` times) or a list of integers.
  auto integers = [&](bool positive, bool nonNegative, bool allowScalar,
                      bool allowNull) -> std::optional<Attribute> {
    if (allowNull && value.is_null())
      return Attribute();
    StringRef what = positive      ? "positive integer"
                     : nonNegative ? "non-negative integer"
                                   : "integer";
    auto valid = [&](const Json &v) {
      std::optional<int64_t> i = asInteger(v);
      return i && (!positive || *i > 0) && (!nonNegative || *i >= 0);
    };
    SmallVector<int64_t> values;
    if (allowScalar && valid(value)) {
      values.assign(std::max(arg.length, 1u), *asInteger(value));
    } else if (value.is_array() && llvm::all_of(value, valid) &&
               (arg.length == 0 || value.size() == arg.length)) {
      for (const Json &v : value)
        values.push_back(*asInteger(v));
    } else {
      std::string expectation = arg.length ? "a list of " +
                                                 std::to_string(arg.length) +
                                                 " " + what.str() + "s"
                                           : "a list of " + what.str() + "s";
      if (allowScalar)
        expectation = "a " + what.str() + " or " + expectation;
      if (allowNull)
        expectation = "null, " + expectation;
      expected(pointer, expectation, value);
      return std::nullopt;
    }
    return builder.getDenseI64ArrayAttr(values);
  };

  switch (arg.kind) {
  case ArgKind::Int:
  case ArgKind::PositiveInt:
    if (auto v = integer(arg.kind == ArgKind::PositiveInt))
      return builder.getI64IntegerAttr(*v);
    return std::nullopt;
  case ArgKind::Float:
    if (value.is_number() && std::isfinite(value.get<double>()))
      return builder.getF64FloatAttr(value.get<double>());
    expected(pointer, "a number", value);
    return std::nullopt;
  case ArgKind::OptionalFloat:
    if (value.is_null())
      return Attribute();
    if (value.is_number() && std::isfinite(value.get<double>()))
      return builder.getF64FloatAttr(value.get<double>());
    expected(pointer, "null or a number", value);
    return std::nullopt;
  case ArgKind::Bool:
    if (value.is_boolean())
      return builder.getBoolAttr(value.get<bool>());
    expected(pointer, "true or false", value);
    return std::nullopt;
  case ArgKind::Choice: {
    SmallVector<StringRef> choices;
    arg.choices.split(choices, '|');
    if (value.is_string() &&
        llvm::is_contained(choices, value.get<std::string>()))
      return builder.getStringAttr(value.get<std::string>());
    SmallVector<std::string> quoted;
    for (StringRef choice : choices)
      quoted.push_back(("\"" + choice + "\"").str());
    SmallVector<StringRef> refs(quoted.begin(), quoted.end());
    expected(pointer, "one of " + join(refs), value);
    return std::nullopt;
  }
  case ArgKind::Sizes:
    return integers(/*positive=*/true, false, /*allowScalar=*/true, false);
  case ArgKind::Ints:
    return integers(false, /*nonNegative=*/arg.length != 0,
                    /*allowScalar=*/true, false);
  case ArgKind::IntList:
    return integers(false, false, /*allowScalar=*/false, false);
  case ArgKind::OptionalInts:
    return integers(false, false, /*allowScalar=*/true, /*allowNull=*/true);
  case ArgKind::OptionalInt:
    if (value.is_null())
      return Attribute();
    if (auto v = integer(false))
      return builder.getI64IntegerAttr(*v);
    return std::nullopt;
  case ArgKind::Padding:
    if (value.is_string() && (value.get<std::string>() == "same" ||
                              value.get<std::string>() == "valid"))
      return builder.getStringAttr(value.get<std::string>());
    if (value.is_array() && value.size() == 2 * arg.length) {
      // Two sizes per dim (before, after), as resolveConvPadding takes.
      ArgSpec twice = arg;
      twice.length = 2 * arg.length;
      return convertArg(twice, value, pointer);
    }
    if (!value.is_string())
      return integers(false, /*nonNegative=*/true, /*allowScalar=*/true, false);
    expected(pointer, "\"same\", \"valid\", or padding sizes", value);
    return std::nullopt;
  case ArgKind::DimList: {
    SmallVector<Attribute> dims;
    bool ok = value.is_array();
    for (const Json &dim : ok ? value : Json::array()) {
      if (std::optional<int64_t> size = asInteger(dim); size && *size >= -1)
        dims.push_back(builder.getI64IntegerAttr(*size));
      else if (dim.is_string() && isCIdentifier(dim.get<std::string>()))
        dims.push_back(builder.getStringAttr(dim.get<std::string>()));
      else
        ok = false;
    }
    if (ok)
      return builder.getArrayAttr(dims);
    expected(pointer, "a list of dims (integers, -1 or symbols)", value);
    return std::nullopt;
  }
  case ArgKind::DType:
    if (std::optional<Type> type = parseDType(value, pointer))
      return TypeAttr::get(*type);
    return std::nullopt;
  }
  return std::nullopt;
}
