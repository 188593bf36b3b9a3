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

nlohmann::json parse_json(std::string_view text, const std::string& source_name, const JsonKeyFilter& keep_key) {
  try {
    if (!keep_key) return nlohmann::json::parse(text);
    return nlohmann::json::parse(text, [&](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
      return event != nlohmann::json::parse_event_t::key || keep_key(parsed.get_ref<const std::string&>());
    });
  } catch (const nlohmann::json::parse_error& e) {
    auto [line, column] = line_and_column(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string what = e.what();
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line.."; keep the reason.
    auto pos = what.find(": ");
    std::string reason = pos == std::string::npos ? what : what.substr(pos + 2);
    fail(ErrorCode::kParse, "malformed JSON in {} at line {}, column {}: {}", source_name, line, column, reason);
  }
}

nlohmann::json load_json_file(const fs::path& path, const JsonKeyFilter& keep_key) {
  return parse_json(read_file(path), path.string(), keep_key);
}

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
