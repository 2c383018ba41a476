//===- Passes.td - Passes that shape a compiled library -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_PASSES_TD
#define MITHRIL_TARGET_PASSES_TD

include "mlir/Pass/PassBase.td"

def RecordLibrarySignature
    : Pass<"mithril-record-signature", "::mlir::ModuleOp"> {
  let summary = "Record the library's entries and ports as a module attribute";
  let description = [{
    Reads every function made from a model (`func.func` with
    `llvm.emit_c_interface`): its inputs (named by `mithril.name`, with the
    symbols of `mithril.dims`), its parameters (`mithril.parameter`) and its
    outputs, with their dtypes and shapes. A dynamic dim of an output is
    named after the input symbol that upstream's value-bounds analysis
    proves it equal to. Writes them as JSON into the
    module attribute `mithril.signature`, which survives the lowering that
    erases the types; `mithril-emit-library-abi` embeds it in the library.

    For a model `mlp` with input `input : tensor<?x784xf32>` whose first
    dim is the symbol `N`, the JSON lists the entry `mlp` with the input
    `{"name": "input", "dtype": "f32", "shape": [null, 784],
    "dims": ["N", 784]}`, then its outputs and parameters.
  }];
}

def EmitLibraryABI : Pass<"mithril-emit-library-abi", "::mlir::ModuleOp"> {
  let summary = "Add the library's C interface to a module in the LLVM dialect";
  let description = [{
    Runs last, on the LLVM dialect. For each entry of `mithril.signature`
    it adds:

    - an adapter `__mithril_entry_<name>(results, args)` that calls MLIR's
      C interface `_mlir_ciface_<name>` with the argument descriptors from an
      array, so the runtime calls every entry the same way;
    - the reflection symbol `mithril_library_v1` (a `mithril_library_info`:
      ABI version, the signature JSON, the adapters, the weights);
    - the typed wrappers of spec/abi.md: `<name>_create`, `<name>_run`,
      `<name>_destroy`, which call the runtime, and `<name>_info`, which
      returns the reflection symbol's address.

    Every other function becomes internal, so a library exports its C
    interface only and several models link into one program. With
    `local-info` (a static library or an object), `mithril_library_v1` is
    internal too: `<name>_info()` is then the way to it. Calls to `memrefCopy` (MLIR's copy of strided buffers)
    go to the runtime's `mithril_memref_copy`, so a library needs no MLIR
    runtime library.

    With `weights=embed`, the weights are declared as
    `__mithril_weights_begin`/`__mithril_weights_end`, which the code
    generator defines with the safetensors image; with `weights=external`
    the runtime reads `<name>.safetensors` beside the library.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
  let options = [
    Option<"weights", "weights", "std::string", /*default=*/"\"none\"",
           "Where instances find their weights: none (given at create), "
           "embed, external">,
    Option<"localInfo", "local-info", "bool", /*default=*/"false",
           "Keep mithril_library_v1 local (for a static library or an "
           "object, so that several models link into one program)">,
  ];
}

#endif // MITHRIL_TARGET_PASSES_TD
