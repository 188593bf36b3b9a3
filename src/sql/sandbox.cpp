#include "sql/sandbox.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>

#include "common/error.hpp"

namespace t2sql {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// Read-only PRAGMAs that only report; anything else (writable_schema, journal_mode, ...) is refused.
bool is_read_only_pragma(const char* name) {
  static constexpr const char* kAllowed[] = {"table_info", "table_xinfo", "index_list", "index_info",
                                             "index_xinfo", "foreign_key_list", "table_list"};
  if (name == nullptr) return false;
  for (const char* allowed : kAllowed)
    if (sqlite3_stricmp(name, allowed) == 0) return true;
  return false;
}

int authorize(void* /*user*/, int action, const char* arg1, const char* arg2, const char*, const char*) {
  switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      // arg2 is the function name.
      if (arg2 != nullptr && sqlite3_stricmp(arg2, "load_extension") == 0) return SQLITE_DENY;
      return SQLITE_OK;
    case SQLITE_PRAGMA:
      // The whitelisted pragmas only report; their argument (arg2) is a table or index name.
      return is_read_only_pragma(arg1) ? SQLITE_OK : SQLITE_DENY;
    default:
      return SQLITE_DENY;  // writes, DDL, ATTACH/DETACH, transactions, ANALYZE, ...
  }
}

void raise_heap_limit(int64_t bytes) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  sqlite3_int64 current = sqlite3_hard_heap_limit64(-1);
  if (current == 0 || current < bytes) sqlite3_hard_heap_limit64(bytes);
}

// True when `tail` holds only whitespace and comments (what Python's sqlite3 accepts after a statement).
bool only_whitespace_and_comments(const char* tail) {
  const char* p = tail;
  while (*p) {
    if (std::isspace(static_cast<unsigned char>(*p))) {
      ++p;
    } else if (p[0] == '-' && p[1] == '-') {
      while (*p && *p != '\n') ++p;
    } else if (p[0] == '/' && p[1] == '*') {
      const char* end = std::strstr(p + 2, "*/");
      if (!end) return true;  // an unterminated comment runs to the end
      p = end + 2;
    } else {
      return false;
    }
  }
  return true;
}

SqlValue read_column(sqlite3_stmt* statement, int column) {
  switch (sqlite3_column_type(statement, column)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(statement, column));
    case SQLITE_FLOAT:
      return sqlite3_column_double(statement, column);
    case SQLITE_TEXT: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
      return std::string(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(statement, column)));
    }
    case SQLITE_BLOB: {
      const auto* data = static_cast<const char*>(sqlite3_column_blob(statement, column));
      return SqlBlob{std::string(data ? data : "", static_cast<size_t>(sqlite3_column_bytes(statement, column)))};
    }
    default:
      return std::monostate{};
  }
}

}  // namespace

std::string sql_value_to_string(const SqlValue& value) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const SqlBlob& v) const {
      std::string out = "x'";
      for (unsigned char c : v.bytes) out += fmt::format("{:02x}", c);
      return out + "'";
    }
  };
  return std::visit(Visitor{}, value);
}

struct SqlSandbox::Connection {
  sqlite3* db = nullptr;
  Clock::time_point deadline;
  std::atomic<bool> timed_out{false};
  ~Connection() {
    if (db) sqlite3_close_v2(db);
  }
};

namespace {
int progress_callback(void* user) {
  auto* deadline_holder = static_cast<std::pair<Clock::time_point*, std::atomic<bool>*>*>(user);
  if (Clock::now() > *deadline_holder->first) {
    deadline_holder->second->store(true);
    return 1;  // interrupts the statement with SQLITE_INTERRUPT
  }
  return 0;
}
}  // namespace

SqlSandbox::SqlSandbox(fs::path database, SandboxLimits limits) : path_(std::move(database)), limits_(limits) {
  std::error_code ec;
  if (!fs::is_regular_file(path_, ec)) fail(ErrorCode::kNotFound, "database file not found: {}", path_.string());
  raise_heap_limit(limits_.heap_limit_bytes);
  release(acquire());  // open once now so that a file that is not SQLite fails here, with its name
}

SqlSandbox::~SqlSandbox() = default;

std::unique_ptr<SqlSandbox::Connection> SqlSandbox::acquire() const {
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      auto connection = std::move(pool_.back());
      pool_.pop_back();
      return connection;
    }
  }
  auto connection = std::make_unique<Connection>();
  // immutable=1: SQLite takes no locks and never writes, even a journal.
  std::string uri = "file:" + fs::absolute(path_).string();
  std::string escaped;
  for (char c : uri) {
    if (c == '?' || c == '#' || c == '%') escaped += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else escaped += c;
  }
  escaped += "?mode=ro&immutable=1";
  int rc = sqlite3_open_v2(escaped.c_str(), &connection->db,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = connection->db ? sqlite3_errmsg(connection->db) : sqlite3_errstr(rc);
    fail(ErrorCode::kSql, "cannot open database {}: {}", path_.string(), message);
  }
  sqlite3_db_config(connection->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
  sqlite3_db_config(connection->db, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(connection->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
  sqlite3_limit(connection->db, SQLITE_LIMIT_ATTACHED, 0);
  sqlite3_limit(connection->db, SQLITE_LIMIT_LENGTH, 100'000'000);
  sqlite3_set_authorizer(connection->db, authorize, nullptr);
  // Touch the schema now: a file that is not a database fails here rather than on the first query.
  sqlite3_stmt* probe = nullptr;
  rc = sqlite3_prepare_v2(connection->db, "SELECT count(*) FROM sqlite_master", -1, &probe, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(probe);
  sqlite3_finalize(probe);
  if (rc != SQLITE_ROW) fail(ErrorCode::kSql, "cannot read database {}: {}", path_.string(), sqlite3_errmsg(connection->db));
  return connection;
}

void SqlSandbox::release(std::unique_ptr<Connection> connection) const {
  std::lock_guard lock(pool_mutex_);
  pool_.push_back(std::move(connection));
}

QueryOutcome SqlSandbox::run(std::string_view sql) const {
  QueryOutcome outcome;
  std::unique_ptr<Connection> connection;
  try {
    connection = acquire();
  } catch (const Error& e) {
    outcome.status = QueryStatus::kSqlError;
    outcome.error = e.what();
    return outcome;
  }
  sqlite3* db = connection->db;
  connection->deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(limits_.timeout_seconds));
  connection->timed_out = false;
  std::pair<Clock::time_point*, std::atomic<bool>*> holder{&connection->deadline, &connection->timed_out};
  sqlite3_progress_handler(db, 1000, progress_callback, &holder);

  const std::string text(sql);
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, text.c_str(), static_cast<int>(text.size()), &statement, &tail);
  auto finish = [&](QueryStatus status, std::string message) {
    outcome.status = status;
    outcome.error = std::move(message);
    if (status != QueryStatus::kOk) outcome.result.rows.clear();
  };
  if (rc != SQLITE_OK) {
    if (rc == SQLITE_AUTH) finish(QueryStatus::kRefused, fmt::format("not allowed in the read-only sandbox: {}", sqlite3_errmsg(db)));
    else if (connection->timed_out) finish(QueryStatus::kTimeout, fmt::format("query stopped after {} s", limits_.timeout_seconds));
    else finish(QueryStatus::kSqlError, sqlite3_errmsg(db));
  } else if (statement == nullptr) {
    finish(QueryStatus::kEmpty, "no SQL statement");
  } else if (!only_whitespace_and_comments(tail)) {
    finish(QueryStatus::kMultipleStatements, "You can only execute one statement at a time.");
  } else if (!sqlite3_stmt_readonly(statement)) {
    finish(QueryStatus::kRefused, "not allowed in the read-only sandbox: the statement writes");
  } else {
    const int columns = sqlite3_column_count(statement);
    for (int c = 0; c < columns; ++c) {
      const char* name = sqlite3_column_name(statement, c);
      outcome.result.columns.emplace_back(name ? name : "");
    }
    while (true) {
      rc = sqlite3_step(statement);
      if (rc == SQLITE_ROW) {
        if (static_cast<int64_t>(outcome.result.rows.size()) >= limits_.max_rows) {
          finish(QueryStatus::kRowLimit, fmt::format("query returned more than {} rows", limits_.max_rows));
          break;
        }
        std::vector<SqlValue> row;
        row.reserve(static_cast<size_t>(columns));
        for (int c = 0; c < columns; ++c) row.push_back(read_column(statement, c));
        outcome.result.rows.push_back(std::move(row));
      } else if (rc == SQLITE_DONE) {
        break;
      } else {
        if (connection->timed_out) finish(QueryStatus::kTimeout, fmt::format("query stopped after {} s", limits_.timeout_seconds));
        else finish(QueryStatus::kSqlError, sqlite3_errmsg(db));
        break;
      }
    }
  }
  sqlite3_finalize(statement);
  sqlite3_progress_handler(db, 0, nullptr, nullptr);
  release(std::move(connection));
  return outcome;
}

}  // namespace t2sql
