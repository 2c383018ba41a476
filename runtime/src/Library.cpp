//===- Library.cpp - Loading a compiled library and its signature ---------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// mithril_library_*: a library that mlc-compile emitted, opened by path
// (dlopen) or found from its reflection symbol, with the signature it
// embeds read and checked once; and the queries of that signature.
//
//===----------------------------------------------------------------------===//

#include "RuntimeInternal.h"

#include <cstring>

#include <dlfcn.h>

using namespace mithril::runtime;

namespace mithril::runtime {

Library::~Library() {
  if (handle)
    ::dlclose(handle);
}

namespace {

std::string parentDirectory(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

} // namespace

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

void describePort(const Port &port, mithril_port &out) {
  out = mithril_port{};
  out.name = port.name.c_str();
  out.dtype = int32_t(port.dtype);
  out.rank = int32_t(port.shape.size());
  for (size_t i = 0; i < port.shape.size(); ++i) {
    out.shape[i] = port.shape[i];
    out.symbols[i] =
        port.symbols[i].empty() ? nullptr : port.symbols[i].c_str();
  }
}

} // namespace mithril::runtime

namespace {

/// The ports of one kind of an entry; null for a bad entry or kind.
const std::vector<Port> *findPorts(const mithril_library *library, size_t entry,
                                   int32_t kind) {
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

} // namespace

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

size_t mithril_library_num_ports(const mithril_library *library, size_t entry,
                                 int32_t kind) {
  const std::vector<Port> *ports = findPorts(library, entry, kind);
  return ports ? ports->size() : 0;
}

mithril_status mithril_library_port(const mithril_library *library,
                                    size_t entry, int32_t kind, size_t index,
                                    mithril_port *out) {
  const std::vector<Port> *ports = findPorts(library, entry, kind);
  if (!ports || index >= ports->size() || !out)
    return invalidArgument("mithril_library_port: no such entry or port");
  describePort((*ports)[index], *out);
  return nullptr;
}
