//===- RuntimeTest.cpp - libmithril_runtime's C API -----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Loads libraries that mlc-compile built for this test (examples/mlp.json
// with its weights embedded; Inputs/pair.json, two inputs sharing the
// symbol N and three outputs, one of them an input) and checks the C API:
// signatures, instances, calls against a reference computed here, the
// input checks, output ownership, the typed wrappers, and threads.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime.h"
#include "mithril/runtime/Safetensors.h"

#include "TempDirTest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <dlfcn.h>

namespace {

/// Tests that write files.
class RuntimeFileTest : public mithril::testing::TempDirTest {};
using mithril::testing::Bytes;

const std::string kModels = MITHRIL_TEST_MODELS_DIR;
const std::string kExamples = MITHRIL_EXAMPLES_DIR;

/// Owns a status; its message for test failures.
struct Status {
  mithril_status status;
  explicit Status(mithril_status status) : status(status) {}
  ~Status() { mithril_status_free(status); }
  bool ok() const { return status == nullptr; }
  std::string message() const { return mithril_status_message(status); }
  mithril_status_code code() const { return mithril_status_get_code(status); }
};

struct LibraryDeleter {
  void operator()(mithril_library *library) const {
    mithril_library_close(library);
  }
};
struct ModelDeleter {
  void operator()(mithril_model *model) const { mithril_model_destroy(model); }
};
using Library = std::unique_ptr<mithril_library, LibraryDeleter>;
using Model = std::unique_ptr<mithril_model, ModelDeleter>;

Library openLibrary(const std::string &name) {
  mithril_library *library = nullptr;
  Status status(mithril_library_open((kModels + "/" + name).c_str(), &library));
  EXPECT_TRUE(status.ok()) << status.message();
  return Library(library);
}

Model createModel(mithril_library *library, const char *weights = nullptr) {
  mithril_model *model = nullptr;
  Status status(mithril_model_create(library, weights, &model));
  EXPECT_TRUE(status.ok()) << status.message();
  return Model(model);
}

mithril_tensor tensor(std::vector<float> &data, std::vector<int64_t> shape) {
  mithril_tensor t{};
  t.data = data.data();
  t.dtype = MITHRIL_F32;
  t.rank = int32_t(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    t.shape[i] = shape[i];
  return t;
}

/// Runs entry 0 with `inputs`; library-allocated outputs.
Status run(mithril_model *model, std::vector<mithril_tensor> inputs,
           std::vector<mithril_tensor> &outputs) {
  std::vector<const mithril_tensor *> in;
  for (mithril_tensor &t : inputs)
    in.push_back(&t);
  std::vector<mithril_tensor *> out;
  for (mithril_tensor &t : outputs)
    out.push_back(&t);
  return Status(mithril_model_run(model, 0, in.data(), in.size(), out.data(),
                                  out.size()));
}

/// Parameters by name, as floats.
using Weights = std::map<std::string, std::vector<float>>;

/// The weights of examples/mlp.json (examples/mlp.safetensors).
Weights exampleWeights() {
  std::string error;
  auto file = mithril::runtime::SafetensorsFile::open(
      kExamples + "/mlp.safetensors", error);
  EXPECT_TRUE(file) << error;
  Weights weights;
  if (!file)
    return weights;
  for (const auto &tensor : file->tensors()) {
    std::vector<float> values(tensor.byteSize() / 4);
    std::memcpy(values.data(), tensor.data, tensor.byteSize());
    weights[tensor.name] = std::move(values);
  }
  return weights;
}

/// The MLP of examples/mlp.json (784-128-64-10, ReLU) on `input` with
/// `weights`, in double precision.
std::vector<float> referenceMLP(const std::vector<float> &input, int64_t batch,
                                const Weights &weights) {
  std::vector<double> activation(input.begin(), input.end());
  int64_t width = 784;
  for (int layer = 0; layer < 3; ++layer) {
    std::string prefix = "linear_" + std::to_string(layer);
    const std::vector<float> &w = weights.at(prefix + ".weight");
    const std::vector<float> &b = weights.at(prefix + ".bias");
    int64_t outWidth = int64_t(b.size());
    std::vector<double> next(size_t(batch * outWidth));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t o = 0; o < outWidth; ++o) {
        double sum = b[size_t(o)];
        for (int64_t i = 0; i < width; ++i)
          sum += double(w[size_t(o * width + i)]) *
                 activation[size_t(n * width + i)];
        next[size_t(n * outWidth + o)] = layer < 2 ? std::max(sum, 0.0) : sum;
      }
    activation = std::move(next);
    width = outWidth;
  }
  return std::vector<float>(activation.begin(), activation.end());
}

/// The MLP with the example's weights.
std::vector<float> referenceMLP(const std::vector<float> &input,
                                int64_t batch) {
  return referenceMLP(input, batch, exampleWeights());
}

std::vector<float> sampleInput(int64_t batch) {
  std::vector<float> input(size_t(batch * 784));
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = float(std::sin(0.37 * double(i)));
  return input;
}

/// Whether `actual` holds `expected` within 2e-4 relative (for threads,
/// where gtest assertions cannot stop the loop).
bool isClose(const mithril_tensor &actual, const std::vector<float> &expected) {
  const auto *data = static_cast<const float *>(actual.data);
  for (size_t i = 0; i < expected.size(); ++i)
    if (std::fabs(data[i] - expected[i]) > 2e-4 * std::fabs(expected[i]) + 1e-5)
      return false;
  return true;
}

/// Runs `work` on two threads at once; each must report success.
void expectOnTwoThreads(const std::function<void(bool &)> &work) {
  bool first = false, second = false;
  std::thread a(work, std::ref(first)), b(work, std::ref(second));
  a.join();
  b.join();
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
}

void expectClose(const float *actual, const std::vector<float> &expected) {
  for (size_t i = 0; i < expected.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], 2e-4 * std::fabs(expected[i]) + 1e-5)
        << "at " << i;
}

//===----------------------------------------------------------------------===//
// Loading and signatures
//===----------------------------------------------------------------------===//

TEST(RuntimeTest, ReportsTheSignature) {
  Library library = openLibrary("libpair.so");
  ASSERT_EQ(mithril_library_num_entries(library.get()), 1u);
  EXPECT_STREQ(mithril_library_entry_name(library.get(), 0), "pair");
  EXPECT_EQ(mithril_library_num_ports(library.get(), 0, MITHRIL_PORT_INPUT),
            2u);
  EXPECT_EQ(mithril_library_num_ports(library.get(), 0, MITHRIL_PORT_OUTPUT),
            3u);
  EXPECT_EQ(mithril_library_num_ports(library.get(), 0, MITHRIL_PORT_PARAMETER),
            0u);
  mithril_port port;
  Status status(
      mithril_library_port(library.get(), 0, MITHRIL_PORT_INPUT, 1, &port));
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_STREQ(port.name, "y");
  EXPECT_EQ(port.dtype, MITHRIL_F32);
  ASSERT_EQ(port.rank, 2);
  EXPECT_EQ(port.shape[0], -1);
  EXPECT_STREQ(port.symbols[0], "N");
  EXPECT_EQ(port.shape[1], 4);
  EXPECT_EQ(port.symbols[1], nullptr);
  EXPECT_NE(
      std::string(mithril_library_signature(library.get())).find("\"entries\""),
      std::string::npos);

  size_t entry = 99;
  EXPECT_TRUE(
      Status(mithril_library_find_entry(library.get(), "pair", &entry)).ok());
  EXPECT_EQ(entry, 0u);
  Status missing(mithril_library_find_entry(library.get(), "other", &entry));
  EXPECT_EQ(missing.code(), MITHRIL_NOT_FOUND);
  EXPECT_EQ(missing.message(), "no entry 'other' (entries: pair)");
  EXPECT_FALSE(Status(mithril_library_port(library.get(), 0, MITHRIL_PORT_INPUT,
                                           2, &port))
                   .ok());
}

TEST_F(RuntimeFileTest, RefusesWhatIsNotALibrary) {
  mithril_library *library = nullptr;
  Status missing(mithril_library_open("/no/such/libmodel.so", &library));
  EXPECT_EQ(missing.code(), MITHRIL_NOT_FOUND);
  EXPECT_NE(missing.message().find("cannot load '/no/such/libmodel.so'"),
            std::string::npos);
  EXPECT_EQ(library, nullptr);

  std::string text = pathOf("notes.so");
  std::ofstream(text) << "not an ELF file\n";
  Status garbage(mithril_library_open(text.c_str(), &library));
  EXPECT_FALSE(garbage.ok());
  EXPECT_EQ(library, nullptr);

  // A shared library that is not a model (the runtime itself).
  Dl_info self;
  ASSERT_TRUE(dladdr(reinterpret_cast<void *>(&mithril_library_open), &self));
  Status runtime(mithril_library_open(self.dli_fname, &library));
  EXPECT_EQ(runtime.code(), MITHRIL_NOT_FOUND);
  EXPECT_NE(runtime.message().find("is not a Mithril library"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

TEST(RuntimeTest, RunsWithEmbeddedWeights) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  for (int64_t batch : {1, 3}) {
    std::vector<float> input = sampleInput(batch);
    std::vector<mithril_tensor> outputs(1);
    Status status = run(model.get(), {tensor(input, {batch, 784})}, outputs);
    ASSERT_TRUE(status.ok()) << status.message();
    ASSERT_EQ(outputs[0].rank, 2);
    EXPECT_EQ(outputs[0].shape[0], batch);
    EXPECT_EQ(outputs[0].shape[1], 10);
    EXPECT_EQ(outputs[0].dtype, MITHRIL_F32);
    ASSERT_NE(outputs[0].allocation, nullptr);
    expectClose(static_cast<float *>(outputs[0].data),
                referenceMLP(input, batch));
    mithril_tensor_free(&outputs[0]);
    EXPECT_EQ(outputs[0].data, nullptr);
  }
}

TEST(RuntimeTest, RunsWithWeightsFromAFile) {
  Library library = openLibrary("libmlp.so");
  std::string weights = kExamples + "/mlp.safetensors";
  Model model = createModel(library.get(), weights.c_str());
  std::vector<float> input = sampleInput(2);
  std::vector<mithril_tensor> outputs(1);
  ASSERT_TRUE(run(model.get(), {tensor(input, {2, 784})}, outputs).ok());
  expectClose(static_cast<float *>(outputs[0].data), referenceMLP(input, 2));
  mithril_tensor_free(&outputs[0]);
}

TEST(RuntimeTest, RunsAnEmptyBatch) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::vector<float> none;
  mithril_tensor input = tensor(none, {0, 784});
  input.data = nullptr;
  std::vector<mithril_tensor> outputs(1);
  Status status = run(model.get(), {input}, outputs);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(outputs[0].shape[0], 0);
  mithril_tensor_free(&outputs[0]);
}

TEST(RuntimeTest, FillsCallerAllocatedOutputs) {
  Library library = openLibrary("libpair.so");
  Model model = createModel(library.get());
  std::vector<float> x{1, 2, 3, 4, 5, 6, 7, 8}, y(8, 1);
  std::vector<float> sum(8, -1), difference(8, -1), copy(8, -1);
  std::vector<mithril_tensor> outputs{
      tensor(sum, {2, 4}), tensor(difference, {2, 4}), tensor(copy, {2, 4})};
  Status status =
      run(model.get(), {tensor(x, {2, 4}), tensor(y, {2, 4})}, outputs);
  ASSERT_TRUE(status.ok()) << status.message();
  for (size_t i = 0; i < 8; ++i) {
    EXPECT_EQ(sum[i], x[i] + 1);
    EXPECT_EQ(difference[i], x[i] - 1);
    EXPECT_EQ(copy[i], x[i]);
  }
  for (const mithril_tensor &output : outputs)
    EXPECT_EQ(output.allocation, nullptr);

  // A caller's buffer of the wrong shape is refused before the call (the
  // output's dims are N and 4), and nothing is left to free.
  std::vector<mithril_tensor> wrong{
      mithril_tensor{}, tensor(difference, {4, 2}), mithril_tensor{}};
  Status refused =
      run(model.get(), {tensor(x, {2, 4}), tensor(y, {2, 4})}, wrong);
  EXPECT_EQ(refused.message(), "output 'difference' has shape [4,2], "
                               "expected [N,4]: N is 2 (from input 'x')");
  EXPECT_EQ(wrong[0].allocation, nullptr);
  EXPECT_EQ(wrong[2].allocation, nullptr);
}

TEST(RuntimeTest, AnOutputThatIsAnInputIsACopy) {
  Library library = openLibrary("libpair.so");
  Model model = createModel(library.get());
  std::vector<float> x{1, 2, 3, 4}, y{4, 3, 2, 1};
  std::vector<mithril_tensor> outputs(3);
  ASSERT_TRUE(
      run(model.get(), {tensor(x, {1, 4}), tensor(y, {1, 4})}, outputs).ok());
  EXPECT_NE(outputs[2].data, x.data());
  EXPECT_EQ(std::memcmp(outputs[2].data, x.data(), 16), 0);
  for (mithril_tensor &output : outputs) {
    EXPECT_NE(output.allocation, nullptr);
    mithril_tensor_free(&output);
  }
  // The inputs are the caller's: never written.
  EXPECT_EQ(x, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(y, (std::vector<float>{4, 3, 2, 1}));
}

TEST(RuntimeTest, ChecksInputsBeforeAnyWork) {
  Library library = openLibrary("libpair.so");
  Model model = createModel(library.get());
  std::vector<float> a(8), b(12);
  std::vector<mithril_tensor> outputs(3);
  auto message = [&](std::vector<mithril_tensor> inputs) {
    return run(model.get(), std::move(inputs), outputs).message();
  };
  EXPECT_EQ(message({tensor(a, {2, 4})}), "'pair' takes 2 inputs, got 1");
  EXPECT_EQ(message({tensor(a, {2, 4}), tensor(b, {3, 4})}),
            "input 'y' has shape [3,4], expected [N,4]: N is 2 (from input "
            "'x')");
  EXPECT_EQ(message({tensor(b, {4, 3}), tensor(b, {4, 3})}),
            "input 'x' has shape [4,3], expected [N,4]");
  EXPECT_EQ(message({tensor(a, {8}), tensor(a, {2, 4})}),
            "input 'x' has rank 1, expected 2 ([N,4])");
  mithril_tensor wide = tensor(a, {2, 4});
  wide.dtype = MITHRIL_F64;
  EXPECT_EQ(message({tensor(a, {2, 4}), wide}),
            "input 'y' has dtype f64, expected f32");
  mithril_tensor empty = tensor(a, {2, 4});
  empty.data = nullptr;
  EXPECT_EQ(message({empty, tensor(a, {2, 4})}), "input 'x' has no data");
  mithril_tensor negative = tensor(a, {-2, 4});
  EXPECT_EQ(message({negative, tensor(a, {2, 4})}),
            "input 'x' has shape [-2,4], expected [N,4]");
  for (const mithril_tensor &output : outputs)
    EXPECT_EQ(output.data, nullptr);

  const mithril_tensor *none[2] = {nullptr, nullptr};
  mithril_tensor *out[3] = {&outputs[0], &outputs[1], &outputs[2]};
  EXPECT_EQ(
      Status(mithril_model_run(model.get(), 0, none, 2, out, 3)).message(),
      "input 'x' is NULL");
  EXPECT_EQ(
      Status(mithril_model_run(model.get(), 0, none, 2, out, 2)).message(),
      "'pair' has 3 outputs, got room for 2");
  EXPECT_EQ(Status(mithril_model_run(model.get(), 5, none, 2, out, 3)).code(),
            MITHRIL_NOT_FOUND);
  EXPECT_FALSE(Status(mithril_model_run(nullptr, 0, none, 2, out, 3)).ok());
}

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

TEST_F(RuntimeFileTest, RefusesWeightsThatDoNotFit) {
  Library library = openLibrary("libmlp.so");
  // The example's weights with one tensor of the wrong shape.
  std::string error;
  auto good = mithril::runtime::SafetensorsFile::open(
      kExamples + "/mlp.safetensors", error);
  ASSERT_TRUE(good) << error;
  std::vector<mithril::runtime::TensorToWrite> tensors;
  for (const auto &info : good->tensors()) {
    std::vector<int64_t> shape = info.shape;
    if (info.name == "linear_1.bias")
      shape = {8, 8};
    tensors.push_back(
        {info.name, info.dtype, shape, info.data, info.byteSize()});
  }
  std::string wrong = pathOf("wrong.safetensors");
  ASSERT_TRUE(mithril::runtime::writeSafetensors(wrong, tensors, {}, error))
      << error;
  mithril_model *model = nullptr;
  Status status(mithril_model_create(library.get(), wrong.c_str(), &model));
  EXPECT_EQ(status.code(), MITHRIL_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "weights '" + wrong +
                                  "': parameter 'linear_1.bias' has shape "
                                  "[8,8], expected [64]");
  EXPECT_EQ(model, nullptr);

  std::string missing = pathOf("missing.safetensors");
  Status io(mithril_model_create(library.get(), missing.c_str(), &model));
  EXPECT_EQ(io.code(), MITHRIL_IO_ERROR);
  EXPECT_NE(io.message().find("cannot read weights '" + missing + "'"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Lifetimes, the typed wrappers, threads
//===----------------------------------------------------------------------===//

TEST(RuntimeTest, AnInstanceOutlivesItsLibraryHandle) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  library.reset();
  std::vector<float> input = sampleInput(1);
  std::vector<mithril_tensor> outputs(1);
  ASSERT_TRUE(run(model.get(), {tensor(input, {1, 784})}, outputs).ok());
  mithril_tensor_free(&outputs[0]);
}

TEST(RuntimeTest, TypedWrappers) {
  // What a C program that links libmlp.so and includes mlp.h calls.
  void *handle =
      dlopen((kModels + "/libmlp.so").c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  using Create = mithril_status (*)(const char *, void **);
  using Run =
      mithril_status (*)(void *, const mithril_tensor *, mithril_tensor *);
  using Destroy = void (*)(void *);
  auto create = reinterpret_cast<Create>(dlsym(handle, "mlp_create"));
  auto runModel = reinterpret_cast<Run>(dlsym(handle, "mlp_run"));
  auto destroy = reinterpret_cast<Destroy>(dlsym(handle, "mlp_destroy"));
  ASSERT_TRUE(create && runModel && destroy);

  void *model = nullptr;
  Status created(create(nullptr, &model));
  ASSERT_TRUE(created.ok()) << created.message();
  std::vector<float> input = sampleInput(2);
  mithril_tensor x = tensor(input, {2, 784}), logits{};
  Status ran(runModel(model, &x, &logits));
  ASSERT_TRUE(ran.ok()) << ran.message();
  expectClose(static_cast<float *>(logits.data), referenceMLP(input, 2));
  mithril_tensor_free(&logits);
  mithril_tensor bad = tensor(input, {2, 783});
  EXPECT_EQ(Status(runModel(model, &bad, &logits)).message(),
            "input 'input' has shape [2,783], expected [N,784]");
  destroy(model);
  dlclose(handle);
}

TEST(RuntimeTest, InstancesRunOnThreadsAtOnce) {
  Library library = openLibrary("libmlp.so");
  std::vector<float> input = sampleInput(4);
  std::vector<float> expected = referenceMLP(input, 4);
  auto work = [&](bool &ok) {
    Model model = createModel(library.get());
    ok = true;
    for (int i = 0; i < 40 && ok; ++i) {
      std::vector<mithril_tensor> outputs(1);
      ok = run(model.get(), {tensor(input, {4, 784})}, outputs).ok();
      ok = ok && isClose(outputs[0], expected);
      mithril_tensor_free(&outputs[0]);
    }
  };
  expectOnTwoThreads(work);
}

TEST(RuntimeTest, OneInstanceRunsOneCallAtATime) {
  // Two threads share one instance: every call either runs alone and is
  // right, or is refused; none races.
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::vector<float> input = sampleInput(8);
  std::vector<float> expected = referenceMLP(input, 8);
  auto work = [&](bool &ok) {
    ok = true;
    for (int i = 0; i < 100 && ok; ++i) {
      std::vector<mithril_tensor> outputs(1);
      Status status = run(model.get(), {tensor(input, {8, 784})}, outputs);
      if (!status.ok()) {
        ok = status.code() == MITHRIL_FAILED_PRECONDITION;
        continue;
      }
      ok = ok && isClose(outputs[0], expected);
      mithril_tensor_free(&outputs[0]);
    }
  };
  expectOnTwoThreads(work);
}

TEST(RuntimeTest, DTypes) {
  EXPECT_EQ(mithril_dtype_size(MITHRIL_F32), 4u);
  EXPECT_EQ(mithril_dtype_size(MITHRIL_BF16), 2u);
  EXPECT_EQ(mithril_dtype_size(MITHRIL_BOOL), 1u);
  EXPECT_EQ(mithril_dtype_size(42), 0u);
  EXPECT_STREQ(mithril_dtype_name(MITHRIL_I64), "i64");
  EXPECT_STREQ(mithril_dtype_name(-1), "?");
  EXPECT_STREQ(mithril_status_message(nullptr), "");
  EXPECT_EQ(mithril_status_get_code(nullptr), MITHRIL_OK);
  mithril_tensor_free(nullptr);
}

//===----------------------------------------------------------------------===//
// Devices and options
//===----------------------------------------------------------------------===//

TEST(RuntimeTest, TensorLayoutIsUnchanged) {
  // device_index took padding: every other offset is what it was.
  EXPECT_EQ(sizeof(mithril_tensor), 96u);
  EXPECT_EQ(offsetof(mithril_tensor, device), 80u);
  EXPECT_EQ(offsetof(mithril_tensor, device_index), 84u);
  EXPECT_EQ(offsetof(mithril_tensor, allocation), 88u);
  EXPECT_EQ(int(MITHRIL_DEVICE_CPU), 0);
  mithril_device legacy = MITHRIL_DEVICE_CPU;
  EXPECT_EQ(legacy, MITHRIL_DEVICE_CPU);
}

TEST(RuntimeTest, RefusesTensorsOnOtherDevices) {
  Library library = openLibrary("libpair.so");
  Model model = createModel(library.get());
  std::vector<float> x(8), y(8), sum(8);
  mithril_tensor onGPU = tensor(x, {2, 4});
  onGPU.device = MITHRIL_DEVICE_CUDA;
  std::vector<mithril_tensor> outputs(3);
  EXPECT_EQ(run(model.get(), {onGPU, tensor(y, {2, 4})}, outputs).message(),
            "input 'x' is on cuda:0; this library runs on the CPU");
  onGPU.device_index = 3;
  Status second = run(model.get(), {tensor(x, {2, 4}), onGPU}, outputs);
  EXPECT_EQ(second.code(), MITHRIL_INVALID_ARGUMENT);
  EXPECT_EQ(second.message(),
            "input 'y' is on cuda:3; this library runs on the CPU");
  onGPU.device = 7;
  EXPECT_EQ(run(model.get(), {onGPU, tensor(y, {2, 4})}, outputs).message(),
            "input 'x' is on device type 7; this library runs on the CPU");

  // A caller's output buffer on a GPU, too.
  mithril_tensor gpuOutput = tensor(sum, {2, 4});
  gpuOutput.device = MITHRIL_DEVICE_CUDA;
  std::vector<mithril_tensor> withGPU{gpuOutput, {}, {}};
  EXPECT_EQ(run(model.get(), {tensor(x, {2, 4}), tensor(y, {2, 4})}, withGPU)
                .message(),
            "output 'sum' is on cuda:0; this library runs on the CPU");

  // The index of a CPU tensor is not looked at (it was padding before).
  mithril_tensor cpu = tensor(x, {2, 4});
  cpu.device_index = 12345;
  std::vector<mithril_tensor> fine(3);
  ASSERT_TRUE(run(model.get(), {cpu, tensor(y, {2, 4})}, fine).ok());
  for (mithril_tensor &output : fine) {
    EXPECT_EQ(output.device, MITHRIL_DEVICE_CPU);
    EXPECT_EQ(output.device_index, 0);
    mithril_tensor_free(&output);
  }
}

TEST(RuntimeTest, OptionsHaveDefaults) {
  mithril_model_options options;
  std::memset(&options, 0xab, sizeof options);
  mithril_model_options_initialize(&options);
  EXPECT_EQ(options.device_type, MITHRIL_DEVICE_CPU);
  EXPECT_EQ(options.device_index, 0);
  EXPECT_EQ(options.threads, 0);
  EXPECT_EQ(options.weights_path, nullptr);
  mithril_model_options_initialize(nullptr);

  // NULL options are the defaults.
  Library library = openLibrary("libmlp.so");
  mithril_model *model = nullptr;
  Status status(
      mithril_model_create_with_options(library.get(), nullptr, &model));
  ASSERT_TRUE(status.ok()) << status.message();
  mithril_model_destroy(model);
  EXPECT_FALSE(
      Status(mithril_model_create_with_options(nullptr, &options, &model))
          .ok());
  EXPECT_FALSE(Status(mithril_model_create_with_options(library.get(), &options,
                                                        nullptr))
                   .ok());
}

TEST(RuntimeTest, RefusesDevicesALibraryDoesNotRunOn) {
  Library library = openLibrary("libmlp.so");
  auto refusal = [&](int32_t type, int32_t index) {
    mithril_model_options options;
    mithril_model_options_initialize(&options);
    options.device_type = type;
    options.device_index = index;
    mithril_model *model = reinterpret_cast<mithril_model *>(&options);
    Status status(
        mithril_model_create_with_options(library.get(), &options, &model));
    EXPECT_EQ(model, nullptr);
    EXPECT_EQ(status.code(), MITHRIL_INVALID_ARGUMENT);
    return status.message();
  };
  EXPECT_EQ(refusal(MITHRIL_DEVICE_CUDA, 0),
            "cannot create an instance on cuda:0: this library runs on the "
            "CPU");
  EXPECT_EQ(refusal(MITHRIL_DEVICE_CUDA, 1),
            "cannot create an instance on cuda:1: this library runs on the "
            "CPU");
  EXPECT_EQ(refusal(MITHRIL_DEVICE_CPU, 1),
            "there is no device cpu:1 (the CPU is device index 0)");
  EXPECT_EQ(refusal(MITHRIL_DEVICE_CUDA, -1), "device index -1 is negative");
  EXPECT_EQ(refusal(9, 0), "unknown device type 9");
}

TEST(RuntimeTest, OptionsGiveWeightsAndThreads) {
  Library library = openLibrary("libmlp.so");
  std::string weights = kExamples + "/mlp.safetensors";
  mithril_model_options options;
  mithril_model_options_initialize(&options);
  options.weights_path = weights.c_str();
  options.threads = 1;
  mithril_model *created = nullptr;
  Status status(
      mithril_model_create_with_options(library.get(), &options, &created));
  ASSERT_TRUE(status.ok()) << status.message();
  Model model(created);
  std::vector<float> input = sampleInput(3);
  std::vector<mithril_tensor> outputs(1);
  ASSERT_TRUE(run(model.get(), {tensor(input, {3, 784})}, outputs).ok());
  expectClose(static_cast<float *>(outputs[0].data), referenceMLP(input, 3));
  mithril_tensor_free(&outputs[0]);

  options.threads = -2;
  EXPECT_EQ(Status(mithril_model_create_with_options(library.get(), &options,
                                                     &created))
                .message(),
            "the options ask for -2 threads (0: the library's default)");
  options.threads = 0;
  options.weights_path = "/no/such/weights.safetensors";
  Status missing(
      mithril_model_create_with_options(library.get(), &options, &created));
  EXPECT_EQ(missing.code(), MITHRIL_IO_ERROR);
  EXPECT_NE(missing.message().find(
                "cannot read weights '/no/such/weights.safetensors'"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

/// Reads parameter `name` of `model` into a new vector of floats.
std::vector<float> readParameter(mithril_model *model,
                                 const std::string &name) {
  mithril_tensor value{};
  Status status(mithril_model_read_parameter(model, name.c_str(), &value));
  EXPECT_TRUE(status.ok()) << status.message();
  if (!status.ok())
    return {};
  size_t count = 1;
  for (int32_t i = 0; i < value.rank; ++i)
    count *= size_t(value.shape[i]);
  const auto *data = static_cast<const float *>(value.data);
  std::vector<float> values(data, data + count);
  mithril_tensor_free(&value);
  return values;
}

/// Writes `values` (of shape `shape`) to parameter `name`.
Status writeParameter(mithril_model *model, const std::string &name,
                      std::vector<float> &values, std::vector<int64_t> shape) {
  mithril_tensor value = tensor(values, std::move(shape));
  return Status(mithril_model_write_parameter(model, name.c_str(), &value));
}

/// Runs the MLP on `input` and returns its logits.
std::vector<float> runMLP(mithril_model *model, std::vector<float> &input,
                          int64_t batch) {
  std::vector<mithril_tensor> outputs(1);
  Status status = run(model, {tensor(input, {batch, 784})}, outputs);
  EXPECT_TRUE(status.ok()) << status.message();
  if (!status.ok())
    return {};
  const auto *data = static_cast<const float *>(outputs[0].data);
  std::vector<float> logits(data, data + batch * 10);
  mithril_tensor_free(&outputs[0]);
  return logits;
}

/// The parameters the signature's `prepared` lists name, for entry 0.
std::vector<std::string> preparedParameters(mithril_library *library) {
  std::string signature = mithril_library_signature(library);
  std::vector<std::string> names;
  const std::string key = "\"parameter\":";
  for (size_t at = signature.find(key); at != std::string::npos;
       at = signature.find(key, at + 1)) {
    size_t begin = signature.find('"', at + key.size()) + 1;
    names.push_back(
        signature.substr(begin, signature.find('"', begin) - begin));
  }
  return names;
}

TEST(RuntimeTest, ListsParameters) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  ASSERT_EQ(mithril_model_num_parameters(model.get()), 6u);
  const char *names[] = {"linear_0.weight", "linear_0.bias",
                         "linear_1.weight", "linear_1.bias",
                         "linear_2.weight", "linear_2.bias"};
  const std::vector<int64_t> shapes[] = {{128, 784}, {128},    {64, 128},
                                         {64},       {10, 64}, {10}};
  for (size_t i = 0; i < 6; ++i) {
    mithril_port port;
    Status status(mithril_model_parameter(model.get(), i, &port));
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_STREQ(port.name, names[i]);
    EXPECT_EQ(port.dtype, MITHRIL_F32);
    EXPECT_EQ(std::vector<int64_t>(port.shape, port.shape + port.rank),
              shapes[i]);
    for (int32_t d = 0; d < port.rank; ++d)
      EXPECT_EQ(port.symbols[d], nullptr);
  }
  mithril_port port;
  Status outside(mithril_model_parameter(model.get(), 6, &port));
  EXPECT_EQ(outside.code(), MITHRIL_NOT_FOUND);
  EXPECT_EQ(outside.message(), "no parameter #6 (the model has 6)");
  EXPECT_EQ(mithril_model_num_parameters(nullptr), 0u);
  EXPECT_FALSE(Status(mithril_model_parameter(nullptr, 0, &port)).ok());
  EXPECT_FALSE(Status(mithril_model_parameter(model.get(), 0, nullptr)).ok());

  Library pair = openLibrary("libpair.so");
  Model noParameters = createModel(pair.get());
  EXPECT_EQ(mithril_model_num_parameters(noParameters.get()), 0u);
}

TEST(RuntimeTest, ReadsTheWeights) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  Weights weights = exampleWeights();
  ASSERT_EQ(weights.size(), 6u);
  for (const auto &[name, values] : weights)
    EXPECT_EQ(readParameter(model.get(), name), values) << name;

  // Into the caller's buffer: dtype and shape checked first.
  std::vector<float> bias(64, -1);
  mithril_tensor into = tensor(bias, {64});
  Status status(
      mithril_model_read_parameter(model.get(), "linear_1.bias", &into));
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(bias, weights["linear_1.bias"]);
  EXPECT_EQ(into.allocation, nullptr);
  mithril_tensor wrong = tensor(bias, {8, 8});
  EXPECT_EQ(
      Status(mithril_model_read_parameter(model.get(), "linear_1.bias", &wrong))
          .message(),
      "parameter 'linear_1.bias': the output has shape [8,8], expected [64]");
  wrong = tensor(bias, {64});
  wrong.dtype = MITHRIL_I32;
  EXPECT_EQ(
      Status(mithril_model_read_parameter(model.get(), "linear_1.bias", &wrong))
          .message(),
      "parameter 'linear_1.bias': the output has dtype i32, expected f32");
  mithril_tensor nothing{};
  Status missing(
      mithril_model_read_parameter(model.get(), "linear_9.bias", &nothing));
  EXPECT_EQ(missing.code(), MITHRIL_NOT_FOUND);
  EXPECT_EQ(missing.message(), "the model has no parameter 'linear_9.bias'");
  EXPECT_EQ(nothing.data, nullptr);
  EXPECT_FALSE(
      Status(mithril_model_read_parameter(model.get(), nullptr, &nothing))
          .ok());
  EXPECT_FALSE(
      Status(mithril_model_read_parameter(nullptr, "linear_1.bias", &nothing))
          .ok());
}

TEST(RuntimeTest, WritingTheLastLayerSetsTheOutput) {
  // linear_2.weight = 0 and linear_2.bias = b: every row of logits is b.
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::vector<float> zeros(10 * 64, 0.0f), bias(10);
  for (size_t i = 0; i < bias.size(); ++i)
    bias[i] = float(i) * 0.25f - 1.0f;
  Status weight =
      writeParameter(model.get(), "linear_2.weight", zeros, {10, 64});
  ASSERT_TRUE(weight.ok()) << weight.message();
  ASSERT_TRUE(writeParameter(model.get(), "linear_2.bias", bias, {10}).ok());
  std::vector<float> input = sampleInput(3);
  std::vector<float> logits = runMLP(model.get(), input, 3);
  ASSERT_EQ(logits.size(), 30u);
  for (size_t row = 0; row < 3; ++row)
    for (size_t i = 0; i < 10; ++i)
      EXPECT_EQ(logits[row * 10 + i], bias[i]) << row << "," << i;
  EXPECT_EQ(readParameter(model.get(), "linear_2.bias"), bias);

  // Another instance of the library still has the library's weights.
  Model other = createModel(library.get());
  expectClose(runMLP(other.get(), input, 3).data(), referenceMLP(input, 3));
}

TEST(RuntimeTest, WritingAPreparedParameterRemakesItsCopy) {
  // Every Linear weight of the MLP is read packed (the signature's
  // `prepared`): a write must reach the packed copy, not just the parameter.
  Library library = openLibrary("libmlp.so");
  std::vector<std::string> prepared = preparedParameters(library.get());
  ASSERT_FALSE(prepared.empty());
  ASSERT_NE(std::find(prepared.begin(), prepared.end(), "linear_0.weight"),
            prepared.end());
  Model model = createModel(library.get());
  Weights weights = exampleWeights();
  std::vector<float> &first = weights["linear_0.weight"];
  for (size_t i = 0; i < first.size(); ++i)
    first[i] = float(std::cos(0.011 * double(i))) * 0.05f;
  Status status =
      writeParameter(model.get(), "linear_0.weight", first, {128, 784});
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<float> input = sampleInput(4);
  expectClose(runMLP(model.get(), input, 4).data(),
              referenceMLP(input, 4, weights));

  // A second write to the same (now owned) parameter.
  for (float &value : first)
    value = -value;
  ASSERT_TRUE(
      writeParameter(model.get(), "linear_0.weight", first, {128, 784}).ok());
  expectClose(runMLP(model.get(), input, 4).data(),
              referenceMLP(input, 4, weights));
}

TEST(RuntimeTest, RefusesWritesThatDoNotFit) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::vector<float> values(64 * 128, 1.0f);
  EXPECT_EQ(
      writeParameter(model.get(), "linear_1.weight", values, {128, 64})
          .message(),
      "parameter 'linear_1.weight': the value has shape [128,64], expected "
      "[64,128]");
  EXPECT_EQ(
      writeParameter(model.get(), "linear_1.weight", values, {8192}).message(),
      "parameter 'linear_1.weight': the value has shape [8192], "
      "expected [64,128]");
  Status unknown = writeParameter(model.get(), "linear_1.scale", values, {64});
  EXPECT_EQ(unknown.code(), MITHRIL_NOT_FOUND);
  EXPECT_EQ(unknown.message(), "the model has no parameter 'linear_1.scale'");

  mithril_tensor value = tensor(values, {64, 128});
  value.dtype = MITHRIL_F64;
  EXPECT_EQ(Status(mithril_model_write_parameter(model.get(), "linear_1.weight",
                                                 &value))
                .message(),
            "parameter 'linear_1.weight': the value has dtype f64, expected "
            "f32");
  value = tensor(values, {64, 128});
  value.rank = 99;
  EXPECT_EQ(Status(mithril_model_write_parameter(model.get(), "linear_1.weight",
                                                 &value))
                .message(),
            "parameter 'linear_1.weight': the value has rank 99, expected 2");
  value = tensor(values, {64, 128});
  value.data = nullptr;
  EXPECT_EQ(Status(mithril_model_write_parameter(model.get(), "linear_1.weight",
                                                 &value))
                .message(),
            "parameter 'linear_1.weight': the value has no data");
  value = tensor(values, {64, 128});
  value.device = MITHRIL_DEVICE_CUDA;
  EXPECT_EQ(Status(mithril_model_write_parameter(model.get(), "linear_1.weight",
                                                 &value))
                .message(),
            "parameter 'linear_1.weight': the value is on cuda:0; this "
            "library runs on the CPU");
  EXPECT_FALSE(Status(mithril_model_write_parameter(model.get(),
                                                    "linear_1.weight", nullptr))
                   .ok());
  EXPECT_FALSE(
      Status(mithril_model_write_parameter(nullptr, "linear_1.weight", &value))
          .ok());

  // Nothing changed.
  std::vector<float> input = sampleInput(2);
  expectClose(runMLP(model.get(), input, 2).data(), referenceMLP(input, 2));
}

TEST(RuntimeTest, ParametersWaitForTheCallToEnd) {
  // A write while a call runs on the instance is refused, never raced: one
  // thread runs, the other writes the weights it already has.
  Library library = openLibrary("libwide.so");
  Model model = createModel(library.get());
  // One thread per call leaves the writer a core.
  ASSERT_TRUE(Status(mithril_model_set_threads(model.get(), 1)).ok());
  std::vector<float> input(128 * 256);
  for (size_t i = 0; i < input.size(); ++i)
    input[i] = float(std::sin(0.1 * double(i)));
  std::vector<mithril_tensor> first(1);
  ASSERT_TRUE(run(model.get(), {tensor(input, {128, 256})}, first).ok());
  const auto *expected = static_cast<const float *>(first[0].data);
  std::vector<float> reference(expected, expected + 128 * 256);
  mithril_tensor_free(&first[0]);
  mithril_port port;
  ASSERT_TRUE(Status(mithril_model_parameter(model.get(), 0, &port)).ok());
  std::string name = port.name;
  std::vector<float> weight = readParameter(model.get(), name);

  std::atomic<bool> done{false};
  std::atomic<int> refused{0}, wrong{0};
  std::thread writer([&] {
    while (!done.load()) {
      mithril_tensor value{};
      value.data = weight.data();
      value.dtype = MITHRIL_F32;
      value.rank = port.rank;
      std::copy(port.shape, port.shape + port.rank, value.shape);
      Status status(
          mithril_model_write_parameter(model.get(), name.c_str(), &value));
      if (status.code() == MITHRIL_FAILED_PRECONDITION &&
          status.message().find("cannot write parameter '" + name +
                                "' while the instance is running a call") == 0)
        ++refused;
      else if (!status.ok())
        ++wrong;
    }
  });
  int runs = 0;
  // Until both sides have met, or a deadline: a count of attempts ran out
  // in milliseconds when the writer held the instance at every try.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         (runs < 30 || refused == 0)) {
    std::vector<mithril_tensor> outputs(1);
    Status status = run(model.get(), {tensor(input, {128, 256})}, outputs);
    if (status.code() == MITHRIL_FAILED_PRECONDITION) {
      std::this_thread::yield(); // the writer holds the instance
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.message();
    ++runs;
    EXPECT_EQ(
        std::memcmp(outputs[0].data, reference.data(), reference.size() * 4),
        0);
    mithril_tensor_free(&outputs[0]);
  }
  done = true;
  writer.join();
  EXPECT_GT(refused.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(RuntimeFileTest, SavesAndLoadsParameters) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  // Saved as they are: the example's file, tensor by tensor, bit for bit.
  std::string saved = pathOf("saved.safetensors");
  Status status(mithril_model_save_parameters(model.get(), saved.c_str()));
  ASSERT_TRUE(status.ok()) << status.message();
  std::string error;
  auto file = mithril::runtime::SafetensorsFile::open(saved, error);
  ASSERT_TRUE(file) << error;
  Weights weights = exampleWeights();
  ASSERT_EQ(file->tensors().size(), weights.size());
  for (const auto &[name, values] : weights) {
    const auto *tensor = file->find(name);
    ASSERT_NE(tensor, nullptr) << name;
    ASSERT_EQ(tensor->byteSize(), values.size() * 4);
    EXPECT_EQ(std::memcmp(tensor->data, values.data(), tensor->byteSize()), 0);
  }
  EXPECT_EQ(file->metadata().at("format"), "pt");
  EXPECT_EQ(entries(), std::vector<std::string>{"saved.safetensors"});

  // Changed, saved, and loaded into a fresh instance: bit for bit the same.
  std::vector<float> bias(128);
  for (size_t i = 0; i < bias.size(); ++i)
    bias[i] = float(i) / 3.0f;
  ASSERT_TRUE(writeParameter(model.get(), "linear_0.bias", bias, {128}).ok());
  std::string changed = pathOf("changed.safetensors");
  ASSERT_TRUE(
      Status(mithril_model_save_parameters(model.get(), changed.c_str())).ok());
  Model fresh = createModel(library.get());
  Status loaded(mithril_model_load_parameters(fresh.get(), changed.c_str()));
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  for (const auto &[name, unused] : weights)
    EXPECT_EQ(readParameter(fresh.get(), name),
              readParameter(model.get(), name))
        << name;
  std::vector<float> input = sampleInput(2);
  std::vector<float> expected = runMLP(model.get(), input, 2);
  EXPECT_EQ(runMLP(fresh.get(), input, 2), expected);
  // What create reads, too.
  Model created = createModel(library.get(), changed.c_str());
  EXPECT_EQ(runMLP(created.get(), input, 2), expected);
}

TEST_F(RuntimeFileTest, LoadsASubsetOfParameters) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::vector<float> bias(10, 0.5f), weight(10 * 64, 0.0f);
  std::string path = pathOf("head.safetensors");
  std::string error;
  ASSERT_TRUE(mithril::runtime::writeSafetensors(
      path,
      {{"linear_2.bias", mithril::runtime::DType::F32, {10}, bias.data(), 40},
       {"linear_2.weight",
        mithril::runtime::DType::F32,
        {10, 64},
        weight.data(),
        weight.size() * 4}},
      {}, error))
      << error;
  Status status(mithril_model_load_parameters(model.get(), path.c_str()));
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<float> input = sampleInput(2);
  EXPECT_EQ(runMLP(model.get(), input, 2), std::vector<float>(20, 0.5f));
  EXPECT_EQ(readParameter(model.get(), "linear_0.bias"),
            exampleWeights()["linear_0.bias"]);
}

TEST_F(RuntimeFileTest, RefusesLoadsThatDoNotFit) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::vector<float> values(128, 2.0f);
  auto write = [&](const std::string &name,
                   std::vector<mithril::runtime::TensorToWrite> tensors) {
    std::string path = pathOf(name);
    std::string error;
    EXPECT_TRUE(mithril::runtime::writeSafetensors(path, tensors, {}, error))
        << error;
    return path;
  };
  auto refusal = [&](const std::string &path) {
    Status status(mithril_model_load_parameters(model.get(), path.c_str()));
    EXPECT_EQ(status.code(), MITHRIL_INVALID_ARGUMENT);
    return status.message();
  };
  // A good tensor first: refused files change nothing, not even it.
  using mithril::runtime::DType;
  std::string unknown =
      write("unknown.safetensors",
            {{"linear_0.bias", DType::F32, {128}, values.data(), 512},
             {"linear_0.scale", DType::F32, {128}, values.data(), 512}});
  EXPECT_EQ(refusal(unknown), "weights '" + unknown +
                                  "': tensor 'linear_0.scale' is no "
                                  "parameter of the model");
  std::string shape =
      write("shape.safetensors",
            {{"linear_0.bias", DType::F32, {128}, values.data(), 512},
             {"linear_1.bias", DType::F32, {2, 32}, values.data(), 256}});
  EXPECT_EQ(refusal(shape), "weights '" + shape +
                                "': parameter 'linear_1.bias' has shape "
                                "[2,32], expected [64]");
  std::string dtype =
      write("dtype.safetensors",
            {{"linear_0.bias", DType::F32, {128}, values.data(), 512},
             {"linear_1.bias", DType::I32, {64}, values.data(), 256}});
  EXPECT_EQ(refusal(dtype), "weights '" + dtype +
                                "': parameter 'linear_1.bias' has dtype "
                                "i32, expected f32");
  EXPECT_EQ(readParameter(model.get(), "linear_0.bias"),
            exampleWeights()["linear_0.bias"]);

  std::string truncated = pathOf("truncated.safetensors");
  Bytes bytes = readFile(shape);
  bytes.resize(bytes.size() - 10);
  writeFile(truncated, bytes);
  Status io(mithril_model_load_parameters(model.get(), truncated.c_str()));
  EXPECT_EQ(io.code(), MITHRIL_IO_ERROR);
  EXPECT_NE(io.message().find("cannot read weights '" + truncated + "'"),
            std::string::npos);
  EXPECT_FALSE(
      Status(mithril_model_load_parameters(model.get(), nullptr)).ok());
  EXPECT_FALSE(Status(mithril_model_load_parameters(nullptr, "x")).ok());
}

TEST_F(RuntimeFileTest, SavingLeavesNoPartialFile) {
  Library library = openLibrary("libmlp.so");
  Model model = createModel(library.get());
  std::string nowhere = pathOf("no/such/folder/w.safetensors");
  Status status(mithril_model_save_parameters(model.get(), nowhere.c_str()));
  EXPECT_EQ(status.code(), MITHRIL_IO_ERROR);
  EXPECT_NE(status.message().find("cannot write weights '" + nowhere + "'"),
            std::string::npos);
  EXPECT_TRUE(entries().empty());
  EXPECT_FALSE(
      Status(mithril_model_save_parameters(model.get(), nullptr)).ok());
  EXPECT_FALSE(Status(mithril_model_save_parameters(nullptr, "x")).ok());
}

} // namespace
