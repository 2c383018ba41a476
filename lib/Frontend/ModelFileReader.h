//===- ModelFileReader.h - Values of a model file, checked ------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The part of the importer that reads single values of a model file (dims,
// dtypes, tensor types, op arguments) and reports what is wrong with them
// at their JSON path. The importer builds graphs on top of it.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_LIB_FRONTEND_MODELFILEREADER_H
#define MITHRIL_LIB_FRONTEND_MODELFILEREADER_H

#include "JsonDocument.h"
#include "mithril/Frontend/OpCatalog.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

namespace mlir::mithril {

/// How a JSON value reads in a message: "a list", "\"same\"", "3".
std::string describe(const Json &value);
/// `names` separated by ", ".
std::string join(ArrayRef<StringRef> names);
/// The member `key` of `object`, or null (also if `object` is no object).
const Json *member(const Json &object, StringRef key);
/// The value as an int64_t, if it is an integer that fits.
std::optional<int64_t> asInteger(const Json &value);

class ModelFileReader {
public:
  ModelFileReader(const JsonDocument &document, StringRef filename,
                  MLIRContext *context)
      : document(document), filename(filename), context(context),
        builder(context) {}

  /// The file position of the value at `pointer`, named by the pointer.
  Location loc(StringRef pointer);
  /// Reports a problem with the value at `pointer`.
  InFlightDiagnostic error(StringRef pointer);
  /// Reports that the value at `pointer` is not `what` it should be.
  void expected(StringRef pointer, StringRef what, const Json &found);
  /// Reports the keys of `object` that are not `allowed`.
  void checkKeys(const Json &object, StringRef pointer,
                 ArrayRef<StringRef> allowed, StringRef what);

  /// A dtype (`"f32"`, ...).
  std::optional<Type> parseDType(const Json &dtype, StringRef pointer);
  /// A tensor type `{"shape": [...], "dtype": ...}`; `dims` gets the dims as
  /// written if any is a symbol (else null).
  std::optional<RankedTensorType>
  parseTensorType(const Json &type, StringRef pointer, ArrayAttr &dims);
  /// An op argument as the attribute the op holds it in; a null attribute
  /// for an explicit `null` (the default), std::nullopt after an error.
  std::optional<Attribute> convertArg(const ArgSpec &arg, const Json &value,
                                      StringRef pointer);

protected:
  const JsonDocument &document;
  std::string filename;
  MLIRContext *context;
  OpBuilder builder;
  unsigned numErrors = 0;
};

} // namespace mlir::mithril

#endif // MITHRIL_LIB_FRONTEND_MODELFILEREADER_H
