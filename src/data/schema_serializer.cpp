#include "data/schema_serializer.hpp"

#include <fmt/format.h>

#include "common/error.hpp"

namespace t2sql {

SchemaFormat parse_schema_format(const std::string& name) {
  if (name == "create") return SchemaFormat::kCreateTable;
  if (name == "compact") return SchemaFormat::kCompact;
  if (name == "qualified") return SchemaFormat::kQualified;
  fail(ErrorCode::kInvalidArgument, "unknown schema format '{}' (expected create, compact or qualified)",
       name);
}

const char* schema_format_name(SchemaFormat format) {
  switch (format) {
    case SchemaFormat::kCompact: return "compact";
    case SchemaFormat::kQualified: return "qualified";
    case SchemaFormat::kCreateTable: break;
  }
  return "create";
}

bool SchemaBudget::fits(std::string_view text) const {
  if (max_chars > 0 && text.size() > max_chars) return false;
  if (max_tokens > 0 && count_tokens && count_tokens(text) > max_tokens) return false;
  return true;
}

std::string sql_identifier(std::string_view name) {
  if (is_plain_identifier(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

namespace {
// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut_text(const std::string& text, size_t limit) {
  if (limit == 0 || text.size() <= limit) return text;
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "...";
}

std::string sql_literal(const SqlValue& value, size_t max_value_chars) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    std::string out = "'";
    for (char c : cut_text(*text, max_value_chars)) {
      out += c;
      if (c == '\'') out += '\'';
    }
    return out + "'";
  }
  if (std::holds_alternative<SqlBlob>(value)) {
    std::string hex = sql_value_to_string(value);  // x'0a0b'
    if (max_value_chars > 0 && hex.size() > max_value_chars + 3)
      hex = hex.substr(0, max_value_chars + 2) + "'";
    return "X" + hex.substr(1);
  }
  return sql_value_to_string(value);  // NULL, integers, shortest round-trip reals
}

// Normalises stored DDL: LF line ends, no trailing blanks, a final ";".
std::string normalize_ddl(std::string_view ddl) {
  std::string out;
  out.reserve(ddl.size() + 1);
  for (char c : ddl)
    if (c != '\r') out += c;
  while (!out.empty() && (out.back() == ' ' || out.back() == '\n' || out.back() == '\t'))
    out.pop_back();
  if (out.empty() || out.back() != ';') out += ';';
  return out;
}

bool column_is_foreign_key(const Schema& schema, const Table& table, const Column& column) {
  for (const ForeignKey& key : schema.foreign_keys) {
    if (ascii_lower(key.from_table) == ascii_lower(table.name) &&
        ascii_lower(key.from_column) == ascii_lower(column.name))
      return true;
    if (ascii_lower(key.to_table) == ascii_lower(table.name) &&
        ascii_lower(key.to_column) == ascii_lower(column.name))
      return true;
  }
  return false;
}

std::string render(const Schema& schema, const std::vector<bool>& trimmed, int rows,
                   const SerializeOptions& options) {
  std::string out;
  if (!has_sample_rows(options.format)) {
    const bool qualified = options.format == SchemaFormat::kQualified;
    for (const Table& table : schema.tables) {
      const std::string table_name = sql_identifier(table.name);
      out += table_name;
      // qualified: a space after '(' so that every `table.column` follows a space, as it does in an
      // answer (`SELECT singer.Name`); a SentencePiece tokenizer spells "(singer" and " singer"
      // with different pieces, and a copy is easiest when the pieces are the same.
      out += qualified ? "( " : "(";
      for (size_t i = 0; i < table.columns.size(); ++i) {
        if (i) out += ", ";
        if (qualified) out += table_name + ".";
        out += sql_identifier(table.columns[i].name);
        if (table.columns[i].is_primary_key) out += " PRIMARY KEY";
      }
      out += ")\n";
    }
    for (const ForeignKey& key : schema.foreign_keys)
      out += fmt::format("FOREIGN KEY {}.{} REFERENCES {}.{}\n", sql_identifier(key.from_table),
                         sql_identifier(key.from_column), sql_identifier(key.to_table),
                         sql_identifier(key.to_column));
    if (!out.empty()) out.pop_back();
    return out;
  }
  for (size_t t = 0; t < schema.tables.size(); ++t) {
    const Table& table = schema.tables[t];
    out += trimmed[t] || table.create_sql.empty() ? synthesize_create_table(schema, table)
                                                  : normalize_ddl(table.create_sql);
    out += '\n';
  }
  for (const Table& table : schema.tables) {
    const int count = std::min<int>(rows, static_cast<int>(table.sample_rows.size()));
    for (int r = 0; r < count; ++r) {
      out += insert_statement(table.name, table.sample_rows[r], options.max_value_chars);
      out += '\n';
    }
  }
  if (!out.empty()) out.pop_back();
  return out;
}
}  // namespace

std::string insert_statement(std::string_view table, const std::vector<SqlValue>& row,
                             size_t max_value_chars) {
  std::string out = "INSERT INTO ";
  out += sql_identifier(table);
  out += " VALUES(";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) out += ',';
    out += sql_literal(row[i], max_value_chars);
  }
  return out + ");";
}

std::string synthesize_create_table(const Schema& schema, const Table& table) {
  std::string out = "CREATE TABLE " + sql_identifier(table.name) + " (";
  std::vector<std::string> parts;
  std::vector<std::string> key_columns;
  for (const Column& column : table.columns) {
    parts.push_back(column.type.empty() ? sql_identifier(column.name)
                                        : sql_identifier(column.name) + " " + column.type);
    if (column.is_primary_key) key_columns.push_back(sql_identifier(column.name));
  }
  if (!key_columns.empty())
    parts.push_back(fmt::format("PRIMARY KEY ({})", fmt::join(key_columns, ", ")));
  for (const ForeignKey& key : schema.foreign_keys)
    if (ascii_lower(key.from_table) == ascii_lower(table.name) &&
        table.find_column(key.from_column))
      parts.push_back(fmt::format("FOREIGN KEY ({}) REFERENCES {}({})",
                                  sql_identifier(key.from_column), sql_identifier(key.to_table),
                                  sql_identifier(key.to_column)));
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ",\n  " : "\n  ") + parts[i];
  return out + "\n);";
}

SerializedSchema serialize_schema(const Schema& input, const SerializeOptions& options) {
  SerializedSchema result;
  std::vector<bool> trimmed(input.tables.size(), false);
  int rows = has_sample_rows(options.format) ? std::max(0, options.sample_rows) : 0;
  result.text = render(input, trimmed, rows, options);
  // Step 1: fewer sample rows.
  while (!options.budget.fits(result.text) && rows > 0) {
    --rows;
    result.text = render(input, trimmed, rows, options);
  }
  result.sample_rows = rows;
  if (options.budget.fits(result.text)) return result;

  // Step 2: drop unlinked, non-key columns, last column of the widest table first.
  Schema schema = input;
  for (;;) {
    int widest = -1;
    size_t widest_droppable = 0;
    for (size_t t = 0; t < schema.tables.size(); ++t) {
      const Table& table = schema.tables[t];
      size_t droppable = 0;
      for (const Column& column : table.columns)
        if (!column.is_primary_key && !column_is_foreign_key(schema, table, column) &&
            !options.linked_columns.count(ascii_lower(table.name + "." + column.name)))
          ++droppable;
      if (droppable > 0 &&
          (widest < 0 || table.columns.size() > schema.tables[widest].columns.size())) {
        widest = static_cast<int>(t);
        widest_droppable = droppable;
      }
    }
    if (widest < 0 || widest_droppable == 0) break;
    Table& table = schema.tables[widest];
    for (size_t i = table.columns.size(); i-- > 0;) {
      const Column& column = table.columns[i];
      if (!column.is_primary_key && !column_is_foreign_key(schema, table, column) &&
          !options.linked_columns.count(ascii_lower(table.name + "." + column.name))) {
        table.columns.erase(table.columns.begin() + static_cast<std::ptrdiff_t>(i));
        for (auto& row : table.sample_rows)
          if (i < row.size()) row.erase(row.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    trimmed[widest] = true;
    ++result.dropped_columns;
    result.text = render(schema, trimmed, rows, options);
    if (options.budget.fits(result.text)) return result;
  }
  result.fits = false;
  return result;
}

}  // namespace t2sql
