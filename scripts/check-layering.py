#!/usr/bin/env python3
"""Checks that each layer of Mithril uses only the layers below it.

The layers, lowest first (docs/architecture.md draws them):

    runtime     runtime/                   no MLIR, no LLVM
    support     include/mithril/Support    interfaces shared by the layers above
    ir          dialects/mithril/IR        the mithril dialect
    transforms  dialects/mithril/Transforms  passes on the dialect
    conversion  lib/Conversion             mithril -> linalg
    frontend    lib/Frontend               model files, ONNX
    codegen     lib/Codegen                target-independent codegen, the library ABI
    target      lib/Target                 the Target interface and each target
    driver      lib/Driver                 what mlc-compile does
    tools       tools/                     thin mains

Two checks: every `#include "mithril/..."` of a source file names a header
of its own layer or one it may use, and every Mithril library a
CMakeLists.txt links is of such a layer. Frontends and codegen are side by
side: neither uses the other (weights reach codegen through
mithril/Support/WeightSource.h). Exit status 1, with one line per breach.

    /usr/bin/python3 scripts/check-layering.py [SOURCE_DIR]
"""
import os
import re
import sys

# Each layer, and the layers it may use besides itself.
USES = {
    "runtime": set(),
    "support": {"runtime"},
    "ir": set(),
    "transforms": {"ir"},
    "conversion": {"ir"},
    "frontend": {"ir", "transforms", "support", "runtime"},
    "codegen": {"ir", "transforms", "conversion", "support", "runtime"},
    "target": {"codegen", "conversion", "transforms", "ir", "support", "runtime"},
    "driver": {"target", "codegen", "frontend", "conversion", "transforms", "ir",
               "support", "runtime"},
    "tools": {"driver", "target", "codegen", "frontend", "conversion", "transforms",
              "ir", "support", "runtime"},
}

# Where each layer's sources are, by path prefix (first match wins).
SOURCE_LAYERS = [
    ("runtime/", "runtime"),
    ("include/mithril/Support/", "support"),
    ("dialects/mithril/IR/", "ir"),
    ("dialects/mithril/Transforms/", "transforms"),
    ("include/mithril/Conversion/", "conversion"), ("lib/Conversion/", "conversion"),
    ("include/mithril/Frontend/", "frontend"), ("lib/Frontend/", "frontend"),
    ("include/mithril/Codegen/", "codegen"), ("lib/Codegen/", "codegen"),
    ("include/mithril/Target/", "target"), ("lib/Target/", "target"),
    ("include/mithril/Driver/", "driver"), ("lib/Driver/", "driver"),
    ("tools/", "tools"),
]

# The layer of an included header, by its include path.
HEADER_LAYERS = [
    ("mithril/runtime", "runtime"), ("mithril/Support/", "support"),
    ("mithril/IR/", "ir"), ("mithril/Transforms/", "transforms"),
    ("mithril/Conversion/", "conversion"), ("mithril/Frontend/", "frontend"),
    ("mithril/Codegen/", "codegen"), ("mithril/Target/", "target"),
    ("mithril/Driver/", "driver"),
]

# The layer of each Mithril library target.
LIBRARY_LAYERS = {
    "MithrilDType": "runtime", "MithrilRuntimeSupport": "runtime",
    "MithrilSafetensors": "runtime", "MithrilNpy": "runtime",
    "MithrilSignature": "runtime", "MithrilRuntime": "runtime",
    "MithrilRuntimeStatic": "runtime", "MithrilRuntimeObjects": "runtime",
    "MithrilIR": "ir", "MithrilTransforms": "transforms",
    "MithrilToLinalg": "conversion",
    "MithrilFrontend": "frontend", "MithrilOnnxFrontend": "frontend",
    "MithrilCodegenTransforms": "codegen", "MithrilCodegenABI": "codegen",
    "MithrilTarget": "target", "MithrilCPUTarget": "target",
    "MithrilCUDATarget": "target",
    "MithrilAllTargets": "target", "MithrilDriver": "driver",
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^">]+)[">]', re.M)
LINK = re.compile(r"target_link_libraries\(\s*([\w-]+)([^)]*)\)", re.S)


def layer_of(path, table):
    for prefix, layer in table:
        if path.startswith(prefix):
            return layer
    return None


def may_use(layer, other):
    return other == layer or other in USES[layer]


def check_includes(root, breaches):
    for folder in ("runtime", "include", "dialects", "lib", "tools"):
        for directory, _, files in os.walk(os.path.join(root, folder)):
            for name in files:
                if not name.endswith((".h", ".cpp", ".c", ".inc")):
                    continue
                path = os.path.relpath(os.path.join(directory, name), root)
                layer = layer_of(path, SOURCE_LAYERS)
                if layer is None:
                    continue
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    text = f.read()
                for header in INCLUDE.findall(text):
                    if layer == "runtime" and header.startswith(("mlir/", "llvm/")):
                        breaches.append("%s: the runtime includes %s" % (path, header))
                    used = layer_of(header, HEADER_LAYERS)
                    if used and not may_use(layer, used):
                        breaches.append("%s (%s) includes %s (%s)" % (
                            path, layer, header, used))


def check_links(root, breaches):
    for folder in ("runtime", "dialects", "lib", "tools"):
        for directory, _, files in os.walk(os.path.join(root, folder)):
            if "CMakeLists.txt" not in files:
                continue
            path = os.path.relpath(os.path.join(directory, "CMakeLists.txt"), root)
            with open(os.path.join(root, path), encoding="utf-8") as f:
                text = re.sub(r"#.*", "", f.read())
            for target, libraries in LINK.findall(text):
                layer = LIBRARY_LAYERS.get(target) or layer_of(path, SOURCE_LAYERS)
                for library in re.findall(r"\bMithril\w+", libraries):
                    used = LIBRARY_LAYERS.get(library)
                    if used is None:
                        breaches.append("%s: %s links %s, a library of no known "
                                        "layer (add it to %s)" % (
                                            path, target, library, __file__))
                    elif not may_use(layer, used):
                        breaches.append("%s: %s (%s) links %s (%s)" % (
                            path, target, layer, library, used))


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    breaches = []
    check_includes(root, breaches)
    check_links(root, breaches)
    for breach in breaches:
        print("check-layering: " + breach)
    if breaches:
        return 1
    print("check-layering: every include and link goes to a layer below")
    return 0


if __name__ == "__main__":
    sys.exit(main())
