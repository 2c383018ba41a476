//===- RuntimeInternal.h - What the files of the C API share ----*- C++ -*-===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// The structs behind the opaque handles of runtime.h (mithril_library,
// mithril_model) and the helpers that more than one file of the C API uses:
// statuses, memref descriptors, aligned buffers, the parameter store.
// Private to libmithril_runtime: nothing here is exported.
//
//   Status.cpp      statuses
//   Tensors.cpp     dtypes, tensors, f32 <-> f16/bf16 conversions
//   Descriptors.cpp memref descriptors, strided copies, aligned memory
//   Library.cpp     loading a library, its signature
//   Model.cpp       creating and destroying instances, their options
//   Parameters.cpp  binding weights, prepared parameters, the parameter API
//   Call.cpp        checking a call's tensors, running it, its outputs
//
//===----------------------------------------------------------------------===//

#ifndef MITHRIL_RUNTIME_SRC_RUNTIMEINTERNAL_H
#define MITHRIL_RUNTIME_SRC_RUNTIMEINTERNAL_H

#include "mithril/runtime.h"
#include "mithril/runtime/Safetensors.h"
#include "mithril/runtime/Signature.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace mithril::runtime {

//===----------------------------------------------------------------------===//
// Statuses and devices (Status.cpp)
//===----------------------------------------------------------------------===//

/// A failed status with `message`; the caller of the C API frees it.
mithril_status makeStatus(mithril_status_code code, std::string message);
mithril_status invalidArgument(std::string message);

/// Names a device in messages: `cpu`, `cuda:1`, `device type 7`.
std::string describeDevice(int32_t type, int32_t index);

/// Fails unless `tensor` is on the CPU: `input 'x' is on cuda:0; this
/// library runs on the CPU` (`kind` and `name` name the tensor; the message
/// is built only on failure, so a call checks without allocating).
mithril_status checkOnCPU(const char *kind, const std::string &name,
                          const mithril_tensor &tensor);

//===----------------------------------------------------------------------===//
// Libraries (Library.cpp)
//===----------------------------------------------------------------------===//

/// A loaded library (or, for the typed wrappers, the library the caller is
/// part of) with its signature read.
struct Library {
  void *handle = nullptr;
  const mithril_library_info *info = nullptr;
  Signature signature;
  /// The library's folder, where external weights live.
  std::string directory;

  ~Library();
};

/// Reads `info` (found in the library at `path`) into a Library.
mithril_status makeLibrary(const mithril_library_info *info,
                           const std::string &path,
                           std::shared_ptr<Library> &out);

/// Fills `out` with `port`; its strings point into `port`.
void describePort(const Port &port, mithril_port &out);

//===----------------------------------------------------------------------===//
// Memory and memref descriptors (Descriptors.cpp)
//===----------------------------------------------------------------------===//

/// Memory aligned to 64 bytes, as mithril-plan-memory assumes of the arena
/// (and the kernels prefer for parameters and prepared parameters).
struct AlignedDeleter {
  void operator()(uint8_t *memory) const { std::free(memory); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, AlignedDeleter>;

/// `bytes` (at least 1) aligned to 64 bytes; null if out of memory.
AlignedBuffer allocateAligned(size_t bytes);

/// A ranked memref descriptor as MLIR's C interface lays it out:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, every field
/// 64 bits wide.
struct Descriptor {
  std::vector<int64_t> words;

  static size_t wordsForRank(size_t rank) { return 3 + 2 * rank; }

  /// A contiguous, row-major buffer at `data`.
  static Descriptor contiguous(const void *data, const int64_t *shape,
                               size_t rank);

  /// Describes a contiguous buffer at `data` of this descriptor's rank, in
  /// place (calls reuse their descriptors: no allocation).
  void assign(const void *data, const int64_t *shape);
};

/// A descriptor inside a block of words (the results an entry wrote, or a
/// Descriptor's words).
struct ResultView {
  const int64_t *words;
  size_t rank;

  void *allocated() const { return reinterpret_cast<void *>(words[0]); }
  uint8_t *aligned() const { return reinterpret_cast<uint8_t *>(words[1]); }
  int64_t offset() const { return words[2]; }
  int64_t size(size_t i) const { return words[3 + i]; }
  int64_t stride(size_t i) const { return words[3 + rank + i]; }

  int64_t numElements() const;
  bool isContiguous() const;
};

/// Copies the strided elements of `view`, in row-major order, to `dest`.
void copyStrided(const ResultView &view, size_t elementSize, uint8_t *dest);

/// MLIR's lowering of memref.get_global marks the allocated pointer of a
/// constant buffer with this value; such a buffer is never freed.
constexpr uintptr_t kGlobalMarker = 0xdeadbeef;

//===----------------------------------------------------------------------===//
// Parameters (Parameters.cpp)
//===----------------------------------------------------------------------===//

/// One parameter of an instance, by name: every entry that lists the name
/// reads these values.
struct Parameter {
  /// The first entry's port of this name (the signature outlives it).
  const Port *port = nullptr;
  /// The current values: inside the weights image until written (or
  /// copied for alignment), then inside `owned`.
  const uint8_t *data = nullptr;
  /// The instance's own copy, once there is one.
  AlignedBuffer owned;
  size_t bytes = 0;

  /// Whether this is a train step's state (see Port::initialValue),
  /// which the parameter API lists apart and weights never hold.
  bool isState() const { return port->initialValue.has_value(); }
};

/// A parameter in the layout an entry reads it in (see Prepared), made from
/// the parameter's current values; one per distinct (parameter, shape,
/// permutation), shared by the entries that list it.
struct PreparedCopy {
  /// Index in mithril_model::parameters.
  size_t parameter = 0;
  const Prepared *spec = nullptr;
  /// The prepared tensor's dims: spec->shape permuted.
  std::vector<int64_t> shape;
  AlignedBuffer buffer;
};

/// What one entry passes after its inputs: its parameters, then its
/// prepared parameters, as indices in the instance's lists and as the
/// descriptors of the call.
struct EntryArguments {
  std::vector<size_t> parameters, prepared;
  /// The parameters the entry updates (Entry::updates), as indices, and
  /// whether a prepared copy is made from one of them.
  std::vector<size_t> updates;
  bool updatesPrepared = false;
  std::vector<Descriptor> descriptors;
};

//===----------------------------------------------------------------------===//
// Calls (Call.cpp)
//===----------------------------------------------------------------------===//

/// A symbol's value in a call, and the input that bound it.
struct SymbolBinding {
  const std::string *symbol;
  int64_t value;
  const std::string *input;
};

/// What a call of one entry works with, sized when the instance is created
/// so that a call allocates nothing of its own.
struct CallFrame {
  std::vector<Descriptor> inputs;
  Descriptor arena;
  std::vector<void *> args;
  /// The block the entry writes the output descriptors into, one after
  /// the other, and a view of each (made at create: the block stays put).
  std::vector<int64_t> resultBlock;
  std::vector<ResultView> results;
  /// The new values of a train step's updated parameters (after the
  /// outputs in the block), stored into the instance after each call.
  std::vector<ResultView> updates;
  /// Buffers the call must neither hand over nor free: inputs, parameters,
  /// the arena.
  std::vector<void *> borrowed;
  /// Result buffers the call allocated, and those handed to the caller.
  std::vector<void *> owned, handedOver;
  std::vector<SymbolBinding> symbols;
};

/// Holds an instance's busy flag for the length of one call (a run, or a
/// read or change of its parameters); `acquired()` is false when another
/// call holds it.
class BusyScope {
public:
  explicit BusyScope(std::atomic<bool> &busy)
      : busy(busy), held(!busy.exchange(true, std::memory_order_acquire)) {}
  ~BusyScope() {
    if (held)
      busy.store(false, std::memory_order_release);
  }
  BusyScope(const BusyScope &) = delete;
  BusyScope &operator=(const BusyScope &) = delete;

  bool acquired() const { return held; }

private:
  std::atomic<bool> &busy;
  bool held;
};

} // namespace mithril::runtime

struct mithril_library {
  std::shared_ptr<mithril::runtime::Library> library;
};

struct mithril_model {
  std::shared_ptr<mithril::runtime::Library> library;
  /// The weights the instance was created with (mmapped or embedded), or
  /// null when the library has no parameters.
  std::unique_ptr<mithril::runtime::SafetensorsFile> weights;
  /// The model's parameters (and running statistics) first, then the
  /// state of its train step, if any.
  std::vector<mithril::runtime::Parameter> parameters;
  size_t numModelParameters = 0;
  std::vector<mithril::runtime::PreparedCopy> prepared;
  /// Set when a train step changed parameters that prepared copies are
  /// made from: they are remade before the next call.
  bool preparedStale = false;
  /// Per entry.
  std::vector<mithril::runtime::EntryArguments> arguments;
  /// The planned intermediates and outputs of every entry (one call at a
  /// time: one arena, as large as the largest entry's).
  mithril::runtime::AlignedBuffer arena;
  std::vector<mithril::runtime::CallFrame> frames;
  /// Threads per call; 0: the library's default.
  int32_t threads = 0;
  /// Set while a call runs (see BusyScope).
  std::atomic<bool> busy{false};
};

namespace mithril::runtime {

/// Binds every parameter of every entry to the weights (`source` names
/// them in messages): one Parameter per name, checked by dtype and shape.
mithril_status bindParameters(mithril_model &model, const std::string &source);

/// Makes the prepared parameters of every entry from the bound parameters
/// and the descriptors of every entry's arguments.
mithril_status prepareParameters(mithril_model &model);

/// Stores the updates a call of entry `entryIndex` returned into the
/// instance's parameters.
void storeUpdates(mithril_model &model, size_t entryIndex);

/// Remakes the prepared copies before a call of entry `entryIndex` that
/// reads them, if a train step made them stale.
void refreshPrepared(mithril_model &model, size_t entryIndex);

} // namespace mithril::runtime

#endif // MITHRIL_RUNTIME_SRC_RUNTIMEINTERNAL_H
