"""Training compiled models: optimizers, losses and the Trainer.

    compiled = ml.compile(model, ml.CPUBackend(), shapes={"input": ["N", 1, 8, 8]})
    compiled.params = compiled.randomize_params(seed=0)
    trainer = ml.Trainer(model=compiled, optimizer=ml.Adam(1e-3),
                         loss=ml.CrossEntropyLoss())
    trainer.train(batches, epochs=5)      # each epoch's mean loss
    trainer.evaluate(test_batches)        # {"loss": ..., "accuracy": ...}
    compiled(input=images)                # runs with the trained parameters

The Trainer compiles the model again with `mlc-compile --train` and the
loss's and the optimizer's options. That library has, beside the inference
entry (named after the model), `train_step`: the model's inputs and a
`target` in, the loss out; one call computes the loss, its gradients and the
optimizer's update, and keeps the parameters, the running statistics and
the optimizer's state in the instance. The optimizers and losses take
PyTorch's arguments, defaults and checks, and compute what PyTorch does.
"""
import collections.abc
import math
import numbers
import os
import sys

import numpy as np

from . import compiler
from .compiler import CompiledModel, _as_dtype
from .errors import MithrilError
from .models import Model, Operator

__all__ = ["Adam", "AdamW", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss",
           "Loss", "MSELoss", "Optimizer", "SGD", "Trainer"]

TRAIN_ENTRY = "train_step"


# Arguments.

def _real(value, valid, message):
    """`value` as a float when it is a finite real number for which
    `valid` holds; otherwise MithrilError(message % value), PyTorch's
    message for the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not math.isfinite(value) or not valid(float(value)):
        raise MithrilError(message % (value,))
    return float(value)


def _learning_rate(value):
    return _real(value, lambda v: v >= 0.0, "Invalid learning rate: %s")


def _flag(value):
    """A float as mlc-compile reads it back exactly (repr: '0.001', '1e-08')."""
    return repr(float(value))


# Optimizers.

class Optimizer:
    """What updates the parameters at each step, built into the training
    library (`compile_flags()`). The learning rate is also the instance's
    own and can change between steps (`Trainer.learning_rate`)."""

    name = None  # mlc-compile --optimizer=

    def compile_flags(self):
        return ["--optimizer=" + self.name,
                "--lr=" + _flag(self.learning_rate)] + self._options()

    def _options(self):
        raise NotImplementedError

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % item for item in vars(self).items()))


class SGD(Optimizer):
    """torch.optim.SGD: momentum (with dampening, or Nesterov's) and L2
    weight decay."""

    name = "sgd"

    def __init__(self, learning_rate, momentum=0.0, dampening=0.0,
                 weight_decay=0.0, nesterov=False):
        self.learning_rate = _learning_rate(learning_rate)
        self.momentum = _real(momentum, lambda v: v >= 0.0, "Invalid momentum value: %s")
        self.dampening = _real(dampening, lambda v: True, "Invalid dampening value: %s")
        self.weight_decay = _real(weight_decay, lambda v: v >= 0.0,
                                  "Invalid weight_decay value: %s")
        if not isinstance(nesterov, bool):
            raise MithrilError("nesterov must be True or False, got %r" % (nesterov,))
        if nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise MithrilError("Nesterov momentum requires a momentum and zero dampening")
        self.nesterov = nesterov

    def _options(self):
        flags = ["--momentum=" + _flag(self.momentum),
                 "--dampening=" + _flag(self.dampening),
                 "--weight-decay=" + _flag(self.weight_decay)]
        return flags + (["--nesterov"] if self.nesterov else [])


class Adam(Optimizer):
    """torch.optim.Adam: L2 weight decay added to the gradient."""

    name = "adam"

    def __init__(self, learning_rate=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=0.0):
        self.learning_rate = _learning_rate(learning_rate)
        eps = _real(eps, lambda v: v >= 0.0, "Invalid epsilon value: %s")
        pair = None
        if not isinstance(betas, (str, bytes)):
            try:
                pair = tuple(betas)
            except TypeError:
                pass
        if pair is None or len(pair) != 2:
            raise MithrilError("betas is a pair (beta1, beta2), got %r" % (betas,))
        self.betas = tuple(
            _real(beta, lambda v: 0.0 <= v < 1.0, "Invalid beta parameter at index %d: %%s" % i)
            for i, beta in enumerate(pair))
        self.eps = eps
        self.weight_decay = _real(weight_decay, lambda v: v >= 0.0,
                                  "Invalid weight_decay value: %s")

    def _options(self):
        return ["--betas=%s,%s" % (_flag(self.betas[0]), _flag(self.betas[1])),
                "--eps=" + _flag(self.eps), "--weight-decay=" + _flag(self.weight_decay)]


class AdamW(Adam):
    """torch.optim.AdamW: Adam with decoupled weight decay (default 0.01)."""

    name = "adamw"

    def __init__(self, learning_rate=1e-3, betas=(0.9, 0.999), eps=1e-8,
                 weight_decay=1e-2):
        super().__init__(learning_rate, betas, eps, weight_decay)


# Losses.

_REDUCTIONS = ("mean", "sum")


def _reduction(value):
    if value == "none":
        raise MithrilError("reduction 'none' leaves one loss per element, and a "
                           "training step needs one: use 'mean' or 'sum'")
    if value not in _REDUCTIONS:
        raise MithrilError("%s is not a valid value for reduction" % (value,))
    return value


def _format(dims):
    return "[%s]" % ", ".join("?" if d is None else str(d) for d in dims)


class Loss:
    """A loss of the model's output and a target, reduced to one number:
    what `train_step` minimizes (`compile_flags()`). Called on NumPy arrays,
    `loss(output, target)` computes it as PyTorch does (Trainer.evaluate
    uses that)."""

    name = None             # mlc-compile --loss=
    class_indices = False   # whether targets are int64 class indices

    def __init__(self, reduction="mean"):
        self.reduction = _reduction(reduction)

    def compile_flags(self):
        return ["--loss=" + self.name, "--reduction=" + self.reduction]

    def target_shape(self, output_shape):
        """The target's shape for an output of `output_shape`."""
        return list(output_shape)

    def _describe_target(self):
        return "%s: the output's shape" % type(self).__name__

    def check_target(self, target, output_shape):
        """`target` as the training step takes it (f32, or i64 class
        indices), checked against an output of `output_shape` (None for a
        dim not known yet)."""
        array = np.asarray(target)
        if self.class_indices:
            if array.dtype.kind not in "iu":
                raise MithrilError(
                    "target is %s, expected int64: %s takes class indices (convert "
                    "them with .astype(np.int64); class probabilities are not "
                    "supported)" % (array.dtype, type(self).__name__))
            array = array.astype(np.int64)
        else:
            if array.dtype.kind not in "fiub":
                raise MithrilError("target is %s, expected float32 (%s)"
                                   % (array.dtype, type(self).__name__))
            array = array.astype(np.float32)
        expected = self.target_shape(output_shape)
        if array.ndim != len(expected) or any(
                d is not None and d != size for d, size in zip(expected, array.shape)):
            raise MithrilError("target has shape %s, expected %s (%s %s)" % (
                list(array.shape), _format(expected), self._describe_target(),
                _format(output_shape)))
        return np.ascontiguousarray(array)

    def __call__(self, output, target):
        """The loss of `output` for `target`, as PyTorch computes it."""
        output = np.asarray(output)
        total, count = self.terms(output, self.check_target(target, output.shape))
        return self.reduce(total, count)

    def terms(self, output, target):
        """(the sum of the losses of the elements that count, their
        number): what summing over batches gives the whole set's loss."""
        raise NotImplementedError

    def reduce(self, total, count):
        if self.reduction == "sum":
            return float(total)
        return float(total) / count if count else float("nan")

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % item for item in vars(self).items()))


class CrossEntropyLoss(Loss):
    """torch.nn.CrossEntropyLoss of logits [N, C, ...] and class indices
    [N, ...]: targets equal to `ignore_index` count for nothing (nor in the
    mean); `label_smoothing` mixes the one-hot target with the uniform one."""

    name = "cross_entropy"
    class_indices = True

    def __init__(self, reduction="mean", ignore_index=-100, label_smoothing=0.0):
        super().__init__(reduction)
        if isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral):
            raise MithrilError("ignore_index must be an int, got %r" % (ignore_index,))
        self.ignore_index = int(ignore_index)
        self.label_smoothing = _real(
            label_smoothing, lambda v: 0.0 <= v <= 1.0,
            "label_smoothing must be between 0.0 and 1.0. Got: %s")

    def compile_flags(self):
        return super().compile_flags() + [
            "--ignore-index=%d" % self.ignore_index,
            "--label-smoothing=" + _flag(self.label_smoothing)]

    def target_shape(self, output_shape):
        if len(output_shape) < 2:
            raise MithrilError("CrossEntropyLoss takes logits [N, C, ...]; the output "
                               "has shape %s" % _format(output_shape))
        return [output_shape[0]] + list(output_shape[2:])

    def _describe_target(self):
        return "CrossEntropyLoss: class indices, the shape without dim 1 of the output"

    def check_target(self, target, output_shape):
        array = super().check_target(target, output_shape)
        classes = output_shape[1]
        if classes is not None and array.size:
            wrong = array[(array != self.ignore_index) & ((array < 0) | (array >= classes))]
            if wrong.size:
                raise MithrilError("Target %d is out of bounds: the classes are 0 to %d "
                                   "(and ignore_index %d)"
                                   % (wrong[0], classes - 1, self.ignore_index))
        return array

    def _log_softmax(self, output):
        logits = output.astype(np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def terms(self, output, target):
        log_p = self._log_softmax(output)
        counted = target != self.ignore_index
        picked = np.take_along_axis(log_p, np.where(counted, target, 0)[:, None], axis=1)
        losses = -picked[:, 0]
        if self.label_smoothing:
            # PyTorch: (1 - e) * nll + e / C * -(sum of log p over classes).
            smooth = -log_p.sum(axis=1)
            losses = ((1.0 - self.label_smoothing) * losses
                      + self.label_smoothing / log_p.shape[1] * smooth)
        return losses[counted].sum(), int(counted.sum())

    def correct(self, output, target):
        """(how many predictions, argmax over dim 1, equal the target, how
        many count: those not equal to ignore_index)."""
        counted = target != self.ignore_index
        hits = (np.asarray(output).argmax(axis=1) == target) & counted
        return int(hits.sum()), int(counted.sum())


class MSELoss(Loss):
    """torch.nn.MSELoss: squared differences."""

    name = "mse"

    def terms(self, output, target):
        difference = output.astype(np.float64) - target
        return np.square(difference).sum(), difference.size


class L1Loss(Loss):
    """torch.nn.L1Loss: absolute differences."""

    name = "l1"

    def terms(self, output, target):
        difference = output.astype(np.float64) - target
        return np.abs(difference).sum(), difference.size


class BCEWithLogitsLoss(Loss):
    """torch.nn.BCEWithLogitsLoss: binary cross-entropy of sigmoid(output)
    and a target in [0, 1], computed from the logits (stable)."""

    name = "bce_with_logits"

    def terms(self, output, target):
        x = output.astype(np.float64)
        losses = np.maximum(x, 0.0) - x * target + np.log1p(np.exp(-np.abs(x)))
        return losses.sum(), losses.size


# The trainer.

class Trainer:
    """Trains `model`, what ml.compile returned (with parameters), to
    minimize `loss` with `optimizer`.

    It compiles the model again with the training options (the same
    backend and shapes) and creates an instance of that library with the
    model's current parameters, which it then updates. After each step,
    `model.params` are the trained parameters (and running statistics), and
    `model(...)` runs with them; setting `model.params` lets the model go
    its own way again, without changing the trainer's.

    A batch is a tuple `(input, target)` (a model with more inputs: all of
    them in order, then the target) or a dict `{input name: array, ...,
    "target": array}`. Inputs are converted to the model's dtypes as
    `compiled(...)` does; the target is float32 of the output's shape, or,
    for CrossEntropyLoss, int64 class indices of the output's shape without
    dim 1."""

    def __init__(self, model, optimizer, loss):
        if isinstance(model, Model):
            raise MithrilError("Trainer takes a compiled model: ml.compile(model, "
                               "backend, shapes=...) first")
        if not isinstance(model, CompiledModel) or model.document is None:
            raise MithrilError("Trainer takes what ml.compile returns, got %r" % (model,))
        _check_instance(optimizer, Optimizer, "optimizer", "ml.Adam(learning_rate=1e-3)")
        if isinstance(loss, Operator):
            raise MithrilError("loss is the model op mithril.models.%s; the Trainer takes "
                               "a loss of the package, ml.%s()"
                               % (loss.spec.name, loss.spec.name))
        _check_instance(loss, Loss, "loss", "ml.CrossEntropyLoss()")
        if model._entry["name"] == TRAIN_ENTRY:
            raise MithrilError("a model named '%s' cannot be trained: its training entry "
                               "has that name; compile it with another name" % TRAIN_ENTRY)
        params = model._require()
        self.model, self.optimizer, self.loss = model, optimizer, loss
        self.epoch = 0      # epochs trained, across calls of train()

        flags = (model.backend.compile_flags() + ["--train"] + loss.compile_flags()
                 + optimizer.compile_flags())
        self.library = compiler.open_library(model.document, flags)
        entries = self.library.signature["entries"]
        names = [entry["name"] for entry in entries]
        inference = model._entry["name"]
        if TRAIN_ENTRY not in names or inference not in names:
            raise MithrilError("mlc-compile --train gave the entries %s, expected '%s' "
                               "and '%s'" % (names, inference, TRAIN_ENTRY))
        self._train_entry = names.index(TRAIN_ENTRY)
        self._inference_entry = names.index(inference)
        self._inputs = entries[self._inference_entry]["inputs"]
        self._output = entries[self._inference_entry]["outputs"][0]
        takes = [port["name"] for port in entries[self._train_entry]["inputs"]]
        if takes != [port["name"] for port in self._inputs] + ["target"]:
            raise MithrilError("%s takes %s: expected the model's inputs, then 'target'"
                               % (TRAIN_ENTRY, ", ".join(takes)))
        loss.target_shape(self._output["dims"])   # CrossEntropyLoss: [N, C, ...] logits
        self._instance = compiler.new_instance(self.library, params)

    # Training.

    def step(self, batch):
        """One training step on `batch`: its loss (before the update)."""
        (loss,) = self._instance.run(self._train_entry, self._arrays(batch))
        self.model._follow(self._read_params)
        return float(loss)

    def train(self, train_loader, epochs=1, progress=None):
        """Trains `epochs` times over `train_loader`, an iterable of batches
        that each epoch iterates anew (a list, or an object whose __iter__
        starts again, such as a shuffling loader). Returns each epoch's
        mean loss (the mean of its steps' losses). `progress`: whether to
        show a progress bar (tqdm) of the epoch, its steps and loss; by
        default only when stderr is a terminal."""
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
            raise MithrilError("epochs must be a positive int, got %r" % (epochs,))
        if not isinstance(train_loader, collections.abc.Iterable):
            raise MithrilError("train_loader is an iterable of batches, got %s"
                               % type(train_loader).__name__)
        if epochs > 1 and isinstance(train_loader, collections.abc.Iterator):
            raise MithrilError("train_loader is an iterator, which the first epoch "
                               "would use up: pass a list of batches, or an object "
                               "whose __iter__ starts again")
        means = []
        for _ in range(epochs):
            total = len(train_loader) if isinstance(train_loader, collections.abc.Sized) \
                else None
            bar = _Progress(progress, total, "epoch %d" % (self.epoch + 1))
            losses = []
            try:
                for batch in train_loader:
                    losses.append(self.step(batch))
                    bar.update(losses[-1])
            finally:
                bar.close(float(np.mean(losses)) if losses else None)
            if not losses:
                raise MithrilError("train_loader gave no batches")
            self.epoch += 1
            means.append(float(np.mean(losses)))
        return means

    @property
    def learning_rate(self):
        """The optimizer's learning rate, the instance's: set it between
        steps to schedule it, as PyTorch's param_groups[...]["lr"]."""
        return self._instance.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._instance.learning_rate = _learning_rate(value)

    # Evaluation.

    def evaluate(self, loader):
        """{"loss": the loss over all of `loader`'s batches, "accuracy": the
        fraction of right predictions (CrossEntropyLoss only)}. It runs the
        inference entry (BatchNorm with running statistics, no dropout)
        with the current parameters and computes the loss in NumPy as
        PyTorch does, over all batches at once: with reduction 'mean', the
        mean over every element (every counted target) of the loader."""
        total, count, hits, counted = 0.0, 0, 0, 0
        batches = 0
        for batch in loader:
            arrays = self._arrays(batch)
            (output, *_) = self._instance.run(self._inference_entry, arrays[:-1])
            target = self.loss.check_target(arrays[-1], output.shape)
            batch_total, batch_count = self.loss.terms(output, target)
            total, count = total + batch_total, count + batch_count
            if isinstance(self.loss, CrossEntropyLoss):
                right, of = self.loss.correct(output, target)
                hits, counted = hits + right, counted + of
            batches += 1
        if not batches:
            raise MithrilError("the loader gave no batches")
        result = {"loss": self.loss.reduce(total, count)}
        if isinstance(self.loss, CrossEntropyLoss):
            result["accuracy"] = hits / counted if counted else float("nan")
        return result

    # Parameters and checkpoints.

    @property
    def params(self):
        """The current parameters and running statistics, {name: array}."""
        return self._read_params()

    def save_weights(self, path):
        """Writes the parameters and running statistics as safetensors (what
        ml.compile(weights=...) and load_weights read)."""
        self._instance.save_weights(os.fspath(path))

    def save_checkpoint(self, path):
        """Writes the weights and the optimizer's state: load_checkpoint
        resumes training exactly where it was."""
        self._instance.save_checkpoint(os.fspath(path))

    def load_checkpoint(self, path):
        """Reads what save_checkpoint wrote (for the same model, loss and
        optimizer): the weights and the optimizer's state."""
        self._instance.load_checkpoint(os.fspath(path))
        self.model._follow(self._read_params)

    def _read_params(self):
        return {name: self._instance.read_parameter(name)
                for name in self.model.parameter_shapes}

    # Batches.

    def _arrays(self, batch):
        """The arrays of `batch` in train_step's order (the inputs, then the
        target), converted and checked."""
        names = [port["name"] for port in self._inputs]
        expected = "(%s, target)" % ", ".join(names)
        if isinstance(batch, dict):
            for key in batch:
                if key not in names and key != "target":
                    raise MithrilError("the batch has '%s', which is no input of the "
                                       "model (a batch holds %s)"
                                       % (key, ", ".join(names + ["target"])))
            for key in names + ["target"]:
                if key not in batch:
                    raise MithrilError("the batch has no '%s' (a batch holds %s)"
                                       % (key, ", ".join(names + ["target"])))
            values = [batch[name] for name in names] + [batch["target"]]
        elif isinstance(batch, (tuple, list)):
            if len(batch) != len(names) + 1:
                raise MithrilError("a batch is %s, got %d values"
                                   % (expected, len(batch)))
            values = list(batch)
        else:
            raise MithrilError("a batch is a tuple %s or a dict with those keys, got %s"
                               % (expected, type(batch).__name__))
        inputs = [_as_dtype(np.asarray(value), port["dtype"], "input '%s'" % port["name"])
                  for value, port in zip(values, self._inputs)]
        symbols = _bind(self._inputs, inputs)
        output_shape = [d if isinstance(d, int) else symbols.get(d)
                        for d in self._output["dims"]]
        return inputs + [self.loss.check_target(values[-1], output_shape)]

    def __repr__(self):
        return "Trainer(%s, %r, %r)" % (self.model._entry["name"], self.optimizer,
                                        self.loss)


def _check_instance(value, kind, what, example):
    if isinstance(value, type) and issubclass(value, kind):
        raise MithrilError("%s is the class %s: make one, as %s"
                           % (what, value.__name__, example))
    if not isinstance(value, kind):
        raise MithrilError("%s is a %s, such as %s; got %r" % (
            what, kind.__name__, example, value))


def _bind(ports, arrays):
    """{symbol: size} of the inputs' dynamic dims; a MithrilError for an
    input whose shape does not fit its port (as the runtime checks)."""
    symbols, sources = {}, {}
    for port, array in zip(ports, arrays):
        dims = port["dims"]
        problem = None
        if array.ndim != len(dims):
            problem = ""
        else:
            for dim, size in zip(dims, array.shape):
                if isinstance(dim, int) and dim != size:
                    problem = ""
                elif isinstance(dim, str):
                    if symbols.setdefault(dim, size) != size:
                        problem = ": %s is %d (from input '%s')" % (
                            dim, symbols[dim], sources[dim])
                    sources.setdefault(dim, port["name"])
                if problem is not None:
                    break
        if problem is not None:
            raise MithrilError("input '%s' has shape %s, expected %s%s" % (
                port["name"], list(array.shape), _format(dims), problem))
    return symbols


class _Progress:
    """A progress bar of one epoch (tqdm) when `enabled` (None: when stderr
    is a terminal). Without tqdm, a line per epoch."""

    def __init__(self, enabled, total, description):
        if enabled is None:
            enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self.enabled, self.description, self.bar = enabled, description, None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                return
            self.bar = tqdm(total=total, desc=description, unit="step", file=sys.stderr)

    def update(self, loss):
        if self.bar is not None:
            self.bar.set_postfix(loss="%.4f" % loss, refresh=False)
            self.bar.update(1)

    def close(self, mean):
        if self.bar is not None:
            if mean is not None:
                self.bar.set_postfix_str("mean loss %.4f" % mean, refresh=False)
            self.bar.close()
        elif self.enabled and mean is not None:
            sys.stderr.write("%s: mean loss %.4f\n" % (self.description, mean))
