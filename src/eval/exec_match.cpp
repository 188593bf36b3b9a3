#include "eval/exec_match.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace t2sql::eval {
namespace {

using Rows = std::vector<std::vector<SqlValue>>;

bool int_equals_double(int64_t i, double d) {
  if (!std::isfinite(d)) return false;
  if (d != std::trunc(d)) return false;
  if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
  return static_cast<int64_t>(d) == i;
}

bool rows_equal(const Rows& a, const Rows& b) {
  if (a.size() != b.size()) return false;
  for (size_t r = 0; r < a.size(); ++r) {
    if (a[r].size() != b[r].size()) return false;
    for (size_t c = 0; c < a[r].size(); ++c)
      if (!python_values_equal(a[r][c], b[r][c])) return false;
  }
  return true;
}

std::string failure(std::string_view which, const QueryOutcome& outcome) {
  return fmt::format("{} query failed to execute: {}", which, outcome.error);
}

}  // namespace

bool python_values_equal(const SqlValue& a, const SqlValue& b) {
  if (const auto* ai = std::get_if<int64_t>(&a)) {
    if (const auto* bi = std::get_if<int64_t>(&b)) return *ai == *bi;
    if (const auto* bd = std::get_if<double>(&b)) return int_equals_double(*ai, *bd);
    return false;
  }
  if (const auto* ad = std::get_if<double>(&a)) {
    if (const auto* bd = std::get_if<double>(&b)) return *ad == *bd;
    if (const auto* bi = std::get_if<int64_t>(&b)) return int_equals_double(*bi, *ad);
    return false;
  }
  return a == b;
}

ExecOutcome official_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                                const spider::SpiderSql& pred_sql, const spider::SpiderSql& gold_sql) {
  ExecOutcome outcome;
  const QueryOutcome pred = database.run(pred_text);
  if (!pred.ok()) {
    outcome.reason = failure("predicted", pred);
    return outcome;
  }
  const QueryOutcome gold = database.run(gold_text);
  if (!gold.ok()) {
    outcome.reason = failure("gold", gold);  // the official script stops here with an exception
    return outcome;
  }
  // res_map: select val_unit -> that column's values in row order; a repeated key keeps the
  // last column (so max(x), min(x) share one key).
  struct Column {
    spider::ValUnit key;
    size_t index;
  };
  auto result_map = [](const spider::SpiderSql& sql, const QueryResult& result, std::vector<Column>& map) {
    for (size_t i = 0; i < sql.select.size(); ++i) {
      const spider::ValUnit& key = sql.select[i].val_unit;
      if (!result.rows.empty() && i >= result.rows.front().size()) return false;  // Python IndexError
      auto found = std::find_if(map.begin(), map.end(), [&](const Column& c) { return c.key == key; });
      if (found != map.end()) found->index = i;
      else map.push_back({key, i});
    }
    return true;
  };
  std::vector<Column> pred_map, gold_map;
  if (!result_map(pred_sql, pred.result, pred_map) || !result_map(gold_sql, gold.result, gold_map)) {
    outcome.reason = "a select list has more items than its result has columns";
    return outcome;
  }
  if (pred_map.size() != gold_map.size()) return outcome;
  if (!pred_map.empty() && pred.result.rows.size() != gold.result.rows.size()) return outcome;
  for (const Column& column : pred_map) {
    auto found = std::find_if(gold_map.begin(), gold_map.end(), [&](const Column& c) { return c.key == column.key; });
    if (found == gold_map.end()) return outcome;
    for (size_t r = 0; r < pred.result.rows.size(); ++r)
      if (!python_values_equal(pred.result.rows[r][column.index], gold.result.rows[r][found->index])) return outcome;
  }
  outcome.score = 1.0;
  return outcome;
}

ExecOutcome seed_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text) {
  ExecOutcome outcome;
  const QueryOutcome gold = database.run(gold_text);
  if (!gold.ok()) {
    outcome.score = 1.0;
    outcome.reason = failure("gold", gold);
    return outcome;
  }
  const QueryOutcome pred = database.run(pred_text);
  if (!pred.ok()) {
    outcome.score = pred_text == gold_text ? 0.3 : 0.0;
    outcome.reason = failure("predicted", pred);
    return outcome;
  }
  const Rows& p = pred.result.rows;
  const Rows& g = gold.result.rows;
  if (rows_equal(p, g)) {
    outcome.score = (p.empty() && g.empty()) ? 0.5 : 1.0;
    return outcome;
  }
  const size_t columns = pred.result.columns.size();
  if (columns != gold.result.columns.size() || columns > 8 || p.size() != g.size()) return outcome;
  std::vector<size_t> order(columns);
  std::iota(order.begin(), order.end(), 0);
  Rows permuted = p;
  while (std::next_permutation(order.begin(), order.end())) {
    for (size_t r = 0; r < p.size(); ++r)
      for (size_t c = 0; c < columns; ++c) permuted[r][c] = p[r][order[c]];
    if (rows_equal(permuted, g)) {
      outcome.score = 1.0;
      return outcome;
    }
  }
  return outcome;
}

}  // namespace t2sql::eval
