"""Mithril's CPU benchmarks: each model compiled by mlc-compile and timed by
`mlc-run --benchmark`, against its peer (NumPy/OpenBLAS for GEMM, PyTorch
for models) timed in the same run; the ratio is what counts, since the
machine is noisy. Every model's outputs are first checked against the peer
with the same weights.

    /usr/bin/python3 bench/run.py                 # everything (minutes)
    /usr/bin/python3 bench/run.py --only gemm,mlp
    /usr/bin/python3 bench/run.py --smoke         # tiny sizes: does it all run?

Every side runs on the same number of threads (`--threads N`, default one
per core): ours through `mlc-run --threads`, PyTorch through
`torch.set_num_threads`, OpenBLAS through OPENBLAS_NUM_THREADS; the counts
are printed. The script unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for
itself (they are set on our machines and would hold OpenBLAS back to other
kernels than AVX-512's). `--markdown FILE` writes the result table there
(docs/performance.md takes it).
"""
import argparse
import ctypes
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time



def threads_asked():
    """`--threads N` or `--threads=N` of the command line, else one per
    core: read before NumPy loads OpenBLAS, which takes its count then."""
    for i, arg in enumerate(sys.argv):
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
        if arg == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
    return os.cpu_count()


THREADS = threads_asked()
_env = {k: v for k, v in os.environ.items()
        if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
_env["OPENBLAS_NUM_THREADS"] = str(THREADS)
if _env != dict(os.environ):
    os.execve(sys.executable, [sys.executable] + sys.argv, _env)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(THREADS)


class Tools:
    def __init__(self, build):
        self.compiler = os.path.join(build, "bin", "mlc-compile")
        self.runner = os.path.join(build, "bin", "mlc-run")
        for tool in (self.compiler, self.runner):
            if not os.path.exists(tool):
                sys.exit("bench: no %s: build first (cmake --build %s)" % (tool, build))
        sys.path.insert(0, os.path.join(build, "python"))
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        sys.path.insert(0, os.path.join(ROOT, "examples"))   # make_weights


def median_ms(fn, budget_s, least=3):
    """Median milliseconds of `fn()` over at least `least` calls, about
    `budget_s` seconds in all, after one warm-up call (one call only when
    it alone takes longer than the budget)."""
    fn()
    times = []
    start = time.perf_counter()
    while len(times) < least or time.perf_counter() - start < budget_s:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        if len(times) >= 1000 or times[0] > budget_s * 1e3:
            break
    return float(np.median(times))


def openblas_threads():
    """The threads of the OpenBLAS NumPy loaded, as it says itself."""
    with open("/proc/self/maps") as maps:
        paths = set(re.findall(r"(/\S*libopenblas\S*\.so\S*)", maps.read()))
    for path in paths:
        try:
            return str(ctypes.CDLL(path).openblas_get_num_threads())
        except (OSError, AttributeError):
            continue
    return "? (not loaded)"


def runner_args(tools, library, inputs, workdir):
    """mlc-run on `library` with `inputs`, written once as .npy files."""
    args = [tools.runner, library, "--output-dir", workdir,
            "--threads", str(THREADS)]
    for name, array in inputs.items():
        path = os.path.join(workdir, name + ".in.npy")
        np.save(path, array)
        args += ["--input", "%s=@%s" % (name, path)]
    return args


def ours_ms(args, budget_s):
    """Median ms of one call of mlc-run `args`, from its own timing."""
    probe = run(args + ["--benchmark=1", "--warmup=1"])
    once = float(re.search(r"median ([0-9.]+) ms", probe).group(1))
    if once > budget_s * 1e3:      # slow enough: one timed call says it
        return once
    calls = max(3, min(1000, int(budget_s * 1e3 / max(once, 1e-3))))
    report = run(args + ["--benchmark=%d" % calls, "--warmup=1"])
    return float(re.search(r"median ([0-9.]+) ms", report).group(1))


def run(args):
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("bench: failed: %s\n%s" % (" ".join(args), result.stderr))
    return result.stdout


def compile_model(tools, model, shapes, weights, workdir, fixed=(), flags=(),
                  tag=""):
    """mlc-compile of the model's file with `weights` embedded, the
    `--shape` options `fixed` and the other options `flags`, into files
    named after the model and `tag`: (library, seconds)."""
    from mithril import safetensors
    stem = os.path.join(workdir, model.block_name() + tag)
    with open(stem + ".json", "w") as f:
        f.write(model.to_json(shapes=shapes))
    args = [tools.compiler, stem + ".json", "-o", stem + ".so"] + list(flags)
    for shape in fixed:
        args += ["--shape", shape]
    if weights:
        safetensors.save(weights, stem + ".safetensors")
        args += ["--weights", stem + ".safetensors"]
    start = time.perf_counter()
    run(args)
    return stem + ".so", time.perf_counter() - start


def read_output(tools, library, args, workdir):
    """The first output of mlc-run `args` on `library`."""
    run(args)
    signature = json.loads(run([tools.runner, library, "--describe"]))
    output = signature["entries"][0]["outputs"][0]["name"]
    return np.load(os.path.join(workdir, output + ".npy"))


def check_outputs(tools, library, args, expected, workdir, label):
    actual = read_output(tools, library, args, workdir)
    scale = max(float(np.abs(expected).max()), 1.0)
    error = float(np.abs(actual - expected).max()) / scale
    if actual.shape != expected.shape or error > 1e-3:
        sys.exit("bench: %s: outputs differ from the peer's (shape %s vs %s, "
                 "max error %.3g of %.3g)" % (label, actual.shape, expected.shape,
                                             error, scale))


# The benchmarks.

def bench_gemm(tools, size, workdir, budget_s):
    import models
    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size)).astype(np.float32)
    b = rng.standard_normal((size, size)).astype(np.float32)
    library, compile_s = compile_model(
        tools, models.gemm(), {"left": [size, size], "right": [size, size]}, None, workdir)
    args = runner_args(tools, library, {"left": a, "right": b}, workdir)
    check_outputs(tools, library, args, a @ b, workdir, "gemm")
    peer = median_ms(lambda: a @ b, budget_s)
    ours = ours_ms(args, budget_s)
    gflop = 2 * size ** 3 / 1e9
    return {"name": "GEMM f32 %d³" % size, "peer": "NumPy/OpenBLAS",
            "peer_ms": peer, "ours_ms": ours, "compile_s": compile_s,
            "note": "%.1f vs %.1f GFLOP/s" % (gflop / ours * 1e3, gflop / peer * 1e3)}


def bench_model(tools, label, model, module, rename, shapes, inputs, workdir, budget_s,
                fixed=()):
    """A model against its PyTorch module, with the module's weights."""
    module.eval()
    weights = {}
    state = {k: v for k, v in module.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    for name in model.parameter_shapes():
        weights[name] = state[rename(name)].numpy()
    library, compile_s = compile_model(tools, model, shapes, weights, workdir, fixed)
    tensors = [torch.from_numpy(v) for v in inputs.values()]
    with torch.no_grad():
        expected = module(*tensors).numpy()
        args = runner_args(tools, library, inputs, workdir)
        check_outputs(tools, library, args, expected, workdir, label)
        peer = median_ms(lambda: module(*tensors), budget_s)
    ours = ours_ms(args, budget_s)
    return {"name": label, "peer": "PyTorch %s" % torch.__version__,
            "peer_ms": peer, "ours_ms": ours, "compile_s": compile_s, "note": ""}


def benchmarks(smoke):
    """(group, label, thunk(tools, workdir, budget)) of every benchmark."""
    import models
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    gemm_sizes = (64,) if smoke else (256, 1024, 2048)
    mlp_batches = (1,) if smoke else (1, 64)
    resnet = (1, 32) if smoke else (1, 224)
    resnet_batches = (1,) if smoke else (1, 8)
    gpt_batches, seq = ((1,), 8) if smoke else ((1, 8), 128)
    found = []
    for size in gemm_sizes:
        found.append(("gemm", lambda t, w, s, size=size: bench_gemm(t, size, w, s)))
    for batch in mlp_batches:
        x = rng.standard_normal((batch, 784)).astype(np.float32)
        found.append(("mlp", lambda t, w, s, x=x, batch=batch: bench_model(
            t, "MLP 784-1024-1024-10, batch %d" % batch, models.mlp(),
            models.mlp_torch(), models.mlp_torch_name,
            {"input": [batch, 784]}, {"input": x}, w, s)))
    if not smoke:
        import make_weights
        for batch in (1, 64):
            x = rng.standard_normal((batch, 3, 4, 4)).astype(np.float32)
            found.append(("tiny_resnet", lambda t, w, s, x=x, batch=batch: bench_model(
                t, "the overview's residual network, batch %d" % batch,
                _from_file("tiny_resnet"), make_weights.build("tiny_resnet"),
                models.same_name, {"input": [batch, 3, 4, 4]}, {"input": x}, w, s)))
    for batch in resnet_batches:
        size = resnet[1]
        x = rng.standard_normal((batch, 3, size, size)).astype(np.float32)
        found.append(("resnet18", lambda t, w, s, x=x, batch=batch, size=size: bench_model(
            t, "ResNet-18 %d², batch %d" % (size, batch), models.resnet18(),
            models.resnet18_torch(), models.resnet18_torch_name,
            {"input": [batch, 3, size, size]}, {"input": x}, w, s)))
    for batch in gpt_batches:
        x = rng.standard_normal((batch, seq, models.WIDTH)).astype(np.float32)
        found.append(("gpt", lambda t, w, s, x=x, batch=batch: bench_model(
            t, "GPT-2-small block, seq %d, batch %d" % (seq, batch), models.gpt_block(),
            models.gpt_block_torch(), models.same_name,
            {"input": ["N", "T", models.WIDTH]}, {"input": x}, w, s,
            fixed=["input=%dx%dx%d" % (batch, seq, models.WIDTH)])))
    return found


def _from_file(name):
    from mithril.models import Model
    model = Model.from_json(os.path.join(ROOT, "examples", name + ".json"))
    model.weights = None
    return model


def markdown(results):
    lines = ["| benchmark | peer | peer ms | ours ms | speed vs peer | compile s | |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in results:
        lines.append("| %s | %s | %.3f | %.3f | %.2f× | %.2f | %s |" % (
            r["name"], r["peer"], r["peer_ms"], r["ours_ms"],
            r["peer_ms"] / r["ours_ms"], r["compile_s"], r["note"]))
    return "\n".join(lines)


def print_result(result, width):
    """One benchmark's line, as it finishes."""
    print("%-*s peer %10.3f ms  ours %10.3f ms  speed %6.2f×  compile %5.2f s  %s"
          % (width, result["name"], result["peer_ms"], result["ours_ms"],
             result["peer_ms"] / result["ours_ms"], result["compile_s"],
             result["note"]), flush=True)


def print_table(results, path=None):
    """The markdown table of `results`, printed and, with `path`, written."""
    table = markdown(results)
    print()
    print(table)
    if path:
        with open(path, "w") as f:
            f.write(table + "\n")


def add_common_arguments(parser, groups, budget_s):
    """The options every benchmark script takes; `groups` names --only's."""
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--only", help="comma-separated groups: " + groups)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes and short timings, to check that it runs")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds of timing per side (default %g, smoke 0.05)"
                        % budget_s)
    parser.add_argument("--markdown", help="also write the result table here")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads of every side (default: one per core)")


def start(args, budget_s):
    """The tools, the timing budget and the groups asked for, after printing
    the machine and every side's threads."""
    tools = Tools(os.path.abspath(args.build))
    budget = args.budget if args.budget is not None else (0.05 if args.smoke else budget_s)
    only = set(args.only.split(",")) if args.only else None
    print("machine: %s, %d cores; threads: ours %d, PyTorch %s %d, OpenBLAS %s "
          "(numpy %s)" % (platform.processor() or platform.machine(), os.cpu_count(),
                          THREADS, torch.__version__, torch.get_num_threads(),
                          openblas_threads(), np.__version__))
    return tools, budget, only


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser, "gemm, mlp, tiny_resnet, resnet18, gpt", 2.0)
    parser.add_argument("--keep", metavar="DIR",
                        help="compile and run in DIR and keep the libraries "
                        "and inputs there (to profile them)")
    args = parser.parse_args()
    tools, budget, only = start(args, 2.0)
    results = []
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        workdir = os.path.abspath(args.keep) if args.keep else scratch
        for group, thunk in benchmarks(args.smoke):
            if only and group not in only:
                continue
            result = thunk(tools, workdir, budget)
            results.append(result)
            print_result(result, 45)
    print_table(results, args.markdown)


if __name__ == "__main__":
    main()
