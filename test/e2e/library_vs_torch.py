"""Runs an example model's compiled library with mlc-run and compares its
outputs with the PyTorch module its weights came from.

Usage: library_vs_torch.py EXAMPLE LIB.so WORKDIR MLC_RUN SHAPE...

LIB.so is `mlc-compile examples/EXAMPLE.json -o LIB.so` (weights embedded).
For each SHAPE (e.g. 2x784) a seeded random input is written to WORKDIR as
.npy, run through MLC_RUN, and the output .npy compared with
examples/make_weights.py's module on the same input. Prints
"EXAMPLE SHAPE: N" where N counts the outputs off by more than 2e-4
relative (plus 1e-5 absolute).
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import make_weights  # noqa: E402


def main():
    name, library, workdir, mlc_run = sys.argv[1:5]
    shapes = sys.argv[5:]
    signature = json.loads(subprocess.run(
        [mlc_run, library, "--describe"], check=True, capture_output=True,
        text=True).stdout)
    entry = signature["entries"][0]
    input_name = entry["inputs"][0]["name"]
    output_name = entry["outputs"][0]["name"]

    module = make_weights.build(name)
    module.eval()
    torch.manual_seed(7)
    for shape_text in shapes:
        shape = [int(d) for d in shape_text.split("x")]
        x = torch.randn(shape)
        with torch.no_grad():
            expected = module(x).numpy()
        input_path = os.path.join(workdir, "%s.%s.npy" % (name, shape_text))
        np.save(input_path, x.numpy())
        subprocess.run([mlc_run, library, "--input",
                        "%s=@%s" % (input_name, input_path),
                        "--output-dir", workdir], check=True)
        actual = np.load(os.path.join(workdir, output_name + ".npy"))
        if actual.shape != expected.shape:
            print("%s %s: shape %s, expected %s" % (
                name, shape_text, actual.shape, expected.shape))
            continue
        off = np.abs(actual - expected) > np.abs(expected) * 2e-4 + 1e-5
        print("%s %s: %d" % (name, shape_text, int(off.sum())))


if __name__ == "__main__":
    main()
