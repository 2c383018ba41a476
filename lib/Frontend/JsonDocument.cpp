//===- JsonDocument.cpp - JSON with source positions ----------------------===//
//
// Part of Mithril, under the Apache License v2.0 with LLVM Exceptions.
//
//===----------------------------------------------------------------------===//

#include "JsonDocument.h"

#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <cctype>
#include <iterator>

using namespace mlir::mithril;

namespace {

/// A `const char *` that publishes how far the parser has read, so that the
/// parse callback knows where in the text it is.
struct CountingIterator {
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char *;
  using reference = const char &;

  const char *current;
  const char **cursor;

  reference operator*() const { return *current; }
  CountingIterator &operator++() {
    *cursor = ++current;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++*this;
    return old;
  }
  bool operator==(const CountingIterator &other) const {
    return current == other.current;
  }
  bool operator!=(const CountingIterator &other) const {
    return current != other.current;
  }
};

/// Records the first syntax error; every other SAX event is accepted.
struct SyntaxChecker : nlohmann::json_sax<Json> {
  explicit SyntaxChecker(llvm::StringRef text) : text(text) {}
  llvm::StringRef text;
  std::optional<std::pair<size_t, std::string>> error;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t &) override { return true; }
  bool string(string_t &) override { return true; }
  bool binary(binary_t &) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t &) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string &lastToken,
                   const nlohmann::detail::exception &ex) override {
    // `position` is just past the offending token: point at its start
    // (nlohmann's token text is that of the input unless at its end).
    if (position >= lastToken.size() &&
        text.substr(position - lastToken.size(), lastToken.size()) == lastToken)
      position = position - lastToken.size() + 1;
    // nlohmann's message reads "[json.exception.parse_error.101] parse
    // error at line 1, column 2: syntax error ..."; keep the last part.
    std::string message = ex.what();
    size_t colon = message.find(": ");
    error = {position,
             colon == std::string::npos ? message : message.substr(colon + 2)};
    return false;
  }
};

/// One open object or array during the parse.
struct Frame {
  bool isArray = false;
  size_t nextIndex = 0;   // arrays: index of the next element
  std::string key;        // objects: the key being parsed
  llvm::StringSet<> keys; // objects: keys seen, to find duplicates
};

std::string escapePointerToken(llvm::StringRef token) {
  std::string escaped;
  for (char c : token) {
    if (c == '~')
      escaped += "~0";
    else if (c == '/')
      escaped += "~1";
    else
      escaped += c;
  }
  return escaped;
}

} // namespace

JsonDocument::JsonDocument(llvm::StringRef text) {
  lineStarts.push_back(0);
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n')
      lineStarts.push_back(i + 1);
}

std::string JsonDocument::child(llvm::StringRef pointer, llvm::StringRef key) {
  return pointer.str() + "/" + escapePointerToken(key);
}

std::string JsonDocument::child(llvm::StringRef pointer, size_t index) {
  return pointer.str() + "/" + std::to_string(index);
}

SourcePosition JsonDocument::positionOfOffset(size_t offset) const {
  auto line = std::upper_bound(lineStarts.begin(), lineStarts.end(), offset);
  size_t lineIndex = line - lineStarts.begin() - 1;
  return {static_cast<unsigned>(lineIndex + 1),
          static_cast<unsigned>(offset - lineStarts[lineIndex] + 1)};
}

SourcePosition JsonDocument::position(llvm::StringRef pointer) const {
  while (true) {
    auto it = offsets.find(pointer);
    if (it != offsets.end())
      return positionOfOffset(it->second);
    if (pointer.empty())
      return {1, 1};
    pointer = pointer.substr(0, pointer.rfind('/'));
  }
}

std::optional<JsonDocument>
JsonDocument::parse(llvm::StringRef text, std::vector<JsonProblem> &problems) {
  JsonDocument document(text);

  // First pass: syntax only, for the parser's message and position, which
  // the DOM parser reports only by throwing (and we build without
  // exceptions).
  SyntaxChecker checker(text);
  if (!Json::sax_parse(text.begin(), text.end(), &checker) || checker.error) {
    size_t offset = checker.error ? checker.error->first : text.size();
    // nlohmann counts the offending character itself.
    offset = std::min(offset > 0 ? offset - 1 : 0, text.size());
    problems.push_back(
        {document.positionOfOffset(offset), "",
         checker.error ? checker.error->second : "invalid JSON"});
    return std::nullopt;
  }

  // Second pass: build the value, recording where each value starts. When
  // the callback runs, the parser has read up to `cursor`; the value began
  // at the first character after the previous event that is not
  // whitespace, ':' or ','.
  const char *cursor = text.begin();
  const char *previous = text.begin();
  std::vector<Frame> frames;
  size_t numProblems = problems.size();

  auto currentPointer = [&] {
    std::string pointer;
    for (const Frame &frame : frames)
      pointer += "/" + (frame.isArray ? std::to_string(frame.nextIndex)
                                      : escapePointerToken(frame.key));
    return pointer;
  };
  auto valueStart = [&] {
    const char *p = previous;
    while (p < cursor && (std::isspace(static_cast<unsigned char>(*p)) ||
                          *p == ':' || *p == ','))
      ++p;
    return static_cast<size_t>(p - text.begin());
  };
  auto finishValue = [&] {
    if (!frames.empty() && frames.back().isArray)
      ++frames.back().nextIndex;
  };

  Json::parser_callback_t callback = [&](int, Json::parse_event_t event,
                                         Json &parsed) {
    using Event = Json::parse_event_t;
    switch (event) {
    case Event::object_start:
    case Event::array_start:
      document.offsets[currentPointer()] = valueStart();
      frames.push_back({event == Event::array_start});
      break;
    case Event::key: {
      Frame &frame = frames.back();
      frame.key = parsed.is_string() ? parsed.get<std::string>() : "";
      std::string pointer = currentPointer();
      if (!frame.keys.insert(frame.key).second)
        problems.push_back({document.positionOfOffset(valueStart()), pointer,
                            "duplicate key '" + frame.key + "'"});
      break;
    }
    case Event::object_end:
    case Event::array_end:
      frames.pop_back();
      finishValue();
      break;
    case Event::value:
      document.offsets[currentPointer()] = valueStart();
      finishValue();
      break;
    }
    previous = cursor;
    return true;
  };

  CountingIterator begin{text.begin(), &cursor};
  CountingIterator end{text.end(), &cursor};
  document.rootValue =
      Json::parse(begin, end, callback, /*allow_exceptions=*/false);
  if (document.rootValue.is_discarded() || problems.size() != numProblems) {
    if (problems.size() == numProblems)
      problems.push_back({{1, 1}, "", "invalid JSON"});
    return std::nullopt;
  }
  return document;
}
