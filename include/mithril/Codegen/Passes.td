//===- Passes.td - Target-independent code generation passes --------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Passes every target runs: on linalg (fusion, convolutions as matmuls), and
// those that shape the compiled library's interface (its signature, weights
// prepared once per instance, one arena for the intermediates, the C ABI).
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_CODEGEN_PASSES_TD
#define MITHRIL_CODEGEN_PASSES_TD

include "mlir/Pass/PassBase.td"

//===----------------------------------------------------------------------===//
// Transforms on linalg
//===----------------------------------------------------------------------===//

def FuseElementwise : Pass<"mithril-fuse-elementwise", "::mlir::ModuleOp"> {
  let summary = "Fuse elementwise generics where no value is computed twice";
  let description = [{
    Upstream's elementwise fusion of linalg on tensors (with its reshape
    folding and canonicalisations), under one more condition: a producer is
    fused into a consumer only when the consumer reads each of its elements
    once, i.e. when the consumer's indexing map of that operand is a
    permutation of all its loops. Upstream's own pass would also fuse a
    ReLU into the matmul that reads it, computing it again for every
    column of the result; and a contraction whose operand was fused no
    longer looks like a matmul to the code generator.

    The exception: a generic that only widens its one input (an int8
    weight read as f32, int8 activations read as i32) is fused into any
    contraction that reads it, through the reshapes between them: the
    contraction then converts in registers and reads the narrow values, a
    quarter of the bytes, and keeps its matmul form (a conversion in the
    body is part of it).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvolutionsToMatmuls
    : Pass<"mithril-convolutions-to-matmuls", "::mlir::func::FuncOp"> {
  let summary = "Rewrite convolutions as an im2col copy and a matmul";
  let description = [{
    A convolution as `convert-mithril-to-linalg` writes it (a generic over
    `n, g, oc, o..., ic, k...` on grouped tensors), with one group and
    floats throughout (or int8 weights read widened, `--quantize`),
    becomes:

    - an im2col copy `[1, IC, K..., N, O...]` of the input windows, the
      same window map as the convolution's;
    - a matmul `[OC, IC*K...] x [IC*K..., N*O...]` (neither operand
      transposed; rows are output channels, as in the output), which
      `mithril-vectorize-contractions` turns into tiled vector code;
    - the product added to the convolution's initial value (its bias) in
      the output's layout.

    Upstream's `linalg::rewriteInIm2Col` does the same for the named
    convolution ops only. Grouped (depthwise) convolutions are left as
    they are.

    The im2col copy's map is no projected permutation;
    `mithril-vectorize-elementwise` copies it a row at a time.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def UnshareFills : Pass<"mithril-unshare-fills"> {
  let summary = "Give each writer of a shared linalg.fill its own fill";
  let description = [{
    CSE merges equal fills: the zeros that two matmuls of one shape
    accumulate into become one `linalg.fill`. One-shot bufferisation then
    writes the fill once and copies the filled buffer for every writer but
    one, a `memref.copy` that runs on one thread (in a ResNet-18 train
    step, 41 M floats a step). Run right before bufferisation, this pass
    clones the fill for each further use that writes into it (a
    destination-passing init, the shared outputs of an `scf.forall`, the
    initial value of an `scf.for`), so each is a fill the code generator
    vectorises and splits across threads.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def ExpandShapesAsCasts : Pass<"mithril-expand-shapes-as-casts"> {
  let summary = "Expansions into several dynamic dims as reinterpret casts";
  let description = [{
    A `memref.expand_shape` that splits one dim into more than one dynamic
    dim (a Linear layer's rows `[N * T]` back into `[N, T]`) becomes a
    `memref.reinterpret_cast` of its source's base buffer, with the
    source's offset, the output sizes and the strides they imply. Upstream's
    `expand-strided-metadata` (LLVM 22) crashes on such expansions; this
    pass runs before it.
  }];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::memref::MemRefDialect"];
}

//===----------------------------------------------------------------------===//
// The library's interface
//===----------------------------------------------------------------------===//

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
      array (inputs, parameters, then the arena of mithril-plan-memory), so
      the runtime calls every entry the same way;
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
    Option<"threads", "threads", "int64_t", /*default=*/"0",
           "The threads a call runs on by default, recorded in the "
           "signature (0: one per core)">,
  ];
}

def PrepareWeights : Pass<"mithril-prepare-weights", "::mlir::ModuleOp"> {
  let summary = "Lay parameters out once per instance, not on every call";
  let description = [{
    Runs on tensors. In each entry, a `linalg.transpose` of a parameter
    argument, or of a view of one through `tensor.expand_shape`,
    `tensor.collapse_shape` and other transposes (a Linear layer's weight,
    which the matmul kernels read as Wᵀ, or packed into panels), all of
    static shape, is replaced by a new argument after the last one, a
    "prepared parameter" (`mithril.prepared` naming the parameter), one per
    parameter and layout. The entry's `prepared` list in
    `mithril.signature` records each as the parameter viewed with a shape,
    then permuted (`{"parameter": ..., "shape": [...], "permutation":
    [...]}`); the runtime makes them when it creates an instance and passes
    them after the parameters. The ops the transpose read from are erased
    when nothing else uses them.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def PlanMemory : Pass<"mithril-plan-memory", "::mlir::ModuleOp"> {
  let summary = "Place each entry's intermediates in one arena, reused by "
                "liveness";
  let description = [{
    Runs on bufferised code, after deallocation. In each public function
    (an entry), the `memref.alloc`s of its top-level block with a static
    shape whose buffer, and every view of it, stays in sight (used in the
    function, deallocated with `memref.dealloc`, or returned; not passed to a
    call, not yielded, not taken apart as a pointer) become `memref.view`s
    of one arena, and their deallocations go: a `memref<?xi8>` appended to
    the function's arguments, which the runtime allocates once per instance
    (and out of which it copies the outputs after each call). A buffer lives from its
    allocation to its last use (counting uses of its views, and the uses
    nested in a top-level op as that op's); buffers whose lifetimes do not
    overlap share bytes. Offsets are chosen greedily, largest buffer first,
    each in the smallest gap between live buffers that fits it (best fit),
    aligned to `alignment` bytes. The arena's size is recorded on the
    function (`mithril.arena_bytes`) and in the library's signature
    (`arena_bytes` of the entry).

    Buffers with dynamic dims stay with the allocator.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Alignment of every buffer in the arena, in bytes">,
  ];
}


//===----------------------------------------------------------------------===//
// Statistics (`mlc-compile --stats`)
//===----------------------------------------------------------------------===//

def CountFlops : Pass<"mithril-count-flops", "::mlir::ModuleOp"> {
  let summary = "Record the arithmetic a call performs";
  let description = [{
    Runs on linalg, before the ops become loops: each linalg op's
    iterations times the arithmetic ops of its body (a multiply-add counts
    2; constants and casts count 0), summed over the module and recorded as
    the module attribute `mithril.flops`. A dynamic extent counts as 1, so
    a model with a dynamic batch gets its FLOPs per batch element.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CountMemory : Pass<"mithril-count-memory", "::mlir::ModuleOp"> {
  let summary = "Record the memory a call uses";
  let description = [{
    Runs on bufferised code after `mithril-plan-memory`: records on the
    module the bytes of the buffers a call still allocates
    (`mithril.allocated_bytes`: those with dynamic dims, counted as 1) and
    the arenas' statistics that mithril-plan-memory left on each entry,
    summed (`mithril.arena_bytes`, `mithril.arena_buffers`,
    `mithril.arena_buffer_bytes`).
  }];
}

#endif // MITHRIL_CODEGEN_PASSES_TD
