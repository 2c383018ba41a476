"""The error of int8 weights, measured: a model of every op whose weights
`--quantize` stores in int8 (Linear on 2-d and 3-d inputs, Conv1d, Conv2d,
Embedding, MatMul with a weight on either side) and every example model,
compiled with `mlc-compile --quantize=MODE`, run with mlc-run and compared
with PyTorch twice:

- against a model whose weights were quantized and dequantized the same
  way (symmetric, one scale per output channel, max|w| / 127, rounded half
  to even; with int8-dynamic, the activations entering a Linear or a right
  weight's MatMul too, per row): the library must match it to 1e-4;
- against the f32 model: the error of quantization, at most 5e-2.

Usage: quantize_vs_torch.py MODE WORKDIR MLC_COMPILE MLC_RUN

Errors are max|actual - expected| / max|expected|. Prints one line per
result, then "worst vs f32: E"; exits 1 if a bound is exceeded.
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
import make_weights  # noqa: E402

SAME_BOUND, F32_BOUND = 1e-4, 5e-2
EXAMPLES = {"mlp": [5, 784], "tiny_resnet": [3, 3, 4, 4],
            "small_cnn": [2, 1, 28, 28], "gpt_block": [2, 7, 64]}


def quantize(w, axis):
    """Mithril's int8 format of the f32 array `w` along `axis`: (q, s)."""
    w = np.asarray(w, dtype=np.float32)
    others = tuple(d for d in range(w.ndim) if d != axis)
    s = np.abs(w).max(axis=others) / np.float32(127)
    s[s == 0] = 1
    shape = [1] * w.ndim
    shape[axis] = -1
    q = np.clip(np.round(w / s.reshape(shape)), -127, 127)
    return q.astype(np.int8), s.astype(np.float32)


def dequantized(w, axis):
    q, s = quantize(w, axis)
    shape = [1] * q.ndim
    shape[axis] = -1
    return torch.from_numpy(q.astype(np.float32) * s.reshape(shape))


def quantized_rows(x):
    """`x` with each row (last dim) quantized and dequantized as
    int8-dynamic does it at run time."""
    largest = x.abs().amax(dim=-1, keepdim=True)
    scale = torch.clamp(largest / 127, min=torch.finfo(torch.float32).tiny)
    return torch.clamp(torch.round(x / scale), -127, 127) * scale


def relative_error(actual, expected):
    if actual.shape != expected.shape:
        return float("inf")
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    scale = np.abs(e).max(initial=0.0)
    diff = np.abs(a - e).max(initial=0.0)
    return diff / scale if scale > 0 else diff


def write_safetensors(path, tensors):
    make_weights.write_atomic(path, make_weights.safetensors_bytes(tensors))


def run_library(library, inputs, workdir, mlc_run):
    """Runs `library` on {input name: array}; returns {output: array}."""
    flags = []
    for name, value in inputs.items():
        path = os.path.join(workdir, name + ".npy")
        np.save(path, value)
        flags += ["--input", "%s=@%s" % (name, path)]
    subprocess.run([mlc_run, library, "--output-dir", workdir] + flags,
                   check=True)
    signature = json.loads(subprocess.run(
        [mlc_run, library, "--describe"], check=True, capture_output=True,
        text=True).stdout)
    return {port["name"]: np.load(os.path.join(workdir, port["name"] + ".npy"))
            for port in signature["entries"][0]["outputs"]}


# The op model: (name, IR of the op reading %x and the parameters, inputs,
# parameters {name: (tensor, channel axis)}, reference(x, params, dynamic)).
def op_cases():
    torch.manual_seed(11)
    r = torch.randn
    linear_w, linear_b = r(24, 40), r(24)
    conv1_w, conv1_b = r(8, 6, 3), r(8)
    conv2_w, conv2_b = r(16, 3, 3, 3), r(16)
    table = r(50, 16)
    right, left = r(40, 24), r(24, 40)

    def linear(x, p, dynamic):
        return F.linear(quantized_rows(x) if dynamic else x, p["lw"], p["lb"])

    return [
        ("linear", "x2", r(5, 40), "tensor<?x40xf32>", "tensor<?x24xf32>",
         '"mithril.linear"(%x2, %lw, %lb) <{in_features = 40 : i64, '
         'out_features = 24 : i64}> : (tensor<?x40xf32>, tensor<24x40xf32>, '
         'tensor<24xf32>) -> tensor<?x24xf32>', linear),
        ("linear_3d", "x3", r(2, 7, 40), "tensor<2x?x40xf32>",
         "tensor<2x?x24xf32>",
         '"mithril.linear"(%x3, %lw, %lb) <{in_features = 40 : i64, '
         'out_features = 24 : i64}> : (tensor<2x?x40xf32>, tensor<24x40xf32>, '
         'tensor<24xf32>) -> tensor<2x?x24xf32>', linear),
        ("conv1d", "c1", r(2, 6, 20), "tensor<?x6x20xf32>",
         "tensor<?x8x20xf32>",
         '"mithril.conv1d"(%c1, %c1w, %c1b) <{in_channels = 6 : i64, '
         'out_channels = 8 : i64, kernel_size = array<i64: 3>}> : '
         '(tensor<?x6x20xf32>, tensor<8x6x3xf32>, tensor<8xf32>) -> '
         'tensor<?x8x20xf32>',
         lambda x, p, d: F.conv1d(x, p["c1w"], p["c1b"], padding=1)),
        ("conv2d", "c2", r(2, 3, 12, 12), "tensor<?x3x12x12xf32>",
         "tensor<?x16x12x12xf32>",
         '"mithril.conv2d"(%c2, %c2w, %c2b) <{in_channels = 3 : i64, '
         'out_channels = 16 : i64}> : (tensor<?x3x12x12xf32>, '
         'tensor<16x3x3x3xf32>, tensor<16xf32>) -> tensor<?x16x12x12xf32>',
         lambda x, p, d: F.conv2d(x, p["c2w"], p["c2b"], padding=1)),
        ("embedding", "ids", torch.randint(0, 50, (2, 5)), "tensor<?x5xi64>",
         "tensor<?x5x16xf32>",
         '"mithril.embedding"(%ids, %table) <{num_embeddings = 50 : i64, '
         'embedding_dim = 16 : i64}> : (tensor<?x5xi64>, tensor<50x16xf32>) '
         '-> tensor<?x5x16xf32>',
         lambda x, p, d: F.embedding(x, p["table"])),
        ("matmul_right", "m1", r(6, 40), "tensor<?x40xf32>", "tensor<?x24xf32>",
         '"mithril.matmul"(%m1, %right) : (tensor<?x40xf32>, '
         'tensor<40x24xf32>) -> tensor<?x24xf32>',
         lambda x, p, d: (quantized_rows(x) if d else x) @ p["right"]),
        ("matmul_left", "m2", r(40, 6), "tensor<40x?xf32>", "tensor<24x?xf32>",
         '"mithril.matmul"(%left, %m2) : (tensor<24x40xf32>, '
         'tensor<40x?xf32>) -> tensor<24x?xf32>',
         lambda x, p, d: p["left"] @ x),
    ], {"lw": (linear_w, 0), "lb": (linear_b, None), "c1w": (conv1_w, 0),
        "c1b": (conv1_b, None), "c2w": (conv2_w, 0), "c2b": (conv2_b, None),
        "table": (table, 0), "right": (right, 1), "left": (left, 0)}


def op_errors(mode, workdir, mlc_compile, mlc_run):
    cases, params = op_cases()
    arguments = ", ".join('%%%s: %s {mithril.name = "%s"}' % (arg, t, arg)
                          for _, arg, _, t, _, _, _ in cases)
    results = ", ".join('%s {mithril.name = "%s"}' % (t, name)
                        for name, _, _, _, t, _, _ in cases)
    lines = ["mithril.model @quantized_ops(%s) -> (%s) {" % (arguments,
                                                              results)]
    for name, (value, _) in params.items():
        lines.append('  %%%s = mithril.parameter "%s" : tensor<%sxf32>' % (
            name, name, "x".join(map(str, value.shape))))
    for name, _, _, _, _, op, _ in cases:
        lines.append("  %%%s = %s" % (name, op))
    lines.append("  mithril.return %s : %s" % (
        ", ".join("%" + c[0] for c in cases), ", ".join(c[4] for c in cases)))
    lines.append("}")
    model = os.path.join(workdir, "quantized_ops.mlir")
    with open(model, "w") as out:
        out.write("\n".join(lines) + "\n")
    weights = os.path.join(workdir, "quantized_ops.safetensors")
    write_safetensors(weights, {k: v for k, (v, _) in params.items()})
    library = os.path.join(workdir, "libquantized_ops.so")
    subprocess.run([mlc_compile, model, "--weights", weights, "-o", library,
                    "--quantize=" + mode], check=True)
    actual = run_library(library, {arg: x.numpy()
                                   for _, arg, x, _, _, _, _ in cases},
                         workdir, mlc_run)
    f32 = {k: v for k, (v, _) in params.items()}
    same = {k: (v if axis is None else dequantized(v.numpy(), axis))
            for k, (v, axis) in params.items()}
    dynamic = mode == "int8-dynamic"
    errors = {}
    for name, _, x, _, _, _, reference in cases:
        with torch.no_grad():
            exact = reference(x, same, dynamic).numpy()
            full = reference(x, f32, False).numpy()
        errors[name] = (relative_error(actual[name], exact),
                        relative_error(actual[name], full))
    return errors


def example_errors(name, shape, mode, workdir, mlc_compile, mlc_run):
    root = os.path.join(HERE, "..", "..", "examples")
    library = os.path.join(workdir, "lib%s.so" % name)
    subprocess.run([mlc_compile, os.path.join(root, name + ".json"), "-o",
                    library, "--quantize=" + mode], check=True)
    signature = json.loads(subprocess.run(
        [mlc_run, library, "--describe"], check=True, capture_output=True,
        text=True).stdout)["entries"][0]
    module = make_weights.build(name)
    torch.manual_seed(7)
    x = torch.randn(shape)
    with torch.no_grad():
        full = module(x).numpy()
        state = module.state_dict()
        for port in signature["parameters"]:
            if "quantized_axis" in port:
                state[port["name"]] = dequantized(
                    state[port["name"]].numpy(), port["quantized_axis"])
                if mode == "int8-dynamic":
                    layer = module.get_submodule(port["name"].rsplit(".", 1)[0])
                    if isinstance(layer, torch.nn.Linear):
                        layer.forward = (lambda x, layer=layer: F.linear(
                            quantized_rows(x), layer.weight, layer.bias))
        module.load_state_dict(state)
        exact = module(x).numpy()
    actual = run_library(library, {signature["inputs"][0]["name"]: x.numpy()},
                         workdir, mlc_run)
    result = actual[signature["outputs"][0]["name"]]
    return relative_error(result, exact), relative_error(result, full)


def main():
    mode, workdir, mlc_compile, mlc_run = sys.argv[1:5]
    errors = {"op " + k: v for k, v in
              op_errors(mode, workdir, mlc_compile, mlc_run).items()}
    for name, shape in EXAMPLES.items():
        errors["example %s %s" % (name, "x".join(map(str, shape)))] = \
            example_errors(name, shape, mode, workdir, mlc_compile, mlc_run)
    failures = []
    for label, (same, full) in errors.items():
        print("%s: %.2e vs the same quantization, %.2e vs f32" % (label, same,
                                                                 full))
        if not (same <= SAME_BOUND and full <= F32_BOUND):
            failures.append(label)
    print("worst vs the same quantization: %.2e" %
          max(same for same, _ in errors.values()))
    print("worst vs f32: %.2e" % max(full for _, full in errors.values()))
    for label in failures:
        print("FAIL %s" % label)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
