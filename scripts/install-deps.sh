#!/usr/bin/env bash
# Installs, from Debian's archive only, every package Mithril needs to build
# and test. Idempotent: packages already present are skipped, and apt is not
# touched at all when nothing is missing. Fails loudly on any error.
set -euo pipefail

packages=(
  # Toolchain and build.
  cmake ninja-build ccache g++ git pkgconf
  # LLVM/MLIR 22, linked as the shared libLLVM.so / libMLIR.so.
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  # LLVM's OpenMP runtime: the threads of compiled models' parallel loops.
  libomp-22-dev
  # Libraries. zstd: what LLVM's static Support library (mithril-tblgen,
  # mlc-run) links.
  nlohmann-json3-dev libgtest-dev libzstd-dev
  # ONNX in: ONNX's protobuf messages, and its own backend test data.
  libonnx-dev libprotobuf-dev libonnx-testdata
  # Tests: the lit runner's Python, the PyTorch reference, and ONNX's
  # Python package (reading the backend tests' tensors).
  python3-numpy python3-torch python3-pytest python3-onnx
  # Training: scikit-learn's bundled digits (examples/python/train_digits.py)
  # and tqdm's progress bar of ml.Trainer.
  python3-sklearn python3-tqdm
  # Benchmarks: torchvision's ResNet-18, and OpenBLAS under NumPy (the
  # reference BLAS is the default otherwise), as the peers.
  python3-torchvision libopenblas0-pthread
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: done"
