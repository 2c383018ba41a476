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

#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <dlfcn.h>

namespace {

/// Tests that write files.
class RuntimeFileTest : public mithril::testing::TempDirTest {};

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

/// The MLP of examples/mlp.json (784-128-64-10, ReLU) on `input`, from the
/// weights file, in double precision.
std::vector<float> referenceMLP(const std::vector<float> &input,
                                int64_t batch) {
  std::string error;
  auto weights = mithril::runtime::SafetensorsFile::open(
      kExamples + "/mlp.safetensors", error);
  EXPECT_TRUE(weights) << error;
  std::vector<double> activation(input.begin(), input.end());
  int64_t width = 784;
  for (int layer = 0; layer < 3; ++layer) {
    std::string prefix = "linear_" + std::to_string(layer);
    const auto *w = weights->find(prefix + ".weight");
    const auto *b = weights->find(prefix + ".bias");
    int64_t outWidth = w->shape[0];
    std::vector<double> next(size_t(batch * outWidth));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t o = 0; o < outWidth; ++o) {
        float bias;
        std::memcpy(&bias, b->data + 4 * o, 4);
        double sum = bias;
        for (int64_t i = 0; i < width; ++i) {
          float weight;
          std::memcpy(&weight, w->data + 4 * (o * width + i), 4);
          sum += weight * activation[size_t(n * width + i)];
        }
        next[size_t(n * outWidth + o)] = layer < 2 ? std::max(sum, 0.0) : sum;
      }
    activation = std::move(next);
    width = outWidth;
  }
  return std::vector<float>(activation.begin(), activation.end());
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

} // namespace
