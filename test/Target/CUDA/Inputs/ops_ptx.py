"""Compiles every op family of ops_vs_torch.py for the CUDA target and
assembles its PTX with ptxas for sm_80 and sm_90.

Usage: ops_ptx.py WORKDIR MLC_COMPILE PTXAS

Prints "FAMILY ARCH: ok" or "FAMILY ARCH: FAIL ..." per family and
architecture.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "Conversion",
                                "MithrilToLinalg", "Inputs"))
import ops_library_vs_torch as library  # noqa: E402
import ops_vs_torch as ops  # noqa: E402


def main():
    workdir, mlc_compile, ptxas = sys.argv[1:4]
    for family, cases in ops.FAMILIES.items():
        folder = os.path.join(workdir, family)
        os.makedirs(folder, exist_ok=True)
        ir, _, _ = library.build_model(cases, folder)
        model = os.path.join(folder, family + ".mlir")
        with open(model, "w") as out:
            out.write(ir)
        for chip in ("sm_80", "sm_90"):
            ptx = os.path.join(folder, "%s.%s.ptx" % (family, chip))
            steps = [[mlc_compile, model, "--target=cuda:" + chip, "-o", ptx],
                     [ptxas, "-arch=" + chip, ptx, "-o", ptx + ".cubin"]]
            failure = None
            for step in steps:
                result = subprocess.run(step, capture_output=True, text=True)
                if result.returncode:
                    failure = result.stderr.strip().splitlines()[:3]
                    break
            print("%s %s: %s" % (family, chip,
                                 "ok" if not failure else "FAIL %s" % failure))


if __name__ == "__main__":
    main()
