"""Composing models: the model file written, read back, and the mistakes
reported when a model is composed."""
import json
import os

import numpy as np
import pytest

import mithril as ml
from mithril.models import (Add, Concat, Conv2d, Flatten, Linear, MatMul, Model,
                            ReLU, Reshape, Split)

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")


def residual_block():
    block = Model()
    block |= Conv2d(8, 8)(output="conv1")
    block += ReLU()(input="conv1", output="relu1")
    block += Add()(left="input", right="relu1", output="output")
    return block


def test_chaining_and_named_connections():
    block = residual_block()
    assert block.input_ports() == ["input"]
    assert block.output_keys() == ["output"]
    document = block.to_dict(shapes={"input": ["N", 8, 5, 5]}, name="block")
    add = document["nodes"][2]
    assert add["inputs"] == {"left": "input", "right": "relu1"}
    # What chaining gives is left out, as a user would write the file.
    assert "inputs" not in document["nodes"][0]
    assert "inputs" not in document["nodes"][1]
    assert document["nodes"][0]["outputs"] == {"output": "conv1"}


def test_written_as_the_spec_writes_it():
    model = Model()
    model |= Conv2d(3, 8)
    model += ReLU()
    model += Flatten()
    assert model.to_dict()["nodes"] == [
        {"op": "Conv2d", "args": {"in_channels": 3, "out_channels": 8}},
        {"op": "ReLU"}, {"op": "Flatten"}]
    branch = Model()
    branch |= Linear(4, 4)
    branch |= ReLU()(input="input", output="side")   # reads the input again
    branch |= Add()(left="side", right=branch.nodes[0].outputs["output"])
    document = branch.to_dict()
    key = document["nodes"][0]["outputs"]["output"]  # read by Add: named
    assert document["nodes"][2]["inputs"] == {"left": "side", "right": key}


def test_a_block_used_twice_is_two_instances():
    res = residual_block()
    model = Model()
    model |= Conv2d(3, 8)
    model += res
    model += res
    document = model.to_dict()
    assert list(document["blocks"]) == ["res"]          # the variable's name
    assert [n.get("block") for n in document["nodes"]] == [None, "res", "res"]
    assert "res_1.conv2d_0.weight" in model.parameter_shapes()
    assert document["inputs"] == {"input": {"shape": ["N", 3, "H", "W"], "dtype": "f32"}}
    assert document["outputs"] == ["output"]


def test_round_trip_through_the_model_file():
    model = Model.from_json(os.path.join(EXAMPLES, "tiny_resnet.json"))
    document = model.to_dict()
    again = Model.from_json(json.dumps(document)).to_dict()
    assert again == document
    assert document["name"] == "tiny_resnet"
    assert document["weights"].endswith("tiny_resnet.safetensors")
    assert set(model.parameter_shapes()) == set(
        ml.safetensors.load(os.path.join(EXAMPLES, "tiny_resnet.safetensors")))


@pytest.mark.parametrize("example", ["mlp", "small_cnn", "gpt_block", "tiny_resnet"])
def test_examples_read_and_compile_the_same(example):
    """A model file read by from_json and written by to_json compiles to the
    library the original compiles to (same signature, same outputs)."""
    import numpy as np
    path = os.path.join(EXAMPLES, example + ".json")
    original = ml.compile(path)
    rewritten = ml.compile(Model.from_json(Model.from_json(path).to_json()))
    assert rewritten.parameter_shapes == original.parameter_shapes
    assert rewritten.input_shapes == original.input_shapes
    rng = np.random.default_rng(0)
    inputs = {}
    for name, dims in original.input_shapes.items():
        shape = [d if isinstance(d, int) else 2 for d in dims]
        inputs[name] = rng.standard_normal(shape).astype(np.float32)
    a, b = original(**inputs), rewritten(**inputs)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_unknown_port():
    with pytest.raises(ml.MithrilError, match="Conv2d has no port 'inptu' "
                       r"\(expected one of: input, output\)"):
        Model().add(Conv2d(3, 8)(inptu="x"))


def test_unknown_argument_and_missing_argument():
    with pytest.raises(ml.MithrilError, match="Conv2d has no argument 'kernel'"):
        Conv2d(3, 8, kernel=3)
    with pytest.raises(ml.MithrilError, match="Linear needs 'out_features'"):
        Linear(3)


def test_a_key_produced_twice():
    model = Model()
    model |= Linear(4, 4)(output="hidden")
    with pytest.raises(ml.MithrilError, match="key 'hidden' is produced twice: "
                       "by Linear \\(port 'output'\\) and by ReLU"):
        model += ReLU()(output="hidden")
    with pytest.raises(ml.MithrilError, match="key 'input' is produced twice: "
                       "by the model's input"):
        model += ReLU()(output="input")


def test_a_model_cannot_contain_itself():
    model = residual_block()
    with pytest.raises(ml.MithrilError, match="cannot contain itself"):
        model += model


def test_variadic_ports_and_numbered_outputs():
    model = Model()
    model |= Split(2, dim=1)(input="x", output_0="a", output_1="b")
    model |= Concat(dim=1)(inputs=["b", "a"], output="y")
    model |= MatMul()(left="y", right="w", output="z")
    model.set_outputs("z")
    document = model.to_dict(shapes={"x": [3, 4], "w": [4, 2]})
    assert document["nodes"][1]["inputs"] == {"inputs": ["b", "a"]}
    assert list(document["inputs"]) == ["x", "w"]
    compiled = ml.compile(model, shapes={"x": [3, 4], "w": [4, 2]})
    import numpy as np
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    w = np.ones((4, 2), np.float32)
    out = compiled.evaluate({}, {"x": x, "w": w})["z"]
    np.testing.assert_array_equal(out, np.concatenate([x[:, 2:], x[:, :2]], 1) @ w)


def test_missing_shape_is_named():
    model = Model()
    model |= ReLU()
    with pytest.raises(ml.MithrilError, match="input 'input' has no shape"):
        model.to_json()


def test_backends():
    with pytest.raises(ml.MithrilError, match="CUDABackend is not yet supported"):
        ml.compile(residual_block(), ml.CUDABackend(), shapes={"input": [1, 8, 2, 2]})
    with pytest.raises(ml.MithrilError, match="CBackend is not yet supported"):
        ml.compile(residual_block(), ml.CBackend(), shapes={"input": [1, 8, 2, 2]})
    with pytest.raises(ml.MithrilError, match="unknown precision 'float8'"):
        ml.CPUBackend(precision="float8")
    with pytest.raises(ml.MithrilError, match="unknown quantize 'int4'"):
        ml.CPUBackend(quantize="int4")



def test_reduced_precision_and_static_inference():
    # float16/bfloat16 compute: parameters stored so, inputs and outputs f32,
    # the result within the precision's error of f32.
    x = np.random.RandomState(0).rand(2, 8, 3, 3).astype(np.float32)
    f32 = ml.compile(residual_block(), ml.CPUBackend(),
                     shapes={"input": ["N", 8, 3, 3]})
    params = f32.randomize_params(seed=1)
    expected = f32.evaluate(params, {"input": x})["output"]
    for precision, bound in (("float16", 3e-3), ("bfloat16", 3e-2)):
        compiled = ml.compile(residual_block(), ml.CPUBackend(precision=precision),
                              shapes={"input": [2, 8, 3, 3]}, static_inference=True)
        out = compiled.evaluate(params, {"input": x})["output"]
        assert out.dtype == np.float32
        error = np.abs(out - expected).max() / np.abs(expected).max()
        assert 1e-6 < error < bound, (precision, error)
    with pytest.raises(ml.MithrilError, match=r"static_inference: input 'input' has "
                       r"shape \['N', 8, 3, 3\]; fix N"):
        ml.compile(residual_block(), shapes={"input": ["N", 8, 3, 3]},
                   static_inference=True)


def test_int8_weights():
    # The overview's deployment: quantize="int8" with static shapes. The
    # f32 parameters given are quantized when the instance is created (the
    # scales are no parameter to pass), and the result is that of f32 math
    # on the quantized-dequantized weights.
    model = Model(name="int8_mlp")
    model |= Linear(16, 32, name="fc1")
    model += Linear(32, 4, name="fc2")
    x = np.random.RandomState(0).rand(3, 16).astype(np.float32)
    f32 = ml.compile(model, ml.CPUBackend(), shapes={"input": [3, 16]})
    params = f32.randomize_params(seed=2)
    compiled = ml.compile(model, ml.CPUBackend(quantize="int8"),
                          shapes={"input": [3, 16]}, static_inference=True)
    assert sorted(compiled.parameter_shapes) == sorted(params)

    def dequantized(w):
        scale = np.abs(w).max(axis=1, keepdims=True) / np.float32(127)
        return np.clip(np.round(w / scale), -127, 127) * scale

    hidden = x @ dequantized(params["fc1.weight"]).T \
        + params["fc1.bias"]
    expected = hidden @ dequantized(params["fc2.weight"]).T + params["fc2.bias"]
    out = compiled.evaluate(params, {"input": x})["output"]
    assert np.abs(out - expected).max() <= 1e-4 * np.abs(expected).max()
    full = f32.evaluate(params, {"input": x})["output"]
    assert 0 < np.abs(out - full).max() <= 5e-2 * np.abs(full).max()


def test_shapes_that_cannot_fit_are_refused_when_added():
    model = Model()
    model |= Conv2d(3, 64)
    with pytest.raises(ml.MithrilError, match=r"Conv2d 'conv2d_1': input 'input' has "
                       r"shape \[\?, 64, \?, \?\], but in_channels is 32"):
        model += Conv2d(32, 8)
    assert len(model.nodes) == 1 and list(model.inputs) == ["input"]
    # Inside a block: the block's node is named.
    with pytest.raises(ml.MithrilError, match=r"Conv2d 'conv2d_0': input 'input' has "
                       r"shape \[\?, 64, \?, \?\], but in_channels is 8"):
        model += residual_block()


def test_shapes_given_later_are_checked():
    model = Model()
    model |= Linear(4, 2)
    with pytest.raises(ml.MithrilError, match=r"Linear 'linear_0': input 'input' has "
                       r"shape \[3, 5\], but in_features is 4"):
        model.set_shapes(input=[3, 5])
    model = Model()
    model |= Add()(left="a", right="b", output="c")
    with pytest.raises(ml.MithrilError, match=r"'left' \[3, 4\] and 'right' \[5\] "
                       "do not broadcast"):
        model.to_json(shapes={"a": [3, 4], "b": [5]})
    model = Model()
    model |= Conv2d(3, 8)
    model += Flatten()
    model += Linear(7, 2)           # 8*4*4 features arrive, not 7
    with pytest.raises(ml.MithrilError, match=r"Linear 'linear_0': input 'input' has "
                       r"shape \[1, 128\], but in_features is 7"):
        ml.compile(model, shapes={"input": [1, 3, 4, 4]})


def test_compiler_diagnostics_come_back():
    model = Model()
    model |= Reshape([5, 5])         # 8 values cannot take that shape
    with pytest.raises(ml.MithrilError, match="mlc-compile rejected the model:\n"
                       "model.json:.*reshape"):
        ml.compile(model, shapes={"input": [2, 4]})


def test_cache_makes_recompiling_instant():
    import time
    shapes = {"input": [1, 8, 3, 3]}
    ml.compile(residual_block(), shapes=shapes)
    start = time.perf_counter()
    ml.compile(residual_block(), shapes=shapes)
    assert time.perf_counter() - start < 0.2


@pytest.mark.parametrize("text, message", [
    ('{"format": "mithril-model", "version": 2}', "not a model file"),
    ('{"format": "mithril-model", "version": 1', "invalid JSON"),
    ('[1]', "not a model file"),
    ('{"format": "mithril-model", "version": 1, "name": "m", "inputs": {}, '
     '"outputs": []}', "/: missing 'nodes'"),
    ('{"format": "mithril-model", "version": 1, "name": "m", "inputs": [], '
     '"outputs": [], "nodes": []}', "/inputs: expected an object"),
    ('{"format": "mithril-model", "version": 1, "name": "m", '
     '"inputs": {"x": {"shape": [2]}}, "outputs": ["y"], '
     '"nodes": [{"op": "Relu"}]}', "/nodes/0: unknown op 'Relu'"),
    ('{"format": "mithril-model", "version": 1, "name": "m", '
     '"inputs": {"x": {"shape": [2]}}, "outputs": ["y"], '
     '"nodes": [{"op": "Linear", "args": {"in_features": 2}}]}',
     "/nodes/0: Linear needs 'out_features'"),
    ('{"format": "mithril-model", "version": 1, "name": "m", '
     '"inputs": {"x": {"shape": [2]}}, "outputs": ["y"], '
     '"nodes": [{"block": "b"}]}', "/nodes/0/block: no block 'b'"),
    ('{"format": "mithril-model", "version": 1, "name": "m", '
     '"inputs": {"x": {"shape": [2, 3]}}, "outputs": ["y"], '
     '"nodes": [{"op": "Linear", "args": {"in_features": 2, "out_features": 2}}]}',
     r"/nodes/0: Linear 'linear_0': input 'input' has shape \[2, 3\]"),
])
def test_malformed_model_files(text, message):
    with pytest.raises(ml.MithrilError, match=message):
        Model.from_json(text)


def test_mutated_model_files_raise_only_mithril_errors():
    """Seeded mutations of the example files (values replaced, keys
    dropped) are read or refused with a MithrilError, never another
    exception."""
    import copy
    import random
    documents = []
    for name in ("tiny_resnet", "gpt_block", "small_cnn", "mlp"):
        with open(os.path.join(EXAMPLES, name + ".json")) as f:
            documents.append(json.load(f))
    rng = random.Random(2)
    values = [None, 0, 1, -1, "x", [], {}, [1, "a"], {"a": 1}, True, 2.5,
              "input", "output", [0], [3, 3], "same"]

    def mutate(document):
        document = copy.deepcopy(document)
        for _ in range(rng.randint(1, 3)):
            here = document
            while isinstance(here, (dict, list)) and here:
                key = rng.choice(list(here) if isinstance(here, dict)
                                 else range(len(here)))
                if rng.random() < 0.3 or not isinstance(here[key], (dict, list)):
                    if isinstance(here, dict) and rng.random() < 0.3:
                        del here[key]
                    else:
                        here[key] = copy.deepcopy(rng.choice(values))
                    break
                here = here[key]
        return document

    for _ in range(1500):
        try:
            Model.from_json(mutate(rng.choice(documents))).to_dict()
        except ml.MithrilError:
            pass
