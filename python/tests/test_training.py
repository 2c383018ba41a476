"""Training (ml.Trainer) against PyTorch.

Each case starts Mithril and PyTorch from the same initial weights and
feeds them the same batches: the losses of every step must agree, and,
after the last step, every parameter and running statistic. The optimizers
and losses also check their arguments as PyTorch does, and the losses
compute in NumPy what PyTorch computes (what Trainer.evaluate reports).
"""
import collections
import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mithril as ml  # noqa: E402
from mithril import models as M  # noqa: E402
from mithril import safetensors  # noqa: E402

nn = torch.nn
F = torch.nn.functional
EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "python")


def t(array):
    return torch.from_numpy(np.ascontiguousarray(array))


# The models: each a Mithril model and the PyTorch module of the same
# parameter names.

def mlp():
    model = M.Model()
    model |= M.Linear(6, 16, name="fc1")
    model += M.ReLU()
    model += M.Linear(16, 4, name="fc2")
    module = nn.Sequential(collections.OrderedDict(
        fc1=nn.Linear(6, 16), relu=nn.ReLU(), fc2=nn.Linear(16, 4)))
    return model, module, {"input": ["N", 6]}


def cnn():
    # No bias before BatchNorm: its gradient is zero but for rounding, which
    # Adam would blow up to steps of the learning rate's size.
    model = M.Model()
    model |= M.Conv2d(3, 8, kernel_size=3, padding=1, bias=False, name="conv")
    model += M.BatchNorm2d(8, name="bn")
    model += M.ReLU()
    model += M.MaxPool2d(2)
    model += M.Flatten()
    model += M.Linear(8 * 4 * 4, 5, name="fc")
    module = nn.Sequential(collections.OrderedDict(
        conv=nn.Conv2d(3, 8, 3, padding=1, bias=False), bn=nn.BatchNorm2d(8),
        relu=nn.ReLU(), pool=nn.MaxPool2d(2), flatten=nn.Flatten(),
        fc=nn.Linear(8 * 4 * 4, 5)))
    return model, module, {"input": ["N", 3, 8, 8]}


class TwoInputs(nn.Module):
    """output = fa(a) + fb(b)."""

    def __init__(self):
        super().__init__()
        self.fa, self.fb = nn.Linear(3, 4), nn.Linear(5, 4)

    def forward(self, a, b):
        return self.fa(a) + self.fb(b)


def two_inputs():
    model = M.Model()
    model |= M.Linear(3, 4, name="fa")(input="a", output="ha")
    model |= M.Linear(5, 4, name="fb")(input="b", output="hb")
    model |= M.Add()(left="ha", right="hb", output="output")
    return model, TwoInputs(), {"a": ["N", 3], "b": ["N", 5]}


class ResBlock(nn.Module):
    """The overview's res_block: input + bn(conv(relu(bn(conv(input)))))."""

    def __init__(self, channels=64):
        super().__init__()
        self.conv2d_0 = nn.Conv2d(channels, channels, 3, padding=1)
        self.batch_norm2d_0 = nn.BatchNorm2d(channels)
        self.conv2d_1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.batch_norm2d_1 = nn.BatchNorm2d(channels)

    def forward(self, x):
        h = F.relu(self.batch_norm2d_0(self.conv2d_0(x)))
        return x + self.batch_norm2d_1(self.conv2d_1(h))


def overview_resnet():
    """The overview's residual network as test_overview.py writes it, for
    8x8 images: the 3x3 maps left after the pooling keep every tap of the
    blocks' convolutions (and their padding) in play, where the overview's
    4x4 images leave 1x1 maps. The classifier reads them: Linear(64 * 3 * 3)."""
    res_block = M.Model()
    res_block |= M.Conv2d(64, 64)(output="conv1")
    res_block += M.BatchNorm2d(64)(input="conv1", output="bn1")
    res_block += M.ReLU()(input="bn1", output="relu1")
    res_block += M.Conv2d(64, 64)(input="relu1", output="conv2")
    res_block += M.BatchNorm2d(64)(input="conv2", output="conv2_bn")
    res_block += M.Add()(left="input", right="conv2_bn", output="output")

    model = M.Model()
    model |= M.Conv2d(3, 64)
    model += M.MaxPool2d(kernel_size=3, stride=2)
    model += res_block
    model += res_block
    model += M.Flatten()
    model += M.Linear(64 * 3 * 3, 10)
    module = nn.Sequential(collections.OrderedDict(
        conv2d_0=nn.Conv2d(3, 64, 3, padding=1), max_pool2d_0=nn.MaxPool2d(3, stride=2),
        res_block_0=ResBlock(), res_block_1=ResBlock(), flatten_0=nn.Flatten(),
        linear_0=nn.Linear(64 * 3 * 3, 10)))
    return model, module, {"input": ["N", 3, 8, 8]}


class AttentionBlock(nn.Module):
    """A pre-norm transformer block on [N, T, 8] (self-attention with 2 heads,
    a GELU MLP, both residual), then a head on the mean over the tokens."""

    def __init__(self, bias=True):
        super().__init__()
        self.norm1 = nn.LayerNorm(8)
        self.attn = nn.MultiheadAttention(8, 2, bias=bias, batch_first=True)
        self.norm2 = nn.LayerNorm(8)
        self.fc = nn.Linear(8, 16)
        self.proj = nn.Linear(16, 8)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        x = x + self.proj(F.gelu(self.fc(self.norm2(x))))
        return self.head(x.mean(1))


def attention_block(bias=True):
    model = M.Model()
    model |= M.LayerNorm([8], name="norm1")(input="input", output="h")
    model |= M.MultiheadAttention(8, 2, bias=bias, name="attn")(
        query="h", key="h", value="h", output="attended")
    model |= M.Add()(left="input", right="attended", output="residual")
    model += M.LayerNorm([8], name="norm2")(input="residual")
    model += M.Linear(8, 16, name="fc")
    model += M.GELU()
    model += M.Linear(16, 8, name="proj")(output="mlp")
    model |= M.Add()(left="residual", right="mlp", output="block")
    model += M.Mean(dim=1)(input="block")
    model += M.Linear(8, 4, name="head")
    return model, AttentionBlock(bias), {"input": ["N", 6, 8]}


def digits_example():
    """examples/python/train_digits.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "train_digits", os.path.join(EXAMPLES, "train_digits.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The same start and the same steps in PyTorch.

NORMS = ("BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "RMSNorm")


def start(model, module, shapes, optimizer, loss, seed=0, backend=None):
    """(compiled, trainer) of `model`, and `module` with the same initial
    parameters (norms', running statistics' and attention biases varied, not
    ones and zeros)."""
    compiled = ml.compile(model, backend or ml.CPUBackend(), shapes=shapes)
    rng = np.random.default_rng(seed + 100)
    params = compiled.randomize_params(seed=seed)
    owners = compiled.model.parameter_ops()
    for name, value in params.items():
        op, leaf = owners[name].spec.name, name.rsplit(".", 1)[-1]
        if op in NORMS and leaf in ("weight", "running_var"):
            params[name] = rng.uniform(0.5, 1.5, value.shape).astype(np.float32)
        elif op in NORMS:
            params[name] = rng.uniform(-0.5, 0.5, value.shape).astype(np.float32)
        elif op == "MultiheadAttention" and leaf.endswith("bias"):
            params[name] = rng.uniform(-0.2, 0.2, value.shape).astype(np.float32)
    compiled.params = params
    state = module.state_dict()
    assert set(params) == {n for n in state if not n.endswith("num_batches_tracked")}
    with torch.no_grad():
        for name, value in params.items():
            state[name].copy_(t(value))
    return compiled, ml.Trainer(model=compiled, optimizer=optimizer, loss=loss)


def torch_optimizer(optimizer, module):
    o = optimizer
    if isinstance(o, ml.SGD):
        return torch.optim.SGD(module.parameters(), lr=o.learning_rate, momentum=o.momentum,
                               dampening=o.dampening, weight_decay=o.weight_decay,
                               nesterov=o.nesterov)
    kind = torch.optim.AdamW if isinstance(o, ml.AdamW) else torch.optim.Adam
    return kind(module.parameters(), lr=o.learning_rate, betas=o.betas, eps=o.eps,
                weight_decay=o.weight_decay)


def torch_loss(loss):
    if isinstance(loss, ml.CrossEntropyLoss):
        return nn.CrossEntropyLoss(reduction=loss.reduction, ignore_index=loss.ignore_index,
                                   label_smoothing=loss.label_smoothing)
    return {ml.MSELoss: nn.MSELoss, ml.L1Loss: nn.L1Loss,
            ml.BCEWithLogitsLoss: nn.BCEWithLogitsLoss}[type(loss)](reduction=loss.reduction)


class Reference:
    """PyTorch's side: `step(inputs, target)` as Trainer.step."""

    def __init__(self, module, optimizer, loss):
        self.module = module
        self.optimizer = torch_optimizer(optimizer, module)
        self.loss = torch_loss(loss)

    def step(self, inputs, target):
        self.module.train()
        self.optimizer.zero_grad()
        loss = self.loss(self.module(*[t(x) for x in inputs]), t(target))
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def output(self, *inputs):
        self.module.eval()
        with torch.no_grad():
            return self.module(*[t(x) for x in inputs]).numpy()


def assert_same_params(actual, module, rtol=1e-4):
    """Every parameter and running statistic within `rtol` of PyTorch's,
    relative to the tensor's largest value."""
    expected = module.state_dict()
    assert set(actual) == {n for n in expected if not n.endswith("num_batches_tracked")}
    for name, value in actual.items():
        reference = expected[name].numpy()
        scale = max(float(np.abs(reference).max()), 1e-2)
        np.testing.assert_allclose(value, reference, rtol=rtol, atol=rtol * scale,
                                   err_msg=name)


def assert_same_steps(trainer, reference, batches, compiled, module):
    """Each batch's step in both, losses to 1e-4, then every parameter."""
    losses = [trainer.step(batch) for batch in batches]
    expected = [reference.step([x], y) for x, y in batches]
    np.testing.assert_allclose(losses, expected, rtol=1e-4)
    assert_same_params(compiled.params, module)


def targets(loss, rng, size, classes=4):
    if isinstance(loss, ml.CrossEntropyLoss):
        return rng.integers(0, classes, size)
    if isinstance(loss, ml.BCEWithLogitsLoss):
        return rng.uniform(0, 1, (size, classes)).astype(np.float32)
    return rng.standard_normal((size, classes)).astype(np.float32)


def mlp_batches(loss, sizes, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((n, 6)).astype(np.float32), targets(loss, rng, n))
            for n in sizes]


# (a) The MLP, for each optimizer and loss.

OPTIMIZERS = {
    "sgd": lambda: ml.SGD(0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda: ml.Adam(1e-2),
    "adamw": lambda: ml.AdamW(1e-2, betas=(0.8, 0.99), weight_decay=0.1),
}
LOSSES = {
    "cross_entropy": lambda: ml.CrossEntropyLoss(),
    "mse": lambda: ml.MSELoss(),
    "l1": lambda: ml.L1Loss(),
    "bce_with_logits": lambda: ml.BCEWithLogitsLoss(),
}


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_mlp_against_pytorch(optimizer, loss):
    optimizer, loss = OPTIMIZERS[optimizer](), LOSSES[loss]()
    model, module, shapes = mlp()
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    batches = mlp_batches(loss, [8] * 6)
    assert_same_steps(trainer, reference, batches, compiled, module)


@pytest.mark.parametrize("loss", [
    ml.CrossEntropyLoss(label_smoothing=0.1, ignore_index=2),
    ml.CrossEntropyLoss(reduction="sum"),
    ml.MSELoss(reduction="sum"),
], ids=["smoothing-ignore", "ce-sum", "mse-sum"])
def test_loss_options_against_pytorch(loss):
    optimizer = ml.SGD(0.05, momentum=0.5, dampening=0.1, weight_decay=1e-2)
    model, module, shapes = mlp()
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    batches = mlp_batches(loss, [8] * 5)
    assert_same_steps(trainer, reference, batches, compiled, module)


# (b) Convolutions and BatchNorm (its running statistics too).

def test_cnn_with_batch_norm_against_pytorch():
    optimizer, loss = ml.Adam(1e-2), ml.CrossEntropyLoss()
    model, module, shapes = cnn()
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    rng = np.random.default_rng(2)
    batches = [(rng.standard_normal((8, 3, 8, 8)).astype(np.float32),
                rng.integers(0, 5, 8)) for _ in range(5)]
    assert_same_steps(trainer, reference, batches, compiled, module)
    # Inference runs BatchNorm with the running statistics, as eval().
    x = rng.standard_normal((3, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(compiled(input=x)["output"], reference.output(x),
                               rtol=1e-4, atol=1e-5)


# (c) The digits CNN of examples/python/train_digits.py.

def test_digits_cnn_against_pytorch():
    example = digits_example()
    (images, labels), _ = example.load_data()
    module = nn.Sequential(collections.OrderedDict(
        conv1=nn.Conv2d(1, 16, 3, padding=1), relu1=nn.ReLU(), pool1=nn.MaxPool2d(2),
        conv2=nn.Conv2d(16, 32, 3, padding=1), relu2=nn.ReLU(), pool2=nn.MaxPool2d(2),
        flatten=nn.Flatten(), fc=nn.Linear(32 * 2 * 2, 10)))
    # SGD: the digits' zero pixels make exactly cancelling sums, whose
    # rounding Adam would scale up to whole steps (see docs/training.md).
    optimizer, loss = ml.SGD(0.05, momentum=0.9), ml.CrossEntropyLoss()
    compiled, trainer = start(example.build_model(), module, {"input": ["N", 1, 8, 8]},
                              optimizer, loss)
    reference = Reference(module, optimizer, loss)
    batches = list(example.Batches(images[:640], labels[:640], 64, seed=3))
    assert_same_steps(trainer, reference, batches, compiled, module)


# (d) The overview's residual network and a transformer block.

def test_overview_residual_network_against_pytorch():
    # Convolutions' biases feed BatchNorm: their gradients are zero but for
    # rounding, harmless with SGD (not with Adam, see cnn()). A small rate:
    # the classifier reads 576 features, and 1e-2 already overshoots.
    optimizer = ml.SGD(1e-3, momentum=0.9, weight_decay=1e-4)
    loss = ml.CrossEntropyLoss()
    model, module, shapes = overview_resnet()
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    rng = np.random.default_rng(10)
    batches = [(rng.standard_normal((n, 3, 8, 8)).astype(np.float32),
                rng.integers(0, 10, n)) for n in (8, 8, 5, 8, 5)]   # one library, any N
    assert_same_steps(trainer, reference, batches, compiled, module)
    x = rng.standard_normal((3, 3, 8, 8)).astype(np.float32)
    np.testing.assert_allclose(compiled(input=x)["output"], reference.output(x),
                               rtol=1e-4, atol=1e-5)


# The key's bias (in_proj_bias[8:16]) adds the same q.b to every score of a
# query, which softmax ignores: its gradient is zero, exactly so in Mithril,
# 1e-9 of rounding in PyTorch, which Adam would scale up to whole steps. So
# SGD trains the block with the attention's biases, AdamW the block without.
@pytest.mark.parametrize("optimizer, bias", [
    (ml.SGD(0.1, momentum=0.9, weight_decay=1e-3), True),
    (ml.AdamW(1e-2, weight_decay=0.05), False),
], ids=["sgd", "adamw-no-bias"])
def test_layer_norm_attention_against_pytorch(optimizer, bias):
    loss = ml.MSELoss()
    model, module, shapes = attention_block(bias)
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    rng = np.random.default_rng(11)
    batches = [(rng.standard_normal((n, 6, 8)).astype(np.float32),
                rng.standard_normal((n, 4)).astype(np.float32)) for n in (4, 4, 3, 4, 2)]
    assert_same_steps(trainer, reference, batches, compiled, module)
    # Inference; with autograd on, as PyTorch (1.13) fails in the fast path of
    # attention without biases that eval() under no_grad() takes.
    x = rng.standard_normal((3, 6, 8)).astype(np.float32)
    module.eval()
    np.testing.assert_allclose(compiled(input=x)["output"], module(t(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


def test_digits_example_reaches_95_percent():
    result = subprocess.run([sys.executable, os.path.join(EXAMPLES, "train_digits.py"),
                             "--check"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.splitlines()[-1]
    assert last.startswith("test accuracy: ") and float(last.split()[-1]) >= 0.95


# What a trainer does beside steps.

def test_dynamic_batch_and_epochs():
    # One library for every batch size (N): the last batch is smaller.
    optimizer, loss = ml.SGD(0.1, momentum=0.9), ml.CrossEntropyLoss()
    model, module, shapes = mlp()
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    batches = mlp_batches(loss, [8, 8, 5])
    means = trainer.train(batches, epochs=2)
    expected = [np.mean([reference.step([x], y) for x, y in batches]) for _ in range(2)]
    np.testing.assert_allclose(means, expected, rtol=1e-4)
    assert trainer.epoch == 2
    assert_same_params(compiled.params, module)
    assert_same_params(trainer.params, module)

    # evaluate: the loss over all batches at once, with eval semantics.
    test = mlp_batches(loss, [7, 3], seed=9)
    result = trainer.evaluate(test)
    x = np.concatenate([b[0] for b in test])
    y = np.concatenate([b[1] for b in test])
    logits = reference.output(x)
    assert result["loss"] == pytest.approx(F.cross_entropy(t(logits), t(y)).item(), rel=1e-4)
    assert result["accuracy"] == pytest.approx(np.mean(logits.argmax(1) == y))
    np.testing.assert_allclose(compiled(input=x)["output"], logits, rtol=1e-4, atol=1e-5)


def test_evaluate_ignores_ignore_index_and_reports_other_losses():
    model, module, shapes = mlp()
    loss = ml.CrossEntropyLoss(ignore_index=3, label_smoothing=0.2)
    compiled, trainer = start(model, module, shapes, ml.Adam(), loss)
    batches = mlp_batches(loss, [6, 6], seed=4)
    result = trainer.evaluate(batches)
    x = np.concatenate([b[0] for b in batches])
    y = np.concatenate([b[1] for b in batches])
    logits = Reference(module, ml.Adam(), loss).output(x)
    expected = F.cross_entropy(t(logits), t(y), ignore_index=3, label_smoothing=0.2).item()
    assert result["loss"] == pytest.approx(expected, rel=1e-4)
    kept = y != 3
    assert result["accuracy"] == pytest.approx(np.mean(logits.argmax(1)[kept] == y[kept]))

    compiled, trainer = start(model, module, shapes, ml.Adam(), ml.L1Loss())
    result = trainer.evaluate(mlp_batches(ml.L1Loss(), [5]))
    assert set(result) == {"loss"}


def test_learning_rate_changes_between_steps():
    optimizer, loss = ml.Adam(1e-2), ml.MSELoss()
    model, module, shapes = mlp()
    compiled, trainer = start(model, module, shapes, optimizer, loss)
    reference = Reference(module, optimizer, loss)
    assert trainer.learning_rate == pytest.approx(1e-2, rel=1e-7)
    losses, expected = [], []
    for k, (x, y) in enumerate(mlp_batches(loss, [8] * 6)):
        rate = 1e-2 * 0.5 ** k
        trainer.learning_rate = rate
        for group in reference.optimizer.param_groups:
            group["lr"] = rate
        assert trainer.learning_rate == pytest.approx(rate, rel=1e-7)
        losses.append(trainer.step((x, y)))
        expected.append(reference.step([x], y))
    np.testing.assert_allclose(losses, expected, rtol=1e-4)
    assert_same_params(compiled.params, module)
    with pytest.raises(ml.MithrilError, match="Invalid learning rate: -1"):
        trainer.learning_rate = -1


def test_checkpoint_resumes_exactly(tmp_path):
    optimizer, loss = ml.Adam(1e-2), ml.CrossEntropyLoss()
    model, module, shapes = cnn()
    # Sequential code: the two runs must agree bit for bit.
    compiled, first = start(model, module, shapes, optimizer, loss,
                            backend=ml.CPUBackend(threads=1))
    rng = np.random.default_rng(5)
    batches = [(rng.standard_normal((4, 3, 8, 8)).astype(np.float32),
                rng.integers(0, 5, 4)) for _ in range(5)]
    for batch in batches[:3]:
        first.step(batch)
    path = str(tmp_path / "checkpoint.safetensors")
    first.save_checkpoint(path)
    for batch in batches[3:]:
        first.step(batch)
    trained = first.params

    # A new trainer (of parameters that are not those of step 3) resumes
    # from the checkpoint: the same parameters, moments and step count.
    second = ml.Trainer(model=compiled, optimizer=optimizer, loss=loss)
    second.load_checkpoint(path)
    for batch in batches[3:]:
        second.step(batch)
    resumed = second.params
    for name in trained:
        np.testing.assert_array_equal(resumed[name], trained[name], err_msg=name)
    for name, value in compiled.params.items():      # the model follows `second`
        np.testing.assert_array_equal(value, trained[name], err_msg=name)

    # save_weights: the parameters and running statistics, which load_weights reads.
    weights = str(tmp_path / "weights.safetensors")
    second.save_weights(weights)
    saved = safetensors.load(weights)
    assert set(saved) == set(trained)
    for name in trained:
        np.testing.assert_array_equal(saved[name], trained[name], err_msg=name)
    x = batches[0][0]
    expected = compiled(input=x)["output"]
    compiled.load_weights(weights)
    np.testing.assert_array_equal(compiled(input=x)["output"], expected)


def test_dict_and_tuple_batches():
    optimizer, loss = ml.SGD(0.1, momentum=0.9), ml.MSELoss()
    model, module, shapes = two_inputs()
    compiled, by_dict = start(model, module, shapes, optimizer, loss,
                              backend=ml.CPUBackend(threads=1))
    by_tuple = ml.Trainer(model=compiled, optimizer=optimizer, loss=loss)
    reference = Reference(module, optimizer, loss)
    rng = np.random.default_rng(6)
    for _ in range(4):
        a = rng.standard_normal((5, 3))                   # float64: converted
        b = rng.standard_normal((5, 5)).astype(np.float32)
        y = rng.standard_normal((5, 4)).astype(np.float32)
        mine = by_dict.step({"target": y, "b": b, "a": a})
        assert by_tuple.step((a, b, y)) == mine
        assert mine == pytest.approx(reference.step([a.astype(np.float32), b], y), rel=1e-4)
    assert_same_params(by_dict.params, module)
    with pytest.raises(ml.MithrilError, match="the batch has no 'b'"):
        by_dict.step({"a": a, "target": y})
    with pytest.raises(ml.MithrilError, match="the batch has 'c', which is no input"):
        by_dict.step({"a": a, "b": b, "c": b, "target": y})
    with pytest.raises(ml.MithrilError, match=r"a batch is \(a, b, target\), got 2 values"):
        by_dict.step((a, y))


def test_progress_bar_only_when_asked(capsys):
    model, module, shapes = mlp()
    loss = ml.MSELoss()
    compiled, trainer = start(model, module, shapes, ml.Adam(), loss)
    batches = mlp_batches(loss, [4, 4])
    trainer.train(batches)                  # stderr is no terminal: silent
    assert capsys.readouterr().err == ""
    trainer.train(batches, progress=True)
    assert "epoch 2" in capsys.readouterr().err


# Mistakes, said clearly.

def test_batch_errors():
    model, module, shapes = mlp()
    compiled, trainer = start(model, module, shapes, ml.Adam(), ml.CrossEntropyLoss())
    x = np.zeros((4, 6), np.float32)
    with pytest.raises(ml.MithrilError, match="target is float32, expected int64: "
                       "CrossEntropyLoss takes class indices"):
        trainer.step((x, np.zeros(4, np.float32)))
    with pytest.raises(ml.MithrilError, match=r"target has shape \[4, 4\], expected \[4\]"):
        trainer.step((x, np.zeros((4, 4), np.int64)))
    with pytest.raises(ml.MithrilError, match=r"target has shape \[3\], expected \[4\]"):
        trainer.step((x, np.zeros(3, np.int64)))
    with pytest.raises(ml.MithrilError, match="Target 4 is out of bounds"):
        trainer.step((x, np.array([0, 1, 4, 2])))
    with pytest.raises(ml.MithrilError, match=r"input 'input' has shape \[4, 5\], "
                       r"expected \[N, 6\]"):
        trainer.step((np.zeros((4, 5), np.float32), np.zeros(4, np.int64)))
    with pytest.raises(ml.MithrilError, match="a batch is a tuple"):
        trainer.step(x)
    with pytest.raises(ml.MithrilError, match="iterator, which the first epoch"):
        trainer.train(iter([(x, np.zeros(4, np.int64))]), epochs=2)
    with pytest.raises(ml.MithrilError, match="gave no batches"):
        trainer.train([])

    compiled, trainer = start(model, module, shapes, ml.Adam(), ml.MSELoss())
    with pytest.raises(ml.MithrilError, match=r"target has shape \[4\], expected \[4, 4\] "
                       r"\(MSELoss: the output's shape"):
        trainer.step((x, np.zeros(4, np.float32)))


def test_trainer_arguments():
    model, module, shapes = mlp()
    with pytest.raises(ml.MithrilError, match="Trainer takes a compiled model"):
        ml.Trainer(model=model, optimizer=ml.Adam(), loss=ml.MSELoss())
    compiled = ml.compile(model, ml.CPUBackend(), shapes=shapes)
    with pytest.raises(ml.MithrilError, match="no parameters yet"):
        ml.Trainer(model=compiled, optimizer=ml.Adam(), loss=ml.MSELoss())
    compiled.params = compiled.randomize_params(seed=0)
    with pytest.raises(ml.MithrilError, match="optimizer is the class Adam"):
        ml.Trainer(model=compiled, optimizer=ml.Adam, loss=ml.MSELoss())
    with pytest.raises(ml.MithrilError, match="loss is the model op mithril.models.MSELoss"):
        ml.Trainer(model=compiled, optimizer=ml.Adam(), loss=M.MSELoss())
    with pytest.raises(ml.MithrilError, match="loss is a Loss"):
        ml.Trainer(model=compiled, optimizer=ml.Adam(), loss=nn.MSELoss())


# The arguments and the NumPy losses, against PyTorch (no compiler needed).

def torch_error(make):
    try:
        make()
    except (ValueError, RuntimeError) as error:
        return str(error)
    raise AssertionError("PyTorch accepted it")


@pytest.mark.parametrize("ours, theirs", [
    (lambda: ml.SGD(-0.1), lambda p: torch.optim.SGD(p, lr=-0.1)),
    (lambda: ml.SGD(0.1, momentum=-1), lambda p: torch.optim.SGD(p, lr=0.1, momentum=-1)),
    (lambda: ml.SGD(0.1, weight_decay=-1),
     lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=-1)),
    (lambda: ml.SGD(0.1, nesterov=True), lambda p: torch.optim.SGD(p, lr=0.1, nesterov=True)),
    (lambda: ml.SGD(0.1, momentum=0.9, dampening=0.5, nesterov=True),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.5, nesterov=True)),
    (lambda: ml.Adam(-1.0), lambda p: torch.optim.Adam(p, lr=-1.0)),
    (lambda: ml.Adam(eps=-1e-8), lambda p: torch.optim.Adam(p, eps=-1e-8)),
    (lambda: ml.Adam(betas=(1.0, 0.999)), lambda p: torch.optim.Adam(p, betas=(1.0, 0.999))),
    (lambda: ml.Adam(betas=(0.9, -0.1)), lambda p: torch.optim.Adam(p, betas=(0.9, -0.1))),
    (lambda: ml.Adam(weight_decay=-0.1), lambda p: torch.optim.Adam(p, weight_decay=-0.1)),
    (lambda: ml.AdamW(betas=(0.9, 1.5)), lambda p: torch.optim.AdamW(p, betas=(0.9, 1.5))),
    (lambda: ml.AdamW(weight_decay=-1.0), lambda p: torch.optim.AdamW(p, weight_decay=-1.0)),
    (lambda: ml.CrossEntropyLoss(label_smoothing=1.5),
     lambda p: F.cross_entropy(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long),
                               label_smoothing=1.5)),
    (lambda: ml.MSELoss(reduction="avg"),
     lambda p: F.mse_loss(torch.zeros(2), torch.zeros(2), reduction="avg")),
    (lambda: ml.L1Loss(reduction="max"),
     lambda p: F.l1_loss(torch.zeros(2), torch.zeros(2), reduction="max")),
])
def test_arguments_are_checked_as_pytorch_does(ours, theirs):
    parameter = [torch.zeros(2, requires_grad=True)]
    with pytest.raises(ml.MithrilError) as error:
        ours()
    assert str(error.value) == torch_error(lambda: theirs(parameter))
    assert isinstance(error.value, ValueError)


def test_arguments_of_our_own():
    with pytest.raises(ml.MithrilError, match="reduction 'none' leaves one loss per element"):
        ml.CrossEntropyLoss(reduction="none")
    with pytest.raises(ml.MithrilError, match="betas is a pair"):
        ml.Adam(betas=0.9)
    with pytest.raises(ml.MithrilError, match="nesterov must be True or False"):
        ml.SGD(0.1, momentum=0.9, nesterov="yes")
    with pytest.raises(ml.MithrilError, match="ignore_index must be an int"):
        ml.CrossEntropyLoss(ignore_index=1.5)
    with pytest.raises(ml.MithrilError, match="Invalid learning rate: nan"):
        ml.Adam(float("nan"))


def test_defaults_and_flags_are_pytorchs():
    adam, adamw, sgd = ml.Adam(), ml.AdamW(), ml.SGD(0.1)
    assert (adam.learning_rate, adam.betas, adam.eps, adam.weight_decay) == \
        (1e-3, (0.9, 0.999), 1e-8, 0.0)
    assert (adamw.learning_rate, adamw.betas, adamw.eps, adamw.weight_decay) == \
        (1e-3, (0.9, 0.999), 1e-8, 1e-2)
    assert (sgd.momentum, sgd.dampening, sgd.weight_decay, sgd.nesterov) == (0, 0, 0, False)
    ce = ml.CrossEntropyLoss()
    assert (ce.reduction, ce.ignore_index, ce.label_smoothing) == ("mean", -100, 0.0)
    assert ml.SGD(0.5, momentum=0.9, nesterov=True).compile_flags() == [
        "--optimizer=sgd", "--lr=0.5", "--momentum=0.9", "--dampening=0.0",
        "--weight-decay=0.0", "--nesterov"]
    assert adamw.compile_flags() == ["--optimizer=adamw", "--lr=0.001", "--betas=0.9,0.999",
                                     "--eps=1e-08", "--weight-decay=0.01"]
    assert ml.CrossEntropyLoss(reduction="sum", label_smoothing=0.1).compile_flags() == [
        "--loss=cross_entropy", "--reduction=sum", "--ignore-index=-100",
        "--label-smoothing=0.1"]
    assert ml.BCEWithLogitsLoss().compile_flags() == ["--loss=bce_with_logits",
                                                      "--reduction=mean"]


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_numpy_losses_are_pytorchs(reduction):
    rng = np.random.default_rng(7)
    logits = (rng.standard_normal((6, 5, 3)) * 3).astype(np.float32)
    classes = rng.integers(0, 5, (6, 3))
    classes[0, 0] = classes[4, 2] = -100
    other = rng.standard_normal(logits.shape).astype(np.float32)
    probabilities = rng.uniform(0, 1, logits.shape).astype(np.float32)
    cases = [
        (ml.CrossEntropyLoss(reduction), classes,
         lambda x, y: F.cross_entropy(x, y, reduction=reduction)),
        (ml.CrossEntropyLoss(reduction, label_smoothing=0.3), classes,
         lambda x, y: F.cross_entropy(x, y, reduction=reduction, label_smoothing=0.3)),
        (ml.CrossEntropyLoss(reduction, ignore_index=1, label_smoothing=0.1),
         np.where(classes < 0, 1, classes),
         lambda x, y: F.cross_entropy(x, y, reduction=reduction, ignore_index=1,
                                      label_smoothing=0.1)),
        (ml.MSELoss(reduction), other, lambda x, y: F.mse_loss(x, y, reduction=reduction)),
        (ml.L1Loss(reduction), other, lambda x, y: F.l1_loss(x, y, reduction=reduction)),
        (ml.BCEWithLogitsLoss(reduction), probabilities,
         lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction=reduction)),
    ]
    for loss, target, reference in cases:
        expected = reference(t(logits), t(target)).item()
        assert loss(logits, target) == pytest.approx(expected, rel=1e-5), loss
        # [N, C] logits (and [N] class indices).
        target = target[:, 0] if loss.class_indices else target[:, :, 0]
        assert loss(logits[:, :, 0], target) == pytest.approx(
            reference(t(logits[:, :, 0]), t(target)).item(), rel=1e-5), loss
    # Every target ignored: the mean is 0/0, as in PyTorch.
    ignored = np.full(6, -100)
    assert np.isnan(ml.CrossEntropyLoss()(logits[:, :, 0], ignored))
