"""Mithril's Python frontend: compose logical models, compile them with
mlc-compile, run them on NumPy arrays.

    import mithril as ml
    from mithril.models import *

    model = Model()
    model |= Conv2d(3, 64)
    model += Flatten()
    compiled = ml.compile(model, ml.CPUBackend(), shapes={"input": [2, 3, 4, 4]})
    outputs = compiled.evaluate(compiled.randomize_params(), {"input": x})

See docs/python.md.
"""
from . import models
from .backends import Backend, CBackend, CPUBackend, CUDABackend
from .compiler import CompiledModel, compile
from .errors import MithrilError
from .models import Model

__all__ = ["Backend", "CBackend", "CPUBackend", "CUDABackend", "CompiledModel",
           "MithrilError", "Model", "compile", "models"]
__version__ = "0.1.0"
