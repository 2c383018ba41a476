//===- Passes.td - Code generation for CPUs -------------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The CPU target's own passes: matmuls and elementwise ops tiled for the
// caches and vector registers, and vectorised.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_TARGET_CPU_PASSES_TD
#define MITHRIL_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

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
    wider than a cache block and at least one deep. When that operand is
    a copy generic (a convolution's im2col) collapsed into [K, N], and a
    panel is made of its innermost column dims (the last one split if need
    be: a 16 x 16 output gives panels of (oh % 2, ow)), the copy writes
    the panels itself, and no transpose reads the columns again (a
    ResNet-18 train step at 64², batch 32: about 6 % faster).

    Why packing by hand rather than upstream's `linalg::blockPackMatmul`
    (measured for issue 17: f32, AVX-512, medians of three runs of
    `mlc-run --benchmark`): upstream packs all three operands into blocks
    of the register block (`linalg.pack` of A, B and C, C unpacked after),
    so every call copies the activations A and C as well; this kernel
    reads A where it is (a broadcast per row and step of K), writes C in
    place, and packs B only. Upstream's packed contraction, tiled and
    vectorised the same way, took 12.0 ms against 10.0 for GEMM 1024³ on
    one thread (7.2 against 5.4 on two), and 0.62 against 0.61 ms (64 rows)
    and 2.68 against 2.38 ms (256 rows) for a 1024 x 1024 Linear layer. B's
    packing itself is upstream's `linalg.pack` with inner tile 32 on N and
    the outer dims permuted, `[N/32][K][32]`: written as a
    `linalg.transpose` of a `tensor.expand_shape`, it is what upstream's
    `linalg::lowerPack` makes of that pack, and what mithril-prepare-weights
    folds into a weight once per instance.

    With `parallel`, an elementwise op that is the only user of a matmul's
    result (an activation, a residual add; through the reshape that folded
    a Linear layer's [N, T] rows) is the matmul's *epilogue*: applied to
    each cache block in place, after the block's last step of K and before
    the block is written back, while it is in cache.

    With `bf16-dot-products` (machines with AVX-512 BF16), a matmul of bf16
    operands summed in f32 whose K is even and whose right operand is
    packed takes it packed in pairs of K, `[N/32][K/2][32][2]` (a weight's
    once per instance), and each row of a register block and 16 columns
    take one `x86vector.avx512.dot` (`vdpbf16ps`, two products a lane) per
    pair of K, the row's pair broadcast as one i32; the other bf16 matmuls
    widen their left operand once and use f32 FMAs.

    With `int8-dot-products` (machines with AVX-512 VNNI), a matmul of int8
    operands summed in i32 (`--quantize=int8-dynamic`) whose K is a
    multiple of 4 and whose right operand is packed reads its left operand
    plus 128 as unsigned bytes (sign bits flipped; `128 * sum_k right`
    subtracted from its initial value), its right operand packed in fours
    of K, `[N/32][K/4][32][4]`, and each row of a register block and 16
    columns become one `vpdpbusd` (four products a lane) per four of K,
    after bufferisation (`mithril-lower-int8-dot-products`).

    `loop-invariant-subset-hoisting`, run next on tensors, keeps each
    register block's accumulators in registers across the K loop.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect"];
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
    Option<"bf16DotProducts", "bf16-dot-products", "bool",
           /*default=*/"false",
           "bf16 matmuls summed in f32 on the AVX-512 BF16 dot product "
           "(vdpbf16ps), right operands packed in pairs of K">,
    Option<"int8DotProducts", "int8-dot-products", "bool",
           /*default=*/"false",
           "int8 matmuls summed in i32 on the AVX-512 VNNI dot product "
           "(vpdpbusd), right operands packed in fours of K">,
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
    generic element-by-element copy. A generic whose reductions are its
    innermost loops, the last of static extent (softmax's sums and maxima,
    LayerNorm's moments), is vectorised a row at a time, in chunks of
    8 vectors, into `vector.reduction`s that LLVM may reassociate (a tree
    of vector operations); the outer reduced loops become serial loops
    inside the parallel ones. A reduction over outer dims (BatchNorm's
    statistics and gradients, [N, C, H, W] to [C]) is first interchanged
    to have its parallel loops outermost, and its trailing reduced loops,
    where every operand reads them contiguously, are folded into one
    (H * W). Ops on tensors of bools are not vectorised (a vector of i1 is
    stored as bits, a tensor of i1 as bytes); a bool read as one scalar
    (an optimizer's first-step flag) is, as it is loaded once. A window
    copy (an im2col: its input read through sums `o * stride + k *
    dilation`, which upstream's vectoriser refuses) is tiled to a row of
    `lanes` of its innermost dim; inside a tile every other loop is 0, so
    the tile reads a strided row of its view of the input, which is
    vectorised. An op reading rows with a stride (such a tile, a stride-2
    pooling's views) takes a tile width that divides a static row where
    one exceeds half the lanes (56 columns as 4 x 14): a masked strided
    read becomes a branch per lane (ResNet-18 224² at batch 8: 10 %
    faster). Window copies with rows shorter than 4 are left to loops.
    Anything
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

def CopyBF16VectorsAsIntegers
    : Pass<"mithril-copy-bf16-vectors-as-integers", "::mlir::ModuleOp"> {
  let summary = "Load and store bf16 vectors as i16 vectors (LLVM 22 bug)";
  let description = [{
    LLVM 22's x86 instruction selection aborts ("Do not know how to soft
    promote this operator's operand") on a load of `<9 x bfloat>` or
    `<33 x bfloat>` that feeds a store, as a copy of a 9-element window row
    of bf16 weights is, on AVX-512 targets; and without AVX-512 BF16 it
    moves loaded bf16 vectors through `__truncsfbf2` calls, which Debian's
    libgcc does not have. Every `llvm.load`, `llvm.store` and masked load
    or store of a bf16 vector becomes the same access of an i16 vector and
    bitcasts: the bits are the same, and LLVM selects it.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ExpandBF16Conversions
    : Pass<"mithril-expand-bf16-conversions", "::mlir::ModuleOp"> {
  let summary = "Convert f32 to and from bf16 with integer ops (no libcall)";
  let description = [{
    Without AVX-512 BF16, LLVM lowers `fptrunc` to bf16 into a call of
    `__truncsfbf2`, which Debian's libgcc does not have: a library built
    for `x86_64`, `x86_64-avx2` or `x86_64-avx512` would not load. Upstream's
    bf16 expansion (`arith::populateExpandBFloat16Patterns`, the bf16 part
    of `arith-expand`) writes `arith.truncf` to bf16 (rounding to nearest
    even) and `arith.extf` from it as shifts and integer arithmetic on
    scalars and vectors; the rest of `arith-expand` is not wanted here.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::vector::VectorDialect"];
}

def LowerInt8DotProducts
    : Pass<"mithril-lower-int8-dot-products", "::mlir::ModuleOp"> {
  let summary = "Lower int8 register blocks to AVX-512 VNNI vpdpbusd";
  let description = [{
    The register blocks that `mithril-vectorize-contractions` makes with
    `int8-dot-products` stay `vector.contract`s of bytes extended to i32
    (the left operand unsigned, the right one signed, four of K in the
    innermost dim) until this pass, which runs on buffers: each row of a
    block and 16 columns become one call of the LLVM intrinsic
    `llvm.x86.avx512.vpdpbusd.512` (the x86vector dialect has no AVX-512
    VNNI op), the row's four bytes broadcast as one i32 against the 16
    columns' fours read as one contiguous vector. An LLVM call has unknown
    memory effects, which bufferisation's deallocation refuses: hence after
    it.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // MITHRIL_TARGET_CPU_PASSES_TD
