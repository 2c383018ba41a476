"""Writes an MLIR program that runs an example model and compares it with
the PyTorch module its weights came from.

Usage: model_vs_torch.py EXAMPLE MODEL.mlir INPUT_SHAPE... > check.mlir

MODEL.mlir is the example compiled to a function (`mlc-compile
--stop-after=shapes` with its input shape fixed, then
convert-mithril-to-linalg and convert-mithril-models-to-functions). The
program adds a @main that passes every parameter (from
examples/make_weights.py's module, in the order of the function's
`mithril.parameter` arguments) as constants and, for each INPUT_SHAPE, a
seeded random input; it calls the model once per shape (one compiled
function, so a model with a dynamic batch runs at several sizes) and prints
how many outputs are off by more than 2e-4 relative (plus 1e-5 absolute):
"EXAMPLE: 0", or "EXAMPLE SHAPE: 0" for several shapes. The check itself uses mithril ops: lower the program with
convert-mithril-to-linalg again.
"""
import os
import re
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "examples"))
import make_weights  # noqa: E402


def hex_literal(tensor):
    data = tensor.detach().contiguous().numpy().astype("<f4").tobytes()
    return 'dense<"0x%s">' % data.hex().upper()


def tensor_type(shape):
    return "tensor<%s>" % "x".join([str(d) for d in shape] + ["f32"])


def input_type(header_args):
    """The model's input type, as the function declares it (maybe dynamic)."""
    return re.match(r"\s*%\w+: (tensor<[^>]*>)", header_args).group(1)


def check_lines(label, result, result_type, expected, suffix):
    """Prints how many elements of `result` are off from `expected`."""
    static = tensor_type(expected.shape)
    tol = expected.abs() * 2e-4 + 1e-5
    bool_type = static[:-len("f32>")] + "i1>"
    size = expected.numel()
    reassociation = ", ".join(str(i) for i in range(expected.dim()))
    v = lambda name: "%%%s%s" % (name, suffix)
    return [
        "  %s = tensor.cast %s : %s to %s" % (v("ys"), result, result_type, static),
        "  %s = arith.constant %s : %s" % (v("e"), hex_literal(expected), static),
        "  %s = arith.constant %s : %s" % (v("tol"), hex_literal(tol), static),
        "  %s = mithril.sub %s, %s : (%s, %s) -> %s" % (
            v("d"), v("ys"), v("e"), static, static, static),
        "  %s = mithril.abs %s : %s" % (v("a"), v("d"), static),
        "  %s = mithril.greater %s, %s : (%s, %s) -> %s" % (
            v("b"), v("a"), v("tol"), static, static, bool_type),
        "  %s = mithril.cast %s to f32 : %s -> %s" % (v("bf"), v("b"), bool_type, static),
        "  %s = tensor.collapse_shape %s [[%s]] : %s into tensor<%dxf32>" % (
            v("flat"), v("bf"), reassociation, static, size),
        "  %s = tensor.empty() : tensor<f32>" % v("zt"),
        "  %s = linalg.fill ins(%%zero : f32) outs(%s : tensor<f32>) -> tensor<f32>"
        % (v("zf"), v("zt")),
        "  %s = linalg.reduce ins(%s : tensor<%dxf32>) outs(%s : tensor<f32>) "
        "dimensions = [0] (%%p: f32, %%q: f32) { %%s = arith.addf %%p, %%q : f32 "
        "linalg.yield %%s : f32 }" % (v("n"), v("flat"), size, v("zf")),
        "  %s = tensor.extract %s[] : tensor<f32>" % (v("count"), v("n")),
        '  vector.print str "%s: "' % label,
        "  vector.print %s : f32" % v("count"),
    ]


def main():
    name, model_path, shapes = sys.argv[1], sys.argv[2], sys.argv[3:]
    ir = open(model_path).read()
    header = re.search(r"func\.func @(\w+)\((.*?)\) -> (.*?) attributes", ir)
    function = header.group(1)
    declared_input = input_type(header.group(2))
    output_type = re.search(r"(tensor<[^>]*>)", header.group(3)).group(1)
    parameter_names = re.findall(r'mithril\.parameter = "([^"]+)"', header.group(2))

    torch.manual_seed(1)
    module = make_weights.build(name)
    state = dict(module.state_dict())

    lines = ["func.func @main() {", "  %zero = arith.constant 0.0 : f32"]
    args, types = [], []
    for i, pname in enumerate(parameter_names):
        value = state[pname]
        lines.append("  %%p%d = arith.constant %s : %s" % (
            i, hex_literal(value), tensor_type(value.shape)))
        args.append("%%p%d" % i)
        types.append(tensor_type(value.shape))
    # One call per input shape: a model with dynamic dims runs at each.
    for k, shape in enumerate(shapes):
        shape = [int(d) for d in shape.split("x")]
        x = torch.randn(shape)
        with torch.no_grad():
            expected = module(x)
        lines.append("  %%x%d = arith.constant %s : %s" % (
            k, hex_literal(x), tensor_type(shape)))
        lines.append("  %%xd%d = tensor.cast %%x%d : %s to %s" % (
            k, k, tensor_type(shape), declared_input))
        lines.append("  %%y%d = call @%s(%s) : (%s) -> %s" % (
            k, function, ", ".join(["%%xd%d" % k] + args),
            ", ".join([declared_input] + types), output_type))
        label = name if len(shapes) == 1 else "%s %s" % (name, "x".join(map(str, shape)))
        lines += check_lines(label, "%%y%d" % k, output_type, expected, "_%d" % k)
    lines += ["  return", "}"]
    # @main goes inside the model's module, before its closing brace.
    body = ir.rstrip()
    assert body.endswith("}")
    print(body[:-1])
    print("\n".join(lines))
    print("}")


if __name__ == "__main__":
    main()
