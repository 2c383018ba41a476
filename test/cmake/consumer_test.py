"""The build-system integration, from a user's side.

Installs the build into a temporary prefix and moves it (the tree must be
relocatable and hold no build-directory path), then builds
examples/cmake-consumer against the moved tree in a build of its own, with
only Mithril_DIR set. Its two programs (the model as a static and as a
shared library) classify seeded images; their logits are compared with the
PyTorch reference of examples/make_weights.py. Then the model is changed,
first its file (pointing at other weights), then those weights in place:
each build re-compiles the model, and the programs follow the new
reference. Last, a C program is built with pkg-config against the moved
tree's runtime, and the installed Python package compiles and runs the
model.

Usage: consumer_test.py BUILD_DIR SOURCE_DIR WORK_DIR CMAKE
Exit status 0 when everything holds; the first failure is printed.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import torch

BUILD_DIR, SOURCE_DIR, WORK_DIR, CMAKE = sys.argv[1:5]
sys.path.insert(0, os.path.join(SOURCE_DIR, "examples"))
import make_weights  # noqa: E402

IMAGE_SHAPE = (3, 4, 4)
CLASSES = 10


def run_failing(args):
    """Runs `args`, which must fail; its stdout and stderr."""
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode == 0:
        sys.exit("FAILED: succeeded: " + " ".join(args))
    return result.stdout + result.stderr


def run(args, **kwargs):
    """Runs `args`; its stdout, or the failure with its output."""
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit("FAILED (exit %d): %s\n%s%s" % (
            result.returncode, " ".join(args), result.stdout, result.stderr))
    return result.stdout


def check(condition, message):
    if not condition:
        sys.exit("FAILED: " + message)


def install_and_move():
    """Installs into WORK_DIR/installed, then moves it to WORK_DIR/moved."""
    installed = os.path.join(WORK_DIR, "installed")
    moved = os.path.join(WORK_DIR, "moved")
    run([CMAKE, "--install", BUILD_DIR, "--prefix", installed])
    os.rename(installed, moved)
    return installed, moved


def check_no_paths(tree, forbidden):
    """No file under `tree` names a path of `forbidden` (as bytes)."""
    for folder, _, files in os.walk(tree):
        for name in files:
            path = os.path.join(folder, name)
            if os.path.islink(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            for text in forbidden:
                check(text.encode() not in data,
                      "%s holds the path %s" % (path, text))


def reference(module, images):
    with torch.no_grad():
        return module(torch.from_numpy(images)).numpy()


def parse_logits(output):
    """The logits of 'image I: class K, logits v...' lines, and the classes."""
    rows, classes = [], []
    for line in output.splitlines():
        head, _, values = line.partition(", logits ")
        classes.append(int(head.split("class ")[1]))
        rows.append([float(v) for v in values.split()])
    return np.array(rows, dtype=np.float32), classes


def check_programs(consumer, images_path, expected, what):
    for program in ("classify_c", "classify_cpp"):
        actual, classes = parse_logits(
            run([os.path.join(consumer, program), images_path]))
        check(actual.shape == expected.shape, "%s %s: %d logits, expected %s"
              % (what, program, actual.size, expected.shape))
        off = np.abs(actual - expected) > np.abs(expected) * 2e-4 + 1e-5
        check(not off.any(), "%s %s: %d of %d logits differ from PyTorch:\n%s\n%s"
              % (what, program, off.sum(), off.size, actual, expected))
        check(classes == list(expected.argmax(axis=1)),
              "%s %s: classes %s" % (what, program, classes))
        print("%s %s: %d logits match PyTorch" % (what, program, actual.size))


def scale_weights(module, factor, path):
    """Scales every parameter of `module`, and writes them to `path`."""
    with torch.no_grad():
        for tensor in make_weights.parameters(module).values():
            tensor.mul_(factor)
    make_weights.write_atomic(
        path, make_weights.safetensors_bytes(make_weights.parameters(module)))


def build(consumer):
    return run([CMAKE, "--build", consumer])


def project(folder, mithril_dir, body):
    """A consumer project in `folder` whose CMakeLists.txt ends with `body`."""
    os.makedirs(folder)
    with open(os.path.join(folder, "CMakeLists.txt"), "w") as f:
        f.write("cmake_minimum_required(VERSION 3.20)\nproject(p LANGUAGES C)\n"
                "find_package(Mithril REQUIRED)\n" + body)
    with open(os.path.join(folder, "main.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    return [CMAKE, "-S", folder, "-B", os.path.join(folder, "build"), "-G",
            "Ninja", "-DMithril_DIR=" + mithril_dir]


def check_errors(mithril_dir, model_file):
    """Wrong calls stop at configure time; a broken model at build time,
    with mlc-compile's diagnostic and no output left behind."""
    errors = os.path.join(WORK_DIR, "errors")
    for case, body, message in [
            ("name", "mithril_add_model(my-model MODEL %s)\n" % model_file,
             "'my-model' is not a C identifier; give NAME <name>"),
            ("arguments", "mithril_add_model(m MODEL %s SHAPE x=1)\n" % model_file,
             "unknown arguments 'SHAPE;x=1'"),
            ("model", "mithril_add_model(m)\n", "MODEL <file> is required")]:
        output = run_failing(project(os.path.join(errors, case), mithril_dir, body))
        # CMake wraps messages: compare words.
        check(message in " ".join(output.split()), "%s: no '%s' in:\n%s" % (case, message, output))
    broken = os.path.join(errors, "broken")
    configure = project(broken, mithril_dir,
                        "mithril_add_model(m MODEL broken.json)\n"
                        "add_executable(app main.c)\n"
                        "target_link_libraries(app PRIVATE m)\n")
    with open(os.path.join(broken, "broken.json"), "w") as f:
        f.write('{"format": "mithril-model",\n')
    run(configure)
    output = run_failing([CMAKE, "--build", os.path.join(broken, "build")])
    check("broken.json:2:1: error: invalid JSON" in output,
          "broken model: no diagnostic in:\n" + output)
    model_dir = os.path.join(broken, "build", "mithril", "m")
    check(os.listdir(model_dir) == [], "broken model: left %s" % os.listdir(model_dir))
    print("wrong calls and a broken model: diagnosed")


def main():
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    os.makedirs(WORK_DIR)
    installed, moved = install_and_move()
    check_no_paths(moved, [os.path.realpath(BUILD_DIR), installed])
    print("install tree: relocatable, no build paths")

    # The model, in a folder of its own, so that the test can change it.
    model_dir = os.path.join(WORK_DIR, "model")
    os.makedirs(model_dir)
    for name in ("tiny_resnet.json", "tiny_resnet.safetensors"):
        shutil.copy(os.path.join(SOURCE_DIR, "examples", name), model_dir)
    model_file = os.path.join(model_dir, "tiny_resnet.json")

    consumer = os.path.join(WORK_DIR, "consumer")
    run([CMAKE, "-S", os.path.join(SOURCE_DIR, "examples", "cmake-consumer"),
         "-B", consumer, "-G", "Ninja",
         "-DMithril_DIR=" + os.path.join(moved, "lib", "cmake", "Mithril"),
         "-DTINY_RESNET_MODEL=" + model_file])
    build(consumer)

    rng = np.random.default_rng(5)
    images = rng.standard_normal((3,) + IMAGE_SHAPE).astype(np.float32)
    images_path = os.path.join(WORK_DIR, "images.f32")
    images.tofile(images_path)
    module = make_weights.build("tiny_resnet")
    check_programs(consumer, images_path, reference(module, images), "model")

    check("no work to do" in build(consumer), "a second build did work")

    # The model file changes: it names other weights.
    scaled = os.path.join(model_dir, "scaled.safetensors")
    scale_weights(module, 1.25, scaled)
    with open(model_file) as f:
        text = f.read()
    check('"weights": "tiny_resnet.safetensors"' in text, "no weights key")
    make_weights.write_atomic(model_file, text.replace(
        "tiny_resnet.safetensors", "scaled.safetensors").encode())
    check("Compiling model tiny_resnet" in build(consumer),
          "a changed model file did not re-compile the model")
    check_programs(consumer, images_path, reference(module, images),
                   "changed model file")

    # The weights it names change in place (found through mlc-compile's
    # depfile).
    scale_weights(module, 0.5, scaled)
    check("Compiling model tiny_resnet" in build(consumer),
          "changed weights did not re-compile the model")
    check_programs(consumer, images_path, reference(module, images),
                   "changed weights")

    check_errors(os.path.join(moved, "lib", "cmake", "Mithril"), model_file)

    # The installed Python package finds the moved tree's tools.
    script = ("import json, numpy as np, mithril as ml\n"
              "c = ml.compile(%r, shapes={'input': [3, 3, 4, 4]})\n"
              "print(json.dumps(c(input=np.load(%r))['output'].tolist()))\n") % (
                  model_file, os.path.join(WORK_DIR, "images.npy"))
    np.save(os.path.join(WORK_DIR, "images.npy"), images)
    env = dict(os.environ,
               PYTHONPATH=os.path.join(moved, "lib", "python3", "dist-packages"),
               MITHRIL_CACHE_DIR=os.path.join(WORK_DIR, "python-cache"))
    env.pop("MITHRIL_COMPILER", None)
    logits = np.array(json.loads(run([sys.executable, "-c", script], env=env)),
                      np.float32)
    expected = reference(module, images)
    check(np.allclose(logits, expected, rtol=2e-4, atol=1e-5),
          "the installed Python package: %s, expected %s" % (logits, expected))
    print("installed Python package: matches PyTorch")

    # pkg-config: the installed compiler and runtime, without CMake.
    pkg = os.path.join(WORK_DIR, "pkg-config")
    os.makedirs(pkg)
    run([os.path.join(moved, "bin", "mlc-compile"), model_file, "-o",
         os.path.join(pkg, "libtiny_resnet.a")])
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(moved, "lib", "pkgconfig"))
    flags = run(["pkg-config", "--cflags", "--libs", "mithril_runtime"],
                env=env).split()
    program = os.path.join(pkg, "classify")
    run(["cc", "-std=c11", "-Wall", "-Werror", "-I" + pkg,
         os.path.join(SOURCE_DIR, "examples", "cmake-consumer", "classify.c"),
         "-o", program, os.path.join(pkg, "libtiny_resnet.a")] + flags + ["-lm"])
    env = dict(os.environ, LD_LIBRARY_PATH=os.path.join(moved, "lib"))
    check(run([program, images_path], env=env) ==
          run([os.path.join(consumer, "classify_c"), images_path]),
          "the pkg-config build differs from the CMake one")
    print("pkg-config build: same output")


if __name__ == "__main__":
    main()
