# lit configuration of Mithril's FileCheck tests.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Mithril"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "unittests", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mithril_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["mlc-compile", "mlc-opt", "mlc-translate", "mlc-run"],
    [config.mithril_tools_dir])
config.substitutions.append(
    ("%examples", os.path.join(config.mithril_src_root, "examples")))
config.substitutions.append(("%python", config.python_executable))
# Building C programs against a compiled library and the runtime.
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(
    ("%runtime_include", os.path.join(config.mithril_src_root, "runtime", "include")))
config.substitutions.append(
    ("%runtime_lib_dir", os.path.join(config.mithril_obj_root, "lib")))
# What a program linking a model statically adds: libomp, the thread pool of
# its parallel loops.
config.substitutions.append(
    ("%openmp_libs", "-L{0} -lomp -Wl,-rpath,{0}".format(config.openmp_dir)))

# ONNX's own backend test data (Debian's libonnx-testdata).
config.substitutions.append(
    ("%onnx_node_tests", "/usr/share/libonnx-testdata/data/node"))

# The CUDA toolkit's PTX assembler checks the CUDA target's PTX
# (docs/cuda.md); tests that need it are skipped where it is absent.
ptxas = "/usr/local/cuda/bin/ptxas"
if os.path.exists(ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
