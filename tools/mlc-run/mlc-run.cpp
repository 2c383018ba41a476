//===- mlc-run.cpp - Run and time a compiled library ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mlc-run LIB.so [--entry NAME] [--input NAME=@FILE.npy |
// NAME=DIMSxDTYPE=VALUE]...
//         [--weights FILE.safetensors] [--output-dir DIR] [--print]
//         [--threads N] [--benchmark=N [--warmup=K]] [--describe]
//
// Loads the library through libmithril_runtime's C API, the way any host
// does, and writes each output as DIR/<name>.npy. It links the runtime
// only, never LLVM, so it runs wherever a compiled model runs; that is why
// its few options are parsed here rather than with llvm::cl.
//
//===----------------------------------------------------------------------===//

#include "mithril/Version.h"
#include "mithril/runtime.h"
#include "mithril/runtime/Npy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace mithril::runtime;

namespace {

constexpr const char *kUsage =
    "usage: mlc-run LIB.so [--entry NAME]\n"
    "               [--input NAME=@FILE.npy | NAME=DIMSxDTYPE=VALUE]...\n"
    "               [--weights FILE.safetensors] [--output-dir DIR] [--print]\n"
    "               [--threads N] [--benchmark=N [--warmup=K]] [--describe]\n"
    "\n"
    "Runs an entry of a library that mlc-compile emitted and writes each\n"
    "output as DIR/<name>.npy.\n"
    "\n"
    "  --entry NAME        the entry to run (default: the first)\n"
    "  --input NAME=@F.npy an input from a .npy file\n"
    "  --input NAME=DIMSxDTYPE=VALUE\n"
    "                      an input filled with VALUE, e.g. x=2x3xf32=0.5\n"
    "  --weights FILE      safetensors weights instead of the library's own\n"
    "  --output-dir DIR    where the outputs go (default: .)\n"
    "  --print             also print the outputs\n"
    "  --threads N         threads per call (default: the library's, one per\n"
    "                      core unless compiled with mlc-compile --threads)\n"
    "  --benchmark=N       time N calls and print min/median/mean ms\n"
    "  --warmup=K          untimed calls before --benchmark (default 1)\n"
    "  --describe          print the library's signature as JSON and exit\n"
    "  --help, --version\n";

struct Options {
  std::string library;
  std::string entry;
  std::vector<std::string> inputs;
  std::string weights;
  std::string outputDir = ".";
  bool print = false;
  bool describe = false;
  int64_t threads = 0;
  int64_t benchmark = 0;
  int64_t warmup = 1;
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

std::optional<int64_t> parseCount(const std::string &text, int64_t minimum) {
  if (text.empty() || text.size() > 12 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int64_t value = std::stoll(text);
  if (value < minimum)
    return std::nullopt;
  return value;
}

/// Parses argv; returns an exit status when the run should stop there.
std::optional<int> parseOptions(int argc, char **argv, Options &options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool hasValue = false;
    if (arg.rfind("--", 0) == 0) {
      size_t equals = arg.find('=');
      if (equals != std::string::npos) {
        value = arg.substr(equals + 1);
        arg = arg.substr(0, equals);
        hasValue = true;
      }
    }
    auto takeValue = [&]() -> bool {
      if (hasValue)
        return true;
      if (i + 1 >= argc)
        return false;
      value = argv[++i];
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--version") {
      std::printf("mlc-run, Mithril version %s\n", MITHRIL_VERSION);
      return 0;
    }
    if (arg == "--print" || arg == "--describe") {
      (arg == "--print" ? options.print : options.describe) = true;
      continue;
    }
    if (arg == "--entry" || arg == "--input" || arg == "--weights" ||
        arg == "--output-dir" || arg == "--threads" || arg == "--benchmark" ||
        arg == "--warmup") {
      if (!takeValue())
        return usageError(arg + " needs a value");
      if (arg == "--entry")
        options.entry = value;
      else if (arg == "--input")
        options.inputs.push_back(value);
      else if (arg == "--weights")
        options.weights = value;
      else if (arg == "--output-dir")
        options.outputDir = value;
      else {
        std::optional<int64_t> count =
            parseCount(value, arg == "--warmup" ? 0 : 1);
        if (!count)
          return usageError(arg + " takes a " +
                            (arg == "--warmup" ? "non-negative" : "positive") +
                            " integer, not '" + value + "'");
        (arg == "--threads"     ? options.threads
         : arg == "--benchmark" ? options.benchmark
                                : options.warmup) = *count;
      }
      continue;
    }
    if (arg.rfind("-", 0) == 0)
      return usageError("unknown option '" + arg + "'");
    if (!options.library.empty())
      return usageError("one library at a time ('" + options.library +
                        "' and '" + arg + "')");
    options.library = arg;
  }
  if (options.library.empty())
    return usageError("give a library to run");
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// IEEE half from a float, rounding to nearest even.
uint16_t toHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  uint32_t sign = (bits >> 16) & 0x8000;
  int32_t exponent = int32_t((bits >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = bits & 0x7fffff;
  if (((bits >> 23) & 0xff) == 0xff) // inf or nan
    return uint16_t(sign | 0x7c00 | (mantissa ? 0x200 : 0));
  if (exponent >= 31)
    return uint16_t(sign | 0x7c00);
  if (exponent <= 0) {
    if (exponent < -10)
      return uint16_t(sign);
    mantissa |= 0x800000;
    uint32_t shift = uint32_t(14 - exponent);
    uint32_t half = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1);
    uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1)))
      ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = sign | (uint32_t(exponent) << 10) | (mantissa >> 13);
  uint32_t rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (half & 1)))
    ++half;
  return uint16_t(half);
}

/// bfloat16 from a float, rounding to nearest even.
uint16_t toBFloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffff) > 0x7f800000)
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fff + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

/// Writes `value` as one element of `dtype` at `out`.
void storeElement(DType dtype, double value, uint8_t *out) {
  auto store = [&](auto element) {
    std::memcpy(out, &element, sizeof element);
  };
  switch (dtype) {
  case DType::F32:
    return store(float(value));
  case DType::F64:
    return store(value);
  case DType::F16:
    return store(toHalf(float(value)));
  case DType::BF16:
    return store(toBFloat16(float(value)));
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

/// `2x3xf32=0.5` into a filled array.
bool parseFill(const std::string &spec, NpyArray &array, std::string &error) {
  size_t equals = spec.rfind('=');
  if (equals == std::string::npos) {
    error = "expected DIMSxDTYPE=VALUE or @FILE.npy";
    return false;
  }
  std::string layout = spec.substr(0, equals),
              valueText = spec.substr(equals + 1);
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
    std::optional<int64_t> dim = parseCount(part, 0);
    if (!dim) {
      error = "'" + part + "' is not a dim";
      return false;
    }
    array.shape.push_back(*dim);
  }
  char *end = nullptr;
  double value = std::strtod(valueText.c_str(), &end);
  if (valueText.empty() || *end != '\0') {
    error = "'" + valueText + "' is not a number";
    return false;
  }
  int64_t elements = array.numElements();
  size_t elementSize = dtypeSize(*dtype);
  if (elements < 0 || uint64_t(elements) > (uint64_t(1) << 40) / elementSize) {
    error = "the shape is too large";
    return false;
  }
  array.data.resize(size_t(elements) * elementSize);
  for (int64_t i = 0; i < elements; ++i)
    storeElement(*dtype, value, array.data.data() + i * elementSize);
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
  switch (dtype) {
  case DType::F32:
    return load(float());
  case DType::F64:
    return load(double());
  case DType::F16: {
    uint16_t h;
    std::memcpy(&h, in, 2);
    int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    double magnitude = exponent == 0 ? std::ldexp(mantissa, -24)
                       : exponent == 31
                           ? (mantissa ? NAN : INFINITY)
                           : std::ldexp(mantissa + 1024, exponent - 25);
    return (h & 0x8000) ? -magnitude : magnitude;
  }
  case DType::BF16: {
    uint16_t b;
    std::memcpy(&b, in, 2);
    uint32_t bits = uint32_t(b) << 16;
    float value;
    std::memcpy(&value, &bits, 4);
    return value;
  }
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

bool writeOutput(const std::string &directory, const std::string &name,
                 const mithril_tensor &tensor, std::string &error) {
  NpyArray array;
  array.dtype = DType(tensor.dtype);
  array.shape.assign(tensor.shape, tensor.shape + tensor.rank);
  size_t bytes = size_t(std::max<int64_t>(array.numElements(), 0)) *
                 dtypeSize(array.dtype);
  const auto *data = static_cast<const uint8_t *>(tensor.data);
  array.data.assign(data, data + bytes);
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
    mithril_tensor tensor{};
    tensor.data = array.data.data();
    tensor.dtype = int32_t(array.dtype);
    tensor.rank = int32_t(array.shape.size());
    std::copy(array.shape.begin(), array.shape.end(), tensor.shape);
    tensors.push_back(tensor);
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

int run(const Options &options) {
  Session session;
  if (mithril_status status =
          mithril_library_open(options.library.c_str(), &session.library))
    return runError(take(status));
  if (options.describe) {
    nlohmann::ordered_json signature = nlohmann::ordered_json::parse(
        mithril_library_signature(session.library), nullptr, false);
    std::printf("%s\n", signature.dump(2).c_str());
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
  if (!readInputs(options.inputs, arrays, error) ||
      !bindInputs(session.library, entry, arrays, inputs, error))
    return runError(error);
  if (mithril_status status = mithril_model_create(
          session.library,
          options.weights.empty() ? nullptr : options.weights.c_str(),
          &session.model))
    return runError(take(status));
  if (options.threads)
    if (mithril_status status =
            mithril_model_set_threads(session.model, int32_t(options.threads)))
      return runError(take(status));

  size_t numOutputs =
      mithril_library_num_ports(session.library, entry, MITHRIL_PORT_OUTPUT);
  session.outputs.assign(numOutputs, mithril_tensor{});
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
  int64_t warmups = options.benchmark ? options.warmup : 0;
  for (int64_t i = 0; i < warmups; ++i)
    if (mithril_status status = call())
      return runError(take(status));
  std::vector<double> times;
  for (int64_t i = 0; i < std::max<int64_t>(options.benchmark, 1); ++i) {
    auto start = std::chrono::steady_clock::now();
    if (mithril_status status = call())
      return runError(take(status));
    times.push_back(std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }

  for (size_t i = 0; i < numOutputs; ++i) {
    mithril_port port;
    mithril_status_free(mithril_library_port(session.library, entry,
                                             MITHRIL_PORT_OUTPUT, i, &port));
    if (options.print)
      printTensor(port.name, session.outputs[i]);
    if (!writeOutput(options.outputDir, port.name, session.outputs[i], error))
      return runError(error);
  }
  if (options.benchmark)
    printTimes(times);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  if (std::optional<int> status = parseOptions(argc, argv, options))
    return *status;
  return run(options);
}
