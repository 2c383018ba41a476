"""Writes an ONNX model whose Reshape target is computed from Shape of a
value on dynamic dims [N, T, 8], through ops the importer must see through
(MatMul, Relu, Transpose, Concat): the target is [Shape[0] / 2, Shape[1],
16], i.e. [T, N, 16] only if Concat's 2T was derived."""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def const(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


nodes = [
    helper.make_node("MatMul", ["x", "w"], ["m"]),
    helper.make_node("Relu", ["m"], ["r"]),
    helper.make_node("Transpose", ["r"], ["t"], perm=[1, 0, 2]),   # [T, N, 8]
    helper.make_node("Concat", ["t", "t"], ["c"], axis=0),          # [2T, N, 8]
    helper.make_node("Shape", ["c"], ["s"]),
    helper.make_node("Gather", ["s", "zero"], ["s0"], axis=0),
    helper.make_node("Div", ["s0", "two"], ["half"]),
    helper.make_node("Gather", ["s", "one"], ["s1"], axis=0),
    helper.make_node("Concat", ["half", "s1", "sixteen"], ["target"], axis=0),
    helper.make_node("Reshape", ["c", "target"], ["y"]),
]
graph = helper.make_graph(
    nodes, "symbolic",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", "T", 8])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    [numpy_helper.from_array(np.ones((8, 8), np.float32), "w"),
     const("zero", [0]), const("one", [1]), const("two", [2]),
     const("sixteen", [16])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
onnx.save(model, sys.argv[1])
