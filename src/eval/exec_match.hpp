// Execution match: run the predicted and the gold query on the example's database (through the
// read-only SqlSandbox) and compare the results by one of three rules.
#pragma once

#include <string>
#include <string_view>

#include "sql/sandbox.hpp"
#include "sql/spider_sql.hpp"

namespace t2sql::eval {

enum class ExecRule {
  kOfficial,   // evaluation.py eval_exec_match: columns keyed by select val_unit, row order matters
  kSeed,       // the reference pipeline's rule (0 / 0.3 / 0.5 / 1, column permutations)
};

struct ExecOutcome {
  double score = 0.0;
  std::string reason;  // why the score is 0 when a query failed; empty otherwise
};

// Python's `a == b` for two values fetched by sqlite3 (int and float compare by value).
bool python_values_equal(const SqlValue& a, const SqlValue& b);

// Official rule. `pred_sql` / `gold_sql` are the rebuilt queries (their select lists give the
// keys); `pred_text` / `gold_text` are executed as written.
ExecOutcome official_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                                const spider::SpiderSql& pred_sql, const spider::SpiderSql& gold_sql);

// Seed rule: all rows of both; equal row lists score 1 (0.5 when both are empty); otherwise 1
// if some permutation of the prediction's columns makes them equal (up to 8 columns); a
// prediction that fails scores 0.3 when its text equals the gold's, else 0; a gold that fails
// scores 1.
ExecOutcome seed_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text);

}  // namespace t2sql::eval
