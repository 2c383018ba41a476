"""safetensors files (https://github.com/huggingface/safetensors) with NumPy.

The format is a little-endian u64 header size, a JSON header
{name: {dtype, shape, data_offsets}}, then the data. The `safetensors`
package is not in Debian, and this is all of the format we need.
"""
import json
import os
import struct
import tempfile

import numpy as np

from .errors import MithrilError

_DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_NAMES = {np.dtype(v): k for k, v in _DTYPES.items()}


def save(tensors, path):
    """Writes {name: array} to `path`, whole or not at all."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name])
        dtype = _NAMES.get(array.dtype.newbyteorder("<") if array.dtype.byteorder == ">"
                           else array.dtype)
        if dtype is None:
            raise MithrilError("parameter '%s': dtype %s has no safetensors name"
                               % (name, array.dtype))
        data = array.astype(_DTYPES[dtype], copy=False).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)) + text)
            for blob in blobs:
                f.write(blob)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def load(path):
    """{name: array} of a safetensors file (bf16 is not read)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise MithrilError("%s: not a safetensors file (too short)" % path)
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise MithrilError("%s: header of %d bytes past the end of the file" % (path, size))
    try:
        header = json.loads(data[8:8 + size])
    except ValueError as error:
        raise MithrilError("%s: malformed header: %s" % (path, error))
    tensors, base = {}, 8 + size
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry.get("dtype") not in _DTYPES:
            raise MithrilError("%s: tensor '%s' has dtype %r, which is not read"
                               % (path, name, entry.get("dtype")))
        begin, end = entry["data_offsets"]
        if not 0 <= begin <= end <= len(data) - base:
            raise MithrilError("%s: tensor '%s' lies past the end of the file" % (path, name))
        array = np.frombuffer(data[base + begin:base + end], dtype=_DTYPES[entry["dtype"]])
        tensors[name] = array.reshape(entry["shape"]).copy()
    return tensors
