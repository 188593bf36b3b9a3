// File helpers: whole-file reads with clear errors, atomic writes (temp file + fsync + rename),
// JSON / JSONL loading that reports line and column of malformed input.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql {

// Reads the whole file; throws Error(kNotFound) when it does not exist, kIo when unreadable.
std::string read_file(const std::filesystem::path& path);

// Writes `contents` to `path` atomically: a reader sees the old file or the new one, never a part.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Parses a JSON document; a syntax error names the file, line and column. When `keep_key` is
// given, an object member whose key it rejects is skipped without being built (the text is still
// checked), which saves most of the cost of large files read for a few fields.
using JsonKeyFilter = std::function<bool(std::string_view key)>;
nlohmann::json parse_json(std::string_view text, const std::string& source_name, const JsonKeyFilter& keep_key = {});
nlohmann::json load_json_file(const std::filesystem::path& path, const JsonKeyFilter& keep_key = {});

// Calls `on_record(json, line_number)` for every non-blank line of a JSONL file.
void for_each_jsonl_record(const std::filesystem::path& path,
                           const std::function<void(const nlohmann::json&, int)>& on_record);

// Splits text into lines, dropping a trailing "\r" on each (CRLF files).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace t2sql
