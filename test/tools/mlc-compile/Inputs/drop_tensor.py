"""Writes a safetensors file without one of its tensors.

Usage: drop_tensor.py IN.safetensors NAME OUT.safetensors
"""
import json
import struct
import sys

source, name, target = sys.argv[1:4]
data = open(source, "rb").read()
size = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + size])
del header[name]
body, kept = b"", {}
tensors = sorted((k, v) for k, v in header.items() if k != "__metadata__")
for key, info in sorted(tensors, key=lambda item: item[1]["data_offsets"][0]):
    begin, end = info["data_offsets"]
    info["data_offsets"] = [len(body), len(body) + end - begin]
    body += data[8 + size + begin:8 + size + end]
    kept[key] = info
if "__metadata__" in header:
    kept["__metadata__"] = header["__metadata__"]
text = json.dumps(kept).encode()
text += b" " * (-len(text) % 8)
open(target, "wb").write(struct.pack("<Q", len(text)) + text + body)
