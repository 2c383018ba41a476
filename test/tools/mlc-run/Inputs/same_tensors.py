"""Checks that two safetensors files hold the same tensors (names, dtypes,
shapes and bytes), whatever their order and metadata.

Usage: same_tensors.py EXPECTED ACTUAL
"""
import json
import struct
import sys


def tensors(path):
    """name -> (dtype, shape, bytes) of the safetensors file at `path`."""
    with open(path, "rb") as file:
        image = file.read()
    (length,) = struct.unpack("<Q", image[:8])
    header = json.loads(image[8:8 + length])
    data = image[8 + length:]
    header.pop("__metadata__", None)
    return {name: (entry["dtype"], entry["shape"],
                   data[entry["data_offsets"][0]:entry["data_offsets"][1]])
            for name, entry in header.items()}


expected, actual = tensors(sys.argv[1]), tensors(sys.argv[2])
if expected != actual:
    sys.exit("%s and %s differ: %s vs %s" % (sys.argv[1], sys.argv[2],
                                             sorted(expected), sorted(actual)))
