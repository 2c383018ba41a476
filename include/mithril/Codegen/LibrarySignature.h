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

#ifndef MITHRIL_CODEGEN_LIBRARYSIGNATURE_H
#define MITHRIL_CODEGEN_LIBRARYSIGNATURE_H

#include "mithril/runtime/Signature.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/raw_ostream.h"

#include <optional>
#include <string>

namespace mlir::mithril {

/// The module attribute holding the signature as JSON.
constexpr llvm::StringLiteral kSignatureAttrName = "mithril.signature";

/// The runtime's model of a signature: the JSON it prints is the one it
/// reads back from a library.
using LibrarySignature = ::mithril::runtime::Signature;

/// Reads the signature from the functions that models became (each
/// `func.func` with `llvm.emit_c_interface`). Fails, with a diagnostic, if
/// there is none or a type has no dtype of the ABI.
FailureOr<LibrarySignature> readLibrarySignature(ModuleOp module);

/// The signature recorded in `module` by mithril-record-signature, if any.
std::optional<LibrarySignature> getRecordedSignature(ModuleOp module);

/// Records `signature` in `module` (as mithril-record-signature does).
void setRecordedSignature(ModuleOp module, const LibrarySignature &signature);

/// Whether `entry` is a train step (it updates parameters, and returns one
/// f32 scalar, the loss): it gets a typed `<library>_<entry>` wrapper.
bool isTrainStep(const ::mithril::runtime::Entry &entry);

/// `name` made a C identifier (other characters become `_`).
std::string toCIdentifier(llvm::StringRef name);

/// The C header of a library (see spec/abi.md): the typed `<name>_create`,
/// `<name>_run`, `<name>_destroy` and the fixed dims as constants.
void writeLibraryHeader(const LibrarySignature &signature,
                        llvm::raw_ostream &os);

} // namespace mlir::mithril

#endif // MITHRIL_CODEGEN_LIBRARYSIGNATURE_H
