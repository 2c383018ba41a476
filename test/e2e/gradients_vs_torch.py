"""Checks the gradient rule of every differentiable catalog op against
torch.autograd, family by family, through a compiled train step.

The cases are those of ops_vs_torch.py (two or more shapes per op, dynamic
first dims, broadcasting). Per family, one model computes every case and
returns s = sum over cases of sum(result * cotangent), with fixed random
cotangents as inputs; `mlc-compile --train --loss=l1 --optimizer=none
--input-gradients` turns it into a library whose train_step returns the
gradient of |s| with respect to every float input, which mlc-run computes
once. PyTorch computes the same with autograd.

Usage: gradients_vs_torch.py FAMILY WORKDIR MLC_COMPILE MLC_RUN

Prints "LABEL.INPUT: N" per gradient, N counting the elements off by more
than 2e-4 relative (plus 1e-5 of the gradient's largest magnitude), and
"LABEL: no gradient rule" for an op without one.
"""
import os
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Conversion",
                                "MithrilToLinalg", "Inputs"))
import ops_vs_torch as ops  # noqa: E402

# Ops whose results are not floats or whose train-mode semantics differ
# from the eval-mode reference (BatchNorm is checked by the training tests).
NOT_DIFFERENTIABLE = {"argmax", "equal", "less", "greater"}
TRAIN_MODE = {"batch_norm1d", "batch_norm2d", "dropout"}


def mha_reference(heads):
    """torch.nn.MultiheadAttention (batch first) as a function of its inputs
    and weights, which the cases' module-based reference is not."""
    F = torch.nn.functional

    def fn(q, k, v, in_w, out_w, in_b=None, out_b=None):
        e = q.shape[-1]
        parts = lambda t, i: None if t is None else t[i * e:(i + 1) * e]

        def heads_of(x, i):
            x = F.linear(x, parts(in_w, i), parts(in_b, i))
            x = x.reshape(x.shape[:-1] + (heads, e // heads))
            return x.transpose(-3, -2)
        a = torch.softmax(heads_of(q, 0) @ heads_of(k, 1).transpose(-2, -1) /
                          (e // heads) ** 0.5, -1) @ heads_of(v, 2)
        a = a.transpose(-3, -2)
        return F.linear(a.reshape(a.shape[:-2] + (e,)), out_w, out_b)
    return fn


def with_reference(case):
    """The case, with a differentiable reference where it needs one."""
    label, op, props, fn, inputs, dynamic = case
    if op == "multihead_attention":
        heads = int(props.split("num_heads = ")[1].split(" ")[0])
        fn = mha_reference(heads)
    return (label, op, props, fn, inputs, dynamic)


def is_float(tensor):
    return tensor.dtype.is_floating_point


def differentiable(case):
    label, op, props, fn, inputs, dynamic = case
    if op in NOT_DIFFERENTIABLE or op in TRAIN_MODE:
        return False
    outputs = fn(*inputs)
    outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
    return (any(is_float(t) for t in inputs) and
            all(is_float(o) for o in outputs))


def build_model(cases, workdir):
    """The model's IR, the mlc-run --input flags, and the expected
    gradients by input name."""
    torch.manual_seed(1)
    args, lines, flags, expected, sums = [], [], [], {}, []
    count = [0]

    def value():
        count[0] += 1
        return "%%v%d" % count[0]

    def add_input(name, tensor, type_):
        args.append('%%a%d: %s {mithril.name = "%s"}' % (len(args), type_, name))
        path = os.path.join(workdir, name + ".npy")
        np.save(path, tensor.detach().contiguous().numpy())
        flags.extend(["--input", "%s=@%s" % (name, path)])
        return "%%a%d" % (len(args) - 1)

    total = None
    for label, op, props, fn, inputs, dynamic in cases:
        leaves = [t.clone().requires_grad_(is_float(t)) for t in inputs]
        outputs = fn(*leaves)
        outputs = list(outputs) if isinstance(outputs, tuple) else [outputs]
        operands, types = [], []
        for i, tensor in enumerate(inputs):
            dyn = dynamic and i == 0 and tensor.dim() > 0 and len(outputs) == 1
            type_ = ops.tensor_type(tensor, dyn)
            operands.append(add_input("%s.in%d" % (label, i), tensor, type_))
            types.append(type_)
        dyn_result = dynamic and len(outputs) == 1
        result_types = [ops.tensor_type(o, dyn_result and o.dim() > 0)
                        for o in outputs]
        result = value()
        lines.append('    %s%s = "mithril.%s"(%s) %s: (%s) -> (%s)' % (
            result, ":%d" % len(outputs) if len(outputs) > 1 else "", op,
            ", ".join(operands), "<{%s}> " % props if props else "",
            ", ".join(types), ", ".join(result_types)))
        case_sum = 0
        for k, (o, t) in enumerate(zip(outputs, result_types)):
            ref = result if len(outputs) == 1 else "%s#%d" % (result, k)
            cotangent = torch.randn(o.shape)
            c = add_input("%s.cot%d" % (label, k), cotangent, t)
            product, reduced = value(), value()
            lines.append('    %s = "mithril.mul"(%s, %s) : (%s, %s) -> %s' % (
                product, ref, c, t, t, t))
            lines.append('    %s = "mithril.sum"(%s) : (%s) -> tensor<f32>' % (
                reduced, product, t))
            sums.append(reduced)
            case_sum = case_sum + (o * cotangent).sum()
        total = case_sum if total is None else total + case_sum
        for i, leaf in enumerate(leaves):
            if leaf.requires_grad:
                expected["%s.in%d" % (label, i)] = leaf
    # The sum of the cases' sums, and |s| as the loss.
    s = sums[0]
    for other in sums[1:]:
        nxt = value()
        lines.append('    %s = "mithril.add"(%s, %s) : (tensor<f32>, tensor<f32>) '
                     '-> tensor<f32>' % (nxt, s, other))
        s = nxt
    total.abs().backward()
    path = os.path.join(workdir, "target.npy")
    np.save(path, np.zeros((), np.float32))
    flags.extend(["--input", "target=@" + path])
    ir = ["mithril.model @grads(%s) -> (tensor<f32> {mithril.name = \"s\"}) {"
          % ", ".join(args)] + lines
    ir.append("    mithril.return %s : tensor<f32>" % s)
    ir.append("}")
    gradients = {name: leaf.grad for name, leaf in expected.items()}
    return "\n".join(ir) + "\n", flags, gradients


def main():
    family, workdir, mlc_compile, mlc_run = sys.argv[1:5]
    cases = []
    for case in ops.FAMILIES[family]:
        if differentiable(case):
            cases.append(with_reference(case))
    ir, flags, gradients = build_model(cases, workdir)
    model = os.path.join(workdir, family + ".mlir")
    with open(model, "w") as out:
        out.write(ir)
    library = os.path.join(workdir, "lib%s.so" % family)
    subprocess.run([mlc_compile, model, "--train", "--loss=l1",
                    "--optimizer=none", "--input-gradients", "-o", library],
                   check=True)
    subprocess.run([mlc_run, library, "--entry", "train_step", "--output-dir",
                    workdir] + flags, check=True)
    for name, e in gradients.items():
        path = os.path.join(workdir, "grad.%s.npy" % name)
        if e is None:
            e = torch.zeros(())
        actual = np.load(path).astype(np.float64)
        e = e.numpy().astype(np.float64)
        if actual.shape != e.shape:
            print("%s: shape %s, expected %s" % (name, actual.shape, e.shape))
            continue
        scale = max(1.0, float(np.nanmax(np.abs(e)))) if e.size else 1.0
        off = np.abs(actual - e) > np.abs(e) * 2e-4 + 1e-5 * scale
        off |= np.isnan(actual) != np.isnan(e)
        off &= ~(np.isnan(actual) & np.isnan(e))
        print("%s: %d" % (name, int(np.sum(off))))


if __name__ == "__main__":
    main()
