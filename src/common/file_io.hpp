// File helpers: whole-file reads with clear errors, atomic writes (temp file + fsync + rename),
// JSON / JSONL loading that reports line and column of malformed input.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql {

// Reads the whole file; throws Error(kNotFound) when it does not exist, kIo when unreadable.
std::string read_file(const std::filesystem::path& path);

// Writes `contents` to `path` atomically: a reader sees the old file or the new one, never a part.
void write_file_atomic(const std::filesystem::path& path, std::string_view contents);

// Parses a JSON document; a syntax error names the file, line and column.
nlohmann::json parse_json(std::string_view text, const std::string& source_name);
nlohmann::json load_json_file(const std::filesystem::path& path);

// One element of a JSON array located by index_json_array: its bytes, and the raw text (quotes
// included) of the string value of the member named `key` when the element is an object with one.
struct JsonArrayElement {
  std::string_view text;
  std::optional<std::string_view> key_value;
};

// The top-level elements of a JSON array, found by one pass over brackets and strings without
// building them, so that a caller can parse only the elements it needs (a few entries of Spider's
// tables.json). Throws Error(kParse) naming the source, line and column when the text is not an
// array or its brackets or strings are not closed. Only the structure is checked: a syntax error
// inside an element shows when that element is parsed.
std::vector<JsonArrayElement> index_json_array(std::string_view text, std::string_view key,
                                               const std::string& source_name);

// Calls `on_record(json, line_number)` for every non-blank line of a JSONL file.
void for_each_jsonl_record(const std::filesystem::path& path,
                           const std::function<void(const nlohmann::json&, int)>& on_record);

// Splits text into lines, dropping a trailing "\r" on each (CRLF files).
std::vector<std::string> split_lines(std::string_view text);

}  // namespace t2sql
