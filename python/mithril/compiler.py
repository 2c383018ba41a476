"""`mithril.compile`: a logical model to a compiled one that runs on NumPy.

The model file goes through `mlc-compile` into a shared library, kept in a
cache by the hash of what determines it (the model file, the options, the
compiler), and the library runs through libmithril_runtime.
"""
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile

import numpy as np

from . import runtime, safetensors
from .backends import Backend, CPUBackend
from .errors import MithrilError
from .models import Model

_MEMORY_OPTIMIZATIONS = ("greedy", "none")


def find_tools():
    """(mlc-compile, libmithril_runtime.so): from MITHRIL_COMPILER and
    MITHRIL_RUNTIME, else beside this package (the build or install tree),
    else mlc-compile on PATH and the runtime in its ../lib."""
    compiler = os.environ.get("MITHRIL_COMPILER")
    if not compiler:
        try:
            from . import _paths
            candidate = os.path.join(_paths.BINDIR, "mlc-compile")
            compiler = candidate if os.path.exists(candidate) else None
        except ImportError:
            pass
    compiler = compiler or shutil.which("mlc-compile")
    if not compiler:
        raise MithrilError(
            "cannot find mlc-compile: build Mithril (build/python is then "
            "importable), install it, put mlc-compile on PATH, or set "
            "MITHRIL_COMPILER")
    library = os.environ.get("MITHRIL_RUNTIME") or os.path.join(
        os.path.dirname(os.path.realpath(compiler)), "..", "lib",
        "libmithril_runtime.so")
    if not os.path.exists(library):
        raise MithrilError("cannot find libmithril_runtime.so (looked at %s); set "
                           "MITHRIL_RUNTIME" % library)
    return compiler, os.path.normpath(library)


def cache_dir():
    """Where compiled libraries are kept: MITHRIL_CACHE_DIR, else
    $XDG_CACHE_HOME/mithril, else ~/.cache/mithril."""
    if os.environ.get("MITHRIL_CACHE_DIR"):
        return os.environ["MITHRIL_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mithril")


_runtimes = {}


def compile(model, backend=None, shapes=None, jit=True,
            memory_optimization="greedy", weights=None, name=None,
            static_inference=False):
    """Compiles `model` (a Model, or a model file's path) for `backend`
    (default CPUBackend()). `shapes` fixes input dims (`{"input": [2, 3, 4,
    4]}`; symbols such as "N" stay dynamic). `weights`: a safetensors path or
    {name: array}, the compiled model's initial parameters (default: the
    model file's weights, if it names any). Compilation is always ahead of
    time (`jit` is accepted for the overview's API); `memory_optimization`
    is "greedy" or "none". `static_inference=True` asks for a library of
    fixed shapes only: every dim of every input must then be fixed (by the
    model or by `shapes`), or compile names the one that is not."""
    if isinstance(model, str):
        model = Model.from_json(model)
    if not isinstance(model, Model):
        raise MithrilError("compile takes a Model or a model file, got %r" % (model,))
    backend = CPUBackend() if backend is None else backend
    if not isinstance(backend, Backend):
        raise MithrilError("compile: %r is not a backend (ml.CPUBackend(), ...)"
                           % (backend,))
    if memory_optimization not in _MEMORY_OPTIMIZATIONS:
        raise MithrilError("memory_optimization is 'greedy' or 'none', got %r"
                           % (memory_optimization,))
    document = model.to_dict(shapes=shapes, name=name)
    if static_inference:
        _check_static(document)
    weights = weights if weights is not None else document.pop("weights", None)
    document.pop("weights", None)
    compiled = CompiledModel(open_library(document, backend.compile_flags()),
                             model, backend, document)
    if weights is not None:
        compiled.params = (safetensors.load(weights) if isinstance(weights, str)
                           else weights)
    return compiled


def _check_static(document):
    """Fails unless every input of model file `document` has fixed dims."""
    for input_name, spec in document["inputs"].items():
        symbols = [d for d in spec["shape"] if not isinstance(d, int)]
        if symbols:
            raise MithrilError(
                "static_inference: input '%s' has shape %s; fix %s with "
                "shapes={'%s': [...]}" % (input_name, spec["shape"],
                                          ", ".join(map(str, symbols)),
                                          input_name))


def open_library(document, flags):
    """The library of model file `document` (a dict) compiled with
    mlc-compile `flags`, from the cache or compiled now, opened."""
    compiler, runtime_path = find_tools()
    library_path = _build(compiler, document, flags)
    if runtime_path not in _runtimes:
        _runtimes[runtime_path] = runtime.Runtime(runtime_path)
    return runtime.Library(_runtimes[runtime_path], library_path)


def new_instance(library, params):
    """An instance of `library` created with `params` ({name: array})."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "params.safetensors")
        safetensors.save(params, path)
        return runtime.Instance(library, path)


def _build(compiler, document, flags):
    """The library of `document`, from the cache or `compiler`."""
    text = json.dumps(document, indent=1)
    stat = os.stat(compiler)
    identity = "%s\0%s\0%d\0%d\0%s" % (text, " ".join(flags), stat.st_size,
                                       stat.st_mtime_ns, os.path.realpath(compiler))
    key = hashlib.sha256(identity.encode()).hexdigest()[:24]
    folder = os.path.join(cache_dir(), key)
    library = os.path.join(folder, "lib%s.so" % document["name"])
    if os.path.exists(library):
        return library
    os.makedirs(cache_dir(), exist_ok=True)
    work = tempfile.mkdtemp(dir=cache_dir(), prefix=".build-")
    try:
        model_file = os.path.join(work, document["name"] + ".json")
        with open(model_file, "w") as f:
            f.write(text)
        result = subprocess.run(
            [compiler, model_file, "-o", os.path.join(work, os.path.basename(library))]
            + flags, capture_output=True, text=True)
        if result.returncode != 0:
            raise MithrilError("mlc-compile rejected the model:\n" +
                               result.stderr.replace(model_file, document["name"] + ".json"))
        try:
            os.rename(work, folder)
        except OSError:  # another process compiled it meanwhile
            pass
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return library


class CompiledModel:
    """A compiled model: `compiled(**inputs)` and `evaluate(params, data)`
    run it on NumPy arrays and return {output name: array}."""

    def __init__(self, library, model, backend, document=None):
        self.library = library
        self.model = model
        self.backend = backend
        # The model file it was compiled from (without weights), which a
        # Trainer compiles again with the training options.
        self.document = document
        entry = library.signature["entries"][0]
        self._entry = entry
        self._params = None
        self._params_source = None  # a function giving newer params (a Trainer's)
        self._instance = None       # (fingerprint, runtime.Instance)

    # The signature.

    @property
    def input_shapes(self):
        """{input: dims}, a symbol (str) for each dynamic dim."""
        return {p["name"]: list(p["dims"]) for p in self._entry["inputs"]}

    @property
    def output_shapes(self):
        return {p["name"]: list(p["dims"]) for p in self._entry["outputs"]}

    def _model_parameters(self):
        """The model's parameters: not the scales of int8 weights, which the
        runtime makes when it quantizes the f32 weights given."""
        return [p for p in self._entry["parameters"] if "scale_of" not in p]

    @property
    def parameter_shapes(self):
        return {p["name"]: list(p["shape"]) for p in self._model_parameters()}

    # Parameters.

    @property
    def params(self):
        """The parameters `compiled(...)` uses: set them, or load_weights()."""
        self._follow_source()
        return self._params

    @params.setter
    def params(self, params):
        self._params = self._checked_params(params)
        self._params_source = None

    def _follow(self, source):
        """Makes `source()` ({name: array}) the parameters, read when they
        are next used: a Trainer calls it after each step, so that the
        model runs with the trained parameters without copying them at
        every step. Setting `params` (or load_weights) ends it."""
        self._params_source = source

    def _follow_source(self):
        if self._params_source is not None:
            self._params = self._checked_params(self._params_source())
            self._params_source = None

    def randomize_params(self, seed=None):
        """New parameters with PyTorch's default initial values: uniform
        ±1/sqrt(fan-in) for layer weights and biases, ones and zeros for
        norms and running statistics, N(0, 1) for embeddings."""
        rng = np.random.default_rng(seed)
        owners = self.model.parameter_ops()
        shapes = self.parameter_shapes
        params = {}
        for name, shape in shapes.items():
            op = owners.get(name)
            params[name] = _initial_value(op.spec.name if op else "", name, shapes, rng)
        return params

    def save_weights(self, path, params=None):
        """Writes the parameters (default: the current ones) as safetensors."""
        params = self._checked_params(params if params is not None else self._require())
        safetensors.save(params, path)

    def load_weights(self, path):
        """Reads parameters from a safetensors file; they become current."""
        self.params = safetensors.load(path)
        return self._params

    # Running.

    def __call__(self, **inputs):
        return self._run(self._require(), inputs)

    def evaluate(self, params, data=None, **inputs):
        """The outputs for `params` on the inputs (`data` as a dict, or as
        keywords)."""
        if data is not None and not isinstance(data, dict):
            raise MithrilError("data is a dict {input: array}, got %s"
                               % type(data).__name__)
        inputs = dict(data or {}, **inputs)
        return self._run(self._checked_params(params), inputs)

    def _require(self):
        self._follow_source()
        if self._params is None:
            raise MithrilError("the model has no parameters yet: pass weights= to "
                               "compile, load_weights(path), or set params "
                               "(randomize_params() makes some)")
        return self._params

    def _checked_params(self, params):
        if not isinstance(params, dict):
            raise MithrilError("parameters are a dict {name: array}, got %s"
                               % type(params).__name__)
        expected = {p["name"]: p for p in self._model_parameters()}
        missing = [n for n in expected if n not in params]
        unknown = [n for n in params if n not in expected]
        if missing:
            raise MithrilError("missing parameter '%s'" % missing[0])
        if unknown:
            raise MithrilError("unknown parameter '%s' (the model has: %s)"
                               % (unknown[0], ", ".join(expected)))
        checked = {}
        for name, port in expected.items():
            array = np.asarray(params[name])
            if list(array.shape) != port["shape"]:
                raise MithrilError("parameter '%s' has shape %s, expected %s"
                                   % (name, list(array.shape), port["shape"]))
            # Parameters stored reduced (precision) or int8 (quantize) take
            # the model's dtype, which the runtime converts or quantizes.
            dtype = port.get("model_dtype", port["dtype"])
            checked[name] = _as_dtype(array, dtype, "parameter '%s'" % name)
        return checked

    def _run(self, params, inputs):
        ports = self._entry["inputs"]
        unknown = [n for n in inputs if n not in {p["name"] for p in ports}]
        if unknown:
            raise MithrilError("unknown input '%s' (inputs: %s)" % (
                unknown[0], ", ".join(p["name"] for p in ports)))
        arrays = []
        for port in ports:
            if port["name"] not in inputs:
                raise MithrilError("missing input '%s'" % port["name"])
            arrays.append(_as_dtype(np.asarray(inputs[port["name"]]), port["dtype"],
                                    "input '%s'" % port["name"]))
        outputs = self._instance_for(params).run(0, arrays)
        return {port["name"]: array
                for port, array in zip(self._entry["outputs"], outputs)}

    def _instance_for(self, params):
        """An instance holding `params`, reused while they are unchanged."""
        digest = hashlib.sha1()
        for name in sorted(params):
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(params[name]).tobytes())
        fingerprint = digest.hexdigest()
        if self._instance and self._instance[0] == fingerprint:
            return self._instance[1]
        instance = new_instance(self.library, params)
        self._instance = (fingerprint, instance)
        return instance

    def __repr__(self):
        return "CompiledModel(%s, inputs %s, outputs %s)" % (
            self._entry["name"], self.input_shapes, self.output_shapes)


def _as_dtype(array, dtype, what):
    """`array` as the model's dtype, converting within a kind (float64 data
    for an f32 input); anything else is refused."""
    target = runtime.DTYPES.get(runtime.NAMES[dtype])
    if target is None:
        raise MithrilError("%s: %s arrays are not supported from NumPy" % (what, dtype))
    target = np.dtype(target)
    if array.dtype == target:
        return np.ascontiguousarray(array)
    if array.dtype.kind == target.kind or (target.kind == "f" and array.dtype.kind in "iu"):
        return np.ascontiguousarray(array.astype(target))
    raise MithrilError("%s is %s, expected %s" % (what, array.dtype, dtype))


def _initial_value(op, name, shapes, rng):
    """PyTorch's default initial value of parameter `name` of an `op`;
    `shapes` holds every parameter's shape."""
    shape = shapes[name]
    leaf = name.rsplit(".", 1)[-1]
    if op in ("BatchNorm1d", "BatchNorm2d", "LayerNorm", "RMSNorm", "GroupNorm"):
        value = 1.0 if leaf in ("weight", "running_var") else 0.0
        return np.full(shape, value, np.float32)
    if op == "Embedding":
        return rng.standard_normal(shape).astype(np.float32)
    if op == "MultiheadAttention":
        if leaf.endswith("bias"):
            return np.zeros(shape, np.float32)
        if leaf == "in_proj_weight":
            bound = math.sqrt(6.0 / (shape[0] + shape[1]))
            return rng.uniform(-bound, bound, shape).astype(np.float32)
    # Linear, convolutions (kaiming-uniform with a=sqrt(5)) and their biases:
    # uniform in +-1/sqrt(fan-in) of the weight.
    weight = shapes.get(name[:-len("bias")] + "weight", shape) \
        if name.endswith("bias") else shape
    fan_in = math.prod(weight[1:]) if len(weight) > 1 else 1
    bound = 1.0 / math.sqrt(max(fan_in, 1))
    return rng.uniform(-bound, bound, shape).astype(np.float32)
