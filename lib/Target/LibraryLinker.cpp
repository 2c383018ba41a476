//===- LibraryLinker.cpp - Objects into libraries -------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Shared libraries are linked by running lld: it is part of the LLVM
// toolchain mlc-compile is built with (Debian's lld-22), and linking
// in-process would need liblld, which Debian does not ship as a shared
// library.
//
//===----------------------------------------------------------------------===//

#include "mithril/Target/LibraryLinker.h"

#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

using namespace mlir;
using namespace mlir::mithril;

/// ld.lld from the LLVM that built us, else the first on PATH.
static std::optional<std::string> findLinker() {
  for (StringRef name : {"ld.lld", "ld.lld-22"}) {
    if (auto path =
            llvm::sys::findProgramByName(name, {MITHRIL_LLVM_TOOLS_DIR}))
      return *path;
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
  }
  return std::nullopt;
}

LogicalResult mlir::mithril::linkSharedLibrary(StringRef objectPath,
                                               StringRef outputPath,
                                               StringRef runtimeDirectory,
                                               StringRef soname,
                                               std::string &error) {
  std::optional<std::string> linker = findLinker();
  if (!linker) {
    error = "cannot find ld.lld (install lld-22) to link a shared library";
    return failure();
  }
  std::string libraryDir = ("-L" + runtimeDirectory).str();
  std::string sonameFlag = ("-soname=" + soname).str();
  // libomp, where the parallel loops' calls of it need it (--as-needed).
  SmallVector<StringRef> args{*linker,
                              "-shared",
                              "--as-needed",
                              "-z",
                              "noexecstack",
                              "-z",
                              "relro",
                              "--hash-style=gnu",
                              sonameFlag,
                              "-rpath",
                              "$ORIGIN",
                              "-rpath",
                              MITHRIL_OPENMP_DIR,
                              "-o",
                              outputPath,
                              objectPath,
                              libraryDir,
                              "-lmithril_runtime",
                              "-L" MITHRIL_OPENMP_DIR,
                              "-lomp"};
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*linker, args, std::nullopt, {}, 0, 0,
                                         &message);
  if (status != 0) {
    error = "linking failed (" + *linker + ")" +
            (message.empty() ? "" : ": " + message);
    return failure();
  }
  return success();
}

LogicalResult mlir::mithril::writeStaticLibrary(StringRef object,
                                                StringRef memberName,
                                                llvm::raw_ostream &os,
                                                std::string &error) {
  llvm::NewArchiveMember member(llvm::MemoryBufferRef(object, memberName));
  member.MemberName = memberName;
  if (llvm::Error archiveError = llvm::writeArchiveToStream(
          os, {std::move(member)}, llvm::SymtabWritingMode::NormalSymtab,
          llvm::object::Archive::K_GNU, /*Deterministic=*/true,
          /*Thin=*/false)) {
    error = llvm::toString(std::move(archiveError));
    return failure();
  }
  return success();
}
