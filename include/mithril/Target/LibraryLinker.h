//===- LibraryLinker.h - Objects into libraries -----------------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_LIBRARYLINKER_H
#define MITHRIL_TARGET_LIBRARYLINKER_H

#include "mlir/Support/LLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::mithril {

/// Links the object file `objectPath` into the shared library `outputPath`
/// with LLVM's lld (ld.lld from LLVM's tools folder, else on PATH). The
/// library needs libmithril_runtime.so (found in `runtimeDirectory` at link
/// time; at run time beside the library, or wherever the loader looks).
LogicalResult linkSharedLibrary(StringRef objectPath, StringRef outputPath,
                                StringRef runtimeDirectory, StringRef soname,
                                std::string &error);

/// A static library (an `ar` archive) holding `object` as `memberName`.
LogicalResult writeStaticLibrary(StringRef object, StringRef memberName,
                                 llvm::raw_ostream &os, std::string &error);

} // namespace mlir::mithril

#endif // MITHRIL_TARGET_LIBRARYLINKER_H
