"""The Python catalog agrees with the compiler's.

The declarative catalog (ports, arguments, kinds, defaults) is generated
from the ops' ODS records, so Python cannot disagree with the compiler on
it; what Python keeps of its own is checked here against the compiler:
which layers have parameters and their shapes (PARAMETERS against
ParameterizedOpInterface, through mlc-translate's import), the initial
values `randomize_params` draws (against the rules mlc-compile records for
--init=random), and how each kind of argument is checked (arg_fits against
the model-file reader).
"""
import json
import os
import re
import subprocess

import numpy as np
import pytest

from mithril import _paths, catalog
from mithril.compiler import _initial_value

MLC_TRANSLATE = os.path.join(_paths.BINDIR, "mlc-translate")
MLC_COMPILE = os.path.join(_paths.BINDIR, "mlc-compile")

# A layer, its arguments, and the shapes of its inputs (f32 unless named).
LAYERS = [
    ("Linear", {"in_features": 64, "out_features": 32}, {"input": [2, 64]}),
    ("Linear", {"in_features": 8, "out_features": 3, "bias": False}, {"input": [2, 8]}),
    ("Conv1d", {"in_channels": 4, "out_channels": 6, "kernel_size": 5}, {"input": [2, 4, 16]}),
    ("Conv2d", {"in_channels": 4, "out_channels": 8}, {"input": [2, 4, 8, 8]}),
    ("Conv2d", {"in_channels": 4, "out_channels": 8, "kernel_size": [3, 5], "groups": 2,
                "bias": False}, {"input": [2, 4, 8, 8]}),
    ("Embedding", {"num_embeddings": 100, "embedding_dim": 16}, {"input": ([2, 3], "i64")}),
    ("BatchNorm1d", {"num_features": 6}, {"input": [2, 6]}),
    ("BatchNorm2d", {"num_features": 6}, {"input": [2, 6, 4, 4]}),
    ("LayerNorm", {"normalized_shape": [4, 8]}, {"input": [2, 4, 8]}),
    ("LayerNorm", {"normalized_shape": 8, "elementwise_affine": False}, {"input": [2, 8]}),
    ("RMSNorm", {"normalized_shape": 8}, {"input": [2, 8]}),
    ("GroupNorm", {"num_groups": 2, "num_channels": 6}, {"input": [2, 6, 4]}),
    ("MultiheadAttention", {"embed_dim": 16, "num_heads": 4},
     {"query": [2, 5, 16], "key": [2, 5, 16], "value": [2, 5, 16]}),
    ("MultiheadAttention", {"embed_dim": 8, "num_heads": 2, "bias": False},
     {"query": [2, 5, 8], "key": [2, 5, 8], "value": [2, 5, 8]}),
]


def model_file(op, args, inputs):
    """A model of one node `layer`, its ports fed by inputs of their names."""
    types = {port: {"shape": shape[0], "dtype": shape[1]} if isinstance(shape, tuple)
             else {"shape": shape, "dtype": "f32"} for port, shape in inputs.items()}
    return {"format": "mithril-model", "version": 1, "name": "m",
            "inputs": types, "outputs": ["y"],
            "nodes": [{"op": op, "name": "layer", "args": args,
                       "inputs": {port: port for port in inputs},
                       "outputs": {"output": "y"}}]}


def run(tool, tmp_path, document, *options):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    return subprocess.run([tool, str(path), *options], capture_output=True, text=True)


def test_python_knows_the_parameters_of_every_layer():
    with_parameters = {name for name, spec in catalog.CATALOG.items() if spec.has_parameters}
    assert with_parameters == set(catalog.PARAMETERS)


@pytest.mark.parametrize("op,args,inputs", LAYERS)
def test_parameter_shapes_agree(tmp_path, op, args, inputs):
    result = run(MLC_TRANSLATE, tmp_path, model_file(op, args, inputs), "--import-model")
    assert result.returncode == 0, result.stderr
    compiled = {name: [int(d) for d in dims.split("x")[:-1]]
                for name, dims in re.findall(
                    r'mithril\.parameter "layer\.([\w.]+)" : tensor<([\dx]*f32)>',
                    result.stdout)}
    assert compiled == catalog.CATALOG[op].parameter_shapes(args)


def init_rules(text):
    """{name: (kind, numbers)} of the module's `mithril.init_rules`."""
    rules = {}
    for name, kind, numbers in re.findall(
            r'"?([\w.]+)"? = #mithril\.init<(\w+)\(([^)]*)\)>', text):
        rules[name] = (kind, [float(n) for n in numbers.split(",")])
    return rules


@pytest.mark.parametrize("op,args,inputs", LAYERS)
def test_random_initial_values_follow_the_compilers_rules(tmp_path, op, args, inputs):
    result = run(MLC_COMPILE, tmp_path, model_file(op, args, inputs), "--init=random",
                 "--stop-after=shapes", "-o", str(tmp_path / "shapes.mlir"))
    assert result.returncode == 0, result.stderr
    rules = init_rules((tmp_path / "shapes.mlir").read_text())
    shapes = {"layer." + name: shape
              for name, shape in catalog.CATALOG[op].parameter_shapes(args).items()}
    assert set(rules) == set(shapes)
    rng = np.random.default_rng(0)
    for name, (kind, numbers) in rules.items():
        values = _initial_value(op, name, shapes, rng)
        assert list(values.shape) == shapes[name]
        if kind == "constant":
            assert np.all(values == np.float32(numbers[0])), name
        elif kind == "uniform":
            low, high = numbers
            assert values.min() >= low - 1e-6 and values.max() <= high + 1e-6, name
            # The whole range is used: not a narrower distribution.
            assert np.abs(values).max() > 0.5 * high, name
        else:
            mean, std = numbers
            assert kind == "normal" and abs(values.mean() - mean) < 0.15, name
            assert abs(values.std() - std) < 0.15 * std, name


# Values for each kind of argument: some the compiler takes, some it refuses.
# (None is not among them: Python leaves such an argument out of the model
# file, for its default.)
SAMPLES = [0, 3, -1, 2.5, True, "same", "valid", "tanh", "f32", "N",
           [1, 2], [2, 2, 2, 2], [0, -1], ["N", -1, 4], [], [1.5]]


def kind_representatives():
    """One (op, arg) per kind of argument, with a required arg's kind
    preferred where an op has it (its node is otherwise minimal)."""
    found = {}
    for spec in catalog.CATALOG.values():
        for name, arg in spec.arg_specs.items():
            if arg["attribute"]:
                found.setdefault((arg["kind"], arg["length"]), (spec, name))
    return sorted(found.items())


def minimal_node(spec):
    """A node of `spec` with made-up required arguments, and its inputs."""
    args = {}
    for name, default in spec.args:
        if default is catalog.REQUIRED:
            arg = spec.arg_specs[name]
            args[name] = {"DimList": [-1], "DType": "f32", "IntList": [0],
                          "Ints": [2], "Sizes": 1}.get(arg["kind"], 1)
    inputs = {port: [2, 2, 4, 4] for port in spec.ports if port not in spec.optional_ports}
    return args, inputs


@pytest.mark.parametrize("kind_length,representative", kind_representatives(),
                         ids=lambda v: "%s%s" % v if isinstance(v, tuple) and
                         isinstance(v[0], str) else "")
def test_python_checks_each_kind_of_argument_as_the_compiler(tmp_path, kind_length,
                                                             representative):
    spec, name = representative
    args, inputs = minimal_node(spec)
    for value in SAMPLES:
        args[name] = value
        result = run(MLC_TRANSLATE, tmp_path, model_file(spec.name, args, inputs),
                     "--import-model")
        refused = "/nodes/0/args/%s: expected" % name in result.stderr
        python_takes = spec.arg_fits(name, value)
        assert python_takes != refused, "%s(%s=%r): Python %s, mlc-translate %s" % (
            spec.name, name, value, "takes it" if python_takes else "refuses it",
            result.stderr.strip() or "takes it")
