//===- LibrarySignature.h - What a compiled library exposes -----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The entries of a library and their ports (inputs, outputs, parameters:
// names, dtypes, shapes, symbols), read off the functions the models became.
// It is recorded in the module as JSON (`mithril.signature`) before the
// types lose their names, embedded in the library for the runtime, and
// printed into the C header.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_LIBRARYSIGNATURE_H
#define MITHRIL_TARGET_LIBRARYSIGNATURE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::mithril {

/// The module attribute holding the signature as JSON.
constexpr llvm::StringLiteral kSignatureAttrName = "mithril.signature";

struct PortSignature {
  std::string name;
  /// A model-file dtype: f32, f16, bf16, f64, i64, i32, i8, u8, bool.
  std::string dtype;
  /// ShapedType::kDynamic for a dynamic dim.
  std::vector<int64_t> shape;
  /// The symbol of each dim ("" if none).
  std::vector<std::string> symbols;

  int64_t elementBytes() const;
  /// The number of elements, if every dim is static.
  std::optional<int64_t> numElements() const;
};

struct EntrySignature {
  std::string name;
  std::vector<PortSignature> inputs, outputs, parameters;
};

struct LibrarySignature {
  std::vector<EntrySignature> entries;

  /// The library's name: its first entry's.
  llvm::StringRef name() const { return entries.front().name; }
  /// The bytes of every distinct parameter.
  int64_t parameterBytes() const;
};

/// Reads the signature from the functions that models became (each
/// `func.func` with `llvm.emit_c_interface`). Fails, with a diagnostic, if
/// there is none or a type has no dtype of the ABI.
FailureOr<LibrarySignature> readLibrarySignature(ModuleOp module);

/// The JSON that the runtime reads (see mithril/runtime.h).
std::string printLibrarySignature(const LibrarySignature &signature);
std::optional<LibrarySignature> parseLibrarySignature(llvm::StringRef json);

/// `name` made a C identifier (other characters become `_`).
std::string toCIdentifier(llvm::StringRef name);

/// The C header of a library (see spec/abi.md): the typed `<name>_create`,
/// `<name>_run`, `<name>_destroy` and the fixed dims as constants.
void writeLibraryHeader(const LibrarySignature &signature,
                        llvm::raw_ostream &os);

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_LIBRARYSIGNATURE_H
