//===- Npy.cpp - NumPy .npy reader and writer -----------------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//
//
// Built with -fno-exceptions in some targets: nothing here may throw. The
// header is a Python dict literal; rather than a Python parser, a small
// recursive-descent parser accepts exactly the subset NumPy writes (quoted
// strings, True/False, tuples of non-negative integers) and names the first
// thing it does not understand. Every length is checked against the file
// before it is used, and readNpy reads the data straight into the array
// only once the header has said how large it must be.
//
//===----------------------------------------------------------------------===//

#include "mithril/runtime/Npy.h"
#include "FileSupport.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mithril::runtime {

namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);
/// Magic and version.
constexpr size_t kVersionEnd = kMagic.size() + 2;
/// The largest preamble: magic, version and a 4-byte header length.
constexpr size_t kMaxPreambleSize = kVersionEnd + 4;
/// NumPy aligns the data to this many bytes (since NumPy 1.14).
constexpr size_t kDataAlignment = 64;
/// NumPy's NPY_MAXDIMS (64 since NumPy 2.0, 32 before).
constexpr size_t kMaxDims = 64;

struct DescrEntry {
  DType dtype;
  /// The type code without the byte-order character.
  std::string_view code;
};

constexpr DescrEntry kDescrs[] = {
    {DType::F32, "f4"}, {DType::F16, "f2"},  {DType::F64, "f8"},
    {DType::I64, "i8"}, {DType::I32, "i4"},  {DType::I8, "i1"},
    {DType::U8, "u1"},  {DType::Bool, "b1"},
};

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

/// `text` quoted for a message, at most `limit` characters of it, with
/// anything but printable ASCII escaped.
std::string quote(std::string_view text, size_t limit = 24) {
  std::string out = "'";
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out += char(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", unsigned(c));
      out += escaped;
    }
  }
  if (text.size() > limit)
    out += "...";
  return out + "'";
}

/// The shape as Python writes a tuple: (), (5,), (2, 3).
std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// NumPy's bool is any non-zero byte; the runtime wants exactly 0 or 1.
void normalizeBools(std::vector<uint8_t> &data) {
  for (uint8_t &byte : data)
    byte = byte != 0;
}

//===----------------------------------------------------------------------===//
// Header parsing
//===----------------------------------------------------------------------===//

/// The dtype for a descr such as '<f4', or false with a message.
bool parseDescr(std::string_view descr, DType &dtype, std::string &error) {
  const DescrEntry *entry = nullptr;
  if (descr.size() == 3)
    for (const DescrEntry &candidate : kDescrs)
      if (candidate.code == descr.substr(1))
        entry = &candidate;
  char order = descr.empty() ? '\0' : descr[0];
  bool knownOrder =
      order == '<' || order == '>' || order == '|' || order == '=';
  if (!entry || !knownOrder) {
    error = "unsupported descr " + quote(descr) +
            ": expected one of '<f4', '<f2', '<f8', '<i8', '<i4', '|i1', "
            "'|u1', '|b1'";
    if (descr == "<V2" || descr == "|V2" ||
        descr.find("bfloat16") != std::string_view::npos)
      error += " (numpy has no bfloat16)";
    return false;
  }
  // The byte order of a one-byte type is meaningless; NumPy writes '|'.
  if (dtypeSize(entry->dtype) > 1 && order != '<') {
    if (order == '>')
      error = "big-endian descr " + quote(descr) +
              " is not supported: expected little-endian '<" +
              std::string(entry->code) + "' (save arr.astype('<" +
              std::string(entry->code) + "'))";
    else
      error = "descr " + quote(descr) +
              " has an ambiguous byte order: expected '<" +
              std::string(entry->code) + "'";
    return false;
  }
  dtype = entry->dtype;
  return true;
}

/// Parses the header dict: '{' key ':' value (',' key ':' value)* ','? '}'
/// with Python whitespace anywhere between tokens. Keys and string values are
/// single- or double-quoted without escapes.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text(text) {}

  bool parse(DType &dtype, std::vector<int64_t> &shape, std::string &error) {
    bool seen[3] = {false, false, false};
    static constexpr std::string_view kKeys[3] = {"descr", "fortran_order",
                                                  "shape"};
    skipSpace();
    if (!expect('{', "'{' opening the header dict", error))
      return false;
    while (true) {
      skipSpace();
      if (peek() == '}')
        break;
      std::string key;
      size_t keyPos = pos;
      if (!parseString(key, "a quoted key", error))
        return false;
      size_t index = std::find(std::begin(kKeys), std::end(kKeys), key) -
                     std::begin(kKeys);
      if (index == 3) {
        error = "unexpected key " + quote(key) +
                " in the header: expected 'descr', 'fortran_order' and "
                "'shape'";
        return false;
      }
      if (seen[index]) {
        error = "duplicate key " + quote(key) + " in the header at offset " +
                std::to_string(keyPos);
        return false;
      }
      seen[index] = true;
      skipSpace();
      if (!expect(':', "':' after " + quote(key), error))
        return false;
      skipSpace();
      bool ok = index == 0   ? parseDescrValue(dtype, error)
                : index == 1 ? parseFortranOrder(error)
                             : parseShape(shape, error);
      if (!ok)
        return false;
      skipSpace();
      if (peek() == ',') {
        ++pos;
        continue;
      }
      if (peek() != '}') {
        error = "expected ',' or '}' in the header dict, found " + found();
        return false;
      }
    }
    ++pos; // '}'
    skipSpace();
    if (pos != text.size()) {
      error = "expected the end of the header after the dict, found " + found();
      return false;
    }
    for (size_t i = 0; i < 3; ++i) {
      if (!seen[i]) {
        error = "missing key " + quote(kKeys[i]) + " in the header";
        return false;
      }
    }
    return true;
  }

private:
  int peek() const {
    return pos < text.size() ? static_cast<unsigned char>(text[pos]) : -1;
  }
  static bool isSpace(int c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
  }
  static bool isDigit(int c) { return c >= '0' && c <= '9'; }
  static bool isWordChar(int c) {
    return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '_' || c == '.';
  }
  void skipSpace() {
    while (isSpace(peek()))
      ++pos;
  }
  /// What is at `from` (by default the current position), for a message.
  std::string found(std::optional<size_t> from = std::nullopt) const {
    size_t at = from.value_or(pos);
    if (at >= text.size())
      return "the end of the header";
    return quote(text.substr(at), 16);
  }
  bool expect(char c, const std::string &what, std::string &error) {
    if (peek() != static_cast<unsigned char>(c)) {
      error = "expected " + what + ", found " + found();
      return false;
    }
    ++pos;
    return true;
  }

  bool parseString(std::string &out, std::string_view what,
                   std::string &error) {
    int quoteChar = peek();
    if (quoteChar != '\'' && quoteChar != '"') {
      error = "expected " + std::string(what) + ", found " + found();
      return false;
    }
    size_t start = pos++;
    while (peek() != quoteChar) {
      if (peek() == -1 || peek() == '\n') {
        error = "unterminated string " + found(start) + " in the header";
        return false;
      }
      if (peek() == '\\') {
        error = "unsupported escape sequence in string " + found(start) +
                " in the header";
        return false;
      }
      ++pos;
    }
    out = std::string(text.substr(start + 1, pos - start - 1));
    ++pos;
    return true;
  }

  bool parseDescrValue(DType &dtype, std::string &error) {
    if (peek() == '[') {
      error = "structured dtypes are not supported: expected a descr string "
              "such as '<f4', found " +
              found();
      return false;
    }
    std::string descr;
    return parseString(descr, "a descr string such as '<f4'", error) &&
           parseDescr(descr, dtype, error);
  }

  bool parseFortranOrder(std::string &error) {
    size_t start = pos;
    while (isWordChar(peek()))
      ++pos;
    std::string_view word = text.substr(start, pos - start);
    if (word == "False")
      return true;
    if (word == "True") {
      error = "fortran_order True is not supported: expected a C-order array "
              "(save np.ascontiguousarray(arr))";
      return false;
    }
    error = "expected True or False for 'fortran_order', found " + found(start);
    return false;
  }

  bool parseDim(std::vector<int64_t> &shape, std::string &error) {
    size_t start = pos;
    if (!isDigit(peek())) {
      error = std::string(peek() == '-' ? "expected a non-negative dimension"
                                        : "expected a dimension") +
              " in 'shape', found " + found();
      return false;
    }
    uint64_t value = 0;
    bool overflow = false;
    while (isDigit(peek())) {
      overflow |= __builtin_mul_overflow(value, 10u, &value) ||
                  __builtin_add_overflow(value, uint64_t(peek() - '0'), &value);
      ++pos;
    }
    // Python refuses leading zeros; 2.0, 2L and 0x2 are not dimensions.
    if (isWordChar(peek()) || (pos - start > 1 && text[start] == '0')) {
      error = "expected an integer dimension in 'shape', found " + found(start);
      return false;
    }
    if (overflow || value > uint64_t(std::numeric_limits<int64_t>::max())) {
      error = "dimension " + found(start) + " in 'shape' is too large";
      return false;
    }
    if (shape.size() == kMaxDims) {
      error =
          "'shape' has more than " + std::to_string(kMaxDims) + " dimensions";
      return false;
    }
    shape.push_back(int64_t(value));
    return true;
  }

  /// A tuple: '(' ')' | '(' dim ',' ')' | '(' dim (',' dim)+ ','? ')'.
  bool parseShape(std::vector<int64_t> &shape, std::string &error) {
    if (!expect('(', "a tuple for 'shape'", error))
      return false;
    shape.clear();
    bool trailingComma = false;
    skipSpace();
    while (peek() != ')') {
      if (!parseDim(shape, error))
        return false;
      skipSpace();
      trailingComma = peek() == ',';
      if (trailingComma) {
        ++pos;
        skipSpace();
      } else if (peek() != ')') {
        error = "expected ',' or ')' in 'shape', found " + found();
        return false;
      }
    }
    // (2) is the integer 2 in Python, not a tuple.
    if (shape.size() == 1 && !trailingComma) {
      error = "expected ',' after the only dimension of 'shape' (a "
              "one-element tuple is written (" +
              std::to_string(shape[0]) + ",)), found " + found();
      return false;
    }
    ++pos; // ')'
    return true;
  }

  std::string_view text;
  size_t pos = 0;
};

//===----------------------------------------------------------------------===//
// Preamble and data
//===----------------------------------------------------------------------===//

/// Where the header lies in the file.
struct Layout {
  size_t headerStart = 0;
  size_t headerSize = 0;
  /// Where the data starts; the file holds fileSize - dataStart data bytes.
  uint64_t dataStart = 0;
};

std::string truncatedError(uint64_t fileSize, size_t needed) {
  return "truncated: expected at least " + std::to_string(needed) +
         " bytes for the magic, version and header length, found " +
         std::to_string(fileSize);
}

/// Checks the magic, the version and the header length. `bytes` holds the
/// first min(fileSize, kMaxPreambleSize) bytes of a file of `fileSize`.
bool parsePreamble(const uint8_t *bytes, uint64_t fileSize, Layout &layout,
                   std::string &error) {
  size_t available = size_t(std::min<uint64_t>(fileSize, kMaxPreambleSize));
  size_t magicBytes = std::min(available, kMagic.size());
  if (std::memcmp(bytes, kMagic.data(), magicBytes) != 0) {
    error = "not a .npy file: expected the magic '\\x93NUMPY', found " +
            quote(std::string_view(reinterpret_cast<const char *>(bytes),
                                   magicBytes));
    return false;
  }
  if (available < kVersionEnd) {
    error = truncatedError(fileSize, kVersionEnd + 2);
    return false;
  }
  unsigned major = bytes[6], minor = bytes[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    error = "unsupported .npy version " + std::to_string(major) + "." +
            std::to_string(minor) + ": expected 1.0, 2.0 or 3.0";
    return false;
  }
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t preambleSize = kVersionEnd + lengthBytes;
  if (available < preambleSize) {
    error = truncatedError(fileSize, preambleSize);
    return false;
  }
  uint64_t headerSize = 0;
  for (size_t i = 0; i < lengthBytes; ++i)
    headerSize |= uint64_t(bytes[kVersionEnd + i]) << (8 * i);
  // headerSize < 2^32 and fileSize >= preambleSize: nothing here wraps.
  if (headerSize > fileSize - preambleSize) {
    error = "header runs past the end of the file: it ends at byte " +
            std::to_string(preambleSize + headerSize) + " but the file has " +
            std::to_string(fileSize) + " bytes";
    return false;
  }
  layout.headerStart = preambleSize;
  layout.headerSize = size_t(headerSize);
  layout.dataStart = preambleSize + headerSize;
  return true;
}

/// Parses the header text into `array`'s dtype and shape and checks that
/// the file holds exactly `dataSize` bytes for them.
bool parseHeader(std::string_view header, uint64_t dataSize, NpyArray &array,
                 std::string &error) {
  if (!HeaderParser(header).parse(array.dtype, array.shape, error))
    return false;
  std::optional<uint64_t> bytes = checkedByteSize(array.shape, array.dtype);
  std::string what = "shape " + formatShape(array.shape) + " of " +
                     std::string(modelDTypeName(array.dtype));
  if (!bytes) {
    error = "the size of " + what + " overflows";
    return false;
  }
  if (*bytes != dataSize) {
    error = "expected " + std::to_string(*bytes) + " bytes of data for " +
            what + ", found " + std::to_string(dataSize) +
            (dataSize < *bytes ? " (the file is truncated)"
                               : " (trailing bytes after the data)");
    return false;
  }
  return true;
}

/// Reads exactly `size` bytes from `fd`.
bool readFully(int fd, void *buffer, size_t size, std::string &error) {
  auto *out = static_cast<uint8_t *>(buffer);
  while (size > 0) {
    ssize_t got = ::read(fd, out, size);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      error = "read failed: " + systemError(errno);
      return false;
    }
    if (got == 0) {
      error = "unexpected end of file (did it change while being read?)";
      return false;
    }
    out += got;
    size -= size_t(got);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// The descr NumPy writes for `dtype`, or false with a message.
bool descrFor(DType dtype, std::string &descr, std::string &error) {
  if (dtype == DType::BF16) {
    error = "cannot write bf16: numpy has no bfloat16 (convert to f32)";
    return false;
  }
  for (const DescrEntry &entry : kDescrs) {
    if (entry.dtype == dtype) {
      descr = (dtypeSize(dtype) == 1 ? "|" : "<") + std::string(entry.code);
      return true;
    }
  }
  error = "invalid dtype " + std::to_string(int(dtype));
  return false;
}

/// The preamble and padded header for `descr` and `shape`.
bool buildHeader(const std::string &descr, const std::vector<int64_t> &shape,
                 std::string &out, std::string &error) {
  std::string dict =
      "{'descr': '" + descr +
      "', 'fortran_order': False, 'shape': " + formatShape(shape) + ", }";
  for (unsigned major : {1u, 2u}) {
    size_t preambleSize = kVersionEnd + (major == 1 ? 2 : 4);
    // The header ends with '\n' and is padded with spaces before it.
    size_t unpadded = preambleSize + dict.size() + 1;
    size_t padding =
        (kDataAlignment - unpadded % kDataAlignment) % kDataAlignment;
    uint64_t headerSize = dict.size() + padding + 1;
    uint64_t limit = major == 1 ? 0xFFFF : 0xFFFFFFFF;
    if (headerSize > limit)
      continue;
    out.assign(kMagic);
    out += char(major);
    out += char(0);
    for (size_t i = 0; i < preambleSize - kVersionEnd; ++i)
      out += char((headerSize >> (8 * i)) & 0xFF);
    out += dict;
    out.append(padding, ' ');
    out += '\n';
    return true;
  }
  error = "header too large: " + std::to_string(dict.size()) + " bytes";
  return false;
}

} // namespace

int64_t NpyArray::numElements() const {
  std::optional<uint64_t> count = checkedNumElements(shape);
  return count ? int64_t(*count) : -1;
}

bool parseNpy(const uint8_t *bytes, size_t size, NpyArray &array,
              std::string &error) {
  if (!bytes && size != 0) {
    error = "null buffer of " + std::to_string(size) + " bytes";
    return false;
  }
  uint8_t empty[1] = {0};
  if (!bytes)
    bytes = empty;
  Layout layout;
  if (!parsePreamble(bytes, size, layout, error))
    return false;
  std::string_view header(
      reinterpret_cast<const char *>(bytes + layout.headerStart),
      layout.headerSize);
  NpyArray result;
  if (!parseHeader(header, size - layout.dataStart, result, error))
    return false;
  result.data.assign(bytes + layout.dataStart, bytes + size);
  if (result.dtype == DType::Bool)
    normalizeBools(result.data);
  array = std::move(result);
  return true;
}

bool readNpy(const std::string &path, NpyArray &array, std::string &error) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open '" + path + "': " + systemError(errno);
    return false;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat status;
  if (::fstat(fd, &status) != 0) {
    error = "cannot stat '" + path + "': " + systemError(errno);
    return false;
  }
  if (!S_ISREG(status.st_mode)) {
    error = "cannot open '" + path + "': not a regular file";
    return false;
  }
  uint64_t fileSize = uint64_t(status.st_size);
  uint8_t preamble[kMaxPreambleSize] = {};
  size_t preambleBytes = size_t(std::min<uint64_t>(fileSize, sizeof(preamble)));
  Layout layout;
  if (!readFully(fd, preamble, preambleBytes, error) ||
      !parsePreamble(preamble, fileSize, layout, error))
    return false;
  // The header was checked to lie inside the file, so it is no larger than
  // the file; the preamble read stopped at or before it begins.
  std::string header(layout.headerSize, '\0');
  if (::lseek(fd, off_t(layout.headerStart), SEEK_SET) < 0) {
    error = "cannot seek in '" + path + "': " + systemError(errno);
    return false;
  }
  NpyArray result;
  uint64_t dataSize = fileSize - layout.dataStart;
  if (!readFully(fd, header.data(), header.size(), error) ||
      !parseHeader(header, dataSize, result, error))
    return false;
  if (dataSize > std::numeric_limits<size_t>::max()) {
    error = "'" + path + "' is too large for the address space";
    return false;
  }
  result.data.resize(size_t(dataSize));
  if (!readFully(fd, result.data.data(), result.data.size(), error))
    return false;
  // A file that grew after fstat would otherwise lose its tail silently.
  uint8_t extra;
  ssize_t got;
  while ((got = ::read(fd, &extra, 1)) < 0 && errno == EINTR) {
  }
  if (got != 0) {
    error = got < 0 ? "read failed: " + systemError(errno)
                    : "the file grew while being read";
    return false;
  }
  if (result.dtype == DType::Bool)
    normalizeBools(result.data);
  array = std::move(result);
  return true;
}

bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error) {
  std::string descr;
  if (!descrFor(array.dtype, descr, error))
    return false;
  if (array.shape.size() > kMaxDims) {
    error = "the shape has " + std::to_string(array.shape.size()) +
            " dimensions, more than numpy's " + std::to_string(kMaxDims);
    return false;
  }
  for (size_t i = 0; i < array.shape.size(); ++i) {
    if (array.shape[i] < 0) {
      error = "shape[" + std::to_string(i) + "] is negative (" +
              std::to_string(array.shape[i]) + ")";
      return false;
    }
  }
  std::string what = "shape " + formatShape(array.shape) + " of " +
                     std::string(modelDTypeName(array.dtype));
  std::optional<uint64_t> bytes = checkedByteSize(array.shape, array.dtype);
  if (!bytes) {
    error = "the size of " + what + " overflows";
    return false;
  }
  if (*bytes != array.data.size()) {
    error = "expected " + std::to_string(*bytes) + " bytes of data for " +
            what + ", found " + std::to_string(array.data.size());
    return false;
  }
  std::string header;
  if (!buildHeader(descr, array.shape, header, error))
    return false;
  // Bools other than 0 and 1 are written as 1, as numpy reads them.
  const std::vector<uint8_t> *data = &array.data;
  std::vector<uint8_t> normalized;
  if (array.dtype == DType::Bool &&
      std::any_of(data->begin(), data->end(),
                  [](uint8_t b) { return b > 1; })) {
    normalized = array.data;
    normalizeBools(normalized);
    data = &normalized;
  }
  TempFile file;
  return file.create(path, error) &&
         file.write(header.data(), header.size(), error) &&
         file.write(data->data(), data->size(), error) &&
         file.commit(path, error);
}

} // namespace mithril::runtime
