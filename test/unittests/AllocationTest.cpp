//===- AllocationTest.cpp - Calls that allocate nothing -------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Counts the heap allocations of the whole process (malloc and its kin are
// interposed here, ahead of libc) during calls of a static-shaped model:
// once an instance has made its first call, a call with caller-allocated
// outputs allocates nothing in the runtime or the model's code
// (mithril-plan-memory puts every intermediate and output in the
// instance's arena; the runtime reuses its call frames). libomp's own
// bookkeeping (a few small blocks per parallel region) is counted apart:
// it is LLVM's OpenMP runtime's, not ours (see docs/performance.md). Also
// checks that the thread count is per instance and does not change results.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <malloc.h>

extern "C" {
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *pointer, size_t size);
void *__libc_memalign(size_t alignment, size_t size);
}

namespace {
std::atomic<bool> counting{false};
std::atomic<long> allocations{0}, openmpAllocations{0};
/// Where libomp is loaded: its allocations are counted apart.
void *openmpBase = nullptr;

/// Counts an allocation made from `caller` (malloc's return address).
void count(void *caller) {
  if (!counting.load(std::memory_order_relaxed))
    return;
  Dl_info where;
  if (openmpBase && ::dladdr(caller, &where) && where.dli_fbase == openmpBase)
    openmpAllocations.fetch_add(1, std::memory_order_relaxed);
  else
    allocations.fetch_add(1, std::memory_order_relaxed);
}
} // namespace

#define COUNT() count(__builtin_return_address(0))

extern "C" {
void *malloc(size_t size) {
  COUNT();
  return __libc_malloc(size);
}
void *calloc(size_t count_, size_t size) {
  COUNT();
  return __libc_calloc(count_, size);
}
void *realloc(void *pointer, size_t size) {
  COUNT();
  return __libc_realloc(pointer, size);
}
void *memalign(size_t alignment, size_t size) {
  COUNT();
  return __libc_memalign(alignment, size);
}
void *aligned_alloc(size_t alignment, size_t size) {
  COUNT();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void **out, size_t alignment, size_t size) {
  COUNT();
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}
}

namespace {

const std::string kModels = MITHRIL_TEST_MODELS_DIR;

/// One instance of `libwide.so` (Inputs/wide.json: two Linear layers, a
/// GELU and a softmax on a fixed [128, 256] input), with its input and a
/// caller-allocated output.
class WideModel : public ::testing::Test {
protected:
  void SetUp() override {
    std::string path = kModels + "/libwide.so";
    ASSERT_EQ(mithril_library_open(path.c_str(), &library), nullptr);
    ASSERT_EQ(mithril_model_create(library, nullptr, &model), nullptr);
    findOpenMP();
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = float(i % 17) / 17.0f - 0.5f;
    input.data = x.data();
    input.dtype = MITHRIL_F32;
    input.rank = 2;
    input.shape[0] = 128;
    input.shape[1] = 256;
  }
  void TearDown() override {
    mithril_model_destroy(model);
    mithril_library_close(library);
  }

  /// Where libomp is loaded, whose allocations are counted apart.
  static void findOpenMP() {
    Dl_info where;
    void *symbol = ::dlsym(RTLD_DEFAULT, "omp_get_max_threads");
    if (symbol && ::dladdr(symbol, &where))
      openmpBase = where.dli_fbase;
  }

  /// Runs once into `out`; false (with the message reported) on failure.
  bool run(std::vector<float> &out) {
    out.assign(128 * 256, 0.0f);
    mithril_tensor output{};
    output.data = out.data();
    output.dtype = MITHRIL_F32;
    output.rank = 2;
    output.shape[0] = 128;
    output.shape[1] = 256;
    const mithril_tensor *inputs[] = {&input};
    mithril_tensor *outputs[] = {&output};
    mithril_status status = mithril_model_run(model, 0, inputs, 1, outputs, 1);
    if (status) {
      ADD_FAILURE() << mithril_status_message(status);
      mithril_status_free(status);
      return false;
    }
    return true;
  }

  mithril_library *library = nullptr;
  mithril_model *model = nullptr;
  std::vector<float> x = std::vector<float>(128 * 256);
  mithril_tensor input{};
};

TEST_F(WideModel, SteadyStateCallsAllocateNothing) {
  std::vector<float> first, out;
  ASSERT_TRUE(run(first)); // the first call may start libomp's threads
  out.reserve(first.size());
  allocations = 0;
  counting = true;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(run(out));
  counting = false;
  EXPECT_EQ(allocations.load(), 0);
  EXPECT_NE(openmpBase, nullptr);
  // libomp's, for the record: a few per parallel region.
  RecordProperty("openmp_allocations", int(openmpAllocations.load()));
  EXPECT_EQ(out, first);
}

TEST_F(WideModel, CountingSeesAllocations) {
  // The counter works: a call with library-allocated outputs allocates the
  // output it hands over.
  std::vector<float> warm;
  ASSERT_TRUE(run(warm));
  mithril_tensor output{};
  const mithril_tensor *inputs[] = {&input};
  mithril_tensor *outputs[] = {&output};
  allocations = 0;
  counting = true;
  mithril_status status = mithril_model_run(model, 0, inputs, 1, outputs, 1);
  counting = false;
  ASSERT_EQ(status, nullptr) << mithril_status_message(status);
  EXPECT_GE(allocations.load(), 1);
  ASSERT_NE(output.data, nullptr);
  EXPECT_EQ(std::memcmp(output.data, warm.data(), warm.size() * 4), 0);
  mithril_tensor_free(&output);
}

TEST_F(WideModel, ThreadCountsGiveTheSameResults) {
  std::vector<float> byDefault, one, two;
  ASSERT_TRUE(run(byDefault));
  ASSERT_EQ(mithril_model_set_threads(model, 1), nullptr);
  ASSERT_TRUE(run(one));
  ASSERT_EQ(mithril_model_set_threads(model, 2), nullptr);
  ASSERT_TRUE(run(two));
  // Each thread computes whole blocks: the sums are the same, bit for bit.
  EXPECT_EQ(one, byDefault);
  EXPECT_EQ(two, byDefault);

  mithril_status status = mithril_model_set_threads(model, -1);
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(mithril_status_get_code(status), MITHRIL_INVALID_ARGUMENT);
  mithril_status_free(status);
  status = mithril_model_set_threads(nullptr, 1);
  ASSERT_NE(status, nullptr);
  mithril_status_free(status);
}

TEST_F(WideModel, SignatureRecordsTheArena) {
  const char *signature = mithril_library_signature(library);
  ASSERT_NE(signature, nullptr);
  // The output (128 x 256 floats) lives in the arena, with the hidden
  // layer's 128 x 512 floats; the arena is a whole number of 64 bytes.
  const char *field = std::strstr(signature, "\"arena_bytes\":");
  ASSERT_NE(field, nullptr) << signature;
  long long bytes =
      std::strtoll(field + std::strlen("\"arena_bytes\":"), nullptr, 10);
  EXPECT_GE(bytes, (128 * 256 + 128 * 512) * 4);
  EXPECT_EQ(bytes % 64, 0);
}

/// The same model compiled with --train (libwide_train.so): a train step
/// on a fixed input and target, the loss into a caller-allocated scalar.
class WideTrainStep : public WideModel {
protected:
  void SetUp() override {
    std::string path = kModels + "/libwide_train.so";
    ASSERT_EQ(mithril_library_open(path.c_str(), &library), nullptr);
    ASSERT_EQ(mithril_model_create(library, nullptr, &model), nullptr);
    ASSERT_EQ(mithril_library_find_entry(library, "train_step", &entry),
              nullptr);
    findOpenMP();
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = float(i % 17) / 17.0f - 0.5f;
    input.data = x.data();
    input.dtype = MITHRIL_F32;
    input.rank = 2;
    input.shape[0] = 128;
    input.shape[1] = 256;
    target = input;
    target.data = t.data();
  }

  bool step(float &loss) {
    mithril_tensor output{};
    output.data = &loss;
    output.dtype = MITHRIL_F32;
    output.rank = 0;
    const mithril_tensor *inputs[] = {&input, &target};
    mithril_tensor *outputs[] = {&output};
    mithril_status status =
        mithril_model_run(model, entry, inputs, 2, outputs, 1);
    if (status) {
      ADD_FAILURE() << mithril_status_message(status);
      mithril_status_free(status);
      return false;
    }
    return true;
  }

  size_t entry = 0;
  std::vector<float> t = std::vector<float>(128 * 256, 0.0f);
  mithril_tensor target{};
};

TEST_F(WideTrainStep, SteadyStateStepsAllocateNothing) {
  float first = 0, loss = 0;
  ASSERT_TRUE(step(first));
  allocations = 0;
  counting = true;
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(step(loss));
  counting = false;
  EXPECT_EQ(allocations.load(), 0);
  // The steps train: the loss against a zero target falls.
  EXPECT_LT(loss, first);
}

} // namespace
