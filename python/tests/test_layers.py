"""Every op class against PyTorch.

The cases of a family become one model (each case a node with inputs and
an output of its own, its first dim a symbol of its own), compiled once and
evaluated at two sizes of the symbols: the classes, their arguments and
defaults, the model file and the compiled code are checked together.
"""
import numpy as np
import pytest
import torch

import mithril as ml
from mithril import models as M

F = torch.nn.functional
RNG = np.random.default_rng(0)


def signed(*shape):
    return RNG.standard_normal(shape).astype(np.float32) * 2


def positive(*shape):
    return RNG.uniform(0.1, 3.0, shape).astype(np.float32)


def t(array):
    return torch.from_numpy(np.asarray(array))


class Case:
    """`op` applied to `inputs` (port -> array) must give `reference(inputs,
    params)`. The first dim of the ports in `dynamic` (True: all) is a
    symbol."""

    def __init__(self, label, op, inputs, reference, dynamic=True):
        self.label, self.op, self.inputs = label, op, inputs
        self.reference = reference
        self.dynamic = list(inputs) if dynamic is True else list(dynamic or [])


def unary(op_class, fn, make=signed, **args):
    return Case(op_class.__name__, op_class(**args, name=op_class.__name__.lower()),
                {"input": make(3, 4)}, lambda i, p: fn(t(i["input"])))


def binary(op_class, fn, make=signed):
    return Case(op_class.__name__, op_class(name=op_class.__name__.lower()),
                {"left": make(3, 4), "right": make(3, 4)},
                lambda i, p: fn(t(i["left"]), t(i["right"])))


ELEMENTWISE = [
    unary(M.ReLU, torch.relu), unary(M.SiLU, F.silu), unary(M.Sigmoid, torch.sigmoid),
    unary(M.Tanh, torch.tanh), unary(M.Softplus, F.softplus),
    unary(M.LeakyReLU, lambda x: F.leaky_relu(x, 0.2), negative_slope=0.2),
    unary(M.GELU, F.gelu), unary(M.Neg, torch.neg), unary(M.Abs, torch.abs),
    unary(M.Exp, torch.exp), unary(M.Log, torch.log, positive),
    unary(M.Sqrt, torch.sqrt, positive), unary(M.Rsqrt, torch.rsqrt, positive),
    unary(M.Sin, torch.sin), unary(M.Cos, torch.cos),
    unary(M.Softmax, lambda x: F.softmax(x, -1)),
    unary(M.LogSoftmax, lambda x: F.log_softmax(x, 0), dim=0),
    unary(M.Dropout, lambda x: x),
    binary(M.Add, torch.add), binary(M.Sub, torch.sub), binary(M.Mul, torch.mul),
    binary(M.Div, torch.div), binary(M.Pow, torch.pow, positive),
    binary(M.Maximum, torch.maximum), binary(M.Minimum, torch.minimum),
    binary(M.Equal, torch.eq, lambda *s: RNG.integers(0, 2, s).astype(np.float32)),
    binary(M.Less, torch.lt), binary(M.Greater, torch.gt),
    Case("where", M.Where(name="where"),
         {"condition": RNG.integers(0, 2, (3, 4)).astype(bool),
          "left": signed(3, 4), "right": signed(3, 4)},
         lambda i, p: torch.where(t(i["condition"]), t(i["left"]), t(i["right"]))),
    Case("cast", M.Cast("i32", name="cast"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).to(torch.int32)),
]

LAYERS = [
    Case("linear", M.Linear(6, 5, name="linear"), {"input": signed(3, 6)},
         lambda i, p: F.linear(t(i["input"]), t(p["weight"]), t(p["bias"]))),
    Case("linear_nobias", M.Linear(6, 5, bias=False, name="linear_nobias"),
         {"input": signed(2, 4, 6)}, lambda i, p: F.linear(t(i["input"]), t(p["weight"]))),
    Case("conv2d", M.Conv2d(3, 4, name="conv2d"), {"input": signed(2, 3, 5, 5)},
         lambda i, p: F.conv2d(t(i["input"]), t(p["weight"]), t(p["bias"]), padding="same")),
    Case("conv2d_strided", M.Conv2d(4, 6, kernel_size=2, stride=2, padding=0, groups=2,
                                    name="conv2d_strided"),
         {"input": signed(2, 4, 6, 6)},
         lambda i, p: F.conv2d(t(i["input"]), t(p["weight"]), t(p["bias"]), stride=2,
                               groups=2)),
    Case("conv1d", M.Conv1d(3, 4, kernel_size=3, padding=1, name="conv1d"),
         {"input": signed(2, 3, 7)},
         lambda i, p: F.conv1d(t(i["input"]), t(p["weight"]), t(p["bias"]), padding=1)),
    Case("batch_norm2d", M.BatchNorm2d(3, name="batch_norm2d"), {"input": signed(2, 3, 4, 4)},
         lambda i, p: F.batch_norm(t(i["input"]), t(p["running_mean"]), t(p["running_var"]),
                                   t(p["weight"]), t(p["bias"]))),
    Case("batch_norm1d", M.BatchNorm1d(3, name="batch_norm1d"), {"input": signed(2, 3, 5)},
         lambda i, p: F.batch_norm(t(i["input"]), t(p["running_mean"]), t(p["running_var"]),
                                   t(p["weight"]), t(p["bias"]))),
    Case("layer_norm", M.LayerNorm([4], name="layer_norm"), {"input": signed(3, 4)},
         lambda i, p: F.layer_norm(t(i["input"]), [4], t(p["weight"]), t(p["bias"]))),
    Case("rms_norm", M.RMSNorm([4], name="rms_norm"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]) * torch.rsqrt(t(i["input"]).pow(2).mean(-1, keepdim=True)
                                                  + 1e-6) * t(p["weight"])),
    Case("group_norm", M.GroupNorm(2, 4, name="group_norm"), {"input": signed(2, 4, 3)},
         lambda i, p: F.group_norm(t(i["input"]), 2, t(p["weight"]), t(p["bias"]))),
    Case("embedding", M.Embedding(10, 3, name="embedding"),
         {"input": RNG.integers(0, 10, (2, 5))},
         lambda i, p: F.embedding(t(i["input"]), t(p["weight"]))),
    Case("max_pool2d", M.MaxPool2d(2, name="max_pool2d"), {"input": signed(2, 3, 4, 6)},
         lambda i, p: F.max_pool2d(t(i["input"]), 2)),
    Case("avg_pool2d", M.AvgPool2d(3, stride=1, padding=1, name="avg_pool2d"),
         {"input": signed(2, 3, 4, 4)},
         lambda i, p: F.avg_pool2d(t(i["input"]), 3, 1, 1)),
    Case("adaptive_avg_pool2d", M.AdaptiveAvgPool2d([1, 1], name="adaptive_avg_pool2d"),
         {"input": signed(2, 3, 4, 4)},
         lambda i, p: F.adaptive_avg_pool2d(t(i["input"]), 1)),
    Case("mha", M.MultiheadAttention(8, 2, name="mha"),
         {"query": signed(2, 3, 8), "key": signed(2, 3, 8), "value": signed(2, 3, 8)},
         lambda i, p: mha_reference(i, p)),
    Case("sdpa", M.ScaledDotProductAttention(is_causal=True, name="sdpa"),
         {"query": signed(2, 4, 3), "key": signed(2, 4, 3), "value": signed(2, 4, 3)},
         lambda i, p: sdpa_reference(i)),
    Case("cross_entropy", M.CrossEntropyLoss(name="cross_entropy"),
         {"input": signed(4, 5), "target": RNG.integers(0, 5, (4,))},
         lambda i, p: F.cross_entropy(t(i["input"]), t(i["target"])), dynamic=False),
    Case("mse", M.MSELoss(reduction="sum", name="mse"),
         {"input": signed(4, 5), "target": signed(4, 5)},
         lambda i, p: F.mse_loss(t(i["input"]), t(i["target"]), reduction="sum")),
]

SHAPES = [
    Case("reshape", M.Reshape([-1, 6], name="reshape"), {"input": signed(4, 3)},
         lambda i, p: t(i["input"]).reshape(-1, 6), dynamic=False),
    Case("flatten", M.Flatten(name="flatten"), {"input": signed(2, 3, 4)},
         lambda i, p: torch.flatten(t(i["input"]), 1)),
    Case("transpose", M.Transpose(0, 2, name="transpose"), {"input": signed(2, 3, 4)},
         lambda i, p: t(i["input"]).transpose(0, 2)),
    Case("permute", M.Permute([2, 0, 1], name="permute"), {"input": signed(2, 3, 4)},
         lambda i, p: t(i["input"]).permute(2, 0, 1)),
    Case("squeeze", M.Squeeze(1, name="squeeze"), {"input": signed(3, 1, 4)},
         lambda i, p: t(i["input"]).squeeze(1)),
    Case("unsqueeze", M.Unsqueeze(1, name="unsqueeze"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).unsqueeze(1)),
    Case("slice", M.Slice(1, 1, 4, 2, name="slice"), {"input": signed(3, 5)},
         lambda i, p: t(i["input"])[:, 1:4:2]),
    Case("gather", M.Gather(1, name="gather"),
         {"input": signed(3, 5), "index": RNG.integers(0, 5, (3, 2))},
         lambda i, p: torch.gather(t(i["input"]), 1, t(i["index"]))),
    Case("pad", M.Pad([1, 2], value=0.5, name="pad"), {"input": signed(3, 4)},
         lambda i, p: F.pad(t(i["input"]), [1, 2], value=0.5)),
    Case("matmul", M.MatMul(name="matmul"), {"left": signed(2, 3, 4), "right": signed(4, 5)},
         lambda i, p: torch.matmul(t(i["left"]), t(i["right"])), dynamic=["left"]),
    Case("sum", M.Sum(dim=[1], keepdim=True, name="sum"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).sum(1, keepdim=True)),
    Case("mean", M.Mean(name="mean"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).mean()),
    Case("max", M.Max(dim=[0], name="max"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).amax(0)),
    Case("min", M.Min(dim=[1], name="min"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).amin(1)),
    Case("argmax", M.ArgMax(dim=1, name="argmax"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).argmax(1)),
    Case("variance", M.Variance([1], name="variance"), {"input": signed(3, 4)},
         lambda i, p: t(i["input"]).var(1)),
]


def mha_reference(i, p):
    attention = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    with torch.no_grad():
        attention.in_proj_weight.copy_(t(p["in_proj_weight"]))
        attention.in_proj_bias.copy_(t(p["in_proj_bias"]))
        attention.out_proj.weight.copy_(t(p["out_proj.weight"]))
        attention.out_proj.bias.copy_(t(p["out_proj.bias"]))
    return attention(t(i["query"]), t(i["key"]), t(i["value"]), need_weights=False)[0]


def sdpa_reference(i):
    q, k, v = t(i["query"]), t(i["key"]), t(i["value"])
    scores = q @ k.transpose(-2, -1) / np.sqrt(q.shape[-1])
    mask = torch.ones(q.shape[-2], k.shape[-2]).tril().bool()
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), -1) @ v


def family_model(cases):
    model = M.Model()
    for k, case in enumerate(cases):
        ports = {port: "%s_%s" % (case.label, port) for port in case.inputs}
        model |= case.op(**ports, output=case.label)
    model.set_outputs(*[case.label for case in cases])
    return model


def shapes_of(cases, batch):
    shapes = {}
    for k, case in enumerate(cases):
        for port, array in case.inputs.items():
            dims = list(array.shape)
            if port in case.dynamic and batch is None:
                dims[0] = "B%d" % k
            dtype = {np.dtype(np.float32): "f32", np.dtype(np.int64): "i64",
                     np.dtype(bool): "bool"}[array.dtype]
            shapes["%s_%s" % (case.label, port)] = (dims, dtype)
    return shapes


@pytest.mark.parametrize("family", [ELEMENTWISE, LAYERS, SHAPES],
                         ids=["elementwise", "layers", "shapes"])
def test_family_against_pytorch(family):
    compiled = ml.compile(family_model(family), shapes=shapes_of(family, None))
    params = compiled.randomize_params(seed=3)
    for name in params:     # norms start at ones and zeros: vary them
        if name.endswith(("running_var", ".weight")) and params[name].ndim == 1:
            params[name] = RNG.uniform(0.5, 1.5, params[name].shape).astype(np.float32)
        elif name.endswith(("running_mean", "bias")):
            params[name] = RNG.standard_normal(params[name].shape).astype(np.float32)
    for grow in (False, True):
        inputs = {}
        for case in family:
            for port, array in case.inputs.items():
                if grow and port in case.dynamic:   # the same rows, once more
                    array = np.concatenate([array, array[:1]])
                inputs["%s_%s" % (case.label, port)] = array
        outputs = compiled.evaluate(params, inputs)
        for case in family:
            mine = {port: inputs["%s_%s" % (case.label, port)] for port in case.inputs}
            own = {name.split(".", 1)[1]: value for name, value in params.items()
                   if name.split(".", 1)[0] == case.label}
            with torch.no_grad():
                expected = case.reference(mine, own).numpy()
            actual = outputs[case.label]
            assert actual.shape == expected.shape, case.label
            if expected.dtype.kind == "f":
                np.testing.assert_allclose(actual, expected, rtol=2e-4, atol=1e-5,
                                           err_msg=case.label)
            else:
                np.testing.assert_array_equal(actual, expected, err_msg=case.label)


@pytest.mark.parametrize("threads", [1, 2])
def test_threads_give_the_same_results(threads):
    # A layer large enough for parallel loops (cache blocks of its matmul,
    # its GELU): sequential code (threads=1) and two threads agree with
    # PyTorch and, bit for bit, with the default.
    model = M.Model()
    model |= M.Linear(256, 512, name="fc")(input="x")
    model += M.GELU()
    shapes = {"x": ([128, 256], "f32")}
    default = ml.compile(model, shapes=shapes)
    chosen = ml.compile(model, ml.CPUBackend(threads=threads), shapes=shapes)
    params = default.randomize_params(seed=5)
    x = RNG.standard_normal((128, 256)).astype(np.float32)
    expected = default.evaluate(params, {"x": x})
    actual = chosen.evaluate(params, {"x": x})
    for name in expected:
        np.testing.assert_array_equal(actual[name], expected[name])
    linear = torch.nn.Linear(256, 512)
    with torch.no_grad():
        linear.weight.copy_(t(params["fc.weight"]))
        linear.bias.copy_(t(params["fc.bias"]))
        reference = torch.nn.functional.gelu(linear(t(x))).numpy()
    (value,) = actual.values()
    np.testing.assert_allclose(value, reference, rtol=2e-4, atol=1e-5)
