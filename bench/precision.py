"""Mithril's reduced-precision benchmarks: each workload compiled by
mlc-compile in f32 and with `--precision=bf16` / `f16`, timed by
`mlc-run --benchmark` against our own f32 library and against PyTorch in
the same precision where it has one (`torch.bfloat16` modules and
matmuls; PyTorch 1.13's CPU f16 matmul is missing, so f16 is compared
with our f32 only), all in the same run. Each library's error against
PyTorch in f32 and its size are printed beside its time.

    /usr/bin/python3 bench/precision.py                # everything (minutes)
    /usr/bin/python3 bench/precision.py --only gemm,linear
    /usr/bin/python3 bench/precision.py --smoke        # tiny sizes

Threads and environment as bench/run.py (same count on every side, printed;
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset). `--markdown FILE` writes the
table (docs/precision.md takes it).
"""
import argparse
import copy
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (sets the threads and the environment)

import numpy as np  # noqa: E402
import torch  # noqa: E402

PRECISIONS = ("f32", "bf16", "f16", "int8", "int8-dynamic")
TORCH_DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


def precision_flags(precision):
    """The mlc-compile options of a row: a compute precision, or int8
    weights (docs/precision.md)."""
    if precision.startswith("int8"):
        return ["--quantize=" + precision]
    return ["--precision=" + precision]


def measure(tools, label, model, shapes, weights, inputs, expected, peers,
            workdir, budget_s, flags=lambda precision: [],
            precisions=PRECISIONS):
    """One row per precision: ours timed, against our f32 and the peer in
    the same precision (`peers[precision]`: a thunk, or none); `flags`
    gives each precision's extra mlc-compile options."""
    rows, f32_ms = [], None
    for precision in precisions:
        library, compile_s = bench.compile_model(
            tools, model, shapes, weights, workdir,
            flags=precision_flags(precision) + flags(precision),
            tag="_" + precision)
        args = bench.runner_args(tools, library, inputs, workdir)
        actual = bench.read_output(tools, library, args, workdir).astype(np.float32)
        error = float(np.abs(actual - expected).max() / np.abs(expected).max())
        ours = bench.ours_ms(args, budget_s)
        f32_ms = f32_ms or ours
        peer = peers.get(precision)
        rows.append({"name": label, "precision": precision, "ours_ms": ours,
                     "vs_f32": f32_ms / ours, "size": os.path.getsize(library),
                     "peer_ms": bench.median_ms(peer, budget_s) if peer else None,
                     "error": error, "compile_s": compile_s})
        print_row(rows[-1])
    return rows


def torch_peers(module, tensors):
    """PyTorch in each precision it has on the CPU: the module and inputs
    converted."""
    peers = {}
    for precision, dtype in TORCH_DTYPES.items():
        converted = copy.deepcopy(module).to(dtype)
        cast = [t.to(dtype) for t in tensors]

        def call(converted=converted, cast=cast):
            with torch.no_grad():
                converted(*cast)
        peers[precision] = call
    # Both int8 rows against PyTorch's dynamic quantization (int8 weights
    # and activations, fbgemm): it has no weight-only int8 on the CPU.
    quantized = torch.ao.quantization.quantize_dynamic(
        copy.deepcopy(module), {torch.nn.Linear}, dtype=torch.qint8)

    def call_quantized():
        with torch.no_grad():
            quantized(*tensors)
    peers["int8"] = peers["int8-dynamic"] = call_quantized
    return peers


def bench_gemm(tools, size, workdir, budget_s):
    import models
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    peers = {"f32": lambda: ta @ tb}
    ha, hb = ta.bfloat16(), tb.bfloat16()
    peers["bf16"] = lambda: ha @ hb
    # Inputs in the compute precision: the kernel, not the conversions.
    # (Both operands are inputs: int8 weights have no place here.)
    return measure(tools, "GEMM %d³" % size, models.gemm(),
                   {"left": [size, size], "right": [size, size]}, None,
                   {"left": a, "right": b}, a @ b, peers, workdir, budget_s,
                   lambda precision: ["--io-precision=" + precision],
                   ("f32", "bf16", "f16"))


def bench_weight_gemm(tools, size, workdir, budget_s):
    """GEMM with a weight: a Linear layer without bias on `size` rows."""
    from mithril.models import Linear, Model
    model = Model(name="weight_gemm")
    model |= Linear(size, size, bias=False, name="fc")
    module = torch.nn.Linear(size, size, bias=False)
    rng = np.random.default_rng(0)
    return bench_module(
        tools, "GEMM %d³, weight" % size, model, module,
        lambda name: name.replace("fc.", ""), None,
        {"input": rng.standard_normal((size, size)).astype(np.float32)},
        workdir, budget_s, precisions=("f32", "bf16", "int8", "int8-dynamic"))


def bench_module(tools, label, model, module, rename, shapes, inputs, workdir,
                 budget_s, flags=(), precisions=PRECISIONS):
    """A model against its PyTorch module, with the module's weights."""
    module.eval()
    state = {k: v for k, v in module.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    weights = {name: state[rename(name)].numpy()
               for name in model.parameter_shapes()}
    tensors = [torch.from_numpy(v) for v in inputs.values()]
    with torch.no_grad():
        expected = module(*tensors).numpy()
    return measure(tools, label, model, {k: list(v.shape) for k, v in inputs.items()}
                   if not shapes else shapes, weights, inputs, expected,
                   torch_peers(module, tensors), workdir, budget_s,
                   lambda precision: list(flags), precisions)


def linear_stack(width):
    from mithril.models import Linear, Model
    model = Model(name="linear_stack")
    model |= Linear(width, width, name="fc1")
    model += Linear(width, width, name="fc2")
    module = torch.nn.Sequential(torch.nn.Linear(width, width),
                                 torch.nn.Linear(width, width))
    return model, module, lambda name: name.replace("fc1", "0").replace("fc2", "1")


def benchmarks(smoke):
    import models
    rng = np.random.default_rng(0)
    width = 256 if smoke else 4096
    gemm = 64 if smoke else 1024
    resnet = 32 if smoke else 224
    seq = 8 if smoke else 128
    found = [("linear", lambda t, w, s: bench_module(
        t, "Linear 2×%d², batch 1" % width, *linear_stack(width), None,
        {"input": rng.standard_normal((1, width)).astype(np.float32)}, w, s))]
    found.append(("gemm", lambda t, w, s: bench_gemm(t, gemm, w, s)))
    found.append(("weight_gemm",
                  lambda t, w, s: bench_weight_gemm(t, gemm, w, s)))
    found.append(("resnet18", lambda t, w, s: bench_module(
        t, "ResNet-18 %d², batch 1" % resnet, models.resnet18(),
        models.resnet18_torch(), models.resnet18_torch_name, None,
        {"input": rng.standard_normal((1, 3, resnet, resnet)).astype(np.float32)},
        w, s)))
    found.append(("gpt", lambda t, w, s: bench_module(
        t, "GPT-2-small block, seq %d, batch 1" % seq, models.gpt_block(),
        models.gpt_block_torch(), models.same_name,
        {"input": ["N", "T", models.WIDTH]},
        {"input": rng.standard_normal((1, seq, models.WIDTH)).astype(np.float32)},
        w, s, ["--shape", "input=1x%dx%d" % (seq, models.WIDTH)])))
    return found


def print_row(row):
    peer = ("torch %8.3f ms  speed vs torch %5.2f×" % (
        row["peer_ms"], row["peer_ms"] / row["ours_ms"])
        if row["peer_ms"] else "torch        n/a")
    print("%-34s %-12s ours %9.3f ms  vs our f32 %5.2f×  %s  %7.2f MB  error %.1e"
          % (row["name"], row["precision"], row["ours_ms"], row["vs_f32"], peer,
             row["size"] / 1e6, row["error"]), flush=True)


def markdown(rows):
    lines = ["| benchmark | precision | ours ms | speed vs our f32 | PyTorch ms "
             "(same precision) | speed vs PyTorch | library MB | error vs f32 |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        peer = ("%.3f | %.2f×" % (r["peer_ms"], r["peer_ms"] / r["ours_ms"])
                if r["peer_ms"] else "n/a | n/a")
        lines.append("| %s | %s | %.3f | %.2f× | %s | %.2f | %.1e |" % (
            r["name"], r["precision"], r["ours_ms"], r["vs_f32"], peer,
            r["size"] / 1e6, r["error"]))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_common_arguments(parser, "linear, gemm, weight_gemm, resnet18, gpt",
                               1.0)
    args = parser.parse_args()
    tools, budget, only = bench.start(args, 1.0)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for group, thunk in benchmarks(args.smoke):
            if not only or group in only:
                rows += thunk(tools, workdir, budget)
    table = markdown(rows)
    print()
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
