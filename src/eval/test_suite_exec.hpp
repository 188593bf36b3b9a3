// The execution comparison of the test-suite evaluator (Zhong et al. 2020, `exec_eval.py` of
// taoyds/test-suite-sql-eval) on one database: results compared as bags of rows, tolerant to a
// permutation of the columns, row order compared only when the gold has ORDER BY, DISTINCT
// dropped from both queries unless kept, and with --plug-value the gold's values tried in the
// prediction's value slots (parse.py's get_all_preds_for_execution).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/exec_match.hpp"
#include "sql/sandbox.hpp"

namespace t2sql::eval {

// parse.remove_distinct: the first sqlparse statement (up to and including the first top-level
// ";"), without the tokens spelled "distinct" (any case). nullopt where sqlparse finds no
// statement (blank text), where the official code raises IndexError.
std::optional<std::string> test_suite_remove_distinct(std::string_view sql);

// parse.extract_query_values: the query's tokens with every value replaced by "valuerare"
// (lower-cased), and the set of values (string literals with their quotes, numbers).
struct QueryValues {
  std::vector<std::string> tokens;
  std::vector<std::string> values;  // distinct, in first-seen order
};
QueryValues test_suite_extract_values(std::string_view sql);

// exec_eval.result_eq(result1, result2, order_matters).
bool test_suite_result_eq(const std::vector<std::vector<SqlValue>>& result1,
                          const std::vector<std::vector<SqlValue>>& result2, bool order_matters);

// The test-suite verdict for one example on one database, with the evaluation loop's
// `pred.replace("value", "1")` and exec_eval's `postprocess` applied first.
ExecOutcome test_suite_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                                  bool keep_distinct, bool plug_value, QueryCache* cache = nullptr);

// At most this many value-plugged variants of one prediction are tried (the official code tries
// all |gold values| ^ |slots| of them).
inline constexpr size_t kMaxPluggedVariants = 20000;

}  // namespace t2sql::eval
