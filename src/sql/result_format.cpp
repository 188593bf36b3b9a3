#include "sql/result_format.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/utf8.hpp"

namespace t2sql {
namespace {

// Display width in code points (good enough for alignment of Latin text; wide CJK glyphs are
// counted as one).
size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

std::string cell_text(const SqlValue& value, size_t max_chars) {
  std::string text = sanitize_utf8(sql_value_to_string(value));
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  if (display_width(text) <= max_chars) return text;
  size_t kept = 0, bytes = 0;
  while (bytes < text.size() && kept < max_chars - 1) {
    ++bytes;
    while (bytes < text.size() && (static_cast<unsigned char>(text[bytes]) & 0xC0) == 0x80) ++bytes;
    ++kept;
  }
  return text.substr(0, bytes) + "…";
}

}  // namespace

std::string format_result_table(const QueryResult& result, size_t max_rows, size_t max_cell_chars) {
  const size_t shown = std::min(max_rows, result.rows.size());
  std::vector<std::vector<std::string>> cells;
  cells.push_back({});
  for (const auto& column : result.columns) cells[0].push_back(cell_text(column, max_cell_chars));
  for (size_t r = 0; r < shown; ++r) {
    cells.push_back({});
    for (const auto& value : result.rows[r]) cells.back().push_back(cell_text(value, max_cell_chars));
  }
  std::vector<size_t> widths(result.columns.size(), 0);
  for (const auto& row : cells)
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], display_width(row[c]));
  std::string out;
  auto append_row = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      if (c > 0) out += " | ";
      out += row[c];
      if (c + 1 < row.size()) out += std::string(widths[c] - display_width(row[c]), ' ');
    }
    out += '\n';
  };
  append_row(cells[0]);
  std::string rule;
  for (size_t c = 0; c < widths.size(); ++c) rule += (c > 0 ? "-+-" : "") + std::string(widths[c], '-');
  out += rule + '\n';
  for (size_t r = 1; r < cells.size(); ++r) append_row(cells[r]);
  if (result.rows.size() > shown) out += fmt::format("({} more rows)\n", result.rows.size() - shown);
  out += fmt::format("{} row{}\n", result.rows.size(), result.rows.size() == 1 ? "" : "s");
  return out;
}

nlohmann::json result_to_json(const QueryResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : result.rows) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& value : row) {
      if (std::holds_alternative<std::monostate>(value)) cells.push_back(nullptr);
      else if (auto* i = std::get_if<int64_t>(&value)) cells.push_back(*i);
      else if (auto* d = std::get_if<double>(&value)) cells.push_back(*d);
      else if (auto* s = std::get_if<std::string>(&value)) cells.push_back(sanitize_utf8(*s));
      else cells.push_back(sql_value_to_string(value));
    }
    rows.push_back(std::move(cells));
  }
  return {{"columns", result.columns}, {"rows", std::move(rows)}};
}

}  // namespace t2sql
