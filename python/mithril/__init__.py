"""Mithril's Python frontend: compose logical models, compile them with
mlc-compile, run them on NumPy arrays.

    import mithril as ml
    from mithril.models import *

    model = Model()
    model |= Conv2d(3, 64)
    model += Flatten()
    compiled = ml.compile(model, ml.CPUBackend(), shapes={"input": [2, 3, 4, 4]})
    outputs = compiled.evaluate(compiled.randomize_params(), {"input": x})

    compiled.params = compiled.randomize_params(seed=0)
    trainer = ml.Trainer(model=compiled, optimizer=ml.Adam(1e-3),
                         loss=ml.CrossEntropyLoss())
    trainer.train([(x, labels)], epochs=10)

See docs/python.md and docs/training.md.
"""
from . import models
from .backends import Backend, CBackend, CPUBackend, CUDABackend
from .compiler import CompiledModel, compile
from .errors import MithrilError
from .models import Model
from .training import (SGD, Adam, AdamW, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss,
                       Loss, MSELoss, Optimizer, Trainer)

__all__ = ["Adam", "AdamW", "BCEWithLogitsLoss", "Backend", "CBackend", "CPUBackend",
           "CUDABackend", "CompiledModel", "CrossEntropyLoss", "L1Loss", "Loss",
           "MSELoss", "MithrilError", "Model", "Optimizer", "SGD", "Trainer", "compile",
           "models"]
__version__ = "0.1.0"
