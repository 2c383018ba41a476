"""The overview's residual network, as written there, compiled and checked
against PyTorch with the weights of examples/tiny_resnet.safetensors."""
import numpy as np
import pytest
import torch

import make_weights
import mithril as ml
from mithril.models import *  # noqa: F401,F403 -- as the overview writes it


def overview_model():
    # Build a residual block
    res_block = Model()
    res_block |= Conv2d(64, 64)(output="conv1")
    res_block += BatchNorm2d(64)(input="conv1", output="bn1")
    res_block += ReLU()(input="bn1", output="relu1")
    res_block += Conv2d(64, 64)(input="relu1", output="conv2")
    res_block += BatchNorm2d(64)(input="conv2", output="conv2_bn")
    res_block += Add()(left="input", right="conv2_bn", output="output")

    # Use it in a larger model
    model = Model()
    model |= Conv2d(3, 64)
    model += MaxPool2d(kernel_size=3, stride=2)
    model += res_block
    model += res_block
    model += Flatten()
    model += Linear(64, 10)
    return model


# The overview names no node inside the block; the reference module (and
# the model file examples/tiny_resnet.json) names them conv1, bn1, ...
RENAMES = {"conv1": "conv2d_0", "bn1": "batch_norm2d_0",
           "conv2": "conv2d_1", "bn2": "batch_norm2d_1"}


def ours(torch_name):
    parts = torch_name.split(".")
    if parts[0].startswith("res_block_"):
        parts[1] = RENAMES[parts[1]]
    return ".".join(parts)


@pytest.fixture(scope="module")
def reference():
    return make_weights.build("tiny_resnet")


def test_parameters_are_named_like_the_model_file():
    model = overview_model()
    shapes = model.parameter_shapes()
    assert len(shapes) == 28
    assert shapes["conv2d_0.weight"] == [64, 3, 3, 3]
    assert shapes["res_block_1.batch_norm2d_1.running_var"] == [64]
    assert shapes["linear_0.weight"] == [10, 64]


@pytest.mark.parametrize("shapes, batch", [
    ({"input": [2, 3, 4, 4]}, 2),     # the static shapes
    ({"input": ["N", 3, 4, 4]}, 5),   # a dynamic batch
])
def test_matches_pytorch(reference, shapes, batch):
    model = overview_model()
    compiled = ml.compile(model, ml.CPUBackend(), shapes=shapes)
    params = {ours(k): v.numpy() for k, v in make_weights.parameters(reference).items()}
    x = torch.randn(batch, 3, 4, 4, generator=torch.Generator().manual_seed(batch))
    with torch.no_grad():
        expected = reference(x).numpy()
    outputs = compiled.evaluate(params, {"input": x.numpy()})
    assert list(outputs) == ["output"]
    np.testing.assert_allclose(outputs["output"], expected, rtol=2e-4, atol=1e-5)


def test_compiled_model_api(tmp_path, reference):
    compiled = ml.compile(overview_model(), ml.CPUBackend(), shapes={"input": ["N", 3, 4, 4]})
    assert compiled.input_shapes == {"input": ["N", 3, 4, 4]}
    assert compiled.output_shapes == {"output": ["N", 10]}
    params = compiled.randomize_params(seed=1)
    assert set(params) == set(compiled.parameter_shapes)
    assert np.all(params["res_block_0.batch_norm2d_0.running_var"] == 1)
    bound = 1 / np.sqrt(3 * 3 * 3)
    assert np.abs(params["conv2d_0.weight"]).max() <= bound
    with pytest.raises(ml.MithrilError, match="no parameters yet"):
        compiled(input=np.zeros((1, 3, 4, 4), np.float32))
    path = str(tmp_path / "w.safetensors")
    compiled.save_weights(path, params)
    compiled.load_weights(path)
    x = np.ones((3, 3, 4, 4), np.float32)
    np.testing.assert_array_equal(compiled(input=x)["output"],
                                  compiled.evaluate(params, {"input": x})["output"])
    # Weights given to compile, as a file.
    again = ml.compile(overview_model(), shapes={"input": ["N", 3, 4, 4]}, weights=path)
    np.testing.assert_array_equal(again(input=x)["output"], compiled(input=x)["output"])


def test_rejected_inputs_and_params():
    compiled = ml.compile(overview_model(), shapes={"input": ["N", 3, 4, 4]})
    params = compiled.randomize_params()
    with pytest.raises(ml.MithrilError, match="input 'input' has shape \\[2,3,5,4\\]"):
        compiled.evaluate(params, {"input": np.zeros((2, 3, 5, 4), np.float32)})
    with pytest.raises(ml.MithrilError, match="missing input 'input'"):
        compiled.evaluate(params, {})
    with pytest.raises(ml.MithrilError, match="unknown input 'x'"):
        compiled.evaluate(params, {"x": 1})
    params.pop("linear_0.bias")
    with pytest.raises(ml.MithrilError, match="missing parameter 'linear_0.bias'"):
        compiled.evaluate(params, {"input": np.zeros((1, 3, 4, 4), np.float32)})


@pytest.mark.parametrize("params, data, message", [
    ([1, 2], {}, "parameters are a dict"),
    ("ok", {"input": 1}, "parameters are a dict"),
    (None, [1], "data is a dict"),
    ("random", {"input": "text"}, "input 'input' is <U4, expected f32"),
    ("random", {"input": [[object()]]}, "input 'input' is object, expected f32"),
    ("bad-shape", {"input": np.zeros((1, 3, 4, 4), np.float32)},
     r"parameter 'conv2d_0.weight' has shape \[2\], expected \[64, 3, 3, 3\]"),
])
def test_wrong_arguments_are_refused(params, data, message):
    compiled = ml.compile(overview_model(), shapes={"input": ["N", 3, 4, 4]})
    if params in ("random", "bad-shape", None):
        params = compiled.randomize_params()
        if message.startswith("parameter "):
            params["conv2d_0.weight"] = np.zeros(2, np.float32)
    with pytest.raises(ml.MithrilError, match=message):
        compiled.evaluate(params, data)
