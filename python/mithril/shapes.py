"""Shapes while a model is composed: what each op makes of the shapes it is
given, so that a block that cannot fit is refused when it is added.

A shape is a list of sizes, None for a size not known (a symbol, or not
known yet), or None as a whole when not even the rank is known. Only what is
certain is checked; the compiler checks everything again.
"""
from .errors import MithrilError

_SAME_SHAPE = {"ReLU", "LeakyReLU", "GELU", "SiLU", "Sigmoid", "Tanh", "Softplus",
               "Softmax", "LogSoftmax", "Neg", "Abs", "Exp", "Log", "Sqrt", "Rsqrt",
               "Sin", "Cos", "Cast", "Dropout"}
_BROADCAST = {"Add", "Sub", "Mul", "Div", "Pow", "Maximum", "Minimum", "Equal",
              "Less", "Greater"}


def infer(op, inputs, where):
    """{output port: shape} of `op` (an Operator) on `inputs` ({port:
    shape}); `where` names the node in errors."""
    name = op.spec.name
    x = inputs.get("input")
    if name in _SAME_SHAPE:
        return {"output": x}
    if name in _BROADCAST:
        return {"output": _broadcast(inputs.get("left"), inputs.get("right"), where)}
    rule = _RULES.get(name)
    return {"output": rule(op, x, inputs, where) if rule else None}


def describe(shape):
    return "[%s]" % ", ".join("?" if d is None else str(d) for d in shape)


def _fail(where, port, shape, expectation):
    raise MithrilError("%s: input '%s' has shape %s, but %s"
                       % (where, port, describe(shape), expectation))


def _check_dim(where, port, shape, dim, size, what):
    if shape is not None and -len(shape) <= dim < len(shape) and \
            shape[dim] is not None and size is not None and shape[dim] != size:
        _fail(where, port, shape, "%s is %d" % (what, size))


def _check_rank(where, port, shape, ranks):
    if shape is not None and len(shape) not in ranks:
        _fail(where, port, shape, "a rank of %s is expected"
              % " or ".join(str(r) for r in ranks))


def _broadcast(left, right, where):
    if left is None or right is None:
        return None
    result = []
    for a, b in zip([1] * (len(right) - len(left)) + list(left),
                    [1] * (len(left) - len(right)) + list(right)):
        if a is not None and b is not None and a != b and 1 not in (a, b):
            raise MithrilError("%s: 'left' %s and 'right' %s do not broadcast"
                               % (where, describe(left), describe(right)))
        result.append(b if a == 1 else a if b == 1 else (a if a is not None else b))
    return result


def _linear(op, x, inputs, where):
    _check_dim(where, "input", x, -1, op.arg("in_features"), "in_features")
    return None if x is None else list(x[:-1]) + [op.arg("out_features")]


def _sizes(value, rank):
    return [value] * rank if isinstance(value, int) else list(value)


def _spatial(size, kernel, stride, padding, dilation=1):
    if size is None:
        return None
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _conv(rank):
    def rule(op, x, inputs, where):
        _check_rank(where, "input", x, (rank + 2,))
        _check_dim(where, "input", x, 1, op.arg("in_channels"), "in_channels")
        spatial = [None] * rank if x is None else x[2:]
        kernel = _sizes(op.arg("kernel_size"), rank)
        stride = _sizes(op.arg("stride"), rank)
        dilation = _sizes(op.arg("dilation"), rank)
        padding = op.arg("padding")
        if padding == "same":
            out = list(spatial)
        else:
            padding = [0] * rank if padding == "valid" else _sizes(padding, rank)
            out = [_spatial(s, k, st, p, d) for s, k, st, p, d in
                   zip(spatial, kernel, stride, padding, dilation)]
        batch = None if x is None else x[0]
        return [batch, op.arg("out_channels")] + out
    return rule


def _channels(arg, ranks):
    def rule(op, x, inputs, where):
        _check_rank(where, "input", x, ranks)
        _check_dim(where, "input", x, 1, op.arg(arg), arg)
        return x
    return rule


def _normalized(op, x, inputs, where):
    shape = op.arg("normalized_shape")
    shape = [shape] if isinstance(shape, int) else list(shape)
    for i, size in enumerate(reversed(shape)):
        _check_dim(where, "input", x, -1 - i, size, "normalized_shape is %s and dim %d"
                   % (shape, len(shape) - 1 - i))
    return x


def _embedding(op, x, inputs, where):
    return None if x is None else list(x) + [op.arg("embedding_dim")]


def _pool(op, x, inputs, where):
    _check_rank(where, "input", x, (4,))
    if x is None:
        return None
    kernel = _sizes(op.arg("kernel_size"), 2)
    stride = _sizes(op.arg("stride") if op.arg("stride") is not None else kernel, 2)
    padding = _sizes(op.arg("padding"), 2)
    return list(x[:2]) + [_spatial(s, k, st, p) for s, k, st, p in
                          zip(x[2:], kernel, stride, padding)]


def _adaptive(op, x, inputs, where):
    _check_rank(where, "input", x, (4,))
    return None if x is None else list(x[:2]) + _sizes(op.arg("output_size"), 2)


def _flatten(op, x, inputs, where):
    if x is None:
        return None
    start, end = op.arg("start_dim") % len(x), op.arg("end_dim") % len(x)
    middle = 1
    for size in x[start:end + 1]:
        middle = None if size is None or middle is None else middle * size
    return list(x[:start]) + [middle] + list(x[end + 1:])


def _matmul(op, x, inputs, where):
    left, right = inputs.get("left"), inputs.get("right")
    if left is None or right is None or len(left) < 2 or len(right) < 2:
        return None
    if left[-1] is not None and right[-2] is not None and left[-1] != right[-2]:
        raise MithrilError("%s: 'left' %s and 'right' %s cannot be multiplied "
                           "(%d != %d)" % (where, describe(left), describe(right),
                                           left[-1], right[-2]))
    batch = _broadcast(list(left[:-2]), list(right[:-2]), where)
    return batch + [left[-2], right[-1]]


_RULES = {
    "Linear": _linear, "Conv1d": _conv(1), "Conv2d": _conv(2),
    "BatchNorm1d": _channels("num_features", (2, 3)),
    "BatchNorm2d": _channels("num_features", (4,)),
    "GroupNorm": _channels("num_channels", range(2, 9)),
    "LayerNorm": _normalized, "RMSNorm": _normalized, "Embedding": _embedding,
    "MaxPool2d": _pool, "AvgPool2d": _pool, "AdaptiveAvgPool2d": _adaptive,
    "Flatten": _flatten, "MatMul": _matmul,
}
