#include "sql/sandbox.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
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

// SQLite's heap, counted without a lock. SQLite's own hard heap limit needs its memory statistics,
// and those take one process-wide mutex on every allocation: with two evaluation threads that
// mutex cost ~1,500 context switches and a fifth of the wall time of `t2sql eval`. This allocator
// keeps the same contract (an allocation that would take the heap over the limit fails, and
// SQLite reports SQLITE_NOMEM for that statement) with one atomic counter.
std::atomic<int64_t> heap_used{0};
std::atomic<int64_t> heap_limit{0};  // 0: none yet

void* heap_malloc(int bytes) {
  const int64_t limit = heap_limit.load(std::memory_order_relaxed);
  if (limit > 0 && heap_used.load(std::memory_order_relaxed) + bytes > limit) return nullptr;
  void* block = std::malloc(static_cast<size_t>(bytes));
  if (block) heap_used.fetch_add(static_cast<int64_t>(malloc_usable_size(block)), std::memory_order_relaxed);
  return block;
}

void heap_free(void* block) {
  if (!block) return;
  heap_used.fetch_sub(static_cast<int64_t>(malloc_usable_size(block)), std::memory_order_relaxed);
  std::free(block);
}

void* heap_realloc(void* block, int bytes) {
  const int64_t old_size = static_cast<int64_t>(malloc_usable_size(block));
  const int64_t limit = heap_limit.load(std::memory_order_relaxed);
  if (limit > 0 && heap_used.load(std::memory_order_relaxed) - old_size + bytes > limit) return nullptr;
  void* resized = std::realloc(block, static_cast<size_t>(bytes));
  if (resized)
    heap_used.fetch_add(static_cast<int64_t>(malloc_usable_size(resized)) - old_size, std::memory_order_relaxed);
  return resized;  // on failure the old block stays valid and counted, as realloc leaves it
}

int heap_size(void* block) { return static_cast<int>(malloc_usable_size(block)); }
int heap_roundup(int bytes) { return (bytes + 7) & ~7; }
int heap_init(void*) { return SQLITE_OK; }
void heap_shutdown(void*) {}

// Installs the counting allocator once, before SQLite initializes. When something in the process
// initialized SQLite first (sqlite3_config then answers SQLITE_MISUSE), SQLite's own hard heap
// limit serves instead.
bool counting_allocator_installed() {
  static const bool installed = [] {
    static const sqlite3_mem_methods methods = {heap_malloc, heap_free, heap_realloc, heap_size,
                                                heap_roundup, heap_init, heap_shutdown, nullptr};
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &methods) != SQLITE_OK) return false;
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  return installed;
}

// The limit is process-wide: the largest any sandbox asked for.
void raise_heap_limit(int64_t bytes) {
  if (counting_allocator_installed()) {
    int64_t current = heap_limit.load();
    while (current < bytes && !heap_limit.compare_exchange_weak(current, bytes)) {
    }
    return;
  }
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

struct SqlSandbox::Cursor::State {
  const SqlSandbox* sandbox = nullptr;
  std::unique_ptr<Connection> connection;
  sqlite3_stmt* statement = nullptr;
  std::pair<Clock::time_point*, std::atomic<bool>*> holder{nullptr, nullptr};
  ~State() {
    if (statement) sqlite3_finalize(statement);
    if (connection) {
      sqlite3_progress_handler(connection->db, 0, nullptr, nullptr);
      sandbox->release(std::move(connection));
    }
  }
};

SqlSandbox::Cursor::Cursor(std::unique_ptr<State> state) : state_(std::move(state)) {}
SqlSandbox::Cursor::Cursor(Cursor&&) noexcept = default;
SqlSandbox::Cursor::~Cursor() = default;

void SqlSandbox::Cursor::finish(QueryStatus status, std::string message) {
  status_ = status;
  error_ = std::move(message);
  done_ = true;
  row_.clear();
  if (state_ && state_->statement) {
    sqlite3_finalize(state_->statement);
    state_->statement = nullptr;
  }
}

bool SqlSandbox::Cursor::next() {
  if (done_ || !state_ || !state_->statement) return false;
  sqlite3_stmt* statement = state_->statement;
  const int rc = sqlite3_step(statement);
  if (rc == SQLITE_ROW) {
    if (rows_read_ >= state_->sandbox->limits_.max_rows) {
      finish(QueryStatus::kRowLimit, fmt::format("query returned more than {} rows", state_->sandbox->limits_.max_rows));
      return false;
    }
    ++rows_read_;
    const int count = static_cast<int>(columns_.size());
    row_.resize(static_cast<size_t>(count));
    for (int c = 0; c < count; ++c) row_[static_cast<size_t>(c)] = read_column(statement, c);
    return true;
  }
  if (rc == SQLITE_DONE) {
    done_ = true;
    row_.clear();
    return false;
  }
  if (state_->connection->timed_out) finish(QueryStatus::kTimeout, fmt::format("query stopped after {} s", state_->sandbox->limits_.timeout_seconds));
  else finish(QueryStatus::kSqlError, sqlite3_errmsg(state_->connection->db));
  return false;
}

SqlSandbox::Cursor SqlSandbox::open(std::string_view sql) const {
  auto state = std::make_unique<Cursor::State>();
  state->sandbox = this;
  try {
    state->connection = acquire();
  } catch (const Error& e) {
    state->sandbox = this;
    Cursor cursor(std::move(state));
    cursor.finish(QueryStatus::kSqlError, e.what());
    return cursor;
  }
  Connection& connection = *state->connection;
  sqlite3* db = connection.db;
  connection.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(limits_.timeout_seconds));
  connection.timed_out = false;
  state->holder = {&connection.deadline, &connection.timed_out};
  sqlite3_progress_handler(db, 1000, progress_callback, &state->holder);

  const std::string text(sql);
  const char* tail = nullptr;
  int rc = sqlite3_prepare_v2(db, text.c_str(), static_cast<int>(text.size()), &state->statement, &tail);
  const bool single = rc == SQLITE_OK && state->statement != nullptr && only_whitespace_and_comments(tail);
  const bool writes = single && !sqlite3_stmt_readonly(state->statement);
  std::string message = rc != SQLITE_OK ? sqlite3_errmsg(db) : "";
  const bool timed_out = connection.timed_out;
  Cursor cursor(std::move(state));
  if (rc != SQLITE_OK) {
    // A denied function (load_extension) comes back as SQLITE_ERROR "not authorized to use function".
    if (rc == SQLITE_AUTH || message.rfind("not authorized", 0) == 0) cursor.finish(QueryStatus::kRefused, fmt::format("not allowed in the read-only sandbox: {}", message));
    else if (timed_out) cursor.finish(QueryStatus::kTimeout, fmt::format("query stopped after {} s", limits_.timeout_seconds));
    else cursor.finish(QueryStatus::kSqlError, message);
  } else if (cursor.state_->statement == nullptr) {
    cursor.finish(QueryStatus::kEmpty, "no SQL statement");
  } else if (!single) {
    cursor.finish(QueryStatus::kMultipleStatements, "You can only execute one statement at a time.");
  } else if (writes) {
    cursor.finish(QueryStatus::kRefused, "not allowed in the read-only sandbox: the statement writes");
  } else {
    const int columns = sqlite3_column_count(cursor.state_->statement);
    for (int c = 0; c < columns; ++c) {
      const char* name = sqlite3_column_name(cursor.state_->statement, c);
      cursor.columns_.emplace_back(name ? name : "");
    }
  }
  return cursor;
}

QueryOutcome SqlSandbox::run(std::string_view sql) const {
  QueryOutcome outcome;
  Cursor cursor = open(sql);
  outcome.result.columns = cursor.columns();
  while (cursor.next()) outcome.result.rows.push_back(cursor.row());
  outcome.status = cursor.status();
  outcome.error = cursor.error();
  if (!outcome.ok()) outcome.result.rows.clear();
  return outcome;
}

}  // namespace t2sql
