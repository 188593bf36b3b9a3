// SqlSandbox: the only way t2sql runs SQL it did not write itself (model output, user files).
//
// Contract:
//  - the database is opened read-only and immutable (`file:...?mode=ro&immutable=1`), extension
//    loading is off and SQLITE_DBCONFIG_DEFENSIVE is on;
//  - an authorizer allows reading only: SELECT, reads, functions (never load_extension), recursive
//    CTEs and a whitelist of read-only PRAGMAs; ATTACH/DETACH, writes, DDL and transactions are refused;
//  - every query runs under a wall-clock limit (progress handler), a row limit and SQLite's
//    process-wide heap limit;
//  - exactly one statement per call (like Python's sqlite3, a second statement is an error);
//  - failures come back as values (QueryOutcome::error) carrying SQLite's own message; nothing throws
//    except opening a database that does not exist.
// Thread safety: run() may be called from several threads at once; each call borrows its own
// connection from a small pool, so queries on one database run in parallel.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

struct sqlite3;

namespace t2sql {

struct SqlBlob {
  std::string bytes;
  bool operator==(const SqlBlob&) const = default;
};

// One cell: NULL, INTEGER, REAL, TEXT or BLOB, as SQLite typed it.
using SqlValue = std::variant<std::monostate, int64_t, double, std::string, SqlBlob>;

// Renders a value the way a person reads it (NULL, 3, 2.5, text, x'0a0b').
std::string sql_value_to_string(const SqlValue& value);

struct SandboxLimits {
  double timeout_seconds = 30.0;             // per query, wall clock
  int64_t max_rows = 1'000'000;              // rows fetched before the query is stopped
  int64_t heap_limit_bytes = 2LL << 30;      // SQLite's hard heap limit (process-wide, max of all sandboxes)
};

enum class QueryStatus {
  kOk,
  kSqlError,      // SQLite rejected or failed the statement (syntax, no such table, ...)
  kRefused,       // the authorizer refused an operation (write, ATTACH, pragma, ...)
  kTimeout,       // the time limit was hit
  kRowLimit,      // more rows than max_rows
  kMultipleStatements,
  kEmpty,         // no statement at all
};

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlValue>> rows;
};

struct QueryOutcome {
  QueryStatus status = QueryStatus::kOk;
  std::string error;  // SQLite's message (or ours for limits); empty when ok
  QueryResult result;
  bool ok() const { return status == QueryStatus::kOk; }
};

class SqlSandbox {
 public:
  // Opens `database` read-only. Throws Error(kNotFound) when the file does not exist and
  // Error(kSql) when it is not a SQLite database.
  explicit SqlSandbox(std::filesystem::path database, SandboxLimits limits = {});
  ~SqlSandbox();
  SqlSandbox(const SqlSandbox&) = delete;
  SqlSandbox& operator=(const SqlSandbox&) = delete;

  QueryOutcome run(std::string_view sql) const;

  // A query being read row by row, for callers that may stop early (the evaluator compares two
  // results in lockstep and stops at the first difference). Holds a pooled connection until it
  // is destroyed; the same limits and checks as run() apply.
  class Cursor {
   public:
    ~Cursor();
    Cursor(Cursor&&) noexcept;
    Cursor& operator=(Cursor&&) = delete;
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;

    // Reads the next row into row(); false at the end or on failure (status() tells which).
    bool next();
    const std::vector<SqlValue>& row() const { return row_; }
    const std::vector<std::string>& columns() const { return columns_; }
    QueryStatus status() const { return status_; }
    const std::string& error() const { return error_; }
    bool ok() const { return status_ == QueryStatus::kOk; }
    bool done() const { return done_; }  // the end was reached (or a failure ended it)

   private:
    friend class SqlSandbox;
    struct State;
    explicit Cursor(std::unique_ptr<State> state);
    void finish(QueryStatus status, std::string message);
    std::unique_ptr<State> state_;
    std::vector<SqlValue> row_;
    std::vector<std::string> columns_;
    QueryStatus status_ = QueryStatus::kOk;
    std::string error_;
    bool done_ = false;
    int64_t rows_read_ = 0;
  };
  // Prepares `sql` (one statement) and returns a cursor before its first row. Failures to
  // prepare come back in the cursor's status, nothing throws.
  Cursor open(std::string_view sql) const;

  const std::filesystem::path& path() const { return path_; }
  const SandboxLimits& limits() const { return limits_; }

 private:
  struct Connection;
  std::unique_ptr<Connection> acquire() const;
  void release(std::unique_ptr<Connection> connection) const;

  std::filesystem::path path_;
  SandboxLimits limits_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Connection>> pool_;
};

}  // namespace t2sql
