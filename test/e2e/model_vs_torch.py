"""Writes an MLIR program that runs an example model and compares it with
the PyTorch module its weights came from.

Usage: model_vs_torch.py EXAMPLE MODEL.mlir INPUT_SHAPE > check.mlir

MODEL.mlir is the example compiled to a function (`mlc-compile
--stop-after=shapes` with its input shape fixed, then
convert-mithril-to-linalg and convert-mithril-models-to-functions). The
program adds a @main that passes a seeded random input and every parameter
(from examples/make_weights.py's module, in the order of the function's
`mithril.parameter` arguments) as constants, calls the model, and prints how
many outputs are off by more than 2e-4 relative (plus 1e-5 absolute):
"EXAMPLE: 0". The check itself uses mithril ops: lower the program with
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


def main():
    name, model_path, shape = sys.argv[1], sys.argv[2], sys.argv[3]
    shape = [int(d) for d in shape.split("x")]
    ir = open(model_path).read()
    header = re.search(r"func\.func @(\w+)\((.*?)\) -> (.*?) attributes", ir)
    function = header.group(1)
    output_type = re.search(r"(tensor<[^>]*>)", header.group(3)).group(1)
    parameter_names = re.findall(r'mithril\.parameter = "([^"]+)"', header.group(2))

    torch.manual_seed(1)
    module = make_weights.build(name)
    state = dict(module.state_dict())
    x = torch.randn(shape)
    with torch.no_grad():
        expected = module(x)

    lines = ["func.func @main() {"]
    lines.append("  %%x = arith.constant %s : %s" % (hex_literal(x), tensor_type(shape)))
    args, types = ["%x"], [tensor_type(shape)]
    for i, pname in enumerate(parameter_names):
        value = state[pname]
        lines.append("  %%p%d = arith.constant %s : %s" % (
            i, hex_literal(value), tensor_type(value.shape)))
        args.append("%%p%d" % i)
        types.append(tensor_type(value.shape))
    lines.append("  %%y = call @%s(%s) : (%s) -> %s" % (
        function, ", ".join(args), ", ".join(types), output_type))
    static = tensor_type(expected.shape)
    lines.append("  %%ys = tensor.cast %%y : %s to %s" % (output_type, static))
    lines.append("  %%e = arith.constant %s : %s" % (hex_literal(expected), static))
    tol = expected.abs() * 2e-4 + 1e-5
    lines.append("  %%tol = arith.constant %s : %s" % (hex_literal(tol), static))
    bool_type = static[:-len("f32>")] + "i1>"
    size = expected.numel()
    reassociation = ", ".join(str(i) for i in range(expected.dim()))
    lines += [
        "  %%d = mithril.sub %%ys, %%e : (%s, %s) -> %s" % (static, static, static),
        "  %%a = mithril.abs %%d : %s" % static,
        "  %%b = mithril.greater %%a, %%tol : (%s, %s) -> %s" % (static, static, bool_type),
        "  %%bf = mithril.cast %%b to f32 : %s -> %s" % (bool_type, static),
        "  %%flat = tensor.collapse_shape %%bf [[%s]] : %s into tensor<%dxf32>" % (
            reassociation, static, size),
        "  %z = arith.constant 0.0 : f32",
        "  %zt = tensor.empty() : tensor<f32>",
        "  %zf = linalg.fill ins(%z : f32) outs(%zt : tensor<f32>) -> tensor<f32>",
        "  %%n = linalg.reduce ins(%%flat : tensor<%dxf32>) outs(%%zf : tensor<f32>) "
        "dimensions = [0] (%%p: f32, %%q: f32) { %%s = arith.addf %%p, %%q : f32 "
        "linalg.yield %%s : f32 }" % size,
        "  %count = tensor.extract %n[] : tensor<f32>",
        '  vector.print str "%s: "' % name,
        "  vector.print %count : f32",
        "  return",
        "}",
    ]
    # @main goes inside the model's module, before its closing brace.
    body = ir.rstrip()
    assert body.endswith("}")
    print(body[:-1])
    print("\n".join(lines))
    print("}")


if __name__ == "__main__":
    main()
