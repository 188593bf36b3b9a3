#include "data/synthetic_dataset.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"

namespace t2sql {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
SyntheticRecord parse_record(const json& entry, const std::string& where, size_t position) {
  if (!entry.is_object()) fail(ErrorCode::kParse, "{}: expected an object", where);
  auto text = [&](const char* name, bool required) -> std::string {
    auto it = entry.find(name);
    if (it == entry.end() || it->is_null()) {
      if (required) fail(ErrorCode::kParse, "{}: field '{}' is missing", where, name);
      return {};
    }
    if (!it->is_string()) fail(ErrorCode::kParse, "{}: field '{}' is not a string", where, name);
    std::string value = it->get<std::string>();
    require_utf8(value, fmt::format("{}: field '{}'", where, name));
    return value;
  };
  SyntheticRecord record;
  record.domain = text("domain", false);
  record.sql_prompt = text("sql_prompt", true);
  record.sql_context = text("sql_context", true);
  record.sql = text("sql", true);
  record.sql_explanation = text("sql_explanation", false);
  if (auto it = entry.find("id"); it != entry.end() && (it->is_string() || it->is_number_integer()))
    record.id = it->is_string() ? it->get<std::string>() : std::to_string(it->get<int64_t>());
  else
    record.id = fmt::format("synthetic_{}", position);
  return record;
}

// Refuses what a dataset's own SQL never needs and what could reach outside the in-memory
// database: ATTACH/DETACH, PRAGMAs, virtual tables, load_extension().
int authorize_context(void*, int action, const char* arg1, const char* arg2, const char*,
                      const char*) {
  (void)arg1;
  switch (action) {
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
    case SQLITE_PRAGMA:
    case SQLITE_CREATE_VTABLE:
    case SQLITE_DROP_VTABLE:
      return SQLITE_DENY;
    case SQLITE_FUNCTION:
      return arg2 != nullptr && sqlite3_stricmp(arg2, "load_extension") == 0 ? SQLITE_DENY
                                                                             : SQLITE_OK;
    default:
      return SQLITE_OK;
  }
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

SqlValue read_value(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, column);
    case SQLITE_TEXT:
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, column)),
                         static_cast<size_t>(sqlite3_column_bytes(statement, column)));
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, column));
      return SqlBlob{std::string(data ? data : "",
                                 static_cast<size_t>(sqlite3_column_bytes(statement, column)))};
    }
    default:
      return std::monostate{};
  }
}
}  // namespace

std::vector<SyntheticRecord> load_synthetic_records(const fs::path& path) {
  const std::string text = read_file(path);
  std::vector<SyntheticRecord> records;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '[') {
    const json document = parse_json(text, path.string());
    for (size_t i = 0; i < document.size(); ++i) {
      std::string location = fmt::format("{}: record {}", path.string(), i);
      SyntheticRecord record = parse_record(document[i], location, i);
      record.line = static_cast<int>(i);
      record.location = std::move(location);
      records.push_back(std::move(record));
    }
    return records;
  }
  for_each_jsonl_record(path, [&](const json& entry, int line) {
    std::string location = fmt::format("{}:{}", path.string(), line);
    SyntheticRecord record = parse_record(entry, location, records.size());
    record.line = line;
    record.location = std::move(location);
    records.push_back(std::move(record));
  });
  return records;
}

Schema schema_from_sql_context(const std::string& sql_context, const std::string& source,
                               int sample_rows) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(":memory:", &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_PRIVATECACHE,
                           nullptr);
  std::unique_ptr<sqlite3, SqliteCloser> db(raw);
  if (rc != SQLITE_OK)
    fail(ErrorCode::kSql, "{}: cannot open an in-memory SQLite database", source);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_limit(db.get(), SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(db.get(), SQLITE_LIMIT_LENGTH, 1 << 20);
  sqlite3_set_authorizer(db.get(), authorize_context, nullptr);
  char* message = nullptr;
  if (sqlite3_exec(db.get(), sql_context.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : sqlite3_errmsg(db.get());
    sqlite3_free(message);
    fail(ErrorCode::kSql, "{}: sql_context does not run in SQLite: {}", source, text);
  }
  // Introspection needs PRAGMA table_info / foreign_key_list: allow exactly those from here on.
  sqlite3_set_authorizer(
      db.get(),
      [](void*, int action, const char* arg1, const char*, const char*, const char*) {
        if (action == SQLITE_PRAGMA)
          return arg1 != nullptr && (sqlite3_stricmp(arg1, "table_info") == 0 ||
                                     sqlite3_stricmp(arg1, "foreign_key_list") == 0)
                     ? SQLITE_OK
                     : SQLITE_DENY;
        return action == SQLITE_SELECT || action == SQLITE_READ || action == SQLITE_FUNCTION
                   ? SQLITE_OK
                   : SQLITE_DENY;
      },
      nullptr);
  auto query = [&](const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &statement, nullptr) != SQLITE_OK)
      fail(ErrorCode::kSql, "{}: cannot read the schema ({}): {}", source, sql,
           sqlite3_errmsg(db.get()));
    QueryResult result;
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
      std::vector<SqlValue> row;
      for (int c = 0; c < sqlite3_column_count(statement); ++c)
        row.push_back(read_value(statement, c));
      result.rows.push_back(std::move(row));
    }
    sqlite3_finalize(statement);
    if (step != SQLITE_DONE)
      fail(ErrorCode::kSql, "{}: cannot read the schema ({}): {}", source, sql,
           sqlite3_errmsg(db.get()));
    return result;
  };
  Schema schema = introspect_schema(query, source, sample_rows);
  if (schema.tables.empty()) fail(ErrorCode::kParse, "{}: sql_context defines no table", source);
  return schema;
}

}  // namespace t2sql
