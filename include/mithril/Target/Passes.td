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
    floats throughout, becomes:

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
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def VectorizeContractions
    : Pass<"mithril-vectorize-contractions", "::mlir::func::FuncOp"> {
  let summary = "Tile matmuls for the caches and registers, and vectorise them";
  let description = [{
    Each contraction on tensors that is a matmul or a batch matmul of
    floats (a `linalg.generic` or a named op, recognised by its indexing
    maps and its multiply-add body; several batch, row, column or depth
    dims folded into one where at most one of them is dynamic) is tiled
    twice: into
    cache blocks (`cache-tile`, M x N x K) and into register blocks
    (`register-tile`, M x N, one step of K), then vectorised with masks for
    partial tiles, and its `vector.contract` lowered to outer products,
    i.e. one FMA per row of the register block and step of K, on vectors
    as wide as the block's N. With `parallel`, the cache blocks of the
    batch, row and column dims are the iterations of an `scf.forall` (the
    K blocks stay a sequential loop inside). A matmul whose right operand is transposed
    (a Linear layer's `x * W^T`) reads that operand through a transpose
    first, so that the register block loads contiguous rows.

    A static M or N extent that is no multiple of the cache block, then of
    the register block, is first split (upstream's `linalg::splitOp`) into a
    part of full blocks and a remainder, so that every tile has a static
    size and only the remainders' register blocks are narrower (instead of
    dynamic blocks masked everywhere).

    With `pack`, a matmul whose right operand is static and a multiple of
    the register block's columns wide reads it *packed* into panels, K x
    (register block columns) each, contiguous: a register block streams
    one panel along K instead of rows a whole row apart (for power-of-two
    widths all in one L1 set). The packing is a `linalg.transpose` of a
    `tensor.expand_shape`; a weight's is made once per instance by
    mithril-prepare-weights. Another operand is packed on every call, so
    only when the rows reading it are at least a cache block's and it is
    wider than a cache block and at least one deep.

    With `parallel`, an elementwise op that is the only user of a matmul's
    result (an activation, a residual add; through the reshape that folded
    a Linear layer's [N, T] rows) is the matmul's *epilogue*: applied to
    each cache block in place, after the block's last step of K and before
    the block is written back, while it is in cache.

    `loop-invariant-subset-hoisting`, run next on tensors, keeps each
    register block's accumulators in registers across the K loop.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    ListOption<"registerTile", "register-tile", "int64_t",
               "Rows and columns of the register block (default 8,32: "
               "16 accumulators of 16 floats on AVX-512)">,
    ListOption<"cacheTile", "cache-tile", "int64_t",
               "M, N and K of the cache block (default 64,256,256)">,
    Option<"parallel", "parallel", "bool", /*default=*/"false",
           "Cache blocks of the batch, row and column dims in an scf.forall "
           "(threads, once lowered to OpenMP)">,
    Option<"pack", "pack", "bool", /*default=*/"true",
           "Read right operands packed into panels of the register block's "
           "columns, where it pays">,
  ];
}

def VectorizeElementwise
    : Pass<"mithril-vectorize-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Vectorise elementwise generics along their innermost dim";
  let description = [{
    A `linalg.generic` on buffers whose loops are all parallel, whose body
    is arith and math only, and whose operands each either follow the
    innermost loop in their last dim or do not use it (a broadcast bias) is
    tiled to one row at a time and `lanes` elements of the innermost dim,
    then vectorised, masked where a tile is partial: bias adds, ReLUs,
    batch norms, GELUs and residual adds run on whole vector registers.
    `linalg.fill` is vectorised the same way, and so is a `linalg.transpose`
    that keeps the innermost dim (attention's heads); one that swaps it
    (the last two dims) is tiled into `lanes` x `lanes` squares, each a
    transposed read and a contiguous write. Strided `memref.copy`s
    (bufferisation's copies into padded buffers) become `linalg.copy`s and
    are vectorised the same way; lowered as they were, they called a
    generic element-by-element copy. A generic whose only reduction is along
    the innermost dim, of static extent up to 4096 (softmax's sums and
    maxima, LayerNorm's moments), is vectorised one row at a time, the row
    whole, into a `vector.reduction` that LLVM may reassociate (a tree of
    vector operations). Ops on bools are not (a
    vector of i1 is stored as bits, a tensor of i1 as bytes). Anything
    else is left for `convert-linalg-to-loops`. With `parallel`, the tile
    loops of an op with at least `parallel-threshold` elements (or dynamic
    dims) form an `scf.parallel`.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
  let options = [
    Option<"lanes", "lanes", "int64_t", /*default=*/"16",
           "Elements of the innermost dim per vector (16 floats: AVX-512)">,
    Option<"parallel", "parallel", "bool", /*default=*/"false",
           "Tiles of ops with at least `parallel-threshold` elements in an "
           "scf.parallel (threads, once lowered to OpenMP)">,
    Option<"parallelThreshold", "parallel-threshold", "int64_t",
           /*default=*/"16384",
           "Fewest elements for which starting threads pays">,
  ];
}

def ApproximateVectorMath
    : Pass<"mithril-approximate-vector-math", "::mlir::ModuleOp"> {
  let summary = "Compute exp, tanh, erf, log, sin and cos on vectors with "
                "polynomials";
  let description = [{
    LLVM lowers a transcendental `math` op on a vector to one libm call per
    lane. Upstream's polynomial approximations
    (`populateMathPolynomialApproximationPatterns`) compute `exp`, `expm1`,
    `tanh`, `erf`, `log`, `log1p`, `log2`, `sin` and `cos` of f32 vectors
    with vector arithmetic instead (a few ulp from libm's results). Ops on
    scalars keep libm.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
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

def HoistVectorTransfers
    : Pass<"mithril-hoist-vector-transfers", "::mlir::func::FuncOp"> {
  let summary = "Keep loop-invariant vector reads and writes out of loops";
  let description = [{
    Upstream's `linalg::hoistRedundantVectorTransfers` on bufferised code:
    a `vector.transfer_read`/`transfer_write` pair of the same buffer slice
    inside a loop becomes a loop-carried vector, so the accumulators of a
    register block stay in registers for the whole reduction.
  }];
}

#endif // MITHRIL_TARGET_PASSES_TD
