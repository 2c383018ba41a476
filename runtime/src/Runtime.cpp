//===- Runtime.cpp - The C API of libmithril_runtime ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Libraries, instances and calls. A generated library exposes each entry as
// a function over MLIR memref descriptors (MLIR's C interface): the runtime
// builds the descriptors of the inputs and parameters, calls the entry, and
// turns the result descriptors into tensors the caller owns.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime.h"

#include "mithril/runtime/Safetensors.h"
#include "mithril/runtime/Signature.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <dlfcn.h>

// The thread pool of parallel loops is LLVM's OpenMP runtime (libomp), which
// generated code calls; the runtime only sets its per-thread count. Declared
// here rather than through <omp.h>: GCC and Clang each ship their own.
extern "C" {
int omp_get_max_threads(void);
void omp_set_num_threads(int threads);
}

using namespace mithril::runtime;

struct mithril_status_t {
  mithril_status_code code;
  std::string message;
};

namespace {

mithril_status makeStatus(mithril_status_code code, std::string message) {
  return new mithril_status_t{code, std::move(message)};
}

mithril_status invalidArgument(std::string message) {
  return makeStatus(MITHRIL_INVALID_ARGUMENT, std::move(message));
}

/// A loaded library (or, for the typed wrappers, the library the caller is
/// part of) with its signature read.
struct Library {
  void *handle = nullptr;
  const mithril_library_info *info = nullptr;
  Signature signature;
  /// The library's folder, where external weights live.
  std::string directory;

  ~Library() {
    if (handle)
      ::dlclose(handle);
  }
};

std::string parentDirectory(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// Reads `info` into a Library.
mithril_status makeLibrary(const mithril_library_info *info,
                           const std::string &path,
                           std::shared_ptr<Library> &out) {
  if (!info)
    return invalidArgument("no library info");
  if (info->abi_version != MITHRIL_ABI_VERSION)
    return invalidArgument(
        "'" + path + "' was compiled for runtime ABI version " +
        std::to_string(info->abi_version) + "; this runtime has version " +
        std::to_string(MITHRIL_ABI_VERSION));
  auto library = std::make_shared<Library>();
  library->info = info;
  library->directory = parentDirectory(path);
  std::string error;
  if (!info->signature ||
      !parseSignature(info->signature, library->signature, error))
    return invalidArgument("'" + path + "': " + error);
  if (library->signature.entries.size() != info->num_entries || !info->entries)
    return invalidArgument("'" + path + "': the signature lists " +
                           std::to_string(library->signature.entries.size()) +
                           " entries, the library has " +
                           std::to_string(info->num_entries));
  out = std::move(library);
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Memref descriptors
//===----------------------------------------------------------------------===//

/// A ranked memref descriptor as MLIR's C interface lays it out:
/// {allocated, aligned, offset, sizes[rank], strides[rank]}, every field
/// 64 bits wide.
struct Descriptor {
  std::vector<int64_t> words;

  static size_t wordsForRank(size_t rank) { return 3 + 2 * rank; }

  /// A contiguous, row-major buffer at `data`.
  static Descriptor contiguous(const void *data, const int64_t *shape,
                               size_t rank) {
    Descriptor descriptor;
    descriptor.words.resize(wordsForRank(rank));
    descriptor.assign(data, shape);
    return descriptor;
  }

  /// Describes a contiguous buffer at `data` of this descriptor's rank, in
  /// place (calls reuse their descriptors: no allocation).
  void assign(const void *data, const int64_t *shape) {
    size_t rank = (words.size() - 3) / 2;
    int64_t address = int64_t(reinterpret_cast<intptr_t>(data));
    words[0] = words[1] = address;
    words[2] = 0;
    int64_t stride = 1;
    for (size_t i = rank; i-- > 0;) {
      words[3 + i] = shape[i];
      words[3 + rank + i] = stride;
      stride *= shape[i];
    }
  }
};

/// A result descriptor inside the block the entry wrote.
struct ResultView {
  const int64_t *words;
  size_t rank;

  void *allocated() const { return reinterpret_cast<void *>(words[0]); }
  uint8_t *aligned() const { return reinterpret_cast<uint8_t *>(words[1]); }
  int64_t offset() const { return words[2]; }
  int64_t size(size_t i) const { return words[3 + i]; }
  int64_t stride(size_t i) const { return words[3 + rank + i]; }

  int64_t numElements() const {
    int64_t count = 1;
    for (size_t i = 0; i < rank; ++i)
      count *= size(i);
    return count;
  }
  bool isContiguous() const {
    int64_t expected = 1;
    for (size_t i = rank; i-- > 0;) {
      if (size(i) != 1 && stride(i) != expected)
        return false;
      expected *= size(i);
    }
    return offset() == 0;
  }
};

/// Copies the strided elements of `view`, in row-major order, to `dest`.
void copyStrided(const ResultView &view, size_t elementSize, uint8_t *dest) {
  if (view.numElements() == 0)
    return;
  if (view.isContiguous()) {
    std::memcpy(dest, view.aligned(), size_t(view.numElements()) * elementSize);
    return;
  }
  std::vector<int64_t> index(view.rank, 0);
  const uint8_t *base = view.aligned() + view.offset() * int64_t(elementSize);
  for (;;) {
    int64_t element = 0;
    for (size_t i = 0; i < view.rank; ++i)
      element += index[i] * view.stride(i);
    std::memcpy(dest, base + element * int64_t(elementSize), elementSize);
    dest += elementSize;
    size_t dim = view.rank;
    while (dim > 0 && ++index[dim - 1] == view.size(dim - 1))
      index[--dim] = 0;
    if (dim == 0)
      return;
  }
}

/// MLIR's lowering of memref.get_global marks the allocated pointer of a
/// constant buffer with this value; such a buffer is never freed.
const uintptr_t kGlobalMarker = 0xdeadbeef;

} // namespace

struct mithril_library {
  std::shared_ptr<Library> library;
};

namespace {

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
  /// Buffers the call must neither hand over nor free: inputs, parameters,
  /// the arena.
  std::vector<void *> borrowed;
  /// Result buffers the call allocated, and those handed to the caller.
  std::vector<void *> owned, handedOver;
  std::vector<SymbolBinding> symbols;
};

/// Memory aligned to 64 bytes, as mithril-plan-memory assumes of the arena
/// (and the kernels prefer for prepared parameters).
struct AlignedDeleter {
  void operator()(uint8_t *memory) const { std::free(memory); }
};
using AlignedBuffer = std::unique_ptr<uint8_t, AlignedDeleter>;

/// `bytes` (at least 1) aligned to 64 bytes; null if out of memory.
AlignedBuffer allocateAligned(size_t bytes) {
  size_t rounded = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
  return AlignedBuffer(static_cast<uint8_t *>(std::aligned_alloc(64, rounded)));
}

} // namespace

struct mithril_model {
  std::shared_ptr<Library> library;
  std::unique_ptr<SafetensorsFile> weights;
  /// Per entry, the descriptors of its parameters, then of its prepared
  /// parameters.
  std::vector<std::vector<Descriptor>> parameters;
  /// The prepared parameters' bytes.
  std::vector<AlignedBuffer> preparedBuffers;
  /// Aligned copies of weights whose bytes sit at an unaligned offset.
  std::vector<std::unique_ptr<uint64_t[]>> alignedCopies;
  /// The planned intermediates and outputs of every entry (one call at a
  /// time: one arena, as large as the largest entry's).
  AlignedBuffer arena;
  std::vector<CallFrame> frames;
  /// Threads per call; 0: the library's default.
  int32_t threads = 0;
  std::atomic<bool> busy{false};
};

//===----------------------------------------------------------------------===//
// Status and tensors
//===----------------------------------------------------------------------===//

mithril_status_code mithril_status_get_code(mithril_status status) {
  return status ? status->code : MITHRIL_OK;
}

const char *mithril_status_message(mithril_status status) {
  return status ? status->message.c_str() : "";
}

void mithril_status_free(mithril_status status) { delete status; }

size_t mithril_dtype_size(int32_t dtype) {
  if (dtype < MITHRIL_F32 || dtype > MITHRIL_BOOL)
    return 0;
  return dtypeSize(DType(dtype));
}

const char *mithril_dtype_name(int32_t dtype) {
  if (dtype < MITHRIL_F32 || dtype > MITHRIL_BOOL)
    return "?";
  return modelDTypeName(DType(dtype)).data();
}

void mithril_tensor_free(mithril_tensor *tensor) {
  if (!tensor || !tensor->allocation)
    return;
  std::free(tensor->allocation);
  tensor->allocation = nullptr;
  tensor->data = nullptr;
}

//===----------------------------------------------------------------------===//
// Libraries
//===----------------------------------------------------------------------===//

mithril_status mithril_library_open(const char *path, mithril_library **out) {
  if (!path || !out)
    return invalidArgument("mithril_library_open: null argument");
  *out = nullptr;
  // A path, never a name for the loader to search.
  std::string file = std::strchr(path, '/') ? path : std::string("./") + path;
  void *handle = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = ::dlerror();
    return makeStatus(MITHRIL_NOT_FOUND, std::string("cannot load '") + path +
                                             "': " + (why ? why : "unknown"));
  }
  auto *info = static_cast<const mithril_library_info *>(
      ::dlsym(handle, "mithril_library_v1"));
  if (!info) {
    ::dlclose(handle);
    return makeStatus(MITHRIL_NOT_FOUND,
                      std::string("'") + path +
                          "' is not a Mithril library (it has no "
                          "mithril_library_v1 symbol)");
  }
  std::shared_ptr<Library> library;
  if (mithril_status status = makeLibrary(info, path, library)) {
    ::dlclose(handle);
    return status;
  }
  library->handle = handle;
  *out = new mithril_library{std::move(library)};
  return nullptr;
}

void mithril_library_close(mithril_library *library) { delete library; }

const char *mithril_library_signature(const mithril_library *library) {
  return library ? library->library->info->signature : "";
}

size_t mithril_library_num_entries(const mithril_library *library) {
  return library ? library->library->signature.entries.size() : 0;
}

const char *mithril_library_entry_name(const mithril_library *library,
                                       size_t entry) {
  if (entry >= mithril_library_num_entries(library))
    return nullptr;
  return library->library->signature.entries[entry].name.c_str();
}

mithril_status mithril_library_find_entry(const mithril_library *library,
                                          const char *name, size_t *entry) {
  if (!library || !entry)
    return invalidArgument("mithril_library_find_entry: null argument");
  const std::vector<Entry> &entries = library->library->signature.entries;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!name || entries[i].name == name) {
      *entry = i;
      return nullptr;
    }
  }
  std::string known;
  for (const Entry &candidate : entries)
    known += (known.empty() ? "" : ", ") + candidate.name;
  return makeStatus(MITHRIL_NOT_FOUND, std::string("no entry '") +
                                           (name ? name : "") +
                                           "' (entries: " + known + ")");
}

static const std::vector<Port> *getPorts(const mithril_library *library,
                                         size_t entry, int32_t kind) {
  if (entry >= mithril_library_num_entries(library))
    return nullptr;
  const Entry &e = library->library->signature.entries[entry];
  switch (kind) {
  case MITHRIL_PORT_INPUT:
    return &e.inputs;
  case MITHRIL_PORT_OUTPUT:
    return &e.outputs;
  case MITHRIL_PORT_PARAMETER:
    return &e.parameters;
  default:
    return nullptr;
  }
}

size_t mithril_library_num_ports(const mithril_library *library, size_t entry,
                                 int32_t kind) {
  const std::vector<Port> *ports = getPorts(library, entry, kind);
  return ports ? ports->size() : 0;
}

mithril_status mithril_library_port(const mithril_library *library,
                                    size_t entry, int32_t kind, size_t index,
                                    mithril_port *out) {
  const std::vector<Port> *ports = getPorts(library, entry, kind);
  if (!ports || index >= ports->size() || !out)
    return invalidArgument("mithril_library_port: no such entry or port");
  const Port &port = (*ports)[index];
  *out = mithril_port{};
  out->name = port.name.c_str();
  out->dtype = int32_t(port.dtype);
  out->rank = int32_t(port.shape.size());
  for (size_t i = 0; i < port.shape.size(); ++i) {
    out->shape[i] = port.shape[i];
    out->symbols[i] =
        port.symbols[i].empty() ? nullptr : port.symbols[i].c_str();
  }
  return nullptr;
}

//===----------------------------------------------------------------------===//
// Instances
//===----------------------------------------------------------------------===//

namespace {

/// Opens the weights an instance reads: `path`, else the embedded image,
/// else the external file beside the library.
mithril_status openWeights(const Library &library, const char *path,
                           std::unique_ptr<SafetensorsFile> &weights,
                           std::string &source) {
  std::string error;
  const mithril_library_info &info = *library.info;
  if (path) {
    source = path;
    weights = SafetensorsFile::open(path, error);
  } else if (info.weights_begin) {
    source = "the embedded weights";
    weights = SafetensorsFile::fromBuffer(
        info.weights_begin, size_t(info.weights_end - info.weights_begin),
        error);
  } else if (info.weights_file) {
    source = library.directory + "/" + info.weights_file;
    weights = SafetensorsFile::open(source, error);
  } else {
    return invalidArgument("the library has no embedded weights: give a "
                           "safetensors file");
  }
  if (!weights)
    return makeStatus(MITHRIL_IO_ERROR,
                      "cannot read weights '" + source + "': " + error);
  return nullptr;
}

/// The descriptor of parameter `port`, checked against `weights`.
mithril_status bindParameter(mithril_model &model, const Port &port,
                             const std::string &source, Descriptor &out) {
  const TensorInfo *tensor = model.weights->find(port.name);
  std::string prefix =
      "weights '" + source + "': parameter '" + port.name + "' ";
  if (!tensor)
    return invalidArgument(prefix + "is missing");
  if (tensor->dtype != port.dtype)
    return invalidArgument(
        prefix + "has dtype " + std::string(modelDTypeName(tensor->dtype)) +
        ", expected " + std::string(modelDTypeName(port.dtype)));
  if (tensor->shape != port.shape)
    return invalidArgument(
        prefix + "has shape " +
        formatShape(tensor->shape.data(), tensor->shape.size()) +
        ", expected " + port.describeShape());
  const void *data = tensor->data;
  // Generated code assumes naturally aligned elements.
  if (reinterpret_cast<uintptr_t>(data) % dtypeSize(tensor->dtype) != 0) {
    auto copy = std::make_unique<uint64_t[]>((tensor->byteSize() + 7) / 8);
    std::memcpy(copy.get(), data, tensor->byteSize());
    data = copy.get();
    model.alignedCopies.push_back(std::move(copy));
  }
  out = Descriptor::contiguous(data, port.shape.data(), port.shape.size());
  return nullptr;
}

/// Makes the prepared parameters of every entry (see Prepared) from the
/// bound parameters, once per instance.
mithril_status prepareParameters(mithril_model &model) {
  const Signature &signature = model.library->signature;
  for (size_t e = 0; e < signature.entries.size(); ++e) {
    const Entry &entry = signature.entries[e];
    std::vector<Descriptor> &descriptors = model.parameters[e];
    for (const Prepared &prepared : entry.prepared) {
      // The parameter viewed with the prepared shape, its dims permuted,
      // copied in row-major order: the prepared layout.
      const Port &port = *entry.findParameter(prepared.parameter);
      const Descriptor &parameter =
          descriptors[&port - entry.parameters.data()];
      size_t rank = prepared.shape.size();
      Descriptor shaped =
          Descriptor::contiguous(reinterpret_cast<void *>(parameter.words[1]),
                                 prepared.shape.data(), rank);
      Descriptor permuted = shaped;
      for (size_t i = 0; i < rank; ++i) {
        permuted.words[3 + i] = shaped.words[3 + prepared.permutation[i]];
        permuted.words[3 + rank + i] =
            shaped.words[3 + rank + prepared.permutation[i]];
      }
      ResultView view{permuted.words.data(), rank};
      size_t elementSize = dtypeSize(port.dtype);
      AlignedBuffer buffer =
          allocateAligned(size_t(view.numElements()) * elementSize);
      if (!buffer)
        return makeStatus(MITHRIL_INTERNAL, "cannot allocate the prepared '" +
                                                prepared.parameter + "'");
      copyStrided(view, elementSize, buffer.get());
      descriptors.push_back(
          Descriptor::contiguous(buffer.get(), &permuted.words[3], rank));
      model.preparedBuffers.push_back(std::move(buffer));
    }
  }
  return nullptr;
}

/// Allocates the arena and every entry's call frame.
mithril_status prepareCalls(mithril_model &model) {
  const Signature &signature = model.library->signature;
  int64_t arenaBytes = 0;
  for (const Entry &entry : signature.entries)
    arenaBytes = std::max(arenaBytes, entry.arenaBytes);
  if (arenaBytes > 0) {
    model.arena = allocateAligned(size_t(arenaBytes));
    if (!model.arena)
      return makeStatus(MITHRIL_INTERNAL, "cannot allocate the arena of " +
                                              std::to_string(arenaBytes) +
                                              " bytes");
  }
  int64_t arenaShape[1] = {arenaBytes};
  model.frames.reserve(signature.entries.size());
  for (size_t e = 0; e < signature.entries.size(); ++e) {
    const Entry &entry = signature.entries[e];
    CallFrame frame;
    for (const Port &port : entry.inputs)
      frame.inputs.push_back(Descriptor::contiguous(nullptr, port.shape.data(),
                                                    port.shape.size()));
    frame.arena = Descriptor::contiguous(model.arena.get(), arenaShape, 1);
    size_t numArgs = entry.inputs.size() + entry.parameters.size() +
                     entry.prepared.size() + 1;
    frame.args.reserve(numArgs);
    frame.borrowed.reserve(numArgs);
    size_t resultWords = 0;
    for (const Port &port : entry.outputs)
      resultWords += Descriptor::wordsForRank(port.shape.size());
    frame.resultBlock.resize(resultWords);
    size_t offset = 0;
    for (const Port &port : entry.outputs) {
      frame.results.push_back(
          {frame.resultBlock.data() + offset, port.shape.size()});
      offset += Descriptor::wordsForRank(port.shape.size());
    }
    frame.owned.reserve(entry.outputs.size());
    frame.handedOver.reserve(entry.outputs.size());
    size_t dims = 0;
    for (const Port &port : entry.inputs)
      dims += port.shape.size();
    frame.symbols.reserve(dims);
    model.frames.push_back(std::move(frame));
  }
  return nullptr;
}

mithril_status createModel(std::shared_ptr<Library> library,
                           const char *weightsPath, mithril_model **out) {
  auto model = std::make_unique<mithril_model>();
  model->library = std::move(library);
  const Signature &signature = model->library->signature;
  bool hasParameters = false;
  for (const Entry &entry : signature.entries)
    hasParameters |= !entry.parameters.empty();
  std::string source;
  if (hasParameters || weightsPath)
    if (mithril_status status =
            openWeights(*model->library, weightsPath, model->weights, source))
      return status;
  for (const Entry &entry : signature.entries) {
    model->parameters.emplace_back();
    for (const Port &port : entry.parameters) {
      model->parameters.back().emplace_back();
      if (mithril_status status = bindParameter(
              *model, port, source, model->parameters.back().back()))
        return status;
    }
  }
  if (mithril_status status = prepareParameters(*model))
    return status;
  if (mithril_status status = prepareCalls(*model))
    return status;
  *out = model.release();
  return nullptr;
}

} // namespace

mithril_status mithril_model_create(mithril_library *library,
                                    const char *weights_path,
                                    mithril_model **out) {
  if (!library || !out)
    return invalidArgument("mithril_model_create: null argument");
  *out = nullptr;
  return createModel(library->library, weights_path, out);
}

mithril_status mithril_model_create_from_info(const mithril_library_info *info,
                                              const char *weights_path,
                                              mithril_model **out) {
  if (!info || !out)
    return invalidArgument("mithril_model_create: null argument");
  *out = nullptr;
  // The library's own path locates external weights.
  Dl_info where;
  std::string path = ::dladdr(info, &where) && where.dli_fname
                         ? where.dli_fname
                         : std::string("the model library");
  std::shared_ptr<Library> library;
  if (mithril_status status = makeLibrary(info, path, library))
    return status;
  return createModel(std::move(library), weights_path, out);
}

void mithril_model_destroy(mithril_model *model) { delete model; }

//===----------------------------------------------------------------------===//
// Calls
//===----------------------------------------------------------------------===//

namespace {

/// Names a port in messages: `input 'x' `. Messages are built only on
/// failure: the checks run on every call, which allocates nothing.
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
  if (tensor->device != MITHRIL_DEVICE_CPU)
    return invalidArgument(portPrefix("input", port) + "is not on the CPU");
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
/// its dtype, rank, fixed dims and the dims named by input symbols.
mithril_status checkOutputSlot(const Port &port, const mithril_tensor *tensor,
                               std::vector<SymbolBinding> &symbols) {
  if (!tensor)
    return invalidArgument(portPrefix("output", port) + "is NULL");
  if (!tensor->data)
    return nullptr;
  if (mithril_status status = checkDTypeAndRank("output", port, *tensor))
    return status;
  return checkDims("output", port, *tensor, symbols, /*bind=*/false);
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

/// Turns the result descriptors into the caller's tensors: a result buffer
/// the call allocated is handed over when it is plain; otherwise (a view of
/// the arena, of an input or of another output, a constant, or a
/// caller-allocated output) it is copied. Every allocation not handed over
/// is freed.
mithril_status deliverOutputs(const Entry &entry, CallFrame &frame,
                              mithril_tensor *const *outputs) {
  frame.owned.clear();
  frame.handedOver.clear();
  for (const ResultView &view : frame.results)
    if (!contains(frame.borrowed, view.allocated()) &&
        reinterpret_cast<uintptr_t>(view.allocated()) != kGlobalMarker &&
        !contains(frame.owned, view.allocated()))
      frame.owned.push_back(view.allocated());

  mithril_status failure = nullptr;
  for (size_t i = 0; i < frame.results.size(); ++i) {
    const ResultView &view = frame.results[i];
    const Port &port = entry.outputs[i];
    mithril_tensor &tensor = *outputs[i];
    if (tensor.data) {
      mithril_status status = copyToCaller(view, port, tensor);
      if (status && !failure)
        failure = status;
      else if (status)
        mithril_status_free(status);
      continue;
    }
    tensor.dtype = int32_t(port.dtype);
    tensor.rank = int32_t(view.rank);
    tensor.device = MITHRIL_DEVICE_CPU;
    for (size_t d = 0; d < view.rank; ++d)
      tensor.shape[d] = view.size(d);
    if (contains(frame.owned, view.allocated()) && view.isContiguous() &&
        !contains(frame.handedOver, view.allocated())) {
      frame.handedOver.push_back(view.allocated());
      tensor.data = view.aligned();
      tensor.allocation = view.allocated();
      continue;
    }
    size_t bytes = size_t(view.numElements()) * dtypeSize(port.dtype);
    void *copy = std::malloc(bytes ? bytes : 1);
    copyStrided(view, dtypeSize(port.dtype), static_cast<uint8_t *>(copy));
    tensor.data = tensor.allocation = copy;
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

/// Clears the busy flag of an instance when a call returns.
struct BusyGuard {
  std::atomic<bool> &busy;
  ~BusyGuard() { busy.store(false, std::memory_order_release); }
};

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

/// Fills the frame's arguments: inputs, parameters, the arena.
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
  for (Descriptor &descriptor : model.parameters[entryIndex]) {
    frame.args.push_back(descriptor.words.data());
    frame.borrowed.push_back(reinterpret_cast<void *>(descriptor.words[0]));
  }
  frame.args.push_back(frame.arena.words.data());
  frame.borrowed.push_back(model.arena.get());
}

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
  if (num_inputs != entry.inputs.size() || (num_inputs && !inputs))
    return invalidArgument("'" + entry.name + "' takes " +
                           std::to_string(entry.inputs.size()) +
                           " inputs, got " + std::to_string(num_inputs));
  if (num_outputs != entry.outputs.size() || (num_outputs && !outputs))
    return invalidArgument(
        "'" + entry.name + "' has " + std::to_string(entry.outputs.size()) +
        " outputs, got room for " + std::to_string(num_outputs));
  if (model->busy.exchange(true, std::memory_order_acquire))
    return makeStatus(MITHRIL_FAILED_PRECONDITION,
                      "this instance is already running a call (one call at "
                      "a time per instance; create one per thread)");
  BusyGuard guard{model->busy};
  CallFrame &frame = model->frames[entryIndex];
  if (mithril_status status = checkCall(entry, frame, inputs, outputs))
    return status;

  bindArguments(*model, entryIndex, inputs);
  {
    ThreadCount threads(model->threads ? model->threads : signature.threads);
    model->library->info->entries[entryIndex](frame.resultBlock.data(),
                                              frame.args.data());
  }
  return deliverOutputs(entry, frame, outputs);
}
