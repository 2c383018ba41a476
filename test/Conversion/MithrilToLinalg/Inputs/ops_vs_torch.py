"""The cases that check every catalog op against PyTorch, by family.

Each case is (label, op, properties, PyTorch function, inputs, dynamic):
seeded random inputs and the mithril op that must compute what the function
does (with a dynamic first dim if `dynamic`). test/e2e/
ops_library_vs_torch.py compiles each family into a library and runs it.

Run on its own, this script writes a standalone program for one family,
useful to debug a failing case without the library in between:

    ops_vs_torch.py FAMILY > check.mlir
    mlc-opt check.mlir --convert-mithril-to-linalg <upstream CPU lowering> \
      | mlir-runner -e main -entry-point-result=void \
          -shared-libs=libmlir_c_runner_utils.so

which prints, per case, how many elements are off by more than 2e-4
relative ("relu: 0"). FAMILY: elementwise, matmul, convs, attention,
reductions, norms, shapes.
"""
import sys
import torch

torch.manual_seed(0)
F = torch.nn.functional

# name, mithril op text, torch function, operand makers, dtype
POSITIVE = lambda shape: torch.rand(shape) * 3 + 0.1
SIGNED = lambda shape: torch.randn(shape) * 3
INTS = lambda shape: torch.randint(-9, 10, shape)
U8 = lambda shape: torch.randint(0, 256, shape, dtype=torch.uint8)
NONZERO_U8 = lambda shape: torch.randint(1, 256, shape, dtype=torch.uint8)


def unary(name, op, fn, make=SIGNED, attrs=""):
    """An elementwise op on one operand, at each of SHAPES."""
    return [(name + "_%d" % k, op, attrs, fn, [make(a)], k == 0)
            for k, (a, _) in enumerate(SHAPES)]


def binary(name, op, fn, make=SIGNED, make_right=None):
    """An elementwise op on two operands, at each of SHAPES."""
    return [(name + "_%d" % k, op, "", fn, [make(a), (make_right or make)(b)],
             k == 0) for k, (a, b) in enumerate(SHAPES)]


# Shapes: same shape (seen with a dynamic first dim), and NumPy broadcasting.
SHAPES = [([3, 4], [3, 4]), ([2, 1, 4], [3, 1])]

ELEMENTWISE = [
    unary("relu", "relu", torch.relu),
    unary("silu", "silu", F.silu),
    unary("sigmoid", "sigmoid", torch.sigmoid),
    unary("tanh", "tanh", torch.tanh),
    unary("softplus", "softplus", F.softplus, lambda s: torch.randn(s) * 15),
    unary("leaky_relu", "leaky_relu", lambda x: F.leaky_relu(x, 0.2),
          attrs="negative_slope = 0.2 : f64"),
    unary("gelu", "gelu", F.gelu),
    unary("gelu_tanh", "gelu", lambda x: F.gelu(x, approximate="tanh"),
          attrs='approximate = "tanh"'),
    unary("neg", "neg", torch.neg),
    unary("abs", "abs", torch.abs),
    unary("exp", "exp", torch.exp),
    unary("log", "log", torch.log, POSITIVE),
    unary("sqrt", "sqrt", torch.sqrt, POSITIVE),
    unary("rsqrt", "rsqrt", torch.rsqrt, POSITIVE),
    unary("sin", "sin", torch.sin),
    unary("cos", "cos", torch.cos),
    binary("add", "add", torch.add),
    binary("sub", "sub", torch.sub),
    binary("mul", "mul", torch.mul),
    binary("div", "div", torch.div),
    binary("pow", "pow", torch.pow, POSITIVE),
    binary("maximum", "maximum", torch.maximum),
    binary("minimum", "minimum", torch.minimum),
    binary("equal", "equal", torch.eq, lambda s: torch.randint(0, 2, s).float()),
    binary("less", "less", torch.lt),
    binary("greater", "greater", torch.gt),
    binary("add_i64", "add", torch.add, INTS),
    binary("div_i64", "div", torch.div, INTS,
           lambda s: torch.randint(1, 5, s) * (torch.randint(0, 2, s) * 2 - 1)),
    binary("maximum_i64", "maximum", torch.maximum, INTS),
    # u8 (images): wrapping arithmetic, unsigned comparisons and division.
    binary("add_u8", "add", torch.add, U8),
    binary("sub_u8", "sub", torch.sub, U8),
    binary("mul_u8", "mul", torch.mul, U8),
    binary("div_u8", "div", torch.div, U8, NONZERO_U8),
    binary("maximum_u8", "maximum", torch.maximum, U8),
    binary("minimum_u8", "minimum", torch.minimum, U8),
    binary("less_u8", "less", torch.lt, U8),
    binary("greater_u8", "greater", torch.gt, U8),
    unary("abs_u8", "abs", torch.abs, U8),
    unary("neg_u8", "neg", torch.neg, U8),
    # Casts between every kind of dtype.
    unary("cast_u8_f32", "cast", lambda x: x.float(), U8, attrs="dtype = f32"),
    unary("cast_f32_u8", "cast", lambda x: x.to(torch.uint8),
          lambda s: torch.rand(s) * 255, attrs="dtype = ui8"),
    unary("cast_f32_i64", "cast", lambda x: x.long(), attrs="dtype = i64"),
    unary("cast_i64_f32", "cast", lambda x: x.float(), INTS, attrs="dtype = f32"),
    unary("cast_f32_bool", "cast", lambda x: x.bool(),
          lambda s: torch.randint(-1, 2, s).float(), attrs="dtype = i1"),
    unary("cast_bool_f32", "cast", lambda x: x.float(),
          lambda s: torch.randint(0, 2, s).bool(), attrs="dtype = f32"),
]
ELEMENTWISE = [case for cases in ELEMENTWISE for case in cases]


def linear(label, lead, n_in, n_out, bias=True, dynamic=False):
    x, w, b = torch.randn(lead + [n_in]), torch.randn(n_out, n_in), torch.randn(n_out)
    props = "in_features = %d : i64, out_features = %d : i64" % (n_in, n_out)
    inputs = [x, w, b] if bias else [x, w]
    return (label, "linear", props, lambda *t: F.linear(*t), inputs, dynamic)


def matmul(label, left, right, dynamic=False):
    return (label, "matmul", "", torch.matmul,
            [torch.randn(left), torch.randn(right)], dynamic)


MATMUL = [
    matmul("matmul_2d", [3, 5], [5, 4], dynamic=True),
    matmul("matmul_batch", [2, 3, 5], [5, 4]),
    matmul("matmul_broadcast", [2, 1, 3, 5], [4, 5, 6]),
    ("matmul_u8", "matmul", "", torch.matmul, [U8([3, 5]), U8([5, 4])], True),
    matmul("matmul_vector_left", [5], [2, 5, 3]),
    matmul("matmul_vector_right", [2, 3, 5], [5]),
    matmul("matmul_dot", [7], [7]),
    # Rows for several cache blocks and a remainder, packed columns for
    # several blocks and a partial one, K for two blocks.
    matmul("matmul_packed", [130, 300], [300, 320]),
    linear("linear", [3], 5, 4, dynamic=True),
    linear("linear_3d", [2, 3], 6, 2),
    linear("linear_no_bias", [4], 3, 2, bias=False),
    linear("linear_unbatched", [], 8, 3),
]

def reduction(label, op, props, fn, shape, dynamic=False, make=SIGNED):
    return (label, op, props, fn, [make(shape)], dynamic)


def dims(*values):
    return "dim = array<i64: %s>" % ", ".join(map(str, values))


TIES = lambda shape: torch.randint(0, 3, shape).float()
LOGITS = lambda shape: torch.randn(shape) * 4
REDUCTIONS = [
    reduction("sum_dim", "sum", dims(1), lambda x: x.sum(1), [3, 4, 5], True),
    reduction("sum_all", "sum", "", torch.sum, [3, 4]),
    reduction("sum_keepdim", "sum", dims(0, 2) + ", keepdim = true",
              lambda x: x.sum((0, 2), keepdim=True), [3, 4, 5]),
    reduction("sum_i64", "sum", dims(-1), lambda x: x.sum(-1), [3, 4], True, INTS),
    reduction("sum_u8", "sum", dims(1), lambda x: x.sum(1), [3, 4], True, U8),
    reduction("max_u8", "max", dims(1), lambda x: x.amax(1), [3, 6], True, U8),
    reduction("min_u8", "min", dims(0), lambda x: x.amin(0), [3, 6], False, U8),
    reduction("argmax_u8", "argmax", "dim = 1 : i64", lambda x: x.argmax(1),
              [4, 7], True, U8),
    reduction("mean", "mean", dims(-1), lambda x: x.mean(-1), [3, 4], True),
    reduction("mean_all", "mean", "", torch.mean, [2, 3, 4]),
    reduction("max", "max", dims(1), lambda x: x.amax(1), [3, 4, 2], True),
    reduction("min_keepdim", "min", dims(0) + ", keepdim = true",
              lambda x: x.amin(0, keepdim=True), [3, 4]),
    reduction("argmax", "argmax", "dim = 1 : i64", lambda x: x.argmax(1),
              [4, 6], True, TIES),
    reduction("argmax_all", "argmax", "", torch.argmax, [3, 5], False, TIES),
    reduction("argmax_keepdim", "argmax", "dim = 0 : i64, keepdim = true",
              lambda x: x.argmax(0, keepdim=True), [5, 3], False, TIES),
    reduction("variance", "variance", dims(1), lambda x: x.var(1), [3, 6], True),
    reduction("variance_biased", "variance", dims(0, 1) + ", correction = 0 : i64",
              lambda x: x.var((0, 1), correction=0), [3, 4, 2]),
    reduction("softmax", "softmax", "dim = -1 : i64",
              lambda x: torch.softmax(x, -1), [3, 5], True, LOGITS),
    reduction("softmax_dim0", "softmax", "dim = 0 : i64",
              lambda x: torch.softmax(x, 0), [4, 3, 2], False, LOGITS),
    reduction("log_softmax", "log_softmax", "dim = 1 : i64",
              lambda x: torch.log_softmax(x, 1), [3, 5], True, LOGITS),
]


def loss(label, op, reduction_, fn, inputs, dynamic=False):
    props = 'reduction = "%s"' % reduction_ if reduction_ else ""
    return (label, op, props, fn, inputs, dynamic)


def ce(reduction_="mean"):
    return lambda x, t: F.cross_entropy(x, t, reduction=reduction_)


def mse(reduction_="mean"):
    return lambda x, t: F.mse_loss(x, t, reduction=reduction_)


LOSSES = [
    loss("mse", "mse_loss", "", mse(), [torch.randn(4, 3), torch.randn(4, 3)], True),
    loss("mse_sum", "mse_loss", "sum", mse("sum"), [torch.randn(2, 3), torch.randn(2, 3)]),
    loss("mse_none", "mse_loss", "none", mse("none"), [torch.randn(2, 3), torch.randn(2, 3)]),
    loss("ce", "cross_entropy_loss", "", ce(),
         [LOGITS([5, 4]), torch.randint(0, 4, (5,))]),
    loss("ce_none", "cross_entropy_loss", "none", ce("none"),
         [LOGITS([5, 4]), torch.randint(0, 4, (5,))]),
    loss("ce_unbatched", "cross_entropy_loss", "", ce(),
         [LOGITS([6]), torch.tensor(2)]),
    loss("ce_spatial_sum", "cross_entropy_loss", "sum", ce("sum"),
         [LOGITS([2, 4, 3]), torch.randint(0, 4, (2, 3))]),
    loss("ce_probabilities", "cross_entropy_loss", "", ce(),
         [LOGITS([3, 4]), torch.softmax(torch.randn(3, 4), 1)]),
]

def batch_norm(label, op, shape, eps=1e-5, dynamic=False):
    c = shape[1]
    mean, var = torch.randn(c), torch.rand(c) + 0.5
    weight, bias = torch.randn(c), torch.randn(c)
    fn = lambda x, w, b, m, v: F.batch_norm(x, m, v, w, b, False, 0.0, eps)
    return (label, op, "num_features = %d : i64, eps = %e : f64" % (c, eps), fn,
            [torch.randn(shape) * 2 + 1, weight, bias, mean, var], dynamic)


def layer_norm(label, shape, normalized, affine=True, dynamic=False):
    props = "normalized_shape = array<i64: %s>, elementwise_affine = %s" % (
        ", ".join(map(str, normalized)), "true" if affine else "false")
    n = len(normalized)
    segments = "operandSegmentSizes = array<i32: 1, %d, %d>" % (affine, affine)
    inputs = [torch.randn(shape) * 3 + 1]
    if affine:
        inputs += [torch.randn(normalized), torch.randn(normalized)]
    fn = lambda x, *p: F.layer_norm(x, normalized, *p, eps=1e-5)
    return (label, "layer_norm", props + ", " + segments, fn, inputs, dynamic)


def rms_norm(label, shape, normalized, dynamic=False):
    eps = 1e-6
    fn = lambda x, w: x * torch.rsqrt(
        x.pow(2).mean(list(range(-len(normalized), 0)), keepdim=True) + eps) * w
    props = "normalized_shape = array<i64: %s>" % ", ".join(map(str, normalized))
    return (label, "rms_norm", props, fn,
            [torch.randn(shape) * 2, torch.randn(normalized)], dynamic)


def group_norm(label, shape, groups, dynamic=False):
    c = shape[1]
    fn = lambda x, w, b: F.group_norm(x, groups, w, b, 1e-5)
    return (label, "group_norm", "num_groups = %d : i64, num_channels = %d : i64"
            % (groups, c), fn,
            [torch.randn(shape) * 2 + 1, torch.randn(c), torch.randn(c)], dynamic)


NORMS = [
    batch_norm("batch_norm2d", "batch_norm2d", [2, 3, 4, 5], dynamic=True),
    batch_norm("batch_norm1d", "batch_norm1d", [4, 3], eps=1e-3),
    batch_norm("batch_norm1d_seq", "batch_norm1d", [2, 3, 5]),
    layer_norm("layer_norm", [3, 8], [8], dynamic=True),
    layer_norm("layer_norm_2d", [2, 3, 4], [3, 4]),
    layer_norm("layer_norm_no_affine", [2, 5], [5], affine=False),
    rms_norm("rms_norm", [3, 6], [6], dynamic=True),
    rms_norm("rms_norm_2d", [2, 3, 4], [3, 4]),
    group_norm("group_norm", [2, 6, 3, 2], 3, dynamic=True),
    group_norm("group_norm_1d", [2, 4, 5], 2),
]

def shape_op(label, op, props, fn, inputs, dynamic=False):
    return (label, op, props, fn, inputs, dynamic)


def ints(*values):
    return "array<i64: %s>" % ", ".join(map(str, values))


SHAPE_OPS = [
    shape_op("reshape", "reshape", "shape = [2, -1]",
             lambda x: x.reshape(2, -1), [torch.randn(3, 4)]),
    shape_op("reshape_dynamic", "reshape", "shape = [-1, 2, 2]",
             lambda x: x.reshape(-1, 2, 2), [torch.randn(3, 4)], True),
    shape_op("flatten", "flatten", "", torch.nn.Flatten(),
             [torch.randn(2, 3, 4)], True),
    shape_op("flatten_range", "flatten", "start_dim = 0 : i64, end_dim = -2 : i64",
             lambda x: x.flatten(0, -2), [torch.randn(2, 3, 4)]),
    shape_op("squeeze", "squeeze", "dim = 1 : i64", lambda x: x.squeeze(1),
             [torch.randn(3, 1, 2)], True),
    shape_op("squeeze_first", "squeeze", "dim = 0 : i64", lambda x: x.squeeze(0),
             [torch.randn(1, 4)]),
    shape_op("unsqueeze", "unsqueeze", "dim = 1 : i64", lambda x: x.unsqueeze(1),
             [torch.randn(3, 4)], True),
    shape_op("unsqueeze_last", "unsqueeze", "dim = -1 : i64",
             lambda x: x.unsqueeze(-1), [torch.randn(3, 4)]),
    shape_op("transpose", "transpose", "dim0 = 0 : i64, dim1 = 2 : i64",
             lambda x: x.transpose(0, 2), [torch.randn(2, 3, 4)]),
    shape_op("permute", "permute", "dims = " + ints(1, 2, 0),
             lambda x: x.permute(1, 2, 0), [torch.randn(2, 3, 4)]),
    shape_op("concat", "concat", "dim = 1 : i64",
             lambda a, b: torch.cat([a, b], 1),
             [torch.randn(2, 3), torch.randn(2, 5)]),
    shape_op("concat_dynamic", "concat", "dim = 0 : i64",
             lambda a, b: torch.cat([a, b], 0),
             [torch.randn(2, 3), torch.randn(4, 3)], True),
    shape_op("slice", "slice", "dim = 1 : i64, start = 1 : i64, end = -1 : i64, step = 2 : i64",
             lambda x: x[:, 1:-1:2], [torch.randn(3, 8)]),
    shape_op("slice_dynamic", "slice", "dim = 0 : i64, start = -3 : i64, end = 100 : i64",
             lambda x: x[-3:100], [torch.randn(5, 2)], True),
    shape_op("gather", "gather", "dim = 1 : i64", lambda x, i: torch.gather(x, 1, i),
             [torch.randn(3, 5), torch.randint(0, 5, (3, 4))]),
    # Repeated indices: the gradient adds up (a scatter-add).
    shape_op("gather_dim0", "gather", "dim = 0 : i64", lambda x, i: torch.gather(x, 0, i),
             [torch.randn(4, 3), torch.randint(0, 4, (6, 3))], True),
    shape_op("pad", "pad", "pad = " + ints(1, 2) + ", value = 1.5 : f64",
             lambda x: F.pad(x, (1, 2), value=1.5), [torch.randn(2, 3)], True),
    shape_op("pad_crop", "pad", "pad = " + ints(-1, 1, 2, 0),
             lambda x: F.pad(x, (-1, 1, 2, 0)), [torch.randn(2, 4)]),
    # u8 moves like any dtype; a pad value is a u8 constant.
    shape_op("pad_u8", "pad", "pad = " + ints(1, 1, 0, 2) + ", value = 7.0 : f64",
             lambda x: F.pad(x, (1, 1, 0, 2), value=7), [U8([2, 3])], True),
    shape_op("concat_u8", "concat", "dim = 1 : i64",
             lambda a, b: torch.cat([a, b], 1), [U8([2, 3]), U8([2, 2])]),
    shape_op("transpose_u8", "transpose", "dim0 = 0 : i64, dim1 = 1 : i64",
             lambda x: x.transpose(0, 1), [U8([3, 4])]),
]


SHAPE_OPS += [
    shape_op("split", "split", "split_size = 2 : i64, dim = 1 : i64",
             lambda x: torch.split(x, 2, 1), [torch.randn(3, 5)]),
    shape_op("split_first", "split", "split_size = 3 : i64, dim = 0 : i64",
             lambda x: torch.split(x, 3, 0), [torch.randn(6, 2)]),
]


def conv(label, op, shape, out_channels, kernel, stride=1, padding="same",
         dilation=1, groups=1, bias=True, dynamic=False):
    spatial = 1 if op == "conv1d" else 2
    in_channels = shape[-spatial - 1]
    k = [kernel] * spatial
    weight = torch.randn([out_channels, in_channels // groups] + k) * 0.3
    inputs = [torch.randn(shape), weight] + ([torch.randn(out_channels)] if bias else [])
    torch_conv = F.conv1d if op == "conv1d" else F.conv2d
    fn = lambda x, w, *b: torch_conv(x, w, b[0] if b else None, stride,
                                     padding, dilation, groups)
    if isinstance(padding, str):
        pad = '"%s"' % padding
    else:
        pad = ints(*([padding] * spatial))
    props = ("in_channels = %d : i64, out_channels = %d : i64, kernel_size = %s, "
             "stride = %s, padding = %s, dilation = %s, groups = %d : i64" % (
                 in_channels, out_channels, ints(*k), ints(*([stride] * spatial)),
                 pad, ints(*([dilation] * spatial)), groups))
    return (label, op, props, fn, inputs, dynamic)


def pool(label, op, shape, kernel, stride=None, padding=0, dynamic=False):
    torch_pool = F.max_pool2d if op == "max_pool2d" else F.avg_pool2d
    fn = lambda x: torch_pool(x, kernel, stride, padding)
    props = "kernel_size = %s, padding = %s" % (ints(kernel, kernel),
                                                ints(padding, padding))
    if stride:
        props += ", stride = %s" % ints(stride, stride)
    return (label, op, props, fn, [torch.randn(shape)], dynamic)


def adaptive(label, shape, size, dynamic=False):
    return (label, "adaptive_avg_pool2d", "output_size = %s" % ints(*size),
            lambda x: F.adaptive_avg_pool2d(x, size), [torch.randn(shape)], dynamic)


def interpolate(label, shape, size, mode, align_corners=None, dynamic=False):
    """F.interpolate to `size`; its modes as ONNX Resize names them."""
    spatial = len(size)
    scales = [out / in_ for out, in_ in zip(size, shape[2:])]
    if mode == "nearest":
        transform, nearest = "asymmetric", ', nearest_mode = "floor"'
        fn = lambda x: F.interpolate(x, scale_factor=scales[0] if len(set(scales)) == 1
                                     else tuple(scales), mode="nearest")
    else:
        transform = "align_corners" if align_corners else "pytorch_half_pixel"
        nearest = ""
        torch_mode = "linear" if spatial == 1 else "bilinear"
        fn = lambda x: F.interpolate(x, size=tuple(size), mode=torch_mode,
                                     align_corners=bool(align_corners))
    props = ('size = array<i64: %s>, scales = array<f64: %s>, mode = "%s", '
             'coordinate_transformation_mode = "%s"%s' % (
                 ", ".join(map(str, size)), ", ".join(repr(float(v)) for v in scales),
                 "nearest" if mode == "nearest" else "linear", transform, nearest))
    return (label, "interpolate", props, fn, [torch.randn(shape)], dynamic)


def embedding(label, shape, num, dim):
    fn = lambda i, w: F.embedding(i, w)
    return (label, "embedding", "num_embeddings = %d : i64, embedding_dim = %d : i64"
            % (num, dim), fn, [torch.randint(0, num, shape), torch.randn(num, dim)],
            False)


CONV_POOL = [
    conv("conv2d", "conv2d", [2, 3, 5, 5], 4, 3, dynamic=True),
    conv("conv2d_stride_pad", "conv2d", [1, 2, 7, 6], 3, 3, stride=2, padding=1),
    conv("conv2d_valid_dilated", "conv2d", [1, 2, 8, 8], 2, 3, padding="valid",
         dilation=2, bias=False),
    conv("conv2d_groups", "conv2d", [2, 4, 5, 5], 6, 3, groups=2),
    conv("conv2d_unbatched", "conv2d", [3, 4, 4], 2, 1),
    # Wide enough for packed panels of 32 columns, which the im2col copy
    # writes itself: (oh % 2, ow) of a 16 x 16 output.
    conv("conv2d_packed", "conv2d", [4, 32, 16, 16], 64, 3),
    conv("conv1d", "conv1d", [2, 3, 9], 4, 3, padding=2, stride=2, dynamic=True),
    conv("conv1d_depthwise", "conv1d", [1, 4, 6], 4, 3, groups=4),
    pool("max_pool", "max_pool2d", [2, 3, 6, 6], 2, dynamic=True),
    pool("max_pool_overlap", "max_pool2d", [1, 2, 7, 7], 3, stride=2, padding=1),
    pool("avg_pool", "avg_pool2d", [2, 3, 6, 4], 2, dynamic=True),
    pool("avg_pool_padded", "avg_pool2d", [1, 2, 5, 5], 3, stride=2, padding=1),
    pool("max_pool_unbatched", "max_pool2d", [3, 4, 4], 2),
    interpolate("interp_nearest", [2, 3, 4, 5], [8, 10], "nearest", dynamic=True),
    interpolate("interp_bilinear", [2, 3, 4, 5], [7, 9], "linear"),
    interpolate("interp_bilinear_corners", [1, 2, 5, 4], [9, 7], "linear",
                align_corners=True),
    interpolate("interp_linear_1d", [2, 3, 6], [10], "linear", dynamic=True),
    adaptive("adaptive", [2, 3, 7, 5], (3, 2), True),
    adaptive("adaptive_global", [1, 4, 6, 6], (1, 1)),
    embedding("embedding", [3, 4], 10, 5),
    embedding("embedding_1d", [6], 7, 3),
]

def sdpa_reference(q, k, v, mask=None, is_causal=False, scale=None):
    """torch.nn.functional.scaled_dot_product_attention's definition (the
    function itself arrived in PyTorch 2.0; this is 1.13)."""
    scores = q @ k.transpose(-2, -1) * (scale or 1 / q.shape[-1] ** 0.5)
    if is_causal:
        causal = torch.ones(q.shape[-2], k.shape[-2]).tril().bool()
        scores = scores.masked_fill(~causal, float("-inf"))
    if mask is not None:
        scores = (scores.masked_fill(~mask, float("-inf"))
                  if mask.dtype == torch.bool else scores + mask)
    return torch.softmax(scores, -1) @ v


def sdpa(label, q, k, v, mask=None, is_causal=False, scale=None, dynamic=False):
    props = ["is_causal = %s" % ("true" if is_causal else "false")]
    if scale:
        props.append("scale = %e : f64" % scale)
    inputs = [torch.randn(q), torch.randn(k), torch.randn(v)]
    if mask is not None:
        inputs.append(mask)
    fn = lambda *t: sdpa_reference(t[0], t[1], t[2], t[3] if len(t) > 3 else None,
                                   is_causal, scale)
    return (label, "scaled_dot_product_attention", ", ".join(props), fn, inputs,
            dynamic)


def mha(label, shape, embed, heads, bias=True, dynamic=False):
    module = torch.nn.MultiheadAttention(embed, heads, bias=bias, batch_first=True)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape) * 0.3)
    weights = [module.in_proj_weight, module.out_proj.weight]
    if bias:
        weights += [module.in_proj_bias, module.out_proj.bias]
    x, y = torch.randn(shape), torch.randn(shape)

    def fn(q, kv, *ignored):
        with torch.no_grad():
            return module(q, kv, kv, need_weights=False)[0]
    segments = "operandSegmentSizes = array<i32: 1, 1, 1, 1, 1, %d, %d>" % (bias, bias)
    return (label, "multihead_attention",
            "embed_dim = %d : i64, num_heads = %d : i64, %s" % (embed, heads, segments),
            fn, [x, y] + [w.detach().clone() for w in weights], dynamic)


def mha_case(label, shape, embed, heads, bias=True, dynamic=False):
    """MHA with query x and key = value y: the op takes three inputs."""
    case = mha(label, shape, embed, heads, bias, dynamic)
    name, op, props, fn, inputs, dyn = case
    x, y = inputs[0], inputs[1]
    return (name, op, props, lambda q, k, v, *w: fn(q, k),
            [x, y, y] + inputs[2:], dyn)


ATTENTION = [
    sdpa("sdpa", [2, 3, 4, 8], [2, 3, 5, 8], [2, 3, 5, 6], dynamic=True),
    sdpa("sdpa_causal", [2, 4, 8], [2, 4, 8], [2, 4, 8], is_causal=True),
    sdpa("sdpa_scale", [3, 4], [5, 4], [5, 2], scale=0.3),
    sdpa("sdpa_bool_mask", [2, 3, 4], [2, 5, 4], [2, 5, 4],
         mask=torch.rand(3, 5) > 0.3),
    sdpa("sdpa_float_mask", [2, 3, 4], [2, 5, 4], [2, 5, 4],
         mask=torch.randn(2, 3, 5)),
    mha_case("mha", [2, 5, 8], 8, 2, dynamic=True),
    mha_case("mha_no_bias", [1, 3, 6], 6, 3, bias=False),
    mha_case("mha_unbatched", [4, 8], 8, 4),
]

FAMILIES = {"elementwise": ELEMENTWISE, "matmul": MATMUL, "convs": CONV_POOL,
            "attention": ATTENTION,
            "reductions": REDUCTIONS + LOSSES, "norms": NORMS,
            "shapes": SHAPE_OPS}

MLIR_TYPES = {torch.float32: "f32", torch.int64: "i64", torch.bool: "i1",
              torch.float16: "f16", torch.uint8: "ui8"}


def literal(tensor):
    def fmt(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float):
            return repr(v)
        return str(v)
    return "dense<%s>" % (str(tensor.tolist()).replace("True", "true")
                          .replace("False", "false") if tensor.dim() else
                          fmt(tensor.item()))


def tensor_type(tensor, dynamic=False):
    dims = ["?" if dynamic and i == 0 else str(d)
            for i, d in enumerate(tensor.shape)]
    return "tensor<%s>" % "x".join(dims + [MLIR_TYPES[tensor.dtype]])


class Writer:
    def __init__(self):
        self.lines, self.count = [], 0

    def value(self):
        self.count += 1
        return "%%v%d" % self.count

    def emit(self, text):
        self.lines.append("    " + text)

    def constant(self, tensor):
        v = self.value()
        self.emit("%s = arith.constant %s : %s" % (v, literal(tensor),
                                                  tensor_type(tensor)))
        return v

    def case(self, label, op, props, fn, inputs, dynamic):
        """`mithril.<op>` on `inputs` (a dynamic first dim if `dynamic`)."""
        expected = fn(*inputs)
        if isinstance(expected, tuple):
            return self.multi_case(label, op, props, expected, inputs)
        result_dtype = expected.dtype
        operands, types = [], []
        for i, tensor in enumerate(inputs):
            v = self.constant(tensor)
            dyn = dynamic and i == 0 and tensor.dim() > 0
            if dyn:  # The op sees a dynamic first dim.
                d = self.value()
                self.emit("%s = tensor.cast %s : %s to %s" % (
                    d, v, tensor_type(tensor), tensor_type(tensor, True)))
                v = d
            operands.append(v)
            types.append(tensor_type(tensor, dyn))
        result_type = tensor_type(expected, dynamic and expected.dim() > 0)
        r = self.value()
        self.emit('%s = "mithril.%s"(%s) %s: (%s) -> %s' % (
            r, op, ", ".join(operands), "<{%s}> " % props if props else "",
            ", ".join(types), result_type))
        if result_dtype != torch.float32:
            c = self.value()
            f32_type = result_type.rsplit("x", 1)[0] + "xf32>" \
                if "x" in result_type else "tensor<f32>"
            self.emit('%s = "mithril.cast"(%s) <{dtype = f32}> : (%s) -> %s' % (
                c, r, result_type, f32_type))
            r, result_type = c, f32_type
        self.check(label, r, result_type, expected.float())

    def multi_case(self, label, op, props, expected, inputs):
        """An op with several results (Split), each checked."""
        operands = [self.constant(t) for t in inputs]
        types = [tensor_type(t) for t in inputs]
        result_types = [tensor_type(e) for e in expected]
        r = self.value()
        self.emit('%s:%d = "mithril.%s"(%s) <{%s}> : (%s) -> (%s)' % (
            r, len(expected), op, ", ".join(operands), props,
            ", ".join(types), ", ".join(result_types)))
        for i, e in enumerate(expected):
            self.check("%s_%d" % (label, i), "%s#%d" % (r, i), result_types[i],
                       e.contiguous())

    def check(self, label, result, result_type, expected):
        """Prints how many elements differ by more than 2e-4 relative."""
        e = self.constant(expected)
        static_type = tensor_type(expected)
        s = self.value()
        self.emit("%s = tensor.cast %s : %s to %s" % (s, result, result_type,
                                                      static_type))
        tol = self.constant((expected.abs() * 2e-4 + 1e-5))
        diff, err, bad, badf = (self.value() for _ in range(4))
        self.emit("%s = mithril.sub %s, %s : (%s, %s) -> %s" % (
            diff, s, e, static_type, static_type, static_type))
        self.emit("%s = mithril.abs %s : %s" % (err, diff, static_type))
        bool_type = static_type[:-len("f32>")] + "i1>"
        self.emit("%s = mithril.greater %s, %s : (%s, %s) -> %s" % (
            bad, err, tol, static_type, static_type, bool_type))
        self.emit("%s = mithril.cast %s to f32 : %s -> %s" % (
            badf, bad, bool_type, static_type))
        flat, zero, total, n = (self.value() for _ in range(4))
        size = expected.numel()
        if expected.dim() == 0:
            self.emit("%s = tensor.expand_shape %s [] output_shape [1] : "
                      "tensor<f32> into tensor<1xf32>" % (flat, badf))
        else:
            reassociation = "[%s]" % ", ".join(
                str(i) for i in range(expected.dim()))
            self.emit("%s = tensor.collapse_shape %s [%s] : %s into "
                      "tensor<%dxf32>" % (flat, badf, reassociation,
                                          static_type, size))
        self.emit("%s = tensor.empty() : tensor<f32>" % zero)
        z = self.value()
        self.emit("%s = arith.constant 0.0 : f32" % z)
        filled = self.value()
        self.emit("%s = linalg.fill ins(%s : f32) outs(%s : tensor<f32>) -> tensor<f32>"
                  % (filled, z, zero))
        self.emit("%s = linalg.reduce ins(%s : tensor<%dxf32>) outs(%s : tensor<f32>) "
                  "dimensions = [0] (%%a: f32, %%b: f32) { %%s = arith.addf %%a, %%b : f32 "
                  "linalg.yield %%s : f32 }" % (total, flat, size, filled))
        self.emit("%s = tensor.extract %s[] : tensor<f32>" % (n, total))
        self.emit('vector.print str "%s: "' % label)
        self.emit("vector.print %s : f32" % n)


def main():
    w = Writer()
    for case in FAMILIES[sys.argv[1]]:
        w.case(*case)
    print("func.func @main() {")
    print("\n".join(w.lines))
    print("    return")
    print("}")


if __name__ == "__main__":
    main()
