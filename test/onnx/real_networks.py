"""Real networks through ONNX: each is exported by Debian's PyTorch
(random weights, a dynamic batch, opset 13), compiled by mlc-compile from
the .onnx file, run by mlc-run at batch 2 and compared with PyTorch's own
output (1e-4 relative to its largest magnitude).

Usage: real_networks.py BUILD_DIR [--precision=P | --quantize=Q] [NETWORK ...]

With --precision=bf16 or f16 the library computes in that precision
(mlc-compile --precision) and the bound is docs/precision.md's (3e-2, 3e-3);
with --quantize=int8 or int8-dynamic its weights are int8 (mlc-compile
--quantize), bound 5e-2.

Networks: resnet18, mobilenet_v2, squeezenet1_1 and transformer (a
torch.nn.TransformerEncoderLayer, batch first, with a dynamic batch and a
dynamic sequence length: its exported shape computations fold at import).
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torchvision


IMAGE_AXES = {0: "N"}
SEQUENCE_AXES = {0: "N", 1: "T"}


def resnet18():
    return (torchvision.models.resnet18(), torch.randn(2, 3, 224, 224),
            IMAGE_AXES)


def mobilenet_v2():
    return (torchvision.models.mobilenet_v2(), torch.randn(2, 3, 224, 224),
            IMAGE_AXES)


def squeezenet1_1():
    return (torchvision.models.squeezenet1_1(), torch.randn(2, 3, 224, 224),
            IMAGE_AXES)


def transformer():
    layer = torch.nn.TransformerEncoderLayer(
        d_model=128, nhead=4, dim_feedforward=256, dropout=0.0,
        batch_first=True)
    return layer, torch.randn(2, 10, 128), SEQUENCE_AXES


NETWORKS = {"resnet18": resnet18, "mobilenet_v2": mobilenet_v2,
            "squeezenet1_1": squeezenet1_1, "transformer": transformer}


BOUNDS = {"f32": 1e-4, "bf16": 3e-2, "f16": 3e-3, "int8": 5e-2,
          "int8-dynamic": 5e-2}


def flags(precision):
    """mlc-compile's options for `precision` (a dtype or an int8 mode)."""
    if precision.startswith("int8"):
        return ["--quantize=" + precision]
    return ["--precision=" + precision]


def check(name, build, workdir, precision):
    torch.manual_seed(0)
    module, example, axes = NETWORKS[name]()
    module.eval()
    model = os.path.join(workdir, name + ".onnx")
    torch.onnx.export(module, example, model, input_names=["input"],
                      output_names=["output"], opset_version=13,
                      dynamic_axes={"input": axes, "output": axes})
    library = os.path.join(workdir, "lib%s.so" % name)
    subprocess.run([os.path.join(build, "bin", "mlc-compile"), model,
                    "-o", library] + flags(precision), check=True)
    inputs = os.path.join(workdir, name + ".input.npy")
    np.save(inputs, example.numpy())
    subprocess.run([os.path.join(build, "bin", "mlc-run"), library,
                    "--input", "input=@" + inputs, "--output-dir", workdir],
                   check=True, stdout=subprocess.DEVNULL)
    actual = np.load(os.path.join(workdir, "output.npy"))
    with torch.no_grad():
        expected = module(example).numpy()
    error = float(np.abs(actual - expected).max() / np.abs(expected).max())
    ok = actual.shape == expected.shape and error <= BOUNDS[precision]
    print("%s %s: %s (relative error %.2g)" % (
        name, precision, "ok" if ok else "MISMATCH", error))
    return ok


def main():
    build, names, precision = sys.argv[1], [], "f32"
    for argument in sys.argv[2:]:
        if argument.startswith(("--precision=", "--quantize=")):
            precision = argument.split("=", 1)[1]
        else:
            names.append(argument)
    with tempfile.TemporaryDirectory() as workdir:
        results = [check(name, build, workdir, precision)
                   for name in names or sorted(NETWORKS)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
