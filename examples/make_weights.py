#!/usr/bin/env python3
"""Weights and PyTorch references for the example models of this directory.

    /usr/bin/python3 examples/make_weights.py            # (re)write <name>.safetensors
    /usr/bin/python3 examples/make_weights.py --check    # exit 1 if a file is stale

For each example ``<name>.json``, ``build(name)`` returns an ``nn.Module`` in
eval mode that computes what the model file says, with submodules named as the
model file names its nodes (spec/model-format.md), so that its ``state_dict``
(less BatchNorm's ``num_batches_tracked``) holds exactly the model's
parameters. Tests import this file (``sys.path`` insert, ``import
make_weights``) to get the PyTorch reference.

The safetensors files are written by hand (no ``safetensors`` package): names
sorted, all tensors F32, seeded, so the output is byte-identical across runs.
"""

import argparse
import json
import os
import struct
import sys
import tempfile
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

EXAMPLES_DIR = os.path.dirname(os.path.abspath(__file__))
SEED = 0


def sequential(**layers):
    """An ``nn.Sequential`` whose submodules carry the given names, in order."""
    return nn.Sequential(OrderedDict(layers))


class ResBlock(nn.Module):
    """Block ``res_block`` of tiny_resnet.json: x + bn2(conv2(relu(bn1(conv1(x)))))."""

    def __init__(self, channels=64):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x):
        return x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))


class GPTBlock(nn.Module):
    """Block ``gpt_block`` of gpt_block.json: a pre-norm transformer block."""

    def __init__(self, dim=64, num_heads=4, hidden=256):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, num_heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp_fc = nn.Linear(dim, hidden)
        self.mlp_proj = nn.Linear(hidden, dim)

    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp_proj(F.gelu(self.mlp_fc(self.ln_2(x)), approximate="tanh"))


class Scale(nn.Module):
    """``Mul`` with a scalar constant as its right operand."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


# Parameter-free nodes are named too, as the spec's auto-naming would
# (note: the spec's snake_case turns ReLU into ``re_lu``).

def tiny_resnet():
    """The residual network of spec/model-format.md."""
    return sequential(
        conv2d_0=nn.Conv2d(3, 64, 3, padding=1),
        max_pool2d_0=nn.MaxPool2d(3, stride=2),
        res_block_0=ResBlock(),
        res_block_1=ResBlock(),
        flatten_0=nn.Flatten(),
        linear_0=nn.Linear(64, 10),
    )


def mlp():
    """784-128-64-10 perceptron, all nodes unnamed and chained."""
    return sequential(
        linear_0=nn.Linear(784, 128), re_lu_0=nn.ReLU(),
        linear_1=nn.Linear(128, 64), re_lu_1=nn.ReLU(),
        linear_2=nn.Linear(64, 10),
    )


def small_cnn():
    """Two conv stages, a scalar Mul, global pooling and a classifier."""
    return sequential(
        stem=nn.Conv2d(1, 16, 3, stride=1, padding=1),
        batch_norm2d_0=nn.BatchNorm2d(16),
        re_lu_0=nn.ReLU(),
        max_pool2d_0=nn.MaxPool2d(2),
        conv2d_0=nn.Conv2d(16, 32, 3, stride=2, padding=1),
        batch_norm2d_1=nn.BatchNorm2d(32),
        re_lu_1=nn.ReLU(),
        mul_0=Scale(0.5),
        adaptive_avg_pool2d_0=nn.AdaptiveAvgPool2d(1),
        flatten_0=nn.Flatten(),
        dropout_0=nn.Dropout(0.25),
        classifier=nn.Linear(32, 10),
    )


def gpt_block():
    """Two instances of the transformer block, then a final LayerNorm."""
    return sequential(gpt_block_0=GPTBlock(), gpt_block_1=GPTBlock(), layer_norm_0=nn.LayerNorm(64))


# File stem (examples/<stem>.json, <stem>.safetensors) -> module constructor.
EXAMPLES = {f.__name__: f for f in (tiny_resnet, mlp, small_cnn, gpt_block)}


def randomize_constants(model):
    """Give the tensors PyTorch initialises to constants random values.

    Norm scales and shifts, BatchNorm running statistics and attention biases
    start as 0 or 1; random values let tests notice a tensor that is swapped
    or ignored.
    """
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.LayerNorm)):
                m.weight.normal_(1.0, 0.1)
                m.bias.normal_(0.0, 0.1)
            if isinstance(m, nn.MultiheadAttention):
                m.in_proj_bias.normal_(0.0, 0.02)
                m.out_proj.bias.normal_(0.0, 0.02)


def build(name):
    """The PyTorch reference of example ``name``, seeded, in eval mode."""
    torch.manual_seed(SEED)
    model = EXAMPLES[name]()
    randomize_constants(model)
    return model.eval()


def parameters(model):
    """The model's parameters and buffers by name, as the model file names them."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def safetensors_bytes(tensors):
    """Serialise ``{name: tensor}`` as a safetensors file, names sorted, all F32."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().cpu().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_atomic(path, data):
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="regenerate in memory; exit 1 if a file differs")
    args = parser.parse_args(argv)
    stale = []
    for name in EXAMPLES:
        path = os.path.join(EXAMPLES_DIR, name + ".safetensors")
        data = safetensors_bytes(parameters(build(name)))
        if not args.check:
            write_atomic(path, data)
            print(f"wrote {os.path.relpath(path)} ({len(data)} bytes)")
        elif not os.path.exists(path) or open(path, "rb").read() != data:
            stale.append(os.path.relpath(path))
    if stale:
        print(f"stale: {', '.join(stale)}; rerun {os.path.relpath(__file__)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
