"""The benchmarked models, each built twice: with Mithril's Python API (a
model file for mlc-compile) and as the PyTorch module it is timed against,
with the same parameter names up to `torch_name()`, so that outputs can be
compared with the same weights."""
import torch
import torchvision
from torch import nn

from mithril.models import (GELU, Add, AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten,
                            LayerNorm, Linear, MatMul, MaxPool2d, Model, ReLU, Reshape,
                            ScaledDotProductAttention, Transpose)


def gemm():
    """`left @ right`: the inputs are the operands."""
    model = Model(name="gemm")
    model |= MatMul()(left="left", right="right", output="output")
    return model


# MLP 784-1024-1024-10.

def mlp():
    model = Model(name="mlp")
    model |= Linear(784, 1024, name="fc1")
    model += ReLU()
    model += Linear(1024, 1024, name="fc2")
    model += ReLU()
    model += Linear(1024, 10, name="fc3")
    return model


def mlp_torch():
    return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024),
                         nn.ReLU(), nn.Linear(1024, 10))


def mlp_torch_name(name):
    layer, param = name.split(".")
    return "%d.%s" % ({"fc1": 0, "fc2": 2, "fc3": 4}[layer], param)


# ResNet-18, torchvision's architecture.

def basic_block(channels, stride):
    """torchvision's BasicBlock; with a downsample when the stride or the
    width changes."""
    block = Model(name="basic_block_%d_s%d" % (channels, stride))
    downsample = stride != 1
    in_channels = channels // 2 if downsample else channels
    block |= Conv2d(in_channels, channels, 3, stride, 1, bias=False,
                    name="conv1")(input="input")
    block += BatchNorm2d(channels, name="bn1")
    block += ReLU()
    block += Conv2d(channels, channels, 3, 1, 1, bias=False, name="conv2")
    block += BatchNorm2d(channels, name="bn2")(output="residual")
    shortcut = "input"
    if downsample:
        block |= Conv2d(in_channels, channels, 1, stride, 0, bias=False,
                        name="downsample_0")(input="input", output="down")
        block += BatchNorm2d(channels, name="downsample_1")(output="shortcut")
        shortcut = "shortcut"
    block |= Add()(left="residual", right=shortcut, output="sum")
    block += ReLU()(output="output")
    return block


def resnet18():
    model = Model(name="resnet18")
    model |= Conv2d(3, 64, 7, 2, 3, bias=False, name="conv1")
    model += BatchNorm2d(64, name="bn1")
    model += ReLU()
    model += MaxPool2d(3, 2, 1)
    for layer, channels in enumerate((64, 128, 256, 512), 1):
        first = basic_block(channels, 1 if layer == 1 else 2)
        model.add(first, chain=True, name="layer%d_0" % layer)
        model.add(basic_block(channels, 1) if layer > 1 else first, chain=True,
                  name="layer%d_1" % layer)
    model += AdaptiveAvgPool2d([1, 1])
    model += Flatten()
    model += Linear(512, 1000, name="fc")
    return model


def resnet18_torch():
    return torchvision.models.resnet18()


def resnet18_torch_name(name):
    # layer1_0.downsample_0.weight -> layer1.0.downsample.0.weight
    parts = name.split(".")
    if parts[0].startswith("layer"):
        parts[0] = parts[0].replace("_", ".")
    if parts[1].startswith("downsample_"):
        parts[1] = parts[1].replace("_", ".")
    return ".".join(parts)


# A GPT-2-small-sized block: d=768, 12 heads, causal attention, GELU MLP.

WIDTH, HEADS, HIDDEN = 768, 12, 3072


def gpt_block():
    head = WIDTH // HEADS
    model = Model(name="gpt_block")
    model |= LayerNorm([WIDTH], name="ln_1")(input="input", output="x1")
    for proj in ("q", "k", "v"):
        model |= Linear(WIDTH, WIDTH, name=proj)(input="x1", output=proj)
        model |= Reshape(["N", "T", HEADS, head])(input=proj, output=proj + "4")
        model |= Transpose(1, 2)(input=proj + "4", output=proj + "h")
    model |= ScaledDotProductAttention(is_causal=True)(
        query="qh", key="kh", value="vh", output="heads")
    model += Transpose(1, 2)
    model += Reshape(["N", "T", WIDTH])
    model += Linear(WIDTH, WIDTH, name="proj")(output="attended")
    model |= Add()(left="input", right="attended", output="residual")
    model += LayerNorm([WIDTH], name="ln_2")
    model += Linear(WIDTH, HIDDEN, name="fc")
    model += GELU(approximate="tanh")
    model += Linear(HIDDEN, WIDTH, name="fc_out")(output="mlp")
    model |= Add()(left="residual", right="mlp", output="output")
    return model


class GPTBlock(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.q, self.k, self.v = (nn.Linear(WIDTH, WIDTH) for _ in range(3))
        self.proj = nn.Linear(WIDTH, WIDTH)
        self.fc, self.fc_out = nn.Linear(WIDTH, HIDDEN), nn.Linear(HIDDEN, WIDTH)

    def forward(self, x):
        n, t, _ = x.shape
        h = self.ln_1(x)
        q, k, v = (p(h).view(n, t, HEADS, -1).transpose(1, 2)
                   for p in (self.q, self.k, self.v))
        scores = q @ k.transpose(-2, -1) / (WIDTH // HEADS) ** 0.5
        mask = torch.ones(t, t, dtype=torch.bool).tril()
        attended = torch.softmax(scores.masked_fill(~mask, float("-inf")), -1) @ v
        x = x + self.proj(attended.transpose(1, 2).reshape(n, t, WIDTH))
        return x + self.fc_out(nn.functional.gelu(self.fc(self.ln_2(x)),
                                                  approximate="tanh"))


def gpt_block_torch():
    return GPTBlock()


def same_name(name):
    return name
