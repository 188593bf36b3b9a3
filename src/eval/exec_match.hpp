// Execution match: run the predicted and the gold query on the example's database (through the
// read-only SqlSandbox) and compare the results by one of three rules.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sql/sandbox.hpp"
#include "sql/spider_sql.hpp"

namespace t2sql::eval {

enum class ExecRule {
  kOfficial,   // evaluation.py eval_exec_match: columns keyed by select val_unit, row order matters
  kSeed,       // the reference pipeline's rule (0 / 0.3 / 0.5 / 1, column permutations)
  kTestSuite,  // test-suite exec_eval.py on the one database (see test_suite_exec.hpp)
};

struct ExecOutcome {
  double score = 0.0;
  std::string reason;  // why the score is 0 when a query failed; empty otherwise
};

// Complete results of queries already run on one database, by query text, shared by threads.
// The databases are read-only, so a query gives the same rows every time; texts that may not
// (random(), 'now', current_date/time/timestamp) are never cached.
class QueryCache {
 public:
  std::shared_ptr<const QueryOutcome> find(std::string_view sql) const;
  void store(std::string_view sql, std::shared_ptr<const QueryOutcome> outcome);
  static bool cacheable(std::string_view sql);

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const QueryOutcome>> entries_;
};

// True when the two texts are the same query token for token, so they return the same rows:
// keywords and bare identifiers compared without case (SQLite's rule), strings, quoted names and
// numbers byte for byte, whitespace and comments ignored, and an `ASC` closing an ORDER BY term
// ignored (the default order). Semicolons count: Python's sqlite3 refuses "...;;" (a second
// statement), so the official verdict depends on them. Such a pair needs one execution. Texts
// with bytes the lexer rejects only match when identical.
bool same_query_result_tokens(std::string_view a, std::string_view b);

// Python's `a == b` for two values fetched by sqlite3 (int and float compare by value).
bool python_values_equal(const SqlValue& a, const SqlValue& b);

// Official rule. `pred_sql` / `gold_sql` are the rebuilt queries (their select lists give the
// keys); `pred_text` / `gold_text` are executed as written.
// The official verdict is computed without running what cannot change it: when the two select
// lists give different key sets the answer is 0 whatever the rows; otherwise both queries are
// read in lockstep and reading stops at the first row that differs. `cache` may be null.
ExecOutcome official_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                                const spider::SpiderSql& pred_sql, const spider::SpiderSql& gold_sql,
                                QueryCache* cache = nullptr);

// Seed rule: a prediction that fails scores 0.3 when its text equals the gold's, else 0; then a
// gold that fails scores 1; otherwise all rows of both are compared: equal row lists score 1
// (0.5 when both are empty), else 1 if some permutation of the prediction's columns makes them
// equal (tried up to 8 columns), else 0.
ExecOutcome seed_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                            QueryCache* cache = nullptr);

}  // namespace t2sql::eval
