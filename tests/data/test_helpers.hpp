// Shared helpers for the data module's tests: temporary folders, small SQLite files, prep options.
#pragma once

#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "data/sft_prep.hpp"

namespace t2sql::testing_support {

// Runs `action` and returns the message of the t2sql::Error it throws ("" when it throws none);
// stores the error's code in `code` when given.
inline std::string error_of(const std::function<void()>& action, ErrorCode* code = nullptr) {
  try {
    action();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  return "";
}

// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "t2sql-data-test-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Creates a SQLite file at `path` by running `sql` (test setup only: trusted SQL).
inline void make_sqlite_file(const std::filesystem::path& path, const std::string& sql) {
  std::filesystem::create_directories(path.parent_path());
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK)
    throw std::runtime_error("cannot create " + path.string());
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  std::string error = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error("setup SQL failed: " + error);
}

// `t2sql data prep` options of the default model's data: compact schema, the folded user turn,
// `num_train` Spider examples (0: only augmentation), no progress bar.
inline PrepOptions compact_prep_options(int64_t num_train) {
  PrepOptions options;
  options.num_train = num_train;
  options.prompt.schema_format = SchemaFormat::kCompact;
  options.prompt.layout.roles = ConversationRoles::kUserOnly;
  options.progress = false;
  return options;
}

inline std::filesystem::path vendored_spider_dir() {
  return std::filesystem::path(T2SQL_TEST_SOURCE_DIR) / "data" / "spider";
}
inline std::filesystem::path fixtures_dir() { return std::filesystem::path(T2SQL_TEST_FIXTURES); }

}  // namespace t2sql::testing_support
