//===- Call.cpp - Running an entry ----------------------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mithril_model_run: checks the inputs and the caller's outputs (all before
// any computation), builds the memref descriptors of the inputs, parameters
// and arena, calls the entry on the instance's threads, and turns the result
// descriptors into tensors the caller owns. A call allocates nothing of its
// own: its frame was sized at create, and messages are built on failure only.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <algorithm>

// The thread pool of parallel loops is LLVM's OpenMP runtime (libomp), which
// generated code calls; the runtime only sets its per-thread count. Declared
// here rather than through <omp.h>: GCC and Clang each ship their own.
extern "C" {
int omp_get_max_threads(void);
void omp_set_num_threads(int threads);
}

using namespace mithril::runtime;

namespace {

//===----------------------------------------------------------------------===//
// Checks
//===----------------------------------------------------------------------===//

/// Names a port in messages: `input 'x' `.
std::string portPrefix(const char *kind, const Port &port) {
  return std::string(kind) + " '" + port.name + "' ";
}

/// Checks the dtype and rank of a tensor for `port`.
mithril_status checkDTypeAndRank(const char *kind, const Port &port,
                                 const mithril_tensor &tensor) {
  if (tensor.dtype != int32_t(port.dtype))
    return invalidArgument(portPrefix(kind, port) + "has dtype " +
                           mithril_dtype_name(tensor.dtype) + ", expected " +
                           std::string(modelDTypeName(port.dtype)));
  if (tensor.rank != int32_t(port.shape.size()))
    return invalidArgument(portPrefix(kind, port) + "has rank " +
                           std::to_string(tensor.rank) + ", expected " +
                           std::to_string(port.shape.size()) + " (" +
                           port.describeShape() + ")");
  return nullptr;
}

SymbolBinding *findSymbol(std::vector<SymbolBinding> &symbols,
                          const std::string &symbol) {
  for (SymbolBinding &binding : symbols)
    if (*binding.symbol == symbol)
      return &binding;
  return nullptr;
}

/// Checks the dims of `tensor` against `port`: every fixed dim, and every
/// symbol against `symbols` (binding it when `bind` and it is new).
mithril_status checkDims(const char *kind, const Port &port,
                         const mithril_tensor &tensor,
                         std::vector<SymbolBinding> &symbols, bool bind) {
  auto mismatch = [&] {
    return portPrefix(kind, port) + "has shape " +
           formatShape(tensor.shape, size_t(tensor.rank)) + ", expected " +
           port.describeShape();
  };
  for (size_t i = 0; i < port.shape.size(); ++i) {
    int64_t dim = tensor.shape[i];
    if (dim < 0 || (port.shape[i] >= 0 && dim != port.shape[i]))
      return invalidArgument(mismatch());
    if (port.symbols[i].empty())
      continue;
    SymbolBinding *binding = findSymbol(symbols, port.symbols[i]);
    if (!binding) {
      if (bind)
        symbols.push_back({&port.symbols[i], dim, &port.name});
      continue;
    }
    if (binding->value != dim)
      return invalidArgument(mismatch() + ": " + port.symbols[i] + " is " +
                             std::to_string(binding->value) + " (from input '" +
                             *binding->input + "')");
  }
  return nullptr;
}

/// Checks one input against its port; binds its symbols.
mithril_status checkInput(const Port &port, const mithril_tensor *tensor,
                          std::vector<SymbolBinding> &symbols) {
  if (!tensor)
    return invalidArgument(portPrefix("input", port) + "is NULL");
  if (mithril_status status = checkOnCPU("input", port.name, *tensor))
    return status;
  if (mithril_status status = checkDTypeAndRank("input", port, *tensor))
    return status;
  if (mithril_status status =
          checkDims("input", port, *tensor, symbols, /*bind=*/true))
    return status;
  uint64_t elements = 1;
  for (size_t i = 0; i < port.shape.size(); ++i)
    if (__builtin_mul_overflow(elements, uint64_t(tensor->shape[i]), &elements))
      return invalidArgument(portPrefix("input", port) + "is too large");
  if (elements != 0 && !tensor->data)
    return invalidArgument(portPrefix("input", port) + "has no data");
  return nullptr;
}

/// Checks what can be checked of a caller-allocated output before the call:
/// its device, dtype, rank, fixed dims and the dims named by input symbols.
mithril_status checkOutputSlot(const Port &port, const mithril_tensor *tensor,
                               std::vector<SymbolBinding> &symbols) {
  if (!tensor)
    return invalidArgument(portPrefix("output", port) + "is NULL");
  if (!tensor->data)
    return nullptr;
  if (mithril_status status = checkOnCPU("output", port.name, *tensor))
    return status;
  if (mithril_status status = checkDTypeAndRank("output", port, *tensor))
    return status;
  return checkDims("output", port, *tensor, symbols, /*bind=*/false);
}

/// Checks the inputs and the caller's outputs of a call of `entry`.
mithril_status checkCall(const Entry &entry, CallFrame &frame,
                         const mithril_tensor *const *inputs,
                         mithril_tensor *const *outputs) {
  frame.symbols.clear();
  for (size_t i = 0; i < entry.inputs.size(); ++i)
    if (mithril_status status =
            checkInput(entry.inputs[i], inputs[i], frame.symbols))
      return status;
  for (size_t i = 0; i < entry.outputs.size(); ++i)
    if (mithril_status status =
            checkOutputSlot(entry.outputs[i], outputs[i], frame.symbols))
      return status;
  return nullptr;
}

/// Checks the counts of a call's tensors.
mithril_status checkCounts(const Entry &entry, const void *inputs,
                           size_t numInputs, const void *outputs,
                           size_t numOutputs) {
  if (numInputs != entry.inputs.size() || (numInputs && !inputs))
    return invalidArgument("'" + entry.name + "' takes " +
                           std::to_string(entry.inputs.size()) +
                           " inputs, got " + std::to_string(numInputs));
  if (numOutputs != entry.outputs.size() || (numOutputs && !outputs))
    return invalidArgument(
        "'" + entry.name + "' has " + std::to_string(entry.outputs.size()) +
        " outputs, got room for " + std::to_string(numOutputs));
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Arguments and outputs
//===----------------------------------------------------------------------===//

/// Fills the frame's arguments: inputs, parameters, prepared parameters,
/// the arena.
void bindArguments(mithril_model &model, size_t entryIndex,
                   const mithril_tensor *const *inputs) {
  CallFrame &frame = model.frames[entryIndex];
  frame.args.clear();
  frame.borrowed.clear();
  for (size_t i = 0; i < frame.inputs.size(); ++i) {
    frame.inputs[i].assign(inputs[i]->data, inputs[i]->shape);
    frame.args.push_back(frame.inputs[i].words.data());
    frame.borrowed.push_back(inputs[i]->data);
  }
  for (Descriptor &descriptor : model.arguments[entryIndex].descriptors) {
    frame.args.push_back(descriptor.words.data());
    frame.borrowed.push_back(reinterpret_cast<void *>(descriptor.words[0]));
  }
  frame.args.push_back(frame.arena.words.data());
  frame.borrowed.push_back(model.arena.get());
}

bool contains(const std::vector<void *> &buffers, void *buffer) {
  return std::find(buffers.begin(), buffers.end(), buffer) != buffers.end();
}

/// Copies `view` into the caller's buffer of `tensor`; fails if the shapes
/// differ.
mithril_status copyToCaller(const ResultView &view, const Port &port,
                            mithril_tensor &tensor) {
  for (size_t d = 0; d < view.rank; ++d) {
    if (tensor.shape[d] == view.size(d))
      continue;
    std::vector<int64_t> actual;
    for (size_t i = 0; i < view.rank; ++i)
      actual.push_back(view.size(i));
    return invalidArgument("output '" + port.name + "' has shape " +
                           formatShape(tensor.shape, view.rank) +
                           ", the result has " +
                           formatShape(actual.data(), actual.size()));
  }
  copyStrided(view, dtypeSize(port.dtype), static_cast<uint8_t *>(tensor.data));
  return nullptr;
}

/// Records the result buffers that the call allocated (neither borrowed
/// nor constants), each once.
void collectOwnedResults(CallFrame &frame) {
  frame.owned.clear();
  frame.handedOver.clear();
  for (const std::vector<ResultView> *views : {&frame.results, &frame.updates})
    for (const ResultView &view : *views)
      if (!contains(frame.borrowed, view.allocated()) &&
          reinterpret_cast<uintptr_t>(view.allocated()) != kGlobalMarker &&
          !contains(frame.owned, view.allocated()))
        frame.owned.push_back(view.allocated());
}

/// Gives the caller a tensor of its own for result `view`: the buffer
/// itself when the call allocated it, it is contiguous and not yet handed
/// over; a copy otherwise.
void handOver(const ResultView &view, const Port &port, CallFrame &frame,
              mithril_tensor &tensor) {
  tensor.dtype = int32_t(port.dtype);
  tensor.rank = int32_t(view.rank);
  tensor.device = MITHRIL_DEVICE_CPU;
  tensor.device_index = 0;
  for (size_t d = 0; d < view.rank; ++d)
    tensor.shape[d] = view.size(d);
  if (contains(frame.owned, view.allocated()) && view.isContiguous() &&
      !contains(frame.handedOver, view.allocated())) {
    frame.handedOver.push_back(view.allocated());
    tensor.data = view.aligned();
    tensor.allocation = view.allocated();
    return;
  }
  size_t bytes = size_t(view.numElements()) * dtypeSize(port.dtype);
  void *copy = std::malloc(bytes ? bytes : 1);
  copyStrided(view, dtypeSize(port.dtype), static_cast<uint8_t *>(copy));
  tensor.data = tensor.allocation = copy;
}

/// Turns the result descriptors into the caller's tensors: a result buffer
/// the call allocated is handed over when it is plain; otherwise (a view of
/// the arena, of an input or of another output, a constant, or a
/// caller-allocated output) it is copied. Every allocation not handed over
/// is freed.
mithril_status deliverOutputs(const Entry &entry, CallFrame &frame,
                              mithril_tensor *const *outputs) {
  collectOwnedResults(frame);
  mithril_status failure = nullptr;
  for (size_t i = 0; i < frame.results.size(); ++i) {
    const ResultView &view = frame.results[i];
    mithril_tensor &tensor = *outputs[i];
    if (!tensor.data) {
      handOver(view, entry.outputs[i], frame, tensor);
      continue;
    }
    mithril_status status = copyToCaller(view, entry.outputs[i], tensor);
    if (status && !failure)
      failure = status;
    else if (status)
      mithril_status_free(status);
  }
  for (void *allocation : frame.owned)
    if (!contains(frame.handedOver, allocation))
      std::free(allocation);
  // A failed call leaves the caller nothing to free.
  if (failure)
    for (size_t i = 0; i < frame.results.size(); ++i)
      mithril_tensor_free(outputs[i]);
  return failure;
}

/// Runs the calling thread's parallel regions on `threads` threads (if not
/// 0) until it goes out of scope. OpenMP keeps the count per thread, so
/// instances running on other threads are not affected.
class ThreadCount {
public:
  explicit ThreadCount(int64_t threads) {
    if (threads <= 0)
      return;
    previous = omp_get_max_threads();
    omp_set_num_threads(int(threads));
  }
  ~ThreadCount() {
    if (previous > 0)
      omp_set_num_threads(previous);
  }

private:
  int previous = 0;
};

} // namespace

mithril_status mithril_model_set_threads(mithril_model *model,
                                         int32_t threads) {
  if (!model)
    return invalidArgument("mithril_model_set_threads: the model is NULL");
  if (threads < 0)
    return invalidArgument(
        "mithril_model_set_threads: " + std::to_string(threads) +
        " threads (0: the library's default)");
  model->threads = threads;
  return nullptr;
}

mithril_status mithril_model_run(mithril_model *model, size_t entryIndex,
                                 const mithril_tensor *const *inputs,
                                 size_t num_inputs,
                                 mithril_tensor *const *outputs,
                                 size_t num_outputs) {
  if (!model)
    return invalidArgument("mithril_model_run: the model is NULL");
  const Signature &signature = model->library->signature;
  if (entryIndex >= signature.entries.size())
    return makeStatus(MITHRIL_NOT_FOUND,
                      "no entry #" + std::to_string(entryIndex));
  const Entry &entry = signature.entries[entryIndex];
  if (mithril_status status =
          checkCounts(entry, inputs, num_inputs, outputs, num_outputs))
    return status;
  BusyScope busy(model->busy);
  if (!busy.acquired())
    return makeStatus(MITHRIL_FAILED_PRECONDITION,
                      "this instance is already running a call (one call at "
                      "a time per instance; create one per thread)");
  CallFrame &frame = model->frames[entryIndex];
  if (mithril_status status = checkCall(entry, frame, inputs, outputs))
    return status;

  refreshPrepared(*model, entryIndex);
  bindArguments(*model, entryIndex, inputs);
  {
    ThreadCount threads(model->threads ? model->threads : signature.threads);
    model->library->info->entries[entryIndex](frame.resultBlock.data(),
                                              frame.args.data());
  }
  // The updates are stored before the outputs' buffers are freed.
  storeUpdates(*model, entryIndex);
  return deliverOutputs(entry, frame, outputs);
}
