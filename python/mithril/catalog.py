"""The op catalog of the model format (spec/model-format.md, version 1), as
the Python classes see it: each op's ports, arguments with their kinds and
defaults (in PyTorch's positional order), outputs and parameters.

The catalog has one source, the ops' ODS records in the compiler
(dialects/mithril/IR, their `catalog` entries): the build writes it as
`catalog.json` beside this file (mithril-tblgen -gen-op-catalog-json), and
this module reads it. What only Python needs stays here: the shapes of each
layer's parameters before anything is compiled (PARAMETERS), which
python/tests/test_catalog.py checks against the compiler.
"""
import json
import math
import os
import re

from .errors import MithrilError

REQUIRED = object()  # an argument without a default

DTYPES = ("f32", "f16", "bf16", "f64", "i64", "i32", "i8", "u8", "bool")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _ints(value, check, length=0, scalar=True):
    """An int (if `scalar`) or a list of ints (of `length`, if not 0), each
    passing `check`: what the model-file reader takes for lists of sizes."""
    if scalar and _is_int(value):
        return check(value)
    return isinstance(value, (list, tuple)) \
        and (length == 0 or len(value) == length) \
        and all(_is_int(v) and check(v) for v in value)


def _any(_):
    return True


def _positive(v):
    return v > 0


def _non_negative(v):
    return v >= 0


def _dim(v):
    return (_is_int(v) and v >= -1) or (isinstance(v, str) and _IDENTIFIER.match(v))


# What each kind of argument takes (the compiler's ArgKind; its model-file
# reader checks the same, and checks values again).
_KINDS = {
    "Int": lambda a, v: _is_int(v),
    "PositiveInt": lambda a, v: _is_int(v) and v > 0,
    "Float": lambda a, v: _is_number(v),
    "OptionalFloat": lambda a, v: v is None or _is_number(v),
    "Bool": lambda a, v: isinstance(v, bool),
    "Choice": lambda a, v: isinstance(v, str) and v in a["choices"],
    "Sizes": lambda a, v: _ints(v, _positive, a["length"]),
    "Ints": lambda a, v: _ints(v, _non_negative if a["length"] else _any, a["length"]),
    "IntList": lambda a, v: _ints(v, _any, scalar=False),
    "OptionalInts": lambda a, v: v is None or _ints(v, _any),
    "OptionalInt": lambda a, v: v is None or _is_int(v),
    "Padding": lambda a, v: v in ("same", "valid")
    or _ints(v, _non_negative, a["length"])
    or _ints(v, _non_negative, 2 * a["length"], scalar=False),
    "DimList": lambda a, v: isinstance(v, (list, tuple)) and all(_dim(d) for d in v),
    "DType": lambda a, v: v in DTYPES,
}


class OpSpec:
    """One op: `ports` are input ports, `args` (name, default) in PyTorch's
    positional order, `optional_ports` may stay unconnected, a variadic port
    takes a list of keys, and `numbered_outputs` (Split) has `output_0`...
    """

    def __init__(self, entry, params=None):
        self.name = entry["name"]
        self.op = entry["op"]
        self.ports = tuple(port["name"] for port in entry["ports"])
        self.optional_ports = tuple(port["name"] for port in entry["ports"]
                                    if port["optional"])
        variadic = [port["name"] for port in entry["ports"] if port["variadic"]]
        self.variadic_port = variadic[0] if variadic else None
        self.numbered_outputs = entry["numbered_outputs"]
        self.has_parameters = entry["parameters"]
        self.arg_specs = {arg["name"]: arg for arg in entry["args"]}
        self.args = tuple((arg["name"], REQUIRED if arg["required"] else arg["default"])
                          for arg in entry["args"])
        self.params = params

    @property
    def arg_names(self):
        return [name for name, _ in self.args]

    def default(self, arg):
        return dict(self.args)[arg]

    def arg_fits(self, name, value):
        """Whether `value` is of the kind argument `name` takes."""
        arg = self.arg_specs.get(name)
        return arg is None or _KINDS[arg["kind"]](arg, value)

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


# The shapes of each layer's parameters, given its arguments (the
# compiler's ParameterizedOpInterface; test_catalog.py compares the two).
PARAMETERS = {
    "Linear": _linear, "Conv1d": _conv(1), "Conv2d": _conv(2),
    "Embedding": _embedding, "BatchNorm1d": _batch_norm,
    "BatchNorm2d": _batch_norm, "LayerNorm": _layer_norm,
    "RMSNorm": _rms_norm, "GroupNorm": _group_norm,
    "MultiheadAttention": _multihead_attention,
}


def _load():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "catalog.json")
    try:
        with open(path) as f:
            entries = json.load(f)["ops"]
    except OSError as e:
        raise MithrilError("cannot read the op catalog '%s' (%s): the build "
                           "writes it; import mithril from build/python" % (
                               path, e.strerror)) from None
    return {entry["name"]: OpSpec(entry, PARAMETERS.get(entry["name"]))
            for entry in entries}


CATALOG = _load()


def snake_case(name):
    """The model format's snake_case: `BatchNorm2d` -> `batch_norm2d`."""
    out = []
    for i, c in enumerate(name):
        if i > 0 and c.isupper() and (name[i - 1].islower() or name[i - 1].isdigit()):
            out.append("_")
        out.append(c.lower())
    return "".join(out)
