// The read-only sandbox refuses or stops everything that could change a database or run away,
// and leaves the file byte for byte as it was.
#include "sql/sandbox.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/paths.hpp"

namespace t2sql {
namespace {
namespace fs = std::filesystem;

uint64_t fnv1a(const std::string& bytes) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
  return hash;
}

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("t2sql_sandbox_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    db_ = dir_ / "concert_singer.sqlite";
    fs::copy_file(default_spider_dir() / "database" / "concert_singer" / "concert_singer.sqlite", db_);
    checksum_ = fnv1a(read_file(db_));
  }
  void TearDown() override {
    EXPECT_EQ(fnv1a(read_file(db_)), checksum_) << "the database file changed";
    // No journal, WAL or attached file appeared beside it.
    size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) files += entry.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 1u);
    fs::remove_all(dir_);
  }
  fs::path dir_;
  fs::path db_;
  uint64_t checksum_ = 0;
};

TEST_F(SandboxTest, ReadsRowsWithTypes) {
  SqlSandbox sandbox(db_);
  QueryOutcome outcome = sandbox.run("SELECT count(*), 2.5, 'x', NULL FROM singer");
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  ASSERT_EQ(outcome.result.rows.size(), 1u);
  EXPECT_EQ(std::get<int64_t>(outcome.result.rows[0][0]), 6);
  EXPECT_EQ(std::get<double>(outcome.result.rows[0][1]), 2.5);
  EXPECT_EQ(std::get<std::string>(outcome.result.rows[0][2]), "x");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(outcome.result.rows[0][3]));
}

TEST_F(SandboxTest, RefusesAttach) {
  SqlSandbox sandbox(db_);
  QueryOutcome outcome = sandbox.run("ATTACH DATABASE '" + (dir_ / "other.sqlite").string() + "' AS other");
  EXPECT_EQ(outcome.status, QueryStatus::kRefused) << outcome.error;
}

TEST_F(SandboxTest, RefusesInsertUpdateDelete) {
  SqlSandbox sandbox(db_);
  for (const char* sql : {"INSERT INTO singer (Singer_ID, Name) VALUES (99, 'x')", "UPDATE singer SET Name = 'x'",
                          "DELETE FROM singer"}) {
    QueryOutcome outcome = sandbox.run(sql);
    EXPECT_EQ(outcome.status, QueryStatus::kRefused) << sql << ": " << outcome.error;
  }
  EXPECT_EQ(std::get<int64_t>(sandbox.run("SELECT count(*) FROM singer").result.rows.at(0).at(0)), 6);
}

TEST_F(SandboxTest, RefusesDropAndCreate) {
  SqlSandbox sandbox(db_);
  EXPECT_EQ(sandbox.run("DROP TABLE singer").status, QueryStatus::kRefused);
  EXPECT_EQ(sandbox.run("CREATE TABLE t (x)").status, QueryStatus::kRefused);
  EXPECT_TRUE(sandbox.run("SELECT * FROM singer").ok());
}

TEST_F(SandboxTest, RefusesStateChangingPragmas) {
  SqlSandbox sandbox(db_);
  for (const char* sql : {"PRAGMA writable_schema=1", "PRAGMA writable_schema = ON", "PRAGMA journal_mode=WAL",
                          "PRAGMA user_version=7", "PRAGMA writable_schema"}) {
    QueryOutcome outcome = sandbox.run(sql);
    EXPECT_EQ(outcome.status, QueryStatus::kRefused) << sql << ": " << outcome.error;
  }
  // Reporting pragmas stay available (the evaluator reads columns with them).
  QueryOutcome info = sandbox.run("PRAGMA table_info(singer)");
  ASSERT_TRUE(info.ok()) << info.error;
  EXPECT_EQ(info.result.rows.size(), 7u);
}

TEST_F(SandboxTest, RefusesLoadExtension) {
  SqlSandbox sandbox(db_);
  QueryOutcome outcome = sandbox.run("SELECT load_extension('/lib/x86_64-linux-gnu/libc.so.6')");
  EXPECT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status, QueryStatus::kRefused) << outcome.error;
}

TEST_F(SandboxTest, StopsRunawayRecursiveQuery) {
  SandboxLimits limits;
  limits.timeout_seconds = 0.3;
  SqlSandbox sandbox(db_, limits);
  const auto start = std::chrono::steady_clock::now();
  QueryOutcome outcome =
      sandbox.run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(outcome.status, QueryStatus::kTimeout) << outcome.error;
  EXPECT_LT(seconds, 5.0);
  // The connection is usable afterwards.
  EXPECT_TRUE(sandbox.run("SELECT 1").ok());
}

// The heap limit is process-wide (the largest any sandbox asked for), so a small one is checked in
// a fresh process: the death-test child re-runs this test alone, where this sandbox is the first.
TEST_F(SandboxTest, StopsAQueryAtTheHeapLimit) {
  const std::string big = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2000000) "
                          "SELECT length(group_concat(x)) FROM c";  // a 14 MB string
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        SandboxLimits limits;
        limits.heap_limit_bytes = 8 << 20;
        SqlSandbox sandbox(db_, limits);
        QueryOutcome outcome = sandbox.run(big);
        const bool stopped = outcome.status == QueryStatus::kSqlError &&
                             outcome.error.find("out of memory") != std::string::npos;
        const bool usable = sandbox.run("SELECT count(*) FROM singer").ok();
        std::fprintf(stderr, "status %d: %s\n", static_cast<int>(outcome.status), outcome.error.c_str());
        std::_Exit(stopped && usable ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "out of memory");
  // Under the default limit (2 GiB) the same query runs.
  SqlSandbox sandbox(db_);
  QueryOutcome outcome = sandbox.run(big);
  ASSERT_TRUE(outcome.ok()) << outcome.error;
  EXPECT_EQ(std::get<int64_t>(outcome.result.rows.at(0).at(0)), 14888895);  // 12,888,896 digits and 1,999,999 commas
}

TEST_F(SandboxTest, StopsAtRowLimit) {
  SandboxLimits limits;
  limits.max_rows = 5;
  SqlSandbox sandbox(db_, limits);
  QueryOutcome outcome = sandbox.run("SELECT * FROM singer");  // 6 rows
  EXPECT_EQ(outcome.status, QueryStatus::kRowLimit);
  EXPECT_TRUE(outcome.result.rows.empty());
  EXPECT_TRUE(sandbox.run("SELECT * FROM singer LIMIT 5").ok());
}

TEST_F(SandboxTest, OneStatementPerCallLikePython) {
  SqlSandbox sandbox(db_);
  EXPECT_EQ(sandbox.run("SELECT 1; SELECT 2").status, QueryStatus::kMultipleStatements);
  EXPECT_EQ(sandbox.run("SELECT 1;;").status, QueryStatus::kMultipleStatements);
  EXPECT_EQ(sandbox.run("SELECT 1; ;").status, QueryStatus::kMultipleStatements);
  EXPECT_EQ(sandbox.run("SELECT 1; DROP TABLE singer").status, QueryStatus::kMultipleStatements);
  EXPECT_TRUE(sandbox.run("SELECT 1;").ok());
  EXPECT_TRUE(sandbox.run("SELECT 1; -- trailing comment\n /* and another */ ").ok());
  EXPECT_EQ(sandbox.run("   ").status, QueryStatus::kEmpty);
}

TEST_F(SandboxTest, ReportsSqliteErrors) {
  SqlSandbox sandbox(db_);
  QueryOutcome outcome = sandbox.run("SELECT nope FROM singer");
  EXPECT_EQ(outcome.status, QueryStatus::kSqlError);
  EXPECT_NE(outcome.error.find("no such column"), std::string::npos) << outcome.error;
}

TEST_F(SandboxTest, CursorStopsEarlyAndReturnsItsConnection) {
  SqlSandbox sandbox(db_);
  {
    SqlSandbox::Cursor cursor = sandbox.open("SELECT Name FROM singer ORDER BY Singer_ID");
    ASSERT_TRUE(cursor.next());
    EXPECT_EQ(cursor.columns().size(), 1u);
    EXPECT_FALSE(cursor.done());
  }  // destroyed before the end
  SqlSandbox::Cursor bad = sandbox.open("INSERT INTO singer (Name) VALUES ('x')");
  EXPECT_FALSE(bad.next());
  EXPECT_EQ(bad.status(), QueryStatus::kRefused);
  EXPECT_TRUE(sandbox.run("SELECT count(*) FROM singer").ok());
}

TEST_F(SandboxTest, ParallelQueriesFromThreads) {
  SqlSandbox sandbox(db_);
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        QueryOutcome outcome = sandbox.run("SELECT count(*) FROM singer JOIN singer_in_concert USING (Singer_ID)");
        ok[static_cast<size_t>(t)] += outcome.ok() && std::get<int64_t>(outcome.result.rows[0][0]) == 10;
      }
    });
  for (auto& thread : threads) thread.join();
  for (int count : ok) EXPECT_EQ(count, 50);
}

TEST(Sandbox, MissingFileAndNonDatabaseFailClearly) {
  try {
    SqlSandbox sandbox("/nonexistent/x.sqlite");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.sqlite"), std::string::npos);
  }
  const fs::path text = fs::temp_directory_path() / ("t2sql_not_a_db_" + std::to_string(::getpid()));
  write_file_atomic(text, "this is not a database, just some text long enough to have a header");
  EXPECT_THROW(SqlSandbox{text}, Error);
  fs::remove(text);
}

}  // namespace
}  // namespace t2sql
