"""Backends: where and how `mithril.compile` makes a model run."""
from .errors import MithrilError

_PRECISIONS = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_QUANTIZATIONS = (None, "int8", "int8-dynamic")
_CPU_TARGETS = ("host", "x86_64", "x86_64-avx2", "x86_64-avx512", "aarch64")


class Backend:
    """A compilation target; `compile_flags()` are mlc-compile's options."""

    def compile_flags(self):
        raise NotImplementedError


class CPUBackend(Backend):
    """This machine's CPU (`target="host"`) or a named x86-64/AArch64 level.
    `threads`: threads per call (None: one per core; 1: sequential code,
    as `mlc-compile --threads`); `precision`: float32, float16 or bfloat16
    compute; `quantize`: None, "int8" (int8 weights, one scale per output
    channel) or "int8-dynamic" (activations quantized per row at run time
    too), as `mlc-compile --quantize`."""

    def __init__(self, target="host", threads=None, precision="float32",
                 quantize=None):
        if target not in _CPU_TARGETS:
            raise MithrilError("CPUBackend: unknown target '%s' (one of %s)"
                               % (target, ", ".join(_CPU_TARGETS)))
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise MithrilError("CPUBackend: threads must be a positive int or None")
        if precision not in _PRECISIONS:
            raise MithrilError("CPUBackend: unknown precision '%s' (one of %s)"
                               % (precision, ", ".join(_PRECISIONS)))
        if quantize not in _QUANTIZATIONS:
            raise MithrilError("CPUBackend: unknown quantize '%s' (int8 or "
                               "int8-dynamic)" % (quantize,))
        self.target, self.threads, self.precision = target, threads, precision
        self.quantize = quantize

    def compile_flags(self):
        flags = ["--target=" + self.target,
                 "--precision=" + _PRECISIONS[self.precision]]
        if self.threads is not None:
            flags.append("--threads=%d" % self.threads)
        if self.quantize:
            flags.append("--quantize=" + self.quantize)
        return flags

    def __repr__(self):
        return "CPUBackend(target=%r, threads=%r, precision=%r, quantize=%r)" % (
            self.target, self.threads, self.precision, self.quantize)


class _Unsupported(Backend):
    target = None

    def __init__(self, **options):
        self.options = options

    why = "mlc-compile has no %s target yet"

    def compile_flags(self):
        raise MithrilError("%s is not yet supported: %s; use CPUBackend"
                           % (type(self).__name__, self.why % self.target))


class CUDABackend(_Unsupported):
    """NVIDIA GPUs (`arch="sm_80"`): not yet supported (the CUDA target
    writes PTX only so far, docs/cuda.md)."""
    target = "cuda"
    why = ("mlc-compile's %s target writes PTX only so far, not a library "
           "Python can run (docs/cuda.md)")


class CBackend(_Unsupported):
    """Portable C: not yet supported."""
    target = "c"
