"""A small GPT built with the Python API: token and position embeddings, two
pre-norm transformer blocks (causal self-attention, GELU MLP) sharing one
definition, a final norm and the vocabulary projection. Compiled with
dynamic batch and sequence length, then used to extend a prompt greedily.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/gpt.py
"""
import numpy as np

import mithril as ml
from mithril.models import *

VOCAB, CONTEXT, WIDTH, HEADS, HIDDEN = 64, 32, 32, 4, 128
HEAD = WIDTH // HEADS


# Causal self-attention on [N, T, WIDTH], written out with the catalog's
# scaled dot-product attention.
attention = Model()
attention |= Linear(WIDTH, WIDTH, name="query")(input="input", output="q")
attention |= Linear(WIDTH, WIDTH, name="key")(input="input", output="k")
attention |= Linear(WIDTH, WIDTH, name="value")(input="input", output="v")
attention |= Reshape(["N", "T", HEADS, HEAD])(input="q", output="q4")
attention |= Transpose(1, 2)(input="q4", output="qh")
attention |= Reshape(["N", "T", HEADS, HEAD])(input="k", output="k4")
attention |= Transpose(1, 2)(input="k4", output="kh")
attention |= Reshape(["N", "T", HEADS, HEAD])(input="v", output="v4")
attention |= Transpose(1, 2)(input="v4", output="vh")
attention |= ScaledDotProductAttention(is_causal=True)(
    query="qh", key="kh", value="vh", output="heads")
attention += Transpose(1, 2)
attention += Reshape(["N", "T", WIDTH])
attention += Linear(WIDTH, WIDTH, name="out")

block = Model()
block |= LayerNorm([WIDTH], name="ln1")(input="input", output="normed1")
block += attention(input="normed1", output="attended")
block += Add()(left="input", right="attended", output="residual")
block += LayerNorm([WIDTH], name="ln2")(input="residual", output="normed2")
block += Linear(WIDTH, HIDDEN, name="up")
block += GELU(approximate="tanh")
block += Linear(HIDDEN, WIDTH, name="down")(output="mlp")
block += Add()(left="residual", right="mlp", output="output")

gpt = Model(name="tiny_gpt")
gpt |= Embedding(VOCAB, WIDTH, name="tokens")(input="tokens", output="token_vectors")
gpt |= Embedding(CONTEXT, WIDTH, name="positions")(input="positions",
                                                    output="position_vectors")
gpt += Add()(left="token_vectors", right="position_vectors", output="embedded")
gpt += block
gpt += block
gpt += LayerNorm([WIDTH], name="ln_f")
gpt += Linear(WIDTH, VOCAB, bias=False, name="head")(output="logits")

compiled = ml.compile(gpt, ml.CPUBackend(), shapes={
    "tokens": (["N", "T"], "i64"), "positions": (["T"], "i64")})
print(compiled)
params = compiled.randomize_params(seed=0)
print("%d parameters, %d values" % (len(params), sum(p.size for p in params.values())))

prompt = [1, 7, 3]
for _ in range(8):
    tokens = np.array([prompt], np.int64)
    logits = compiled.evaluate(params, {
        "tokens": tokens, "positions": np.arange(len(prompt), dtype=np.int64)})["logits"]
    prompt.append(int(logits[0, -1].argmax()))
print("generated:", prompt)
