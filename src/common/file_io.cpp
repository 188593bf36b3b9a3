#include "common/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/error.hpp"

namespace t2sql {
namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(ErrorCode::kNotFound, "file not found: {}", path.string());
  if (fs::is_directory(path, ec)) fail(ErrorCode::kIo, "expected a file but found a folder: {}", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, "cannot open {}: {}", path.string(), std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail(ErrorCode::kIo, "cannot read {}", path.string());
  return std::move(buffer).str();
}

void write_file_atomic(const fs::path& path, std::string_view contents) {
  const fs::path parent = path.has_parent_path() ? path.parent_path() : fs::path(".");
  std::error_code ec;
  fs::create_directories(parent, ec);
  std::string temp = (parent / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = mkstemp(temp.data());
  if (fd < 0) fail(ErrorCode::kIo, "cannot create a temporary file beside {}: {}", path.string(), std::strerror(errno));
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      ::unlink(temp.c_str());
      fail(ErrorCode::kIo, "cannot write {}: {}", path.string(), std::strerror(saved));
    }
    written += static_cast<size_t>(n);
  }
  ::fchmod(fd, 0644);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(temp.c_str());
    fail(ErrorCode::kIo, "cannot flush {}: {}", path.string(), std::strerror(errno));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    fail(ErrorCode::kIo, "cannot move the new file into place at {}: {}", path.string(), std::strerror(saved));
  }
}

namespace {
// Converts a byte offset into 1-based line and column.
std::pair<size_t, size_t> line_and_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}
}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& source_name) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, column] = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line.."; keep the reason.
    auto pos = what.find(": ");
    std::string reason = pos == std::string::npos ? what : what.substr(pos + 2);
    fail(ErrorCode::kParse, "malformed JSON in {} at line {}, column {}: {}", source_name, line, column, reason);
  }
}

std::vector<JsonArrayElement> index_json_array(std::string_view text, std::string_view key,
                                               const std::string& source_name) {
  auto error = [&](size_t offset, std::string_view what) {
    auto [line, column] = line_and_column(text, offset);
    fail(ErrorCode::kParse, "malformed JSON in {} at line {}, column {}: {}", source_name, line, column, what);
  };
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  // The end of the string that opens at `at` (one past its closing quote).
  auto string_end = [&](size_t at) {
    for (size_t quote = text.find('"', at + 1); quote != std::string_view::npos; quote = text.find('"', quote + 1)) {
      size_t backslashes = 0;  // an odd run of backslashes escapes the quote
      while (text[quote - 1 - backslashes] == '\\') ++backslashes;
      if (backslashes % 2 == 0) return quote + 1;
    }
    error(at, "unterminated string");
    return text.size();
  };
  size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // a UTF-8 byte order mark, as nlohmann skips it
  while (i < text.size() && is_space(text[i])) ++i;
  if (i == text.size() || text[i] != '[') error(i, "expected a JSON list");
  ++i;
  std::vector<JsonArrayElement> elements;
  std::vector<char> closers;  // expected closing brackets inside the current element
  size_t element_begin = std::string::npos;
  std::optional<std::string_view> key_value;
  std::string_view last_string;  // the token just before, when it is a string at the member level
  bool awaiting_value = false;    // just after `"key":` at the member level
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (is_space(c)) continue;
    if (closers.empty() && (c == ',' || c == ']')) {
      if (element_begin == std::string::npos) {
        if (c == ']' && elements.empty()) {
          element_begin = 0;  // "[]"
        } else {
          error(i, "expected a value");
        }
      } else {
        size_t end = i;
        while (end > element_begin && is_space(text[end - 1])) --end;
        elements.push_back({text.substr(element_begin, end - element_begin), key_value});
      }
      element_begin = std::string::npos;
      key_value.reset();
      last_string = {};
      awaiting_value = false;
      if (c == ']') {
        size_t rest = i + 1;
        while (rest < text.size() && is_space(text[rest])) ++rest;
        if (rest != text.size()) error(rest, "unexpected text after the list");
        return elements;
      }
      continue;
    }
    if (element_begin == std::string::npos) element_begin = i;
    // Within the element's own object (one level in), a string followed by ':' is a member key;
    // the value after a `key` member is recorded when it is a string and forgotten otherwise (a
    // repeated key counts by its last value, as nlohmann builds objects).
    const bool member_level = closers.size() == 1 && closers.back() == '}';
    if (member_level && awaiting_value) {
      awaiting_value = false;
      if (c == '"') key_value = text.substr(i, string_end(i) - i);
      else key_value.reset();
    }
    if (c == '"') {
      const size_t end = string_end(i);
      last_string = member_level ? text.substr(i, end - i) : std::string_view{};
      i = end - 1;
      continue;
    }
    if (c == ':' && member_level && !last_string.empty()) {
      std::string_view name = last_string.substr(1, last_string.size() - 2);
      std::string decoded;
      if (name.find('\\') != std::string_view::npos) {  // an escaped key: compare what it means
        const nlohmann::json parsed = nlohmann::json::parse(last_string, nullptr, /*allow_exceptions=*/false);
        if (parsed.is_string()) decoded = parsed.get<std::string>();
        name = decoded;
      }
      awaiting_value = name == key;
    }
    last_string = {};
    if (c == '[' || c == '{') {
      closers.push_back(c == '[' ? ']' : '}');
    } else if (c == ']' || c == '}') {
      if (closers.empty() || closers.back() != c) error(i, fmt::format("unexpected '{}'", c));
      closers.pop_back();
    }
  }
  error(text.size(), "the list is not closed");
  return elements;
}

nlohmann::json load_json_file(const fs::path& path) { return parse_json(read_file(path), path.string()); }

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

void for_each_jsonl_record(const fs::path& path, const std::function<void(const nlohmann::json&, int)>& on_record) {
  const std::string text = read_file(path);
  int line_number = 0;
  for (const std::string& line : split_lines(text)) {
    ++line_number;
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      auto pos = what.find(": ");
      fail(ErrorCode::kParse, "malformed JSON in {} at line {}, column {}: {}", path.string(), line_number, e.byte,
           pos == std::string::npos ? what : what.substr(pos + 2));
    }
    on_record(record, line_number);
  }
}

}  // namespace t2sql
