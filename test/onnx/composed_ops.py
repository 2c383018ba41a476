"""ONNX ops the importer composes from catalog ops, at shapes ONNX's own
backend tests do not reach (their shape operands are run-time inputs
there): Einsum as permutes and a matmul, Pad by edge and reflect copies,
LRN as a pooling, Gather with constant indices, shape computations on a
dynamic batch, and Resize (mithril.interpolate) against torch's
interpolate. Each model is built with onnx.helper, compiled by
mlc-compile, run by mlc-run and compared with NumPy (1e-4 relative).

Usage: composed_ops.py BUILD_DIR
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)


def tensor_info(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def einsum(equation, left, right):
    a = RNG.standard_normal(left).astype(np.float32)
    b = RNG.standard_normal(right).astype(np.float32)
    node = helper.make_node("Einsum", ["a", "b"], ["y"], equation=equation)
    return [node], [], {"a": a, "b": b}, np.einsum(equation, a, b)


def pad(mode, pads, shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    rank = len(shape)
    widths = [(pads[i], pads[i + rank]) for i in range(rank)]
    node = helper.make_node("Pad", ["x", "pads"], ["y"], mode=mode)
    pads_tensor = numpy_helper.from_array(np.array(pads, np.int64), "pads")
    return [node], [pads_tensor], {"x": x}, np.pad(x, widths, mode=mode)


def lrn(size, shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    node = helper.make_node("LRN", ["x"], ["y"], size=size, alpha=0.01,
                            beta=0.75, bias=2.0)
    # ONNX's window: floor((size-1)/2) channels before, ceil((size-1)/2)
    # after (torch's local_response_norm puts the odd one before).
    before, after = (size - 1) // 2, size // 2
    squares = np.pad(x * x, [(0, 0), (before, after)] + [(0, 0)] * (x.ndim - 2))
    sums = sum(squares[:, i:i + x.shape[1]] for i in range(size))
    expected = x / (2.0 + 0.01 / size * sums) ** 0.75
    return [node], [], {"x": x}, expected


def gather(indices, axis, shape):
    x = RNG.standard_normal(shape).astype(np.float32)
    node = helper.make_node("Gather", ["x", "i"], ["y"], axis=axis)
    index = numpy_helper.from_array(np.array(indices, np.int64), "i")
    return [node], [index], {"x": x}, np.take(x, indices, axis=axis)


def heads(batch):
    """[N, T, 8] to [N, 2, T, 4] by a Reshape whose shape is computed from
    Shape: the batch is dynamic, so the shape folds to symbols."""
    x = RNG.standard_normal((batch, 3, 8)).astype(np.float32)
    constant = lambda name, values: numpy_helper.from_array(
        np.array(values, np.int64), name)
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"]),
        helper.make_node("Gather", ["shape", "zero"], ["n"], axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
        helper.make_node("Concat", ["n1", "rest"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["r"]),
        helper.make_node("Transpose", ["r"], ["y"], perm=[0, 2, 1, 3]),
    ]
    initializers = [constant("zero", 0), constant("axes", [0]),
                    constant("rest", [-1, 2, 4])]
    expected = x.reshape(batch, 3, 2, 4).transpose(0, 2, 1, 3)
    return nodes, initializers, {"x": x}, expected


def resize(mode, coordinates, scales, shape, align_corners=None):
    """Resize by constant scales (as exporters write them), against torch's
    interpolate."""
    x = RNG.standard_normal(shape).astype(np.float32)
    attributes = {"mode": mode, "coordinate_transformation_mode": coordinates}
    if mode == "nearest":
        attributes["nearest_mode"] = "floor"
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"],
                              **attributes)]
    scale_tensor = numpy_helper.from_array(
        np.array([1, 1] + scales, np.float32), "scales")
    expected = torch.nn.functional.interpolate(
        torch.from_numpy(x), scale_factor=scales,
        mode="nearest" if mode == "nearest" else "bilinear",
        align_corners=align_corners).numpy()
    return nodes, [scale_tensor], {"x": x}, expected


CASES = {
    "einsum_attention": lambda: einsum("bhqd,bhkd->bhqk", (2, 3, 4, 5),
                                       (2, 3, 6, 5)),
    "einsum_transposed": lambda: einsum("ij,kj->ik", (3, 4), (5, 4)),
    "einsum_vector": lambda: einsum("ij,j->i", (3, 4), (4,)),
    "einsum_outer": lambda: einsum("i,j->ij", (3,), (4,)),
    "einsum_permuted_output": lambda: einsum("bij,bjk->bki", (2, 3, 4),
                                             (2, 4, 5)),
    "pad_edge": lambda: pad("edge", [0, 0, 2, 1, 0, 0, 1, 3], (2, 3, 4, 5)),
    "pad_reflect": lambda: pad("reflect", [0, 1, 2, 0, 2, 1], (2, 4, 5)),
    "lrn_odd": lambda: lrn(3, (2, 6, 4, 5)),
    "lrn_even": lambda: lrn(4, (2, 5, 3)),
    "gather_scalar": lambda: gather(1, 1, (2, 3, 4)),
    "gather_list": lambda: gather([2, 0, -1], 2, (2, 3, 4)),
    "heads_from_shape": lambda: heads(5),
    "resize_nearest": lambda: resize("nearest", "asymmetric", [2.0, 3.0],
                                     (2, 3, 4, 5)),
    "resize_bilinear": lambda: resize("linear", "pytorch_half_pixel",
                                      [2.0, 2.0], (2, 3, 4, 5), False),
    "resize_bilinear_corners": lambda: resize("linear", "align_corners",
                                              [2.0, 2.0], (1, 2, 3, 4), True),
}

# Inputs whose first dim is the dynamic batch "N".
DYNAMIC = {"heads_from_shape", "pad_edge", "resize_bilinear"}


def check(name, build, workdir):
    nodes, initializers, inputs, expected = CASES[name]()
    infos = []
    for key, value in inputs.items():
        shape = list(value.shape)
        if name in DYNAMIC:
            shape[0] = "N"
        infos.append(tensor_info(key, shape))
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, name, infos, [output],
                              initializer=initializers)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 13)])
    path = os.path.join(workdir, name + ".onnx")
    onnx.save(model, path)
    library = os.path.join(workdir, "lib%s.so" % name)
    subprocess.run([os.path.join(build, "bin", "mlc-compile"), path,
                    "-o", library], check=True)
    args = [os.path.join(build, "bin", "mlc-run"), library,
            "--output-dir", workdir]
    for key, value in inputs.items():
        npy = os.path.join(workdir, key + ".npy")
        np.save(npy, value)
        args += ["--input", "%s=@%s" % (key, npy)]
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    actual = np.load(os.path.join(workdir, "y.npy"))
    scale = max(float(np.abs(expected).max()), 1e-6)
    error = float(np.abs(actual - expected).max() / scale) \
        if actual.shape == expected.shape else float("inf")
    ok = error <= 1e-4
    print("%s: %s (relative error %.2g)" % (name, "ok" if ok else "MISMATCH",
                                            error))
    return ok


def main():
    build = sys.argv[1]
    with tempfile.TemporaryDirectory() as workdir:
        results = [check(name, build, workdir) for name in CASES]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
