"""The op catalog of the model format (spec/model-format.md, version 1), as
the Python classes see it: each op's ports, arguments with their defaults,
outputs and parameters.

The compiler holds the same table (lib/Frontend/OpCatalog.cpp) and checks
every argument again; this copy lets the classes take PyTorch's positional
arguments, report mistakes when a model is composed, and know parameter
shapes before anything is compiled. python/tests/test_catalog.py checks
that the two agree.
"""
import math

REQUIRED = object()  # an argument without a default

INPUT = ("input",)
BINARY = ("left", "right")


class OpSpec:
    """One op: `ports` are input ports, `args` (name, default) in PyTorch's
    positional order, `optional_ports` may stay unconnected, a variadic port
    takes a list of keys, and `numbered_outputs` (Split) has `output_0`...
    """

    def __init__(self, name, ports=INPUT, args=(), params=None,
                 optional_ports=(), variadic_port=None, numbered_outputs=False):
        self.name = name
        self.ports = tuple(ports)
        self.args = tuple(args)
        self.params = params
        self.optional_ports = tuple(optional_ports)
        self.variadic_port = variadic_port
        self.numbered_outputs = numbered_outputs

    @property
    def arg_names(self):
        return [name for name, _ in self.args]

    def default(self, arg):
        return dict(self.args)[arg]

    def parameter_shapes(self, args):
        """{name: shape} of the parameters, for the given arguments."""
        if self.params is None:
            return {}
        full = {name: args.get(name, default) for name, default in self.args}
        return {name: list(shape) for name, shape in self.params(full)}


def _sizes(value, rank):
    return [value] * rank if isinstance(value, int) else list(value)


def _linear(a):
    yield "weight", (a["out_features"], a["in_features"])
    if a["bias"]:
        yield "bias", (a["out_features"],)


def _conv(rank):
    def params(a):
        kernel = _sizes(a["kernel_size"], rank)
        yield "weight", [a["out_channels"], a["in_channels"] // a["groups"]] + kernel
        if a["bias"]:
            yield "bias", (a["out_channels"],)
    return params


def _batch_norm(a):
    for name in ("weight", "bias", "running_mean", "running_var"):
        yield name, (a["num_features"],)


def _normalized(a):
    shape = a["normalized_shape"]
    return [shape] if isinstance(shape, int) else list(shape)


def _layer_norm(a):
    if a["elementwise_affine"]:
        yield "weight", _normalized(a)
        yield "bias", _normalized(a)


def _rms_norm(a):
    yield "weight", _normalized(a)


def _group_norm(a):
    yield "weight", (a["num_channels"],)
    yield "bias", (a["num_channels"],)


def _embedding(a):
    yield "weight", (a["num_embeddings"], a["embedding_dim"])


def _multihead_attention(a):
    e = a["embed_dim"]
    yield "in_proj_weight", (3 * e, e)
    yield "out_proj.weight", (e, e)
    if a["bias"]:
        yield "in_proj_bias", (3 * e,)
        yield "out_proj.bias", (e,)


_CONV_ARGS = (("in_channels", REQUIRED), ("out_channels", REQUIRED),
              ("kernel_size", 3), ("stride", 1), ("padding", "same"),
              ("dilation", 1), ("groups", 1), ("bias", True))
_POOL_ARGS = (("kernel_size", REQUIRED), ("stride", None), ("padding", 0))
_REDUCE_ARGS = (("dim", None), ("keepdim", False))
_LOSS = dict(ports=("input", "target"), args=(("reduction", "mean"),))

CATALOG = {spec.name: spec for spec in [
    # Layers.
    OpSpec("Linear", args=(("in_features", REQUIRED), ("out_features", REQUIRED),
                           ("bias", True)), params=_linear),
    OpSpec("Conv1d", args=_CONV_ARGS, params=_conv(1)),
    OpSpec("Conv2d", args=_CONV_ARGS, params=_conv(2)),
    OpSpec("Embedding", args=(("num_embeddings", REQUIRED),
                              ("embedding_dim", REQUIRED)), params=_embedding),
    # Normalisation.
    OpSpec("BatchNorm1d", args=(("num_features", REQUIRED), ("eps", 1e-5)),
           params=_batch_norm),
    OpSpec("BatchNorm2d", args=(("num_features", REQUIRED), ("eps", 1e-5)),
           params=_batch_norm),
    OpSpec("LayerNorm", args=(("normalized_shape", REQUIRED), ("eps", 1e-5),
                              ("elementwise_affine", True)), params=_layer_norm),
    OpSpec("RMSNorm", args=(("normalized_shape", REQUIRED), ("eps", 1e-6)),
           params=_rms_norm),
    OpSpec("GroupNorm", args=(("num_groups", REQUIRED), ("num_channels", REQUIRED),
                              ("eps", 1e-5)), params=_group_norm),
    # Activations.
    OpSpec("ReLU"),
    OpSpec("LeakyReLU", args=(("negative_slope", 0.01),)),
    OpSpec("GELU", args=(("approximate", "none"),)),
    OpSpec("SiLU"), OpSpec("Sigmoid"), OpSpec("Tanh"), OpSpec("Softplus"),
    OpSpec("Softmax", args=(("dim", -1),)),
    OpSpec("LogSoftmax", args=(("dim", -1),)),
    # Pooling.
    OpSpec("MaxPool2d", args=_POOL_ARGS),
    OpSpec("AvgPool2d", args=_POOL_ARGS),
    OpSpec("AdaptiveAvgPool2d", args=(("output_size", REQUIRED),)),
    # Elementwise.
    *[OpSpec(name, ports=BINARY) for name in (
        "Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum",
        "Equal", "Less", "Greater")],
    *[OpSpec(name) for name in (
        "Neg", "Abs", "Exp", "Log", "Sqrt", "Rsqrt", "Sin", "Cos")],
    OpSpec("Cast", args=(("dtype", REQUIRED),)),
    OpSpec("Where", ports=("condition", "left", "right")),
    # Shape.
    OpSpec("Reshape", args=(("shape", REQUIRED),)),
    OpSpec("Flatten", args=(("start_dim", 1), ("end_dim", -1))),
    OpSpec("Transpose", args=(("dim0", REQUIRED), ("dim1", REQUIRED))),
    OpSpec("Permute", args=(("dims", REQUIRED),)),
    OpSpec("Squeeze", args=(("dim", REQUIRED),)),
    OpSpec("Unsqueeze", args=(("dim", REQUIRED),)),
    OpSpec("Concat", ports=("inputs",), args=(("dim", REQUIRED),),
           variadic_port="inputs"),
    OpSpec("Split", args=(("split_size", REQUIRED), ("dim", REQUIRED)),
           numbered_outputs=True),
    OpSpec("Slice", args=(("dim", REQUIRED), ("start", REQUIRED),
                          ("end", REQUIRED), ("step", 1))),
    OpSpec("Gather", ports=("input", "index"), args=(("dim", REQUIRED),)),
    OpSpec("Pad", args=(("pad", REQUIRED), ("value", 0))),
    # Linear algebra.
    OpSpec("MatMul", ports=BINARY),
    # Reductions.
    *[OpSpec(name, args=_REDUCE_ARGS) for name in ("Sum", "Mean", "Max", "Min")],
    OpSpec("ArgMax", args=_REDUCE_ARGS),
    OpSpec("Variance", args=(("dim", REQUIRED), ("correction", 1),
                             ("keepdim", False))),
    # Attention.
    OpSpec("ScaledDotProductAttention", ports=("query", "key", "value", "mask"),
           args=(("is_causal", False), ("scale", None)), optional_ports=("mask",)),
    OpSpec("MultiheadAttention", ports=("query", "key", "value"),
           args=(("embed_dim", REQUIRED), ("num_heads", REQUIRED), ("bias", True)),
           params=_multihead_attention),
    # Training.
    OpSpec("Dropout", args=(("p", 0.5),)),
    OpSpec("CrossEntropyLoss", **_LOSS),
    OpSpec("MSELoss", **_LOSS),
]}


# What each argument takes, checked when an op is made (the compiler checks
# values again): "int", "positive" (> 0), "ints" (an int or a list of
# them), "sizes" (positive ints), "number", "bool", "str", "dims" (a list of
# ints and symbols), "optional_ints" (None, an int or a list).
ARG_KINDS = {
    "in_features": "positive", "out_features": "positive", "in_channels": "positive",
    "out_channels": "positive", "num_embeddings": "positive",
    "embedding_dim": "positive", "num_features": "positive", "num_groups": "positive",
    "num_channels": "positive", "embed_dim": "positive", "num_heads": "positive",
    "groups": "positive", "split_size": "positive", "step": "positive",
    "kernel_size": "sizes", "stride": "sizes", "dilation": "sizes",
    "output_size": "sizes", "normalized_shape": "sizes",
    "padding": "padding", "pad": "ints", "dims": "ints", "shape": "dims",
    "dim0": "int", "dim1": "int", "start": "int", "end": "int",
    "start_dim": "int", "end_dim": "int", "correction": "int",
    "eps": "number", "negative_slope": "number", "p": "number", "value": "number",
    "scale": "number",
    "bias": "bool", "elementwise_affine": "bool", "keepdim": "bool", "is_causal": "bool",
    "approximate": "str", "reduction": "str", "dtype": "str",
    "dim": "optional_ints",
}


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _ints(value, check):
    values = value if isinstance(value, (list, tuple)) else [value]
    return isinstance(value, (list, tuple, int)) and not isinstance(value, bool) \
        and all(_is_int(v) and check(v) for v in values)


def arg_fits(name, value):
    """Whether `value` is of the kind argument `name` takes."""
    kind = ARG_KINDS.get(name)
    if kind in ("int", "optional_ints"):
        return _ints(value, lambda v: True) if kind == "optional_ints" else _is_int(value)
    if kind == "positive":
        return _is_int(value) and value > 0
    if kind in ("sizes", "ints"):
        return _ints(value, (lambda v: v > 0) if kind == "sizes" else (lambda v: True))
    if kind == "padding":
        return value in ("same", "valid") or _ints(value, lambda v: v >= 0)
    if kind == "dims":
        return isinstance(value, (list, tuple)) and all(
            isinstance(v, str) or _is_int(v) for v in value)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "str":
        return isinstance(value, str)
    return True


def snake_case(name):
    """The model format's snake_case: `BatchNorm2d` -> `batch_norm2d`."""
    out = []
    for i, c in enumerate(name):
        if i > 0 and c.isupper() and (name[i - 1].islower() or name[i - 1].isdigit()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)


def fan_in(shape):
    """PyTorch's fan-in of a weight: in-features times the kernel size."""
    return shape[1] * math.prod(shape[2:]) if len(shape) > 1 else shape[0]
