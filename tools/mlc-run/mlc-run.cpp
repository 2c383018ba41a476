//===- mlc-run.cpp - Run and time a compiled library ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mlc-run LIB.so [--entry NAME]
//         [--input NAME=@FILE.npy | NAME=DIMSxDTYPE=VALUE]...
//         [--weights FILE.safetensors] [--output-dir DIR] [--print]
//         [--threads N] [--benchmark=N [--warmup=K]] [--steps=N] [--describe]
//         [--save-weights FILE.safetensors]
//
// Loads the library through libmithril_runtime's C API, the way any host
// does, and writes each output as DIR/<name>.npy. Its options are parsed by
// llvm::cl, like every Mithril tool's, but from LLVM's static Support
// library: mlc-run loads neither libLLVM nor libMLIR, so it runs wherever a
// compiled model runs. f32 arrays given for f16 or bf16 inputs, and bf16
// outputs (which NumPy cannot hold), go through the runtime's conversions.
//
//===----------------------------------------------------------------------===//

#include "mithril/Version.h"
#include "mithril/runtime.h"
#include "mithril/runtime/Npy.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace mithril::runtime;
namespace cl = llvm::cl;

namespace {

constexpr const char *kOverview =
    "run and time a compiled library\n"
    "\n"
    "usage: mlc-run LIB.so [--entry NAME]\n"
    "               [--input NAME=@FILE.npy | NAME=DIMSxDTYPE=VALUE]...\n"
    "               [--weights FILE.safetensors] [--output-dir DIR] [--print]\n"
    "               [--threads N] [--benchmark=N [--warmup=K]] [--steps=N] "
    "[--describe]\n"
    "               [--save-weights FILE.safetensors]\n"
    "\n"
    "Runs an entry of a library that mlc-compile emitted and writes each\n"
    "output as DIR/<name>.npy. Exit status: 0 on success, 1 on a usage\n"
    "error, 2 on a rejected input or a failed run.\n";

constexpr const char *kDTypeNotes =
    "\nDtypes: an f16 or bf16 input may be given as f32 (an .npy file or a\n"
    "fill such as x=2x3xf32=0.5): the runtime converts it, rounding to\n"
    "nearest even. NumPy has no bfloat16, so a bf16 output is written as an\n"
    "f32 .npy (exactly); an f16 output is written as float16.\n";

cl::OptionCategory &runCategory() {
  static cl::OptionCategory category("mlc-run options");
  return category;
}

/// mlc-run's options (spec/tools.md).
struct Options {
  cl::opt<std::string> library{cl::Positional, cl::desc("<LIB.so>"),
                               cl::cat(runCategory())};
  cl::opt<std::string> entry{"entry",
                             cl::desc("The entry to run (default: the first)"),
                             cl::value_desc("NAME"), cl::cat(runCategory())};
  cl::list<std::string> inputs{
      "input",
      cl::desc("An input from a .npy file (NAME=@FILE.npy) or filled with "
               "one value (NAME=DIMSxDTYPE=VALUE, e.g. x=2x3xf32=0.5)"),
      cl::value_desc("NAME=..."), cl::cat(runCategory())};
  cl::opt<std::string> weights{
      "weights", cl::desc("Safetensors weights instead of the library's own"),
      cl::value_desc("FILE"), cl::cat(runCategory())};
  cl::opt<std::string> outputDir{
      "output-dir", cl::desc("Where the outputs go (default: .)"),
      cl::value_desc("DIR"), cl::init("."), cl::cat(runCategory())};
  cl::opt<bool> print{"print", cl::desc("Also print the outputs"),
                      cl::cat(runCategory())};
  cl::opt<int64_t> threads{
      "threads",
      cl::desc("Threads per call (default: the library's, one per core "
               "unless compiled with mlc-compile --threads)"),
      cl::value_desc("N"), cl::init(0), cl::cat(runCategory())};
  cl::opt<int64_t> benchmark{
      "benchmark", cl::desc("Time N calls and print min/median/mean ms"),
      cl::value_desc("N"), cl::init(0), cl::cat(runCategory())};
  cl::opt<int64_t> warmup{
      "warmup", cl::desc("Untimed calls before --benchmark (default 1)"),
      cl::value_desc("K"), cl::init(1), cl::cat(runCategory())};
  cl::opt<bool> describe{
      "describe", cl::desc("Print the library's signature as JSON and exit"),
      cl::cat(runCategory())};
  cl::opt<int64_t> steps{
      "steps",
      cl::desc("Call the entry N times on the inputs (train steps: each "
               "updates the instance; a scalar output 'loss' is printed per "
               "step)"),
      cl::value_desc("N"), cl::init(1), cl::cat(runCategory())};
  cl::opt<std::string> saveWeights{
      "save-weights",
      cl::desc("After the run, write the instance's parameters to FILE "
               "(safetensors, PyTorch state_dict names)"),
      cl::value_desc("FILE"), cl::cat(runCategory())};
};

int usageError(const std::string &message) {
  std::fprintf(stderr, "mlc-run: %s\n(mlc-run --help lists the options)\n",
               message.c_str());
  return 1;
}

int runError(const std::string &message) {
  std::fprintf(stderr, "mlc-run: %s\n", message.c_str());
  return 2;
}

/// Checks that a count option given on the command line is at least
/// `minimum` (0 or 1), and fits the C API's int32_t.
std::optional<int> checkCount(const cl::opt<int64_t> &option, int64_t minimum) {
  int64_t value = option.getValue();
  if (!option.getNumOccurrences() || (value >= minimum && value <= INT32_MAX))
    return std::nullopt;
  return usageError("--" + option.ArgStr.str() + " takes a " +
                    (minimum ? "positive" : "non-negative") +
                    " integer, not '" + std::to_string(value) + "'");
}

/// Checks what llvm::cl cannot; an exit status when the run should stop.
std::optional<int> checkOptions(const Options &options) {
  if (std::optional<int> status = checkCount(options.threads, 1))
    return status;
  if (std::optional<int> status = checkCount(options.benchmark, 1))
    return status;
  if (std::optional<int> status = checkCount(options.warmup, 0))
    return status;
  if (std::optional<int> status = checkCount(options.steps, 1))
    return status;
  if (options.steps.getNumOccurrences() &&
      options.benchmark.getNumOccurrences())
    return usageError("--steps and --benchmark exclude each other");
  if (options.library.empty())
    return usageError("give a library to run");
  return std::nullopt;
}

/// "-h" is --help, as in the tools that predate llvm::cl.
void addShortHelp() {
  auto &registered = cl::getRegisteredOptions();
  auto help = registered.find("help");
  if (help == registered.end())
    return;
  static cl::alias shortHelp("h", cl::desc("Alias for --help"),
                             cl::aliasopt(*help->second),
                             cl::cat(runCategory()));
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

std::optional<int64_t> parseDim(const std::string &text) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::strtoll(text.c_str(), nullptr, 10);
}

bool isHalfDType(DType dtype) {
  return dtype == DType::F16 || dtype == DType::BF16;
}

/// A tensor over the bytes of `array` (no copy).
mithril_tensor viewOf(NpyArray &array) {
  mithril_tensor tensor{};
  tensor.data = array.data.data();
  tensor.dtype = int32_t(array.dtype);
  tensor.rank = int32_t(std::min<size_t>(array.shape.size(), MITHRIL_MAX_RANK));
  std::copy(array.shape.begin(), array.shape.begin() + tensor.rank,
            tensor.shape);
  return tensor;
}

/// Converts `array` (f32, f16 or bf16) to `dtype` through the runtime.
bool convertArray(NpyArray &array, DType dtype, std::string &error) {
  NpyArray converted;
  converted.dtype = dtype;
  converted.shape = array.shape;
  converted.data.resize(size_t(std::max<int64_t>(array.numElements(), 0)) *
                        dtypeSize(dtype));
  mithril_tensor source = viewOf(array), target = viewOf(converted);
  if (mithril_status status = mithril_tensor_convert(&source, &target)) {
    error = mithril_status_message(status);
    mithril_status_free(status);
    return false;
  }
  array = std::move(converted);
  return true;
}

/// Writes `value` as one element of `dtype` at `out`.
void storeElement(DType dtype, double value, uint8_t *out) {
  auto store = [&](auto element) {
    std::memcpy(out, &element, sizeof element);
  };
  float single = float(value);
  uint16_t half = 0;
  switch (dtype) {
  case DType::F32:
    return store(single);
  case DType::F64:
    return store(value);
  case DType::F16:
    mithril_convert_f32_to_f16(&single, &half, 1);
    return store(half);
  case DType::BF16:
    mithril_convert_f32_to_bf16(&single, &half, 1);
    return store(half);
  case DType::I64:
    return store(int64_t(value));
  case DType::I32:
    return store(int32_t(value));
  case DType::I8:
    return store(int8_t(value));
  case DType::U8:
    return store(uint8_t(value));
  case DType::Bool:
    return store(uint8_t(value != 0));
  }
}

/// Splits `2x3xf32` into its dims and dtype.
bool parseLayout(const std::string &layout, NpyArray &array,
                 std::string &error) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t x = layout.find('x', start);
    parts.push_back(layout.substr(start, x - start));
    if (x == std::string::npos)
      break;
    start = x + 1;
  }
  std::optional<DType> dtype = parseModelDType(parts.back());
  if (!dtype) {
    error = "unknown dtype '" + parts.back() +
            "' (f32, f16, bf16, f64, i64, i32, i8, u8, bool)";
    return false;
  }
  array.dtype = *dtype;
  parts.pop_back();
  for (const std::string &part : parts) {
    std::optional<int64_t> dim = parseDim(part);
    if (!dim) {
      error = "'" + part + "' is not a dim";
      return false;
    }
    array.shape.push_back(*dim);
  }
  return true;
}

/// `2x3xf32=0.5` into a filled array.
bool parseFill(const std::string &spec, NpyArray &array, std::string &error) {
  size_t equals = spec.rfind('=');
  if (equals == std::string::npos) {
    error = "expected DIMSxDTYPE=VALUE or @FILE.npy";
    return false;
  }
  if (!parseLayout(spec.substr(0, equals), array, error))
    return false;
  std::string valueText = spec.substr(equals + 1);
  char *end = nullptr;
  double value = std::strtod(valueText.c_str(), &end);
  if (valueText.empty() || *end != '\0') {
    error = "'" + valueText + "' is not a number";
    return false;
  }
  int64_t elements = array.numElements();
  size_t elementSize = dtypeSize(array.dtype);
  if (elements < 0 || uint64_t(elements) > (uint64_t(1) << 40) / elementSize) {
    error = "the shape is too large";
    return false;
  }
  array.data.resize(size_t(elements) * elementSize);
  for (int64_t i = 0; i < elements; ++i)
    storeElement(array.dtype, value, array.data.data() + i * elementSize);
  return true;
}

/// Reads the --input values, by name.
bool readInputs(const std::vector<std::string> &specs,
                std::map<std::string, NpyArray> &arrays, std::string &error) {
  for (const std::string &spec : specs) {
    size_t equals = spec.find('=');
    if (equals == std::string::npos || equals == 0) {
      error = "--input " + spec +
              ": expected NAME=@FILE.npy or "
              "NAME=DIMSxDTYPE=VALUE";
      return false;
    }
    std::string name = spec.substr(0, equals), value = spec.substr(equals + 1);
    if (arrays.count(name)) {
      error = "input '" + name + "' is given twice";
      return false;
    }
    NpyArray &array = arrays[name];
    bool ok = !value.empty() && value[0] == '@'
                  ? readNpy(value.substr(1), array, error)
                  : parseFill(value, array, error);
    if (!ok) {
      error = "input '" + name + "': " + error;
      return false;
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Outputs
//===----------------------------------------------------------------------===//

double loadElement(DType dtype, const uint8_t *in) {
  auto load = [&](auto element) {
    std::memcpy(&element, in, sizeof element);
    return double(element);
  };
  uint16_t half;
  float single;
  switch (dtype) {
  case DType::F32:
    return load(float());
  case DType::F64:
    return load(double());
  case DType::F16:
    std::memcpy(&half, in, 2);
    mithril_convert_f16_to_f32(&half, &single, 1);
    return single;
  case DType::BF16:
    std::memcpy(&half, in, 2);
    mithril_convert_bf16_to_f32(&half, &single, 1);
    return single;
  case DType::I64:
    return load(int64_t());
  case DType::I32:
    return load(int32_t());
  case DType::I8:
    return load(int8_t());
  case DType::U8:
  case DType::Bool:
    return load(uint8_t());
  }
  return 0;
}

/// Prints `tensor`'s dtype and shape, then its values one row (of the last
/// dim) per line; at most 1000 values.
void printTensor(const std::string &name, const mithril_tensor &tensor) {
  DType dtype = DType(tensor.dtype);
  std::printf("%s: %s [", name.c_str(), mithril_dtype_name(tensor.dtype));
  int64_t elements = 1;
  for (int32_t i = 0; i < tensor.rank; ++i) {
    std::printf(i ? ",%lld" : "%lld", (long long)tensor.shape[i]);
    elements *= tensor.shape[i];
  }
  std::printf("]\n");
  int64_t rowLength = tensor.rank ? tensor.shape[tensor.rank - 1] : 1;
  const int64_t limit = std::min<int64_t>(elements, 1000);
  const auto *data = static_cast<const uint8_t *>(tensor.data);
  size_t elementSize = dtypeSize(dtype);
  for (int64_t i = 0; i < limit; ++i) {
    bool rowStart = rowLength == 0 || i % rowLength == 0;
    bool rowEnd = rowLength == 0 || (i + 1) % rowLength == 0 || i + 1 == limit;
    std::printf("%s%.6g%s", rowStart ? "  " : " ",
                loadElement(dtype, data + i * elementSize), rowEnd ? "\n" : "");
  }
  if (elements > limit)
    std::printf("  ... (%lld values)\n", (long long)elements);
}

/// Writes `tensor` as DIR/<name>.npy; bf16 as f32, which NumPy can read.
bool writeOutput(const std::string &directory, const std::string &name,
                 const mithril_tensor &tensor, std::string &error) {
  NpyArray array;
  array.dtype = DType(tensor.dtype);
  array.shape.assign(tensor.shape, tensor.shape + tensor.rank);
  size_t bytes = size_t(std::max<int64_t>(array.numElements(), 0)) *
                 dtypeSize(array.dtype);
  const auto *data = static_cast<const uint8_t *>(tensor.data);
  array.data.assign(data, data + bytes);
  if (array.dtype == DType::BF16 && !convertArray(array, DType::F32, error))
    return false;
  std::string file = name;
  std::replace(file.begin(), file.end(), '/', '_');
  std::string path = directory + "/" + file + ".npy";
  if (!writeNpy(path, array, error)) {
    error = "cannot write '" + path + "': " + error;
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The run
//===----------------------------------------------------------------------===//

/// Owns the C API's handles.
struct Session {
  mithril_library *library = nullptr;
  mithril_model *model = nullptr;
  std::vector<mithril_tensor> outputs;

  ~Session() {
    freeOutputs();
    mithril_model_destroy(model);
    mithril_library_close(library);
  }
  void freeOutputs() {
    for (mithril_tensor &tensor : outputs)
      mithril_tensor_free(&tensor);
  }
};

/// The message of a failed status (freed).
std::string take(mithril_status status) {
  std::string message = mithril_status_message(status);
  mithril_status_free(status);
  return message;
}

std::string describePort(const mithril_port &port) {
  std::string text = std::string(mithril_dtype_name(port.dtype)) + " [";
  for (int32_t i = 0; i < port.rank; ++i) {
    text += i ? "," : "";
    text += port.shape[i] >= 0 ? std::to_string(port.shape[i])
            : port.symbols[i]  ? port.symbols[i]
                               : "?";
  }
  return text + "]";
}

/// Makes `array` the input `port` takes: an f32 array for an f16 or bf16
/// input is converted; anything else is left for the runtime to check.
bool adaptInput(const mithril_port &port, NpyArray &array, std::string &error) {
  DType expected = DType(port.dtype);
  if (array.dtype != DType::F32 || !isHalfDType(expected))
    return true;
  if (convertArray(array, expected, error))
    return true;
  error = "input '" + std::string(port.name) + "': " + error;
  return false;
}

/// The inputs in the entry's order, as tensors over `arrays`.
bool bindInputs(const mithril_library *library, size_t entry,
                std::map<std::string, NpyArray> &arrays,
                std::vector<mithril_tensor> &tensors, std::string &error) {
  size_t count = mithril_library_num_ports(library, entry, MITHRIL_PORT_INPUT);
  std::map<std::string, bool> known;
  for (size_t i = 0; i < count; ++i) {
    mithril_port port;
    mithril_status_free(
        mithril_library_port(library, entry, MITHRIL_PORT_INPUT, i, &port));
    known[port.name] = true;
    auto it = arrays.find(port.name);
    if (it == arrays.end()) {
      error = "missing input '" + std::string(port.name) + "' (" +
              describePort(port) + "): give --input " + port.name +
              "=@FILE.npy";
      return false;
    }
    NpyArray &array = it->second;
    if (array.shape.size() > MITHRIL_MAX_RANK) {
      error = "input '" + it->first + "' has rank " +
              std::to_string(array.shape.size()) + ", expected " +
              std::to_string(port.rank);
      return false;
    }
    if (!adaptInput(port, array, error))
      return false;
    tensors.push_back(viewOf(array));
  }
  for (const auto &[name, array] : arrays) {
    if (known.count(name))
      continue;
    std::string names;
    for (const auto &[expected, unused] : known)
      names += (names.empty() ? "" : ", ") + expected;
    error = "the entry has no input '" + name + "' (inputs: " + names + ")";
    return false;
  }
  return true;
}

void printTimes(std::vector<double> milliseconds) {
  std::sort(milliseconds.begin(), milliseconds.end());
  double sum = 0;
  for (double time : milliseconds)
    sum += time;
  size_t n = milliseconds.size();
  double median = n % 2 ? milliseconds[n / 2]
                        : (milliseconds[n / 2 - 1] + milliseconds[n / 2]) / 2;
  std::printf("%zu calls: min %.3f ms, median %.3f ms, mean %.3f ms\n", n,
              milliseconds.front(), median, sum / double(n));
}

/// Prints the library's signature as indented JSON.
void printSignature(const mithril_library *library) {
  nlohmann::ordered_json signature = nlohmann::ordered_json::parse(
      mithril_library_signature(library), nullptr, false);
  std::printf(
      "%s\n",
      signature
          .dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
          .c_str());
}

/// Creates the instance with the options' weights and threads.
mithril_status createModel(const Options &options, Session &session) {
  mithril_model_options modelOptions;
  mithril_model_options_initialize(&modelOptions);
  modelOptions.threads = int32_t(options.threads);
  if (!options.weights.empty())
    modelOptions.weights_path = options.weights.c_str();
  return mithril_model_create_with_options(session.library, &modelOptions,
                                           &session.model);
}

/// Prints `step I: loss L` when the entry's one output is a scalar f32
/// named `loss` (a train step's).
void printLoss(const Session &session, size_t entry, int64_t step) {
  if (session.outputs.size() != 1)
    return;
  mithril_port port;
  mithril_status_free(mithril_library_port(session.library, entry,
                                           MITHRIL_PORT_OUTPUT, 0, &port));
  const mithril_tensor &loss = session.outputs[0];
  if (std::string(port.name) != "loss" || loss.rank != 0 ||
      loss.dtype != MITHRIL_F32 || !loss.data)
    return;
  std::printf("step %lld: loss %.6g\n", static_cast<long long>(step + 1),
              double(*static_cast<const float *>(loss.data)));
}

/// Runs the entry (K warm-ups and N timed calls with --benchmark, else
/// --steps times); the time of each timed call in `times`.
mithril_status runCalls(const Options &options, Session &session, size_t entry,
                        const std::vector<mithril_tensor> &inputs,
                        std::vector<double> &times) {
  std::vector<const mithril_tensor *> inputPointers;
  for (const mithril_tensor &tensor : inputs)
    inputPointers.push_back(&tensor);
  std::vector<mithril_tensor *> outputPointers;
  for (mithril_tensor &tensor : session.outputs)
    outputPointers.push_back(&tensor);
  auto call = [&]() -> mithril_status {
    session.freeOutputs();
    return mithril_model_run(session.model, entry, inputPointers.data(),
                             inputPointers.size(), outputPointers.data(),
                             outputPointers.size());
  };
  int64_t warmups = options.benchmark ? int64_t(options.warmup) : 0;
  for (int64_t i = 0; i < warmups; ++i)
    if (mithril_status status = call())
      return status;
  int64_t calls =
      options.benchmark ? int64_t(options.benchmark) : int64_t(options.steps);
  for (int64_t i = 0; i < calls; ++i) {
    auto start = std::chrono::steady_clock::now();
    if (mithril_status status = call())
      return status;
    if (options.steps > 1)
      printLoss(session, entry, i);
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  return nullptr;
}

/// Prints (with --print) and writes every output.
bool writeOutputs(const Options &options, const Session &session, size_t entry,
                  std::string &error) {
  for (size_t i = 0; i < session.outputs.size(); ++i) {
    mithril_port port;
    mithril_status_free(mithril_library_port(session.library, entry,
                                             MITHRIL_PORT_OUTPUT, i, &port));
    if (options.print)
      printTensor(port.name, session.outputs[i]);
    if (!writeOutput(options.outputDir, port.name, session.outputs[i], error))
      return false;
  }
  return true;
}

int run(const Options &options) {
  Session session;
  if (mithril_status status =
          mithril_library_open(options.library.c_str(), &session.library))
    return runError(take(status));
  if (options.describe) {
    printSignature(session.library);
    return 0;
  }
  size_t entry = 0;
  if (mithril_status status = mithril_library_find_entry(
          session.library,
          options.entry.empty() ? nullptr : options.entry.c_str(), &entry))
    return runError(take(status));

  std::map<std::string, NpyArray> arrays;
  std::vector<mithril_tensor> inputs;
  std::string error;
  std::vector<std::string> specs(options.inputs.begin(), options.inputs.end());
  if (!readInputs(specs, arrays, error) ||
      !bindInputs(session.library, entry, arrays, inputs, error))
    return runError(error);
  if (mithril_status status = createModel(options, session))
    return runError(take(status));

  session.outputs.assign(
      mithril_library_num_ports(session.library, entry, MITHRIL_PORT_OUTPUT),
      mithril_tensor{});
  std::vector<double> times;
  if (mithril_status status = runCalls(options, session, entry, inputs, times))
    return runError(take(status));
  if (!writeOutputs(options, session, entry, error))
    return runError(error);
  if (!options.saveWeights.empty())
    if (mithril_status status = mithril_model_save_parameters(
            session.model, options.saveWeights.c_str()))
      return runError(take(status));
  if (options.benchmark)
    printTimes(times);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  addShortHelp();
  cl::HideUnrelatedOptions(runCategory());
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "mlc-run, Mithril version " << MITHRIL_VERSION << "\n";
  });
  cl::extrahelp dtypeNotes(kDTypeNotes);
  cl::ParseCommandLineOptions(argc, argv, kOverview);
  if (std::optional<int> status = checkOptions(options))
    return *status;
  return run(options);
}
