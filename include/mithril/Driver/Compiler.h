//===- Compiler.h - What mlc-compile does, as a library ---------*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// One compilation, from a model in to artefacts out: the options are
// checked, the frontend for the input's format reads it, the target's
// phases run up to `--stop-after`, and the output is written with what
// goes beside it (the C header, external weights, a depfile). mlc-compile is
// its command line and one call; other drivers (a build-system plugin, a
// server) make the same call.
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_DRIVER_COMPILER_H
#define MITHRIL_DRIVER_COMPILER_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlir::mithril {

/// What a compilation is asked to do, as mlc-compile's options say it (see
/// spec/tools.md); `runCompiler` checks every value.
/// `--train` and its options as given (unset: PyTorch's default).
struct TrainingFlags {
  bool train = false;
  std::optional<std::string> loss, reduction, optimizer, betas;
  std::optional<double> learningRate, momentum, dampening, eps, weightDecay,
      labelSmoothing;
  std::optional<int64_t> ignoreIndex;
  bool nesterov = false;
  bool inputGradients = false;
};

struct CompilerOptions {
  /// The model: a model file (.json), ONNX (.onnx) or mithril IR (.mlir).
  std::string input;
  /// What to write, by extension: .so (the default, lib<name>.so), .a, .o,
  /// .h, .s, .ll or .mlir.
  std::string output;
  /// A `--target` name of a registered family.
  std::string target = "host";
  /// The last phase to run (`--stop-after`); empty runs them all.
  std::string stopAfter;
  /// `NAME=DIMS` per input to fix; `batch` fixes every `N` (-1: none).
  std::vector<std::string> shapes;
  int64_t batch = -1;
  /// Safetensors weights overriding the model file's.
  std::string weights;
  /// `random`: PyTorch's default initialisers instead of weights.
  std::string init;
  uint64_t seed = 0;
  /// `embed` (the default) or `external` (`<name>.safetensors` beside).
  std::string weightsMode = "embed";
  /// The library's C name; none keeps the model's.
  std::optional<std::string> name;
  /// `exported`, `local`, or empty (local for .o and .a).
  std::string reflection;
  /// `f32`, `f16` or `bf16` (--precision), and the dtype of float inputs
  /// and outputs (--io-precision: `model`, `f32`, `f16`, `bf16`).
  std::string precision = "f32", ioPrecision = "model";
  /// `int8` or `int8-dynamic` (--quantize); empty for none.
  std::string quantize;
  /// Where to write the files read as a Makefile rule; empty for none.
  std::string depfile;
  /// Threads a call runs on by default: 0 one per core, 1 sequential.
  int threads = 0;
  bool stats = false;
  TrainingFlags training;
  bool printIRAfterAll = false;
  bool timing = false;
  /// The running mlc-compile, near which libmithril_runtime.so is found.
  std::string executable;
};

/// Runs one compilation. Diagnostics go to stderr, `--stats` to stdout.
/// Returns the exit status: 0 on success, 1 on a usage error, 2 on a
/// rejected input or a failed run; no output is left half written.
int runCompiler(const CompilerOptions &options);

} // namespace mlir::mithril

#endif // MITHRIL_DRIVER_COMPILER_H
