"""Writes the safetensors files of the weights tests, well-formed or broken.

Usage: write_safetensors.py CASE OUT. The model is Inputs/linear.json
(Linear(4, 2): `fc.weight` [2, 4] and `fc.bias` [2], f32).
"""
import json
import struct
import sys


def tensors_file(tensors, header_extra=None):
    """A safetensors image of `tensors`: name -> (dtype, shape, bytes)."""
    header, data = {}, b""
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    header.update(header_extra or {})
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


def f32(count):
    return struct.pack("<%df" % count, *[0.5] * count)


GOOD = {"fc.weight": ("F32", [2, 4], f32(8)), "fc.bias": ("F32", [2], f32(2))}


def case(name):
    if name == "good":
        return tensors_file(GOOD)
    if name == "missing":
        return tensors_file({"fc.weight": GOOD["fc.weight"]})
    if name == "wrong-shape":
        return tensors_file({**GOOD, "fc.weight": ("F32", [4, 2], f32(8))})
    if name == "wrong-dtype":
        return tensors_file({**GOOD, "fc.bias": ("F64", [2], f32(4))})
    if name == "extra":
        return tensors_file({**GOOD, "fc.bais": ("F32", [2], f32(2))})
    if name == "truncated":
        return tensors_file(GOOD)[:-5]
    if name == "huge-header":
        return struct.pack("<Q", 1 << 62) + b"{}"
    if name == "out-of-range":
        image = bytearray(tensors_file(GOOD))
        start = image.index(b"[32, 40]")
        image[start:start + 8] = b"[32, 99]"
        return bytes(image)
    if name == "short":
        return b"\x08\x00\x00"
    raise SystemExit("unknown case " + name)


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as out:
        out.write(case(sys.argv[1]))
