//===- Model.cpp - Creating and destroying instances ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// An instance is a library's model with its weights, its prepared
// parameters, one arena and one call frame per entry, all made at create so
// that a call allocates nothing of its own. Options say where it runs (the
// CPU: this runtime has no other device yet), its threads and its weights.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <algorithm>

#include <dlfcn.h>

using namespace mithril::runtime;

namespace {

/// Opens the weights an instance reads: `path`, else the embedded image,
/// else the external file beside the library. `source` names them.
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

bool hasParameters(const Signature &signature) {
  for (const Entry &entry : signature.entries)
    if (!entry.parameters.empty())
      return true;
  return false;
}

/// Sizes the call frame of `entry` (the arena descriptor points to `arena`).
CallFrame makeCallFrame(const Entry &entry, void *arena, int64_t arenaBytes) {
  CallFrame frame;
  for (const Port &port : entry.inputs)
    frame.inputs.push_back(
        Descriptor::contiguous(nullptr, port.shape.data(), port.shape.size()));
  int64_t arenaShape[1] = {arenaBytes};
  frame.arena = Descriptor::contiguous(arena, arenaShape, 1);
  size_t numArgs =
      entry.inputs.size() + entry.parameters.size() + entry.prepared.size() + 1;
  frame.args.reserve(numArgs);
  frame.borrowed.reserve(numArgs);
  size_t resultWords = 0;
  for (const Port &port : entry.outputs)
    resultWords += Descriptor::wordsForRank(port.shape.size());
  // A train step's updates follow its outputs.
  std::vector<size_t> updateRanks;
  for (const std::string &name : entry.updates)
    updateRanks.push_back(entry.findParameter(name)->shape.size());
  for (size_t rank : updateRanks)
    resultWords += Descriptor::wordsForRank(rank);
  frame.resultBlock.resize(resultWords);
  size_t offset = 0;
  for (const Port &port : entry.outputs) {
    frame.results.push_back(
        {frame.resultBlock.data() + offset, port.shape.size()});
    offset += Descriptor::wordsForRank(port.shape.size());
  }
  for (size_t rank : updateRanks) {
    frame.updates.push_back({frame.resultBlock.data() + offset, rank});
    offset += Descriptor::wordsForRank(rank);
  }
  frame.owned.reserve(entry.outputs.size() + entry.updates.size());
  frame.handedOver.reserve(entry.outputs.size());
  size_t dims = 0;
  for (const Port &port : entry.inputs)
    dims += port.shape.size();
  frame.symbols.reserve(dims);
  return frame;
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
  model.frames.reserve(signature.entries.size());
  for (const Entry &entry : signature.entries)
    model.frames.push_back(makeCallFrame(entry, model.arena.get(), arenaBytes));
  return nullptr;
}

/// Checks the device and threads of `options` for a library that runs on
/// the CPU (every library this runtime loads).
mithril_status checkOptions(const mithril_model_options &options) {
  if (options.device_index < 0)
    return invalidArgument("device index " +
                           std::to_string(options.device_index) +
                           " is negative");
  switch (options.device_type) {
  case MITHRIL_DEVICE_CPU:
    if (options.device_index != 0)
      return invalidArgument(
          "there is no device cpu:" + std::to_string(options.device_index) +
          " (the CPU is device index 0)");
    break;
  case MITHRIL_DEVICE_CUDA:
    return invalidArgument(
        "cannot create an instance on " +
        describeDevice(options.device_type, options.device_index) +
        ": this library runs on the CPU");
  default:
    return invalidArgument("unknown device type " +
                           std::to_string(options.device_type));
  }
  if (options.threads < 0)
    return invalidArgument("the options ask for " +
                           std::to_string(options.threads) +
                           " threads (0: the library's default)");
  return nullptr;
}

mithril_status createModel(std::shared_ptr<Library> library,
                           const mithril_model_options &options,
                           mithril_model **out) {
  if (mithril_status status = checkOptions(options))
    return status;
  auto model = std::make_unique<mithril_model>();
  model->library = std::move(library);
  model->threads = options.threads;
  std::string source;
  if (hasParameters(model->library->signature) || options.weights_path)
    if (mithril_status status = openWeights(
            *model->library, options.weights_path, model->weights, source))
      return status;
  if (mithril_status status = bindParameters(*model, source))
    return status;
  if (mithril_status status = prepareParameters(*model))
    return status;
  if (mithril_status status = prepareCalls(*model))
    return status;
  *out = model.release();
  return nullptr;
}

} // namespace

void mithril_model_options_initialize(mithril_model_options *options) {
  if (!options)
    return;
  *options = mithril_model_options{};
  options->device_type = MITHRIL_DEVICE_CPU;
  options->device_index = 0;
  options->threads = 0;
  options->weights_path = nullptr;
}

mithril_status
mithril_model_create_with_options(mithril_library *library,
                                  const mithril_model_options *options,
                                  mithril_model **out) {
  if (!library || !out)
    return invalidArgument("mithril_model_create_with_options: null argument");
  *out = nullptr;
  mithril_model_options defaults;
  mithril_model_options_initialize(&defaults);
  return createModel(library->library, options ? *options : defaults, out);
}

mithril_status mithril_model_create(mithril_library *library,
                                    const char *weights_path,
                                    mithril_model **out) {
  if (!library || !out)
    return invalidArgument("mithril_model_create: null argument");
  mithril_model_options options;
  mithril_model_options_initialize(&options);
  options.weights_path = weights_path;
  return mithril_model_create_with_options(library, &options, out);
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
  mithril_model_options options;
  mithril_model_options_initialize(&options);
  options.weights_path = weights_path;
  return createModel(std::move(library), options, out);
}

void mithril_model_destroy(mithril_model *model) { delete model; }
