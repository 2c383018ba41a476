//===- Safetensors.cpp - safetensors reader and writer --------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Built with -fno-exceptions in some targets: nothing here may throw, so the
// JSON is parsed through a SAX handler that reports errors as values, every
// JSON value's type is checked before it is read, and lookups use find().
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Safetensors.h"
#include "FileSupport.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <tuple>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using json = nlohmann::json;

namespace mithril::runtime {

namespace {

/// The header length that precedes the JSON.
constexpr size_t kLengthBytes = 8;
/// The reference implementation's limit; a larger header is surely corrupt.
constexpr uint64_t kMaxHeaderSize = 100'000'000;
/// A valid header nests three deep (header, tensor, shape); anything much
/// deeper is hostile and would only cost memory.
constexpr size_t kMaxJsonDepth = 16;
constexpr std::string_view kMetadataKey = "__metadata__";

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

std::string tensorPrefix(std::string_view name) {
  return "tensor '" + std::string(name) + "': ";
}

uint64_t readU64LE(const uint8_t *bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kLengthBytes; ++i)
    value |= uint64_t(bytes[i]) << (8 * i);
  return value;
}

/// A short rendering of a JSON value for error messages.
std::string describe(const json &value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr size_t kMaxLength = 40;
  if (text.size() > kMaxLength)
    text = text.substr(0, kMaxLength) + "...";
  return text;
}

template <typename Range> std::string formatList(const Range &values) {
  std::string text = "[";
  for (const auto &value : values) {
    if (text.size() > 1)
      text += ", ";
    text += std::to_string(value);
  }
  return text + "]";
}

/// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code
/// points past U+10FFFF), as JSON requires.
bool isValidUtf8(std::string_view text) {
  static constexpr uint32_t kMinCodePoint[] = {0, 0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 1;
    uint32_t codePoint = lead;
    if (lead >= 0x80) {
      if ((lead & 0xE0) == 0xC0)
        length = 2, codePoint = lead & 0x1F;
      else if ((lead & 0xF0) == 0xE0)
        length = 3, codePoint = lead & 0x0F;
      else if ((lead & 0xF8) == 0xF0)
        length = 4, codePoint = lead & 0x07;
      else
        return false;
      if (text.size() - i < length)
        return false;
      for (size_t k = 1; k < length; ++k) {
        auto next = static_cast<unsigned char>(text[i + k]);
        if ((next & 0xC0) != 0x80)
          return false;
        codePoint = (codePoint << 6) | (next & 0x3F);
      }
      if (codePoint < kMinCodePoint[length] || codePoint > 0x10FFFF ||
          (codePoint >= 0xD800 && codePoint <= 0xDFFF))
        return false;
    }
    i += length;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// JSON parsing
//===----------------------------------------------------------------------===//

/// Builds the document like json::parse, but keeps the text of a parse error
/// (json::parse without exceptions only says that it failed), refuses
/// duplicate keys (json::parse keeps the last, which would hide a tensor) and
/// bounds the nesting depth.
class HeaderParser : public nlohmann::json_sax<json> {
public:
  explicit HeaderParser(json &root) : root(root) {}

  bool null() override { return add(nullptr); }
  bool boolean(bool value) override { return add(value); }
  bool number_integer(number_integer_t value) override { return add(value); }
  bool number_unsigned(number_unsigned_t value) override { return add(value); }
  bool number_float(number_float_t value, const string_t &) override {
    return add(value);
  }
  bool string(string_t &value) override { return add(std::move(value)); }
  bool binary(binary_t &) override {
    error = "unexpected binary value";
    return false;
  }
  bool start_object(std::size_t) override {
    objectKeys.emplace_back();
    return open(json::object());
  }
  bool key(string_t &key) override {
    if (!objectKeys.back().insert(key).second) {
      error = "duplicate key '" + key + "'";
      return false;
    }
    pendingKey = key;
    return true;
  }
  bool end_object() override {
    objectKeys.pop_back();
    containers.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_array() override {
    containers.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string &,
                   const json::exception &exception) override {
    // Drop the "[json.exception.parse_error.101] " prefix.
    std::string_view text = exception.what();
    size_t close = text.find("] ");
    if (text.substr(0, 1) == "[" && close != std::string_view::npos)
      text.remove_prefix(close + 2);
    error = std::string(text);
    return false;
  }

  std::string error;

private:
  /// Stores `value` in the container being filled (or as the root) and
  /// returns where it went. Pointers into the parent stay valid while the
  /// child is open because nothing else is added to the parent meanwhile.
  json *place(json value) {
    if (containers.empty()) {
      root = std::move(value);
      return &root;
    }
    json &parent = *containers.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json &slot = parent[pendingKey];
    slot = std::move(value);
    return &slot;
  }
  bool add(json value) {
    place(std::move(value));
    return true;
  }
  bool open(json container) {
    if (containers.size() >= kMaxJsonDepth) {
      error =
          "nested more than " + std::to_string(kMaxJsonDepth) + " levels deep";
      return false;
    }
    containers.push_back(place(std::move(container)));
    return true;
  }

  json &root;
  std::vector<json *> containers;
  std::vector<std::set<std::string>> objectKeys;
  std::string pendingKey;
};

bool parseHeaderJson(const uint8_t *begin, size_t size, json &root,
                     std::string &error) {
  HeaderParser parser(root);
  const char *text = reinterpret_cast<const char *>(begin);
  if (!json::sax_parse(text, text + size, &parser, json::input_format_t::json,
                       /*strict=*/true, /*ignore_comments=*/false)) {
    error = "invalid JSON header: " +
            (parser.error.empty() ? std::string("parse failed") : parser.error);
    return false;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Header validation
//===----------------------------------------------------------------------===//

/// Reads a non-negative JSON integer (nlohmann stores non-negative literals
/// as unsigned; "-0" arrives as a signed zero).
std::optional<uint64_t> asNonNegativeInteger(const json &value) {
  if (value.is_number_unsigned())
    return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() == 0)
    return 0;
  return std::nullopt;
}

bool parseMetadata(const json &value, std::map<std::string, std::string> &out,
                   std::string &error) {
  if (!value.is_object()) {
    error = "\"__metadata__\" must be an object of strings, found " +
            std::string(value.type_name());
    return false;
  }
  for (const auto &item : value.items()) {
    if (!item.value().is_string()) {
      error = "\"__metadata__\" entry '" + item.key() +
              "' must be a string, found " + describe(item.value());
      return false;
    }
    out.emplace(item.key(), item.value().get<std::string>());
  }
  return true;
}

bool parseDType(const json &entry, TensorInfo &info, std::string &error) {
  auto it = entry.find("dtype");
  if (it == entry.end()) {
    error = "missing \"dtype\"";
    return false;
  }
  if (!it->is_string()) {
    error = "\"dtype\" must be a string, found " + describe(*it);
    return false;
  }
  std::optional<DType> dtype =
      parseSafetensorsDType(it->get_ref<const std::string &>());
  if (!dtype) {
    error = "unsupported dtype " + describe(*it);
    return false;
  }
  info.dtype = *dtype;
  return true;
}

bool parseShape(const json &entry, TensorInfo &info, std::string &error) {
  auto it = entry.find("shape");
  if (it == entry.end()) {
    error = "missing \"shape\"";
    return false;
  }
  if (!it->is_array()) {
    error = "\"shape\" must be an array, found " + describe(*it);
    return false;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json &dim = (*it)[i];
    std::optional<uint64_t> value = asNonNegativeInteger(dim);
    if (!value || *value > uint64_t(std::numeric_limits<int64_t>::max())) {
      error = "shape[" + std::to_string(i) +
              "] must be a non-negative integer, found " + describe(dim);
      return false;
    }
    info.shape.push_back(int64_t(*value));
  }
  return true;
}

bool parseOffsets(const json &entry, uint64_t dataSize, TensorInfo &info,
                  std::string &error) {
  auto it = entry.find("data_offsets");
  if (it == entry.end()) {
    error = "missing \"data_offsets\"";
    return false;
  }
  std::optional<uint64_t> begin, end;
  if (it->is_array() && it->size() == 2) {
    begin = asNonNegativeInteger((*it)[0]);
    end = asNonNegativeInteger((*it)[1]);
  }
  if (!begin || !end) {
    error = "\"data_offsets\" must be two non-negative integers, found " +
            describe(*it);
    return false;
  }
  std::string offsets = formatList(std::vector<uint64_t>{*begin, *end});
  if (*begin > *end) {
    error = "data_offsets " + offsets + " end before they begin";
    return false;
  }
  if (*end > dataSize) {
    error = "data_offsets " + offsets +
            " run past the end of the data section, which has " +
            std::to_string(dataSize) + " bytes (is the file truncated?)";
    return false;
  }
  info.begin = *begin;
  info.end = *end;
  return true;
}

bool checkTensorSize(const TensorInfo &info, std::string &error) {
  std::optional<uint64_t> bytes = checkedByteSize(info.shape, info.dtype);
  if (!bytes) {
    error = "the size of shape " + formatList(info.shape) + " overflows";
    return false;
  }
  if (*bytes != info.end - info.begin) {
    error = "data_offsets " +
            formatList(std::vector<uint64_t>{info.begin, info.end}) + " hold " +
            std::to_string(info.end - info.begin) + " bytes but shape " +
            formatList(info.shape) + " of " +
            std::string(safetensorsDTypeName(info.dtype)) + " needs " +
            std::to_string(*bytes);
    return false;
  }
  return true;
}

/// Fills `info` from one header entry; the message in `error` does not name
/// the tensor yet.
bool parseTensor(const json &entry, uint64_t dataSize, TensorInfo &info,
                 std::string &error) {
  if (!entry.is_object()) {
    error = "expected an object, found " + describe(entry);
    return false;
  }
  for (const auto &item : entry.items()) {
    const std::string &key = item.key();
    if (key != "dtype" && key != "shape" && key != "data_offsets") {
      error = "unexpected key '" + key + "'";
      return false;
    }
  }
  return parseDType(entry, info, error) && parseShape(entry, info, error) &&
         parseOffsets(entry, dataSize, info, error) &&
         checkTensorSize(info, error);
}

/// The tensors, sorted by offset, must tile the data section exactly: no
/// byte shared and none left over (the safetensors rule that keeps a file
/// from hiding data or aliasing tensors).
bool checkCoverage(const std::vector<TensorInfo> &tensors, uint64_t dataSize,
                   std::string &error) {
  uint64_t cursor = 0;
  const TensorInfo *previous = nullptr;
  for (const TensorInfo &info : tensors) {
    std::string range = formatList(std::vector<uint64_t>{info.begin, info.end});
    if (info.begin < cursor) {
      error = tensorPrefix(info.name) + "data_offsets " + range +
              " overlap tensor '" + previous->name + "' " +
              formatList(std::vector<uint64_t>{previous->begin, previous->end});
      return false;
    }
    if (info.begin > cursor) {
      error = tensorPrefix(info.name) + "data_offsets " + range +
              " leave a hole in the data section: bytes [" +
              std::to_string(cursor) + ", " + std::to_string(info.begin) +
              ") belong to no tensor";
      return false;
    }
    cursor = info.end;
    previous = &info;
  }
  if (cursor != dataSize) {
    error = "hole in the data section: bytes [" + std::to_string(cursor) +
            ", " + std::to_string(dataSize) + ") belong to no tensor";
    return false;
  }
  return true;
}

std::string truncatedError(uint64_t size) {
  return "truncated: the file has " + std::to_string(size) +
         " bytes, fewer than the 8 of the header length";
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// Validates one tensor to write and adds its header entry.
bool addTensorEntry(const TensorToWrite &tensor, uint64_t &offset,
                    nlohmann::ordered_json &header, std::string &error) {
  std::string prefix = tensorPrefix(tensor.name);
  if (!isValidUtf8(tensor.name)) {
    error = prefix + "the name is not valid UTF-8";
    return false;
  }
  if (dtypeSize(tensor.dtype) == 0) {
    error = prefix + "invalid dtype " + std::to_string(int(tensor.dtype));
    return false;
  }
  for (size_t i = 0; i < tensor.shape.size(); ++i) {
    if (tensor.shape[i] < 0) {
      error = prefix + "shape[" + std::to_string(i) + "] is negative (" +
              std::to_string(tensor.shape[i]) + ")";
      return false;
    }
  }
  std::optional<uint64_t> bytes = checkedByteSize(tensor.shape, tensor.dtype);
  if (!bytes) {
    error =
        prefix + "the size of shape " + formatList(tensor.shape) + " overflows";
    return false;
  }
  if (*bytes != tensor.size) {
    error = prefix + "has " + std::to_string(tensor.size) +
            " bytes of data but shape " + formatList(tensor.shape) + " of " +
            std::string(safetensorsDTypeName(tensor.dtype)) + " needs " +
            std::to_string(*bytes);
    return false;
  }
  if (!tensor.data && tensor.size != 0) {
    error = prefix + "the data pointer is null";
    return false;
  }
  uint64_t end = 0;
  if (__builtin_add_overflow(offset, *bytes, &end)) {
    error = prefix + "the data section would exceed 2^64 bytes";
    return false;
  }
  nlohmann::ordered_json entry = nlohmann::ordered_json::object();
  entry["dtype"] = std::string(safetensorsDTypeName(tensor.dtype));
  entry["shape"] = tensor.shape;
  entry["data_offsets"] = std::vector<uint64_t>{offset, end};
  header[tensor.name] = std::move(entry);
  offset = end;
  return true;
}

/// Renders the padded JSON header for `tensors` and `metadata`.
bool buildHeader(const std::vector<TensorToWrite> &tensors,
                 const std::map<std::string, std::string> &metadata,
                 std::string &header, std::string &error) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json &entries = root[std::string(kMetadataKey)];
    entries = nlohmann::ordered_json::object();
    for (const auto &[key, value] : metadata) {
      if (!isValidUtf8(key) || !isValidUtf8(value)) {
        error = "metadata entry '" + key + "' is not valid UTF-8";
        return false;
      }
      entries[key] = value;
    }
  }
  std::set<std::string_view> names;
  uint64_t offset = 0;
  for (const TensorToWrite &tensor : tensors) {
    if (tensor.name == kMetadataKey || !names.insert(tensor.name).second) {
      error = tensorPrefix(tensor.name) + (tensor.name == kMetadataKey
                                               ? "the name is reserved"
                                               : "the name is used twice");
      return false;
    }
    if (!addTensorEntry(tensor, offset, root, error))
      return false;
  }
  // Every string was checked above, so `replace` never fires; it only keeps
  // dump() from throwing (aborting, without exceptions).
  header = root.dump(-1, ' ', false,
                     nlohmann::ordered_json::error_handler_t::replace);
  // Spaces are JSON whitespace; padding keeps the data section 8-aligned.
  header.append((kLengthBytes - header.size() % kLengthBytes) % kLengthBytes,
                ' ');
  if (header.size() > kMaxHeaderSize) {
    error = "header too large: " + std::to_string(header.size()) +
            " bytes (the limit is " + std::to_string(kMaxHeaderSize) + ")";
    return false;
  }
  return true;
}

} // namespace

int64_t TensorInfo::numElements() const {
  std::optional<uint64_t> count = checkedNumElements(shape);
  return count ? int64_t(*count) : -1;
}

//===----------------------------------------------------------------------===//
// SafetensorsFile
//===----------------------------------------------------------------------===//

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string &path,
                                                       std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open '" + path + "': " + systemError(errno);
    return nullptr;
  }
  struct stat status;
  if (::fstat(fd, &status) != 0) {
    error = "cannot stat '" + path + "': " + systemError(errno);
    ::close(fd);
    return nullptr;
  }
  if (!S_ISREG(status.st_mode)) {
    error = "cannot open '" + path + "': not a regular file";
    ::close(fd);
    return nullptr;
  }
  // Never map 0 bytes (mmap refuses); a file that short is truncated anyway.
  uint64_t size = uint64_t(status.st_size);
  if (size < kLengthBytes) {
    error = truncatedError(size);
    ::close(fd);
    return nullptr;
  }
  if (size > std::numeric_limits<size_t>::max()) {
    error = "cannot mmap '" + path + "': too large for the address space";
    ::close(fd);
    return nullptr;
  }
  void *mapping = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, fd, 0);
  int mapError = errno;
  ::close(fd); // The mapping keeps the file alive.
  if (mapping == MAP_FAILED) {
    error = "cannot mmap '" + path + "': " + systemError(mapError);
    return nullptr;
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->mapping = mapping;
  file->mappingSize = size_t(size);
  if (!file->load(static_cast<const uint8_t *>(mapping), size_t(size), error))
    return nullptr;
  return file;
}

std::unique_ptr<SafetensorsFile>
SafetensorsFile::fromBuffer(const uint8_t *bytes, size_t size,
                            std::string &error) {
  if (!bytes && size != 0) {
    error = "null buffer of " + std::to_string(size) + " bytes";
    return nullptr;
  }
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile());
  if (!file->load(bytes, size, error))
    return nullptr;
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping)
    ::munmap(mapping, mappingSize);
}

const TensorInfo *SafetensorsFile::find(std::string_view name) const {
  auto it = byName.find(name);
  return it == byName.end() ? nullptr : &tensorList[it->second];
}

bool SafetensorsFile::load(const uint8_t *bytes, size_t size,
                           std::string &error) {
  if (size < kLengthBytes) {
    error = truncatedError(size);
    return false;
  }
  uint64_t headerSize = readU64LE(bytes);
  if (headerSize > kMaxHeaderSize) {
    error = "header too large: " + std::to_string(headerSize) +
            " bytes (the limit is " + std::to_string(kMaxHeaderSize) + ")";
    return false;
  }
  // headerSize is bounded above, so kLengthBytes + headerSize cannot wrap.
  if (headerSize > size - kLengthBytes) {
    error = "header runs past the end of the file: it ends at byte " +
            std::to_string(kLengthBytes + headerSize) + " but the file has " +
            std::to_string(size) + " bytes";
    return false;
  }
  const uint8_t *data = bytes + kLengthBytes + headerSize;
  uint64_t dataSize = size - kLengthBytes - headerSize;

  json header;
  if (!parseHeaderJson(bytes + kLengthBytes, size_t(headerSize), header, error))
    return false;
  if (!header.is_object()) {
    error = "header is not a JSON object: found " + describe(header);
    return false;
  }
  for (const auto &item : header.items()) {
    if (item.key() == kMetadataKey) {
      if (!parseMetadata(item.value(), metadataMap, error))
        return false;
      continue;
    }
    TensorInfo info;
    info.name = item.key();
    if (!parseTensor(item.value(), dataSize, info, error)) {
      error = tensorPrefix(info.name) + error;
      return false;
    }
    tensorList.push_back(std::move(info));
  }
  // Names are unique, so this order is total and deterministic.
  std::sort(tensorList.begin(), tensorList.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return std::tie(a.begin, a.end, a.name) <
                     std::tie(b.begin, b.end, b.name);
            });
  if (!checkCoverage(tensorList, dataSize, error))
    return false;
  for (size_t i = 0; i < tensorList.size(); ++i) {
    tensorList[i].data = data + tensorList[i].begin;
    byName.emplace(tensorList[i].name, i);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

bool serializeSafetensors(const std::vector<TensorToWrite> &tensors,
                          const std::map<std::string, std::string> &metadata,
                          std::string &image, std::string &error) {
  std::string header;
  if (!buildHeader(tensors, metadata, header, error))
    return false;
  image.clear();
  for (size_t i = 0; i < kLengthBytes; ++i)
    image.push_back(char(uint8_t(uint64_t(header.size()) >> (8 * i))));
  image += header;
  for (const TensorToWrite &tensor : tensors)
    image.append(static_cast<const char *>(tensor.data), tensor.size);
  return true;
}

bool writeSafetensors(const std::string &path,
                      const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata,
                      std::string &error) {
  if (path.empty()) {
    error = "empty output path";
    return false;
  }
  std::string header;
  if (!buildHeader(tensors, metadata, header, error))
    return false;
  uint8_t length[kLengthBytes];
  for (size_t i = 0; i < kLengthBytes; ++i)
    length[i] = uint8_t(uint64_t(header.size()) >> (8 * i));

  TempFile file;
  if (!file.create(path, error) || !file.write(length, sizeof(length), error) ||
      !file.write(header.data(), header.size(), error))
    return false;
  for (const TensorToWrite &tensor : tensors)
    if (!file.write(tensor.data, tensor.size, error))
      return false;
  return file.commit(path, error);
}

} // namespace mithril::runtime
