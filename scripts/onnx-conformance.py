"""ONNX's own backend test cases through Mithril: each case's model.onnx is
compiled by mlc-compile, run by mlc-run with its test_data_set_*/input_*.pb,
and its outputs compared with output_*.pb (as ONNX's backend tests do:
relative 1e-3, absolute 1e-7; integers and bools exactly).

Usage:
    /usr/bin/python3 scripts/onnx-conformance.py --build build [--markdown F]
        [--update-doc docs/onnx.md] [--cases test_relu,test_add ...]
        [DATA_DIR ...]

DATA_DIR defaults to the four directories of Debian's libonnx-testdata. A
case counts once, under the op types of its model's nodes (a case of
several ops counts for each): "unsupported" when the importer refuses an op
of it (mlc-translate --list-unsupported), else "pass" or "fail" (a compile
or run error, or outputs that differ). Prints per-op counts and the total;
exits 1 if any supported case fails. --update-doc replaces the table
between the `<!-- conformance:begin -->` and `<!-- conformance:end -->`
lines of a document (docs/onnx.md's is generated so).

Graph inputs that are integer vectors (rank 0 or 1), and Resize's and
Upsample's scales, are bound as constants from each data set before
compiling: in these tests they are the shapes, axes, pads, indices and
scales that an exporter writes as constants, and the importer folds those
at compile time.
"""
import argparse
import collections
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/share/libonnx-testdata/data"
DEFAULT_DIRS = [os.path.join(DATA, d) for d in
                ("node", "pytorch-converted", "pytorch-operator", "simple")]


def run(args):
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def case_dirs(dirs, names):
    for data in dirs:
        for name in sorted(os.listdir(data)):
            path = os.path.join(data, name)
            if names and name not in names:
                continue
            if os.path.exists(os.path.join(path, "model.onnx")):
                yield name, path


def shape_operands(model):
    """The graph inputs that are small integer vectors (rank 0 or 1): in
    these tests, the shapes, axes, pads and indices that exporters write as
    constants."""
    initializers = {t.name for t in model.graph.initializer}
    # Float vectors that are only Resize's and Upsample's roi and scales.
    scales = set()
    others = set()
    for node in model.graph.node:
        for position, name in enumerate(node.input):
            if node.op_type in ("Resize", "Upsample") and position > 0:
                scales.add(name)
            else:
                others.add(name)
    names = []
    for value in model.graph.input:
        tensor = value.type.tensor_type
        integer = tensor.elem_type in (onnx.TensorProto.INT64,
                                       onnx.TensorProto.INT32)
        scale = value.name in scales and value.name not in others
        if (value.name not in initializers and (integer or scale)
                and len(tensor.shape.dim) <= 1):
            names.append(value.name)
    return names


def bind_constants(model, values):
    """`model` with the inputs in `values` made initializers."""
    bound = onnx.ModelProto()
    bound.CopyFrom(model)
    kept = [v for v in bound.graph.input if v.name not in values]
    del bound.graph.input[:]
    bound.graph.input.extend(kept)
    for name, array in values.items():
        bound.graph.initializer.append(numpy_helper.from_array(array, name))
    return bound


def check_model(tools, model_path, workdir, data_sets):
    """("pass" | "fail" | "unsupported", detail) of one model file over
    `data_sets`: lists of (input name, array) and of expected arrays."""
    listed = run([tools["translate"], "--import-onnx", "--list-unsupported",
                  model_path])
    if listed.returncode != 0:
        message = listed.stderr.strip().splitlines()[-1:]
        # The importer refused the model as a whole: a data type, a rank or
        # an opset domain it does not take.
        if any(phrase in " ".join(message) for phrase in (
                "unsupported data type", "not a tensor of known rank",
                "no opset of the default ONNX domain", "external file")):
            return "unsupported", message
        return "fail", message
    if "every op is supported" not in listed.stdout:
        return "unsupported", listed.stdout.split()
    library = os.path.join(workdir, "model.so")
    compiled = run([tools["compile"], model_path, "-o", library])
    if compiled.returncode != 0:
        return "fail", compiled.stderr.strip().splitlines()[-1:]
    for inputs, outputs in data_sets:
        args = [tools["run"], library, "--output-dir", workdir]
        for i, (name, array) in enumerate(inputs):
            npy = os.path.join(workdir, "input_%d.npy" % i)
            np.save(npy, array)
            args += ["--input", "%s=@%s" % (name, npy)]
        ran = run(args)
        if ran.returncode != 0:
            return "fail", ran.stderr.strip().splitlines()[-1:]
        for name, expected in outputs:
            actual = np.load(os.path.join(workdir, name + ".npy"))
            if actual.shape != expected.shape:
                return "fail", ["%s: shape %s, expected %s"
                                % (name, actual.shape, expected.shape)]
            if np.issubdtype(expected.dtype, np.floating):
                close = np.allclose(actual, expected, rtol=1e-3, atol=1e-7,
                                    equal_nan=True)
            else:
                close = np.array_equal(actual, expected)
            if not close:
                return "fail", ["%s: values differ" % name]
    return "pass", []


def check_case(tools, path, workdir):
    """("pass" | "fail" | "unsupported", detail). Small integer inputs
    (shape operands) are bound as constants, one compile per data set."""
    model_path = os.path.join(path, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    # NumPy has no bfloat16: the runner cannot feed or read such tensors.
    if any(v.type.tensor_type.elem_type == onnx.TensorProto.BFLOAT16
           for v in list(model.graph.input) + list(model.graph.output)):
        return "unsupported", ["bf16 inputs or outputs (no NumPy dtype)"]
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    outputs = [o.name for o in model.graph.output]
    data_sets = []
    for data_set in sorted(d for d in os.listdir(path)
                           if d.startswith("test_data_set")):
        directory = os.path.join(path, data_set)
        load = lambda kind, i: numpy_helper.to_array(onnx.load_tensor(
            os.path.join(directory, "%s_%d.pb" % (kind, i))))
        try:
            data_sets.append(([(name, load("input", i))
                               for i, name in enumerate(inputs)],
                              [(name, load("output", i))
                               for i, name in enumerate(outputs)]))
        except Exception as error:  # onnx raises several kinds here.
            # Sequences, optionals and maps are no tensors.
            return "unsupported", ["data that is no tensor: %s" % error]
    constants = shape_operands(model)
    if not constants:
        return check_model(tools, model_path, workdir, data_sets)
    for given, expected in data_sets:
        values = {name: array for name, array in given if name in constants}
        bound_path = os.path.join(workdir, "bound.onnx")
        onnx.save(bind_constants(model, values), bound_path)
        rest = [(name, array) for name, array in given
                if name not in constants]
        result = check_model(tools, bound_path, workdir, [(rest, expected)])
        if result[0] != "pass":
            return result
    return "pass", []


def update_doc(path, table):
    """Replaces the lines between the conformance markers of `path`."""
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- conformance:begin -->", "<!-- conformance:end -->"
    if begin not in text or end not in text:
        sys.exit("onnx-conformance: %s has no conformance markers" % path)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w") as f:
        f.write(head + begin + "\n" + table + "\n" + end + tail)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", default=DEFAULT_DIRS)
    parser.add_argument("--build", default="build")
    parser.add_argument("--cases", help="comma-separated case names")
    parser.add_argument("--markdown", help="also write the table here")
    parser.add_argument("--update-doc",
                        help="replace the table between the conformance "
                        "markers of this document")
    parser.add_argument("--verbose", action="store_true",
                        help="print each case's result")
    options = parser.parse_args()
    tools = {key: os.path.join(options.build, "bin", "mlc-" + key)
             for key in ("translate", "compile", "run")}
    names = set(options.cases.split(",")) if options.cases else None

    counts = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    failures = []
    with tempfile.TemporaryDirectory() as workdir:
        for name, path in case_dirs(options.dirs, names):
            model = onnx.load(os.path.join(path, "model.onnx"),
                              load_external_data=False)
            ops = sorted({node.op_type for node in model.graph.node}) or ["-"]
            result, detail = check_case(tools, path, workdir)
            total[result] += 1
            for op in ops:
                counts[op][result] += 1
            if result == "fail":
                failures.append("%s: %s" % (name, " ".join(detail)))
            if options.verbose:
                print("%s: %s %s" % (name, result, " ".join(detail)))

    lines = ["| op | pass | fail | unsupported |", "|---|---:|---:|---:|"]
    for op in sorted(counts):
        c = counts[op]
        lines.append("| %s | %d | %d | %d |"
                     % (op, c["pass"], c["fail"], c["unsupported"]))
    lines.append("| **total (cases)** | %d | %d | %d |"
                 % (total["pass"], total["fail"], total["unsupported"]))
    table = "\n".join(lines)
    print(table)
    for failure in failures:
        print("FAIL " + failure)
    if options.markdown:
        with open(options.markdown, "w") as f:
            f.write(table + "\n")
    if options.update_doc:
        update_doc(options.update_doc, table)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
