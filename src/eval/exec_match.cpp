#include "eval/exec_match.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <vector>

#include "sql/sql_lexer.hpp"

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

bool is_word(const SqlToken& token, std::string_view word) {
  return token.kind == SqlTokenKind::kWord && iequals(token.text, word);
}

bool is_punctuation(const SqlToken& token, std::string_view text) {
  return token.kind == SqlTokenKind::kPunctuation && token.text == text;
}

// True when `token` can end an ORDER BY term: a name, literal or `)` — not a keyword that needs
// an operand after it (so `ORDER BY NOT asc` or `COLLATE asc` keep a column or collation "asc").
bool ends_term(const SqlToken& token) {
  if (token.kind == SqlTokenKind::kPunctuation) return token.text == ")";
  if (token.kind != SqlTokenKind::kWord) return true;
  for (std::string_view keyword : {"not", "and", "or", "is", "in", "like", "glob", "match", "regexp", "between",
                                   "then", "else", "when", "case", "collate", "by", "escape", "distinct", "all",
                                   "select", "where", "on", "having", "exists", "cast", "as", "from", "desc", "asc"})
    if (iequals(token.text, keyword)) return false;
  return true;
}

// The tokens that decide what a query returns. An `ASC` that closes an ORDER BY term is left
// out: it is SQLite's default, so `ORDER BY x ASC` and `ORDER BY x` give the same rows. A term
// is recognised by an ORDER BY earlier at the same parenthesis depth, a term-ending token before
// the ASC and a clause boundary after it.
std::vector<const SqlToken*> result_tokens(const std::vector<SqlToken>& tokens) {
  std::vector<const SqlToken*> kept;
  kept.reserve(tokens.size());
  std::vector<bool> in_order_by{false};  // per parenthesis depth
  for (size_t i = 0; i < tokens.size(); ++i) {
    const SqlToken& token = tokens[i];
    if (is_punctuation(token, "(")) {
      in_order_by.push_back(false);
    } else if (is_punctuation(token, ")")) {
      if (in_order_by.size() > 1) in_order_by.pop_back();
    } else if (is_word(token, "by") && i > 0 && is_word(tokens[i - 1], "order")) {
      in_order_by.back() = true;
    } else if (is_punctuation(token, ";") || is_word(token, "limit") || is_word(token, "union") ||
               is_word(token, "intersect") || is_word(token, "except")) {
      in_order_by.back() = false;
    } else if (is_word(token, "asc") && in_order_by.back() && i > 0 && ends_term(tokens[i - 1])) {
      const SqlToken* next = i + 1 < tokens.size() ? &tokens[i + 1] : nullptr;
      if (next == nullptr || is_punctuation(*next, ",") || is_punctuation(*next, ")") || is_punctuation(*next, ";") ||
          is_word(*next, "limit") || is_word(*next, "nulls") || is_word(*next, "union") ||
          is_word(*next, "intersect") || is_word(*next, "except"))
        continue;
    }
    kept.push_back(&token);
  }
  return kept;
}

}  // namespace

bool same_query_result_tokens(std::string_view a, std::string_view b) {
  if (a == b) return true;
  SqlLexResult x = lex_sql(a), y = lex_sql(b);
  if (!x.invalid_offsets.empty() || !y.invalid_offsets.empty() || x.unterminated_comment || y.unterminated_comment) return false;
  const std::vector<const SqlToken*> xs = result_tokens(x.tokens), ys = result_tokens(y.tokens);
  if (xs.size() != ys.size()) return false;
  for (size_t i = 0; i < xs.size(); ++i) {
    const SqlToken& s = *xs[i];
    const SqlToken& t = *ys[i];
    if (s.kind != t.kind) return false;
    // An unterminated string or quoted name only matches byte for byte (above). A word or number
    // touching the end is "incomplete" only for a prefix checker; here the text is whole.
    const bool open_quote = s.kind == SqlTokenKind::kString || s.kind == SqlTokenKind::kQuotedName;
    if (open_quote && (!s.complete || !t.complete)) return false;
    if (s.kind == SqlTokenKind::kWord ? !iequals(s.text, t.text) : s.text != t.text) return false;
  }
  return true;
}

namespace {

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

namespace {

// Rows of one query, from the cache or read live; a fully read, successful result is cached.
class RowSource {
 public:
  RowSource(const SqlSandbox& database, std::string_view sql, QueryCache* cache) : sql_(sql), cache_(cache) {
    if (cache_ && QueryCache::cacheable(sql)) cached_ = cache_->find(sql);
    else cache_ = nullptr;
    if (!cached_) cursor_.emplace(database.open(sql));
  }
  size_t column_count() const { return cached_ ? cached_->result.columns.size() : cursor_->columns().size(); }
  bool next() {
    if (cached_) {
      if (!cached_->ok() || position_ >= cached_->result.rows.size()) return false;
      current_ = &cached_->result.rows[position_++];
      return true;
    }
    if (!cursor_->next()) {
      if (cache_ && cursor_->ok()) {
        auto outcome = std::make_shared<QueryOutcome>();
        outcome->result.columns = cursor_->columns();
        outcome->result.rows = std::move(rows_);
        cache_->store(sql_, std::move(outcome));
      }
      return false;
    }
    if (cache_) {
      rows_.push_back(cursor_->row());
      current_ = &rows_.back();
    } else {
      current_ = &cursor_->row();
    }
    return true;
  }
  const std::vector<SqlValue>& row() const { return *current_; }
  bool ok() const { return cached_ ? cached_->ok() : cursor_->ok(); }
  const std::string& error() const { return cached_ ? cached_->error : cursor_->error(); }
  // Reads everything (for rules that need the whole result).
  QueryOutcome read_all() {
    QueryOutcome outcome;
    outcome.result.columns.resize(column_count());
    while (next()) outcome.result.rows.push_back(row());
    outcome.status = cached_ ? cached_->status : cursor_->status();
    outcome.error = error();
    if (!outcome.ok()) outcome.result.rows.clear();
    return outcome;
  }

 private:
  std::string sql_;
  QueryCache* cache_;
  std::shared_ptr<const QueryOutcome> cached_;
  std::optional<SqlSandbox::Cursor> cursor_;
  size_t position_ = 0;
  std::vector<std::vector<SqlValue>> rows_;
  const std::vector<SqlValue>* current_ = nullptr;
};

std::string source_failure(std::string_view which, const RowSource& source) {
  return fmt::format("{} query failed to execute: {}", which, source.error());
}

}  // namespace

std::shared_ptr<const QueryOutcome> QueryCache::find(std::string_view sql) const {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(std::string(sql));
  return found == entries_.end() ? nullptr : found->second;
}

void QueryCache::store(std::string_view sql, std::shared_ptr<const QueryOutcome> outcome) {
  std::lock_guard lock(mutex_);
  entries_.emplace(std::string(sql), std::move(outcome));
}

bool QueryCache::cacheable(std::string_view sql) {
  std::string lower(sql);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* volatile_word : {"random", "now", "current_"})
    if (lower.find(volatile_word) != std::string::npos) return false;
  return true;
}

ExecOutcome official_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                                const spider::SpiderSql& pred_sql, const spider::SpiderSql& gold_sql,
                                QueryCache* cache) {
  ExecOutcome outcome;
  // res_map keys: the select val_units (aggregation not included); a repeated key keeps its
  // last column, so max(x), min(x) share one key.
  struct Column {
    spider::ValUnit key;
    size_t index;
  };
  auto key_map = [](const spider::SpiderSql& sql) {
    std::vector<Column> map;
    for (size_t i = 0; i < sql.select.size(); ++i) {
      const spider::ValUnit& key = sql.select[i].val_unit;
      auto found = std::find_if(map.begin(), map.end(), [&](const Column& c) { return c.key == key; });
      if (found != map.end()) found->index = i;
      else map.push_back({key, i});
    }
    return map;
  };
  const std::vector<Column> pred_map = key_map(pred_sql), gold_map = key_map(gold_sql);
  std::vector<std::pair<size_t, size_t>> pairs;  // (pred column, gold column) per key
  for (const Column& column : pred_map) {
    auto found = std::find_if(gold_map.begin(), gold_map.end(), [&](const Column& c) { return c.key == column.key; });
    if (found == gold_map.end()) break;
    pairs.emplace_back(column.index, found->index);
  }
  if (pairs.size() != pred_map.size() || pred_map.size() != gold_map.size()) {
    outcome.reason = "the select lists differ (official rule: results keyed by select item)";
    return outcome;
  }
  size_t pred_width_needed = 0, gold_width_needed = 0;
  for (const auto& [p, g] : pairs) {
    pred_width_needed = std::max(pred_width_needed, p + 1);
    gold_width_needed = std::max(gold_width_needed, g + 1);
  }
  if (same_query_result_tokens(pred_text, gold_text)) {
    // One query, one parse, one result: the maps are equal whenever the query runs.
    RowSource only(database, gold_text, cache);
    while (only.next()) {
      if (only.row().size() < std::max(pred_width_needed, gold_width_needed)) {
        outcome.reason = "a select list has more items than its result has columns";
        return outcome;
      }
    }
    if (!only.ok()) {
      outcome.reason = source_failure("predicted", only);
      return outcome;
    }
    outcome.score = 1.0;
    return outcome;
  }
  RowSource pred(database, pred_text, cache);
  RowSource gold(database, gold_text, cache);
  // The official code reads both results whole: a prediction that fails anywhere scores 0.
  while (true) {
    const bool has_pred = pred.next();
    const bool has_gold = gold.next();
    if (has_pred && has_gold) {
      if (pred.row().size() < pred_width_needed || gold.row().size() < gold_width_needed) {
        outcome.reason = "a select list has more items than its result has columns";
        return outcome;
      }
      for (const auto& [p, g] : pairs)
        if (!python_values_equal(pred.row()[p], gold.row()[g])) return outcome;
      continue;
    }
    // At least one ended: drain nothing more; decide.
    if (!has_pred && !pred.ok()) {
      outcome.reason = source_failure("predicted", pred);
      return outcome;
    }
    if (!has_gold && !gold.ok()) {
      outcome.reason = source_failure("gold", gold);  // the official script stops with an exception
      return outcome;
    }
    if (has_pred != has_gold) {
      if (pairs.empty()) {
        // {} == {}: only success of both matters; read the longer one to its end.
        RowSource& rest = has_pred ? pred : gold;
        while (rest.next()) {}
        if (!rest.ok()) {
          outcome.reason = source_failure(has_pred ? "predicted" : "gold", rest);
          return outcome;
        }
        outcome.score = 1.0;
      }
      return outcome;  // different row counts
    }
    outcome.score = 1.0;
    return outcome;
  }
}

ExecOutcome seed_exec_match(const SqlSandbox& database, std::string_view pred_text, std::string_view gold_text,
                            QueryCache* cache) {
  ExecOutcome outcome;
  // The prediction runs first: when it fails, the gold is not consulted.
  const QueryOutcome pred = RowSource(database, pred_text, cache).read_all();
  if (!pred.ok()) {
    outcome.score = pred_text == gold_text ? 0.3 : 0.0;
    outcome.reason = failure("predicted", pred);
    return outcome;
  }
  const QueryOutcome gold = RowSource(database, gold_text, cache).read_all();
  if (!gold.ok()) {
    outcome.score = 1.0;
    outcome.reason = failure("gold", gold);
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
