"""The error of reduced precision, measured: every catalog op of
ops_vs_torch.py (one library per family, as ops_library_vs_torch.py builds
it) and every example model, compiled with `mlc-compile --precision=P`, run
with mlc-run and compared with PyTorch in f32.

Usage: precision_vs_torch.py PRECISION WORKDIR MLC_COMPILE MLC_RUN

The error of a result is max|actual - expected| / max|expected| (integer and
boolean results must be equal). Prints one line per op family (its largest
error and where) and per example, then "worst: E" and "bound: B"; exits 1
if any error is above the precision's bound (docs/precision.md).
"""
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "Conversion", "MithrilToLinalg",
                                "Inputs"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "examples"))
import make_weights  # noqa: E402
import ops_library_vs_torch  # noqa: E402
import ops_vs_torch as ops  # noqa: E402

BOUNDS = {"bf16": 3e-2, "f16": 3e-3}
# Each example at one shape with its dynamic dims (the batch, T) > 1.
EXAMPLES = {"mlp": [5, 784], "tiny_resnet": [3, 3, 4, 4],
            "small_cnn": [2, 1, 28, 28], "gpt_block": [2, 7, 64]}


def relative_error(actual, expected):
    if expected.dtype.kind != "f":
        return 0.0 if np.array_equal(actual, expected) else float("inf")
    if actual.shape != expected.shape:
        return float("inf")
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if np.any(np.isnan(a) != np.isnan(e)):
        return float("inf")
    finite = np.isfinite(e)
    if np.any(a[~finite] != e[~finite]):
        return float("inf")
    scale = np.abs(e[finite]).max(initial=0.0)
    diff = np.abs(a[finite] - e[finite]).max(initial=0.0)
    return diff / scale if scale > 0 else diff


def family_errors(family, precision, workdir, mlc_compile, mlc_run):
    folder = os.path.join(workdir, family)
    os.makedirs(folder, exist_ok=True)
    results = ops_library_vs_torch.run_family(
        family, folder, mlc_compile, mlc_run, ["--precision=" + precision])
    return {name: relative_error(actual, expected)
            for name, (actual, expected) in results.items()}


def example_error(name, shape, precision, workdir, mlc_compile, mlc_run):
    root = os.path.join(HERE, "..", "..", "examples")
    library = os.path.join(workdir, "lib%s.so" % name)
    subprocess.run([mlc_compile, os.path.join(root, name + ".json"), "-o",
                    library, "--precision=" + precision], check=True)
    module = make_weights.build(name)
    module.eval()
    torch.manual_seed(7)
    x = torch.randn(shape)
    with torch.no_grad():
        expected = module(x).numpy()
    signature = subprocess.run([mlc_run, library, "--describe"], check=True,
                               capture_output=True, text=True).stdout
    entry = json.loads(signature)["entries"][0]
    path = os.path.join(workdir, name + ".input.npy")
    np.save(path, x.numpy())
    subprocess.run([mlc_run, library, "--input",
                    "%s=@%s" % (entry["inputs"][0]["name"], path),
                    "--output-dir", workdir], check=True)
    actual = np.load(os.path.join(workdir, entry["outputs"][0]["name"] + ".npy"))
    return relative_error(actual, expected)


def main():
    precision, workdir, mlc_compile, mlc_run = sys.argv[1:5]
    bound = BOUNDS[precision]
    worst, failures = 0.0, []
    for family in ops.FAMILIES:
        errors = family_errors(family, precision, workdir, mlc_compile, mlc_run)
        label, error = max(errors.items(), key=lambda item: item[1])
        print("ops %s: %.2e (%s, of %d results)" % (family, error, label,
                                                   len(errors)))
        worst = max(worst, error)
        failures += [(k, v) for k, v in errors.items() if not v <= bound]
    for name, shape in EXAMPLES.items():
        error = example_error(name, shape, precision, workdir, mlc_compile,
                              mlc_run)
        print("example %s %s: %.2e" % (name, "x".join(map(str, shape)), error))
        worst = max(worst, error)
        if not error <= bound:
            failures.append((name, error))
    print("worst: %.2e" % worst)
    print("bound: %.0e" % bound)
    for label, error in failures:
        print("FAIL %s: %.2e > %.0e" % (label, error, bound))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
