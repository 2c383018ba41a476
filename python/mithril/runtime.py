"""libmithril_runtime through ctypes: open a compiled library, create
instances with weights, run them on NumPy arrays, read and write their
parameters, and drive the training state of a library compiled with
`mlc-compile --train` (mithril/runtime.h)."""
import ctypes
import json

import numpy as np

from .errors import MithrilError

MAX_RANK = 8
# mithril_dtype codes -> NumPy (bf16 has no NumPy type).
DTYPES = {0: np.float32, 1: np.float16, 3: np.float64, 4: np.int64, 5: np.int32,
          6: np.int8, 7: np.uint8, 8: np.bool_}
CODES = {np.dtype(v): k for k, v in DTYPES.items()}
NAMES = {"f32": 0, "f16": 1, "bf16": 2, "f64": 3, "i64": 4, "i32": 5, "i8": 6,
         "u8": 7, "bool": 8}


# mithril_device_type codes.
DEVICE_CPU, DEVICE_CUDA = 0, 1


class Tensor(ctypes.Structure):
    """mithril_tensor; zero-initialised by ctypes: a CPU tensor."""
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int32),
                ("rank", ctypes.c_int32), ("shape", ctypes.c_int64 * MAX_RANK),
                ("device", ctypes.c_int32), ("device_index", ctypes.c_int32),
                ("allocation", ctypes.c_void_p)]


assert ctypes.sizeof(Tensor) == 96 and Tensor.allocation.offset == 88


class Runtime:
    """The runtime's C API, typed."""

    def __init__(self, path):
        try:
            lib = ctypes.CDLL(path)
        except OSError as error:
            raise MithrilError("cannot load the runtime %s: %s" % (path, error))
        p, st, sz = ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t
        self._declare(lib, "mithril_status_message", ctypes.c_char_p, [st])
        self._declare(lib, "mithril_status_free", None, [st])
        self._declare(lib, "mithril_library_open", st, [ctypes.c_char_p, ctypes.POINTER(p)])
        self._declare(lib, "mithril_library_close", None, [p])
        self._declare(lib, "mithril_library_signature", ctypes.c_char_p, [p])
        self._declare(lib, "mithril_model_create", st,
                      [p, ctypes.c_char_p, ctypes.POINTER(p)])
        self._declare(lib, "mithril_model_destroy", None, [p])
        self._declare(lib, "mithril_model_run", st,
                      [p, sz, ctypes.POINTER(ctypes.POINTER(Tensor)), sz,
                       ctypes.POINTER(ctypes.POINTER(Tensor)), sz])
        self._declare(lib, "mithril_tensor_free", None, [ctypes.POINTER(Tensor)])
        self._declare(lib, "mithril_model_read_parameter", st,
                      [p, ctypes.c_char_p, ctypes.POINTER(Tensor)])
        self._declare(lib, "mithril_model_write_parameter", st,
                      [p, ctypes.c_char_p, ctypes.POINTER(Tensor)])
        # Training (libraries of mlc-compile --train). A runtime built before
        # them lacks these: they are declared when present, and a call
        # without them says so (`training_call`).
        self.training = {}
        for name, arguments in (
                ("mithril_model_set_learning_rate", [p, ctypes.c_double]),
                ("mithril_model_get_learning_rate", [p, ctypes.POINTER(ctypes.c_double)]),
                ("mithril_model_save_weights", [p, ctypes.c_char_p]),
                ("mithril_model_save_checkpoint", [p, ctypes.c_char_p]),
                ("mithril_model_load_checkpoint", [p, ctypes.c_char_p])):
            if hasattr(lib, name):
                self._declare(lib, name, st, arguments)
                self.training[name] = getattr(lib, name)
        self.path = path
        self.lib = lib

    @staticmethod
    def _declare(lib, name, result, arguments):
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments

    def check(self, status):
        if status:
            message = self.lib.mithril_status_message(status).decode()
            self.lib.mithril_status_free(status)
            raise MithrilError(message)

    def training_call(self, name, *arguments):
        """Calls training function `name` and checks its status."""
        function = self.training.get(name)
        if function is None:
            raise MithrilError("the runtime %s has no %s: it predates training; "
                               "rebuild Mithril" % (self.path, name))
        self.check(function(*arguments))


class Library:
    """An open compiled library and its signature."""

    def __init__(self, runtime, path):
        self.runtime = runtime
        handle = ctypes.c_void_p()
        runtime.check(runtime.lib.mithril_library_open(path.encode(), ctypes.byref(handle)))
        self.handle = handle
        self.signature = json.loads(runtime.lib.mithril_library_signature(handle))

    def close(self):
        if self.handle:
            self.runtime.lib.mithril_library_close(self.handle)
            self.handle = None

    def __del__(self):
        self.close()


class Instance:
    """A model instance with its own weights (a safetensors file)."""

    def __init__(self, library, weights_path):
        self.library = library
        handle = ctypes.c_void_p()
        runtime = library.runtime
        runtime.check(runtime.lib.mithril_model_create(
            library.handle, weights_path.encode() if weights_path else None,
            ctypes.byref(handle)))
        self.handle = handle

    def run(self, entry, inputs):
        """Runs entry number `entry` on `inputs` (arrays in the entry's
        input order); the outputs as new arrays."""
        runtime = self.library.runtime
        signature = self.library.signature["entries"][entry]
        arrays = [np.ascontiguousarray(a) for a in inputs]
        tensors = [_tensor(a) for a in arrays]
        outputs = [Tensor() for _ in signature["outputs"]]
        input_pointers = (ctypes.POINTER(Tensor) * len(tensors))(
            *[ctypes.pointer(t) for t in tensors])
        output_pointers = (ctypes.POINTER(Tensor) * len(outputs))(
            *[ctypes.pointer(t) for t in outputs])
        runtime.check(runtime.lib.mithril_model_run(
            self.handle, entry, input_pointers, len(tensors),
            output_pointers, len(outputs)))
        results = []
        for tensor in outputs:
            results.append(_to_array(tensor))
            runtime.lib.mithril_tensor_free(ctypes.byref(tensor))
        return results

    # Parameters (and running statistics) by their state_dict names.

    def read_parameter(self, name):
        """The current values of parameter `name`, as a new array."""
        runtime = self.library.runtime
        tensor = Tensor()
        runtime.check(runtime.lib.mithril_model_read_parameter(
            self.handle, name.encode(), ctypes.byref(tensor)))
        try:
            return _to_array(tensor)
        finally:
            runtime.lib.mithril_tensor_free(ctypes.byref(tensor))

    def write_parameter(self, name, array):
        """Replaces the values of parameter `name` with `array`'s (its dtype
        and shape)."""
        runtime = self.library.runtime
        array = np.ascontiguousarray(array)
        tensor = _tensor(array)
        runtime.check(runtime.lib.mithril_model_write_parameter(
            self.handle, name.encode(), ctypes.byref(tensor)))

    # Training state (a library of mlc-compile --train).

    @property
    def learning_rate(self):
        value = ctypes.c_double()
        self.library.runtime.training_call("mithril_model_get_learning_rate",
                                           self.handle, ctypes.byref(value))
        return value.value

    @learning_rate.setter
    def learning_rate(self, value):
        self.library.runtime.training_call("mithril_model_set_learning_rate",
                                           self.handle, float(value))

    def save_weights(self, path):
        """The parameters and running statistics, as safetensors."""
        self.library.runtime.training_call("mithril_model_save_weights",
                                           self.handle, path.encode())

    def save_checkpoint(self, path):
        """The weights with the optimizer's state."""
        self.library.runtime.training_call("mithril_model_save_checkpoint",
                                           self.handle, path.encode())

    def load_checkpoint(self, path):
        self.library.runtime.training_call("mithril_model_load_checkpoint",
                                           self.handle, path.encode())

    def close(self):
        if self.handle:
            self.library.runtime.lib.mithril_model_destroy(self.handle)
            self.handle = None

    def __del__(self):
        self.close()


def _tensor(array):
    code = CODES.get(array.dtype)
    if code is None:
        raise MithrilError("arrays of dtype %s cannot be passed to a model" % array.dtype)
    if array.ndim > MAX_RANK:
        raise MithrilError("arrays of rank %d cannot be passed (at most %d)"
                           % (array.ndim, MAX_RANK))
    tensor = Tensor()
    tensor.data = array.ctypes.data
    tensor.dtype = code
    tensor.rank = array.ndim
    for i, size in enumerate(array.shape):
        tensor.shape[i] = size
    return tensor


def _to_array(tensor):
    shape = tuple(tensor.shape[i] for i in range(tensor.rank))
    dtype = np.dtype(DTYPES[tensor.dtype])
    count = int(np.prod(shape)) if shape else 1
    if count == 0 or not tensor.data:
        return np.zeros(shape, dtype)
    buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(tensor.data)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape).copy()
