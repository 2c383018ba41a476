"""Mithril's training benchmarks: one train step (forward, loss, backward,
optimizer update) of a model compiled with `mlc-compile --train`, timed by
`mlc-run --entry train_step --benchmark`, against PyTorch eager
(`loss.backward(); opt.step()`) timed in the same run, both with SGD
(momentum 0.9) from the same weights. The first step's loss is checked
against PyTorch's first.

    /usr/bin/python3 bench/train.py                 # everything (minutes)
    /usr/bin/python3 bench/train.py --only mlp,gpt
    /usr/bin/python3 bench/train.py --smoke         # tiny sizes

Every side runs on the same threads (`--threads N`, default one per core),
as in bench/run.py, whose set-up this shares; `--markdown FILE` writes the
table (docs/performance.md takes it).
"""
import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as bench  # noqa: E402  (sets the threads and the environment)

import numpy as np  # noqa: E402
import torch  # noqa: E402

LR, MOMENTUM = 0.01, 0.9


def train_library(tools, model, shapes, weights, workdir, loss, fixed=()):
    """The model compiled with its train step (SGD with momentum)."""
    from mithril import safetensors
    stem = os.path.join(workdir, model.block_name() + "_train")
    with open(stem + ".json", "w") as f:
        f.write(model.to_json(shapes=shapes))
    safetensors.save(weights, stem + ".safetensors")
    args = [tools.compiler, stem + ".json", "-o", stem + ".so", "--weights",
            stem + ".safetensors", "--train", "--loss=" + loss,
            "--optimizer=sgd", "--lr=%g" % LR, "--momentum=%g" % MOMENTUM]
    for shape in fixed:
        args += ["--shape", shape]
    start = bench.time.perf_counter()
    bench.run(args)
    return stem + ".so", bench.time.perf_counter() - start


def bench_train(tools, label, model, module, rename, shapes, x, target, loss,
                workdir, budget_s, fixed=()):
    module.train()
    state = {k: v for k, v in module.state_dict().items()
             if not k.endswith("num_batches_tracked")}
    weights = {name: state[rename(name)].numpy()
               for name in model.parameter_shapes()}
    library, compile_s = train_library(tools, model, shapes, weights, workdir,
                                       loss, fixed)
    args = bench.runner_args(tools, library, {"input": x, "target": target},
                             workdir) + ["--entry", "train_step"]
    # The first step's loss against PyTorch's, then both timed.
    bench.run(args)
    first = float(np.load(os.path.join(workdir, "loss.npy")))
    inputs, labels = torch.from_numpy(x), torch.from_numpy(target)
    criterion = (torch.nn.functional.cross_entropy if loss == "cross_entropy"
                 else torch.nn.functional.mse_loss)
    optimizer = torch.optim.SGD(module.parameters(), lr=LR, momentum=MOMENTUM)

    def step():
        optimizer.zero_grad()
        value = criterion(module(inputs), labels)
        value.backward()
        optimizer.step()
        return value
    expected = float(step())
    if abs(first - expected) > 1e-3 * max(1.0, abs(expected)):
        sys.exit("bench: %s: first loss %g, PyTorch's %g" % (label, first, expected))
    peer = bench.median_ms(step, budget_s)
    ours = bench.ours_ms(args, budget_s)
    return {"name": label, "peer": "PyTorch %s" % torch.__version__,
            "peer_ms": peer, "ours_ms": ours, "compile_s": compile_s, "note": ""}


def benchmarks(smoke):
    import models
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    mlp_batch = 2 if smoke else 64
    batch = 2 if smoke else 32
    resnet_size = 32 if smoke else 64
    gpt_batch, seq = (1, 8) if smoke else (8, 128)
    found = []
    x = rng.standard_normal((mlp_batch, 784)).astype(np.float32)
    t = rng.integers(0, 10, mlp_batch)
    found.append(("mlp", lambda w, s, x=x, t=t: (
        "MLP 784-1024-1024-10, batch %d" % mlp_batch, models.mlp(),
        models.mlp_torch(), models.mlp_torch_name, {"input": [mlp_batch, 784]},
        x, t, "cross_entropy", ())))
    if not smoke:
        import make_weights
        x = rng.standard_normal((batch, 3, 4, 4)).astype(np.float32)
        module = make_weights.build("tiny_resnet")
        classes = module(torch.from_numpy(x)).shape[1]
        t = rng.integers(0, classes, batch)
        found.append(("tiny_resnet", lambda w, s, x=x, t=t, module=module: (
            "the overview's residual network, batch %d" % batch,
            bench._from_file("tiny_resnet"), module, models.same_name,
            {"input": [batch, 3, 4, 4]}, x, t, "cross_entropy", ())))
    x = rng.standard_normal((batch, 3, resnet_size, resnet_size)).astype(np.float32)
    t = rng.integers(0, 1000, batch)
    found.append(("resnet18", lambda w, s, x=x, t=t: (
        "ResNet-18 %d², batch %d" % (resnet_size, batch), models.resnet18(),
        models.resnet18_torch(), models.resnet18_torch_name,
        {"input": [batch, 3, resnet_size, resnet_size]}, x, t, "cross_entropy", ())))
    x = rng.standard_normal((gpt_batch, seq, models.WIDTH)).astype(np.float32)
    t = rng.standard_normal((gpt_batch, seq, models.WIDTH)).astype(np.float32)
    found.append(("gpt", lambda w, s, x=x, t=t: (
        "GPT-2-small block, seq %d, batch %d (MSE)" % (seq, gpt_batch),
        models.gpt_block(), models.gpt_block_torch(), models.same_name,
        {"input": ["N", "T", models.WIDTH]}, x, t, "mse",
        ["input=%dx%dx%d" % (gpt_batch, seq, models.WIDTH)])))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    bench.add_common_arguments(parser, "mlp, tiny_resnet, resnet18, gpt", 3.0)
    args = parser.parse_args()
    tools, budget, only = bench.start(args, 3.0)
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for group, make in benchmarks(args.smoke):
            if only and group not in only:
                continue
            (label, model, module, rename, shapes, x, t, loss, fixed) = make(workdir, budget)
            result = bench_train(tools, label, model, module, rename, shapes, x,
                                 t, loss, workdir, budget, fixed)
            results.append(result)
            bench.print_result(result, 50)
    bench.print_table(results, args.markdown)


if __name__ == "__main__":
    main()
