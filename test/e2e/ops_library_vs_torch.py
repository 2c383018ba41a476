"""Checks every case of a family of ops_vs_torch.py through a compiled
library: the cases become one model (each case's operands are inputs, its
results are outputs; a case marked dynamic takes a dynamic first dim), which
mlc-compile turns into a shared library and mlc-run runs once, with every
input from a .npy file. Each output is compared with PyTorch's.

Usage: ops_library_vs_torch.py FAMILY WORKDIR MLC_COMPILE MLC_RUN

Prints "LABEL: N" per result, N counting the elements off by more than 2e-4
relative (plus 1e-5 absolute); integer and boolean results must be equal.
"""
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Conversion",
                                "MithrilToLinalg", "Inputs"))
import ops_vs_torch as ops  # noqa: E402


def build_model(cases, workdir):
    """The model's IR; writes the inputs as .npy; returns the mlc-run
    --input arguments and the expected outputs by name."""
    args, results, lines = [], [], []
    input_flags, expected = [], {}
    for label, op, props, fn, inputs, dynamic in cases:
        outputs = fn(*inputs)
        outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
        operands, types = [], []
        for i, tensor in enumerate(inputs):
            name = "%s.in%d" % (label, i)
            dyn = dynamic and i == 0 and tensor.dim() > 0 and len(outputs) == 1
            type_ = ops.tensor_type(tensor, dyn)
            args.append('%%a%d: %s {mithril.name = "%s"}' % (len(args), type_, name))
            operands.append("%%a%d" % (len(args) - 1))
            types.append(type_)
            path = os.path.join(workdir, name + ".npy")
            np.save(path, tensor.contiguous().numpy())
            input_flags += ["--input", "%s=@%s" % (name, path)]
        dyn_result = dynamic and len(outputs) == 1
        result_types = [ops.tensor_type(e, dyn_result and e.dim() > 0)
                        for e in outputs]
        value = "%%r%d" % len(results)
        lines.append('    %s%s = "mithril.%s"(%s) %s: (%s) -> (%s)' % (
            value, ":%d" % len(outputs) if len(outputs) > 1 else "", op,
            ", ".join(operands), "<{%s}> " % props if props else "",
            ", ".join(types), ", ".join(result_types)))
        for k, (e, t) in enumerate(zip(outputs, result_types)):
            name = label if len(outputs) == 1 else "%s_%d" % (label, k)
            ref = value if len(outputs) == 1 else "%s#%d" % (value, k)
            results.append((ref, t, name))
            expected[name] = e.contiguous()
    ir = ["mithril.model @ops(%s) -> (%s) {" % (
        ", ".join(args),
        ", ".join('%s {mithril.name = "%s"}' % (t, n) for _, t, n in results))]
    ir += lines
    ir.append("    mithril.return %s : %s" % (
        ", ".join(r for r, _, _ in results), ", ".join(t for _, t, _ in results)))
    ir.append("}")
    return "\n".join(ir) + "\n", input_flags, expected


def run_family(family, workdir, mlc_compile, mlc_run, flags=()):
    """The family's library compiled (with mlc-compile `flags`) and run:
    {result name: (actual, expected)} as arrays."""
    ir, input_flags, expected = build_model(ops.FAMILIES[family], workdir)
    model = os.path.join(workdir, family + ".mlir")
    with open(model, "w") as out:
        out.write(ir)
    library = os.path.join(workdir, "lib%s.so" % family)
    subprocess.run([mlc_compile, model, "-o", library] + list(flags), check=True)
    subprocess.run([mlc_run, library, "--output-dir", workdir] + input_flags,
                   check=True)
    return {name: (np.load(os.path.join(workdir, name + ".npy")), e.numpy())
            for name, e in expected.items()}


def main():
    family, workdir, mlc_compile, mlc_run = sys.argv[1:5]
    for name, (actual, e) in run_family(family, workdir, mlc_compile,
                                        mlc_run).items():
        if actual.shape != e.shape:
            print("%s: shape %s, expected %s" % (name, actual.shape, e.shape))
            continue
        if e.dtype.kind == "f":
            e64, a64 = e.astype(np.float64), actual.astype(np.float64)
            off = np.abs(a64 - e64) > np.abs(e64) * 2e-4 + 1e-5
            off |= np.isnan(a64) != np.isnan(e64)
        else:
            off = actual != e
        print("%s: %d" % (name, int(np.sum(off))))


if __name__ == "__main__":
    main()
