#include "sql/spider_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/error.hpp"
#include "sql/sandbox.hpp"
#include "sql/spider_tokenizer.hpp"

namespace t2sql::spider {
namespace {

using Tokens = std::vector<std::string>;

template <size_t N>
int index_in(const std::array<std::string_view, N>& table, std::string_view token) {
  for (size_t i = 0; i < N; ++i)
    if (table[i] == token) return static_cast<int>(i);
  return -1;
}

template <size_t N>
bool is_in(const std::array<std::string_view, N>& table, std::string_view token) {
  return index_in(table, token) >= 0;
}

bool is_clause_end(std::string_view token) {
  return is_in(kClauseKeywords, token) || token == ")" || token == ";";
}

[[noreturn]] void assertion(std::string_view message) {
  fail(ErrorCode::kParse, "AssertionError{}{}", message.empty() ? "" : ": ", message);
}

[[noreturn]] void key_error(std::string_view key) { fail(ErrorCode::kParse, "KeyError: '{}'", key); }

// Python's toks[i] for 0 <= i: IndexError past the end.
const std::string& at(const Tokens& toks, size_t i) {
  if (i >= toks.size()) fail(ErrorCode::kParse, "IndexError: list index out of range");
  return toks[i];
}

// Python's float(text) for a token (no surrounding whitespace): decimal literals with optional
// sign, single underscores between digits, exponent; inf / infinity / nan. Returns nullopt where
// Python raises ValueError.
std::optional<double> python_float(const std::string& text) {
  std::string lowered = python_lower(text);
  std::string_view body = lowered;
  std::string sign;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    sign = std::string(1, body[0]);
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") return sign == "-" ? -HUGE_VAL : HUGE_VAL;
  if (body == "nan") return std::nan("");
  // digitpart: digit (["_"] digit)*
  std::string clean = sign;
  size_t i = 0;
  auto digit_part = [&](bool required) {
    size_t start = i;
    if (i >= body.size() || !std::isdigit(static_cast<unsigned char>(body[i]))) return !required;
    while (i < body.size()) {
      if (std::isdigit(static_cast<unsigned char>(body[i]))) {
        clean.push_back(body[i++]);
      } else if (body[i] == '_' && i + 1 < body.size() && std::isdigit(static_cast<unsigned char>(body[i + 1]))) {
        ++i;
      } else {
        break;
      }
    }
    return i > start;
  };
  const bool integer_digits = digit_part(false) && i > 0;
  bool fraction_digits = false;
  if (i < body.size() && body[i] == '.') {
    clean.push_back('.');
    ++i;
    const size_t before = i;
    digit_part(false);
    fraction_digits = i > before;
  }
  if (!integer_digits && !fraction_digits) return std::nullopt;
  if (i < body.size() && body[i] == 'e') {
    clean.push_back('e');
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) clean.push_back(body[i++]);
    const size_t before = i;
    digit_part(true);
    if (i == before) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  return std::strtod(clean.c_str(), nullptr);
}

// Python's int(text): [sign] digit (["_"] digit)*; returns the canonical decimal text.
std::optional<std::string> python_int(const std::string& text) {
  std::string_view body = text;
  bool negative = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty() || !std::isdigit(static_cast<unsigned char>(body.front())) ||
      !std::isdigit(static_cast<unsigned char>(body.back())))
    return std::nullopt;
  std::string digits;
  for (size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (std::isdigit(static_cast<unsigned char>(c))) digits.push_back(c);
    else if (c == '_' && body[i - 1] != '_') continue;
    else return std::nullopt;
  }
  const size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  if (negative && digits != "0") digits = "-" + digits;
  return digits;
}

class Parser {
 public:
  Parser(const SpiderSchema& schema, const Tokens& toks) : schema_(schema) {
    // scan_alias: every `x as y` anywhere in the query maps y -> x (toks[idx-1] is toks[-1]
    // for a leading "as", a Python negative index).
    for (size_t i = 0; i < toks.size(); ++i) {
      if (toks[i] != "as") continue;
      const std::string& alias = at(toks, i + 1);
      aliases_[alias] = i == 0 ? toks.back() : toks[i - 1];
    }
    // get_tables_with_alias: every table also names itself; an alias equal to a table name fails.
    for (const auto& table : schema.tables()) {
      if (aliases_.count(table.name)) assertion(fmt::format("Alias {} has the same name in table", table.name));
      aliases_[table.name] = table.name;
    }
  }

  std::pair<size_t, SpiderSql> parse_sql(const Tokens& toks, size_t start) {
    bool is_block = false;
    size_t idx = start;
    SpiderSql sql;
    if (at(toks, idx) == "(") {
      is_block = true;
      ++idx;
    }
    // FROM first, to know the default tables of the other clauses.
    std::vector<std::string> default_tables;
    const size_t from_end = parse_from(toks, start, sql, default_tables);
    parse_select(toks, idx, sql, default_tables);
    idx = from_end;
    idx = parse_condition_clause(toks, idx, "where", default_tables, sql.where);
    idx = parse_group_by(toks, idx, default_tables, sql.group_by);
    idx = parse_condition_clause(toks, idx, "having", default_tables, sql.having);
    idx = parse_order_by(toks, idx, default_tables, sql.order_by);
    if (idx < toks.size() && toks[idx] == "limit") {
      idx += 2;
      auto limit = python_int(at(toks, idx - 1));
      if (!limit) fail(ErrorCode::kParse, "ValueError: invalid literal for int() with base 10: '{}'", toks[idx - 1]);
      sql.limit = *limit;
    }
    idx = skip_semicolons(toks, idx);
    if (is_block) {
      if (at(toks, idx) != ")") assertion("");
      ++idx;
    }
    idx = skip_semicolons(toks, idx);
    if (idx < toks.size() && is_in(kSqlOps, toks[idx])) {
      const std::string op = toks[idx];
      ++idx;
      auto [next, nested] = parse_sql(toks, idx);
      idx = next;
      auto shared = std::make_shared<SpiderSql>(std::move(nested));
      if (op == "intersect") sql.intersect = shared;
      else if (op == "union") sql.union_ = shared;
      else sql.except_ = shared;
    }
    return {idx, std::move(sql)};
  }

 private:
  static size_t skip_semicolons(const Tokens& toks, size_t idx) {
    while (idx < toks.size() && toks[idx] == ";") ++idx;
    return idx;
  }

  const std::string& resolve_alias(const std::string& alias) const {
    auto found = aliases_.find(alias);
    if (found == aliases_.end()) key_error(alias);
    return found->second;
  }

  const std::string& id_of(const std::string& key) const {
    const std::string* id = schema_.id(key);
    if (!id) key_error(key);
    return *id;
  }

  std::pair<size_t, std::string> parse_col(const Tokens& toks, size_t start,
                                           const std::vector<std::string>& default_tables) const {
    const std::string& tok = at(toks, start);
    if (tok == "*") return {start + 1, id_of("*")};
    if (tok.find('.') != std::string::npos) {
      const size_t dot = tok.find('.');
      if (tok.find('.', dot + 1) != std::string::npos)
        fail(ErrorCode::kParse, "ValueError: too many values to unpack (expected 2)");
      const std::string& table = resolve_alias(tok.substr(0, dot));
      return {start + 1, id_of(table + "." + tok.substr(dot + 1))};
    }
    if (default_tables.empty()) assertion("Default tables should not be None or empty");
    for (const std::string& alias : default_tables) {
      const std::string& table_name = resolve_alias(alias);
      const SpiderSchema::Table* table = schema_.find_table(table_name);
      if (!table) key_error(table_name);
      if (std::find(table->columns.begin(), table->columns.end(), tok) != table->columns.end())
        return {start + 1, id_of(table_name + "." + tok)};
    }
    assertion(fmt::format("Error col: {}", tok));
  }

  std::pair<size_t, ColUnit> parse_col_unit(const Tokens& toks, size_t start,
                                            const std::vector<std::string>& default_tables) const {
    size_t idx = start;
    bool is_block = false;
    ColUnit unit;
    if (at(toks, idx) == "(") {
      is_block = true;
      ++idx;
    }
    if (const int agg = index_in(kAggOps, at(toks, idx)); agg >= 0) {
      unit.agg_id = agg;
      ++idx;
      if (!(idx < toks.size() && toks[idx] == "(")) assertion("");
      ++idx;
      if (at(toks, idx) == "distinct") {
        ++idx;
        unit.distinct = Flag::kTrue;
      }
      auto [next, col_id] = parse_col(toks, idx, default_tables);
      idx = next;
      unit.col_id = std::move(col_id);
      if (!(idx < toks.size() && toks[idx] == ")")) assertion("");
      return {idx + 1, std::move(unit)};  // the official code ignores is_block on this path
    }
    if (at(toks, idx) == "distinct") {
      ++idx;
      unit.distinct = Flag::kTrue;
    }
    auto [next, col_id] = parse_col(toks, idx, default_tables);
    idx = next;
    unit.col_id = std::move(col_id);
    if (is_block) {
      if (at(toks, idx) != ")") assertion("");
      ++idx;
    }
    return {idx, std::move(unit)};
  }

  std::pair<size_t, ValUnit> parse_val_unit(const Tokens& toks, size_t start,
                                            const std::vector<std::string>& default_tables) const {
    size_t idx = start;
    bool is_block = false;
    if (at(toks, idx) == "(") {
      is_block = true;
      ++idx;
    }
    ValUnit unit;
    auto [next, col1] = parse_col_unit(toks, idx, default_tables);
    idx = next;
    unit.col_unit1 = std::move(col1);
    if (idx < toks.size()) {
      if (const int op = index_in(kUnitOps, toks[idx]); op >= 0) {
        unit.unit_op = op;
        ++idx;
        auto [after, col2] = parse_col_unit(toks, idx, default_tables);
        idx = after;
        unit.col_unit2 = std::move(col2);
      }
    }
    if (is_block) {
      if (at(toks, idx) != ")") assertion("");
      ++idx;
    }
    return {idx, std::move(unit)};
  }

  std::pair<size_t, SpiderValue> parse_value(const Tokens& toks, size_t start,
                                             const std::vector<std::string>& default_tables) {
    size_t idx = start;
    bool is_block = false;
    if (at(toks, idx) == "(") {
      is_block = true;
      ++idx;
    }
    SpiderValue value;
    const std::string& tok = at(toks, idx);
    if (tok == "select") {
      auto [next, nested] = parse_sql(toks, idx);
      idx = next;
      value.value = std::make_shared<SpiderSql>(std::move(nested));
    } else if (tok.find('"') != std::string::npos) {
      value.value = tok;
      ++idx;
    } else if (auto number = python_float(tok)) {
      value.value = *number;
      ++idx;
    } else {
      size_t end = idx;
      while (end < toks.size() && toks[end] != "," && toks[end] != ")" && toks[end] != "and" &&
             !is_in(kClauseKeywords, toks[end]) && !is_in(kJoinKeywords, toks[end]))
        ++end;
      // The official code parses toks[start_idx:end_idx] (from start, not idx).
      const Tokens slice(toks.begin() + static_cast<long>(std::min(start, end)), toks.begin() + static_cast<long>(end));
      auto [ignored, unit] = parse_col_unit(slice, 0, default_tables);
      (void)ignored;
      value.value = std::move(unit);
      idx = end;
    }
    if (is_block) {
      if (at(toks, idx) != ")") assertion("");
      ++idx;
    }
    return {idx, std::move(value)};
  }

  std::pair<size_t, Condition> parse_condition(const Tokens& toks, size_t start,
                                               const std::vector<std::string>& default_tables) {
    size_t idx = start;
    Condition conds;
    while (idx < toks.size()) {
      CondUnit cond;
      auto [next, val_unit] = parse_val_unit(toks, idx, default_tables);
      idx = next;
      cond.val_unit = std::move(val_unit);
      if (at(toks, idx) == "not") {
        cond.not_op = true;
        ++idx;
      }
      if (!(idx < toks.size() && is_in(kWhereOps, toks[idx])))
        assertion(fmt::format("Error condition: idx: {}, tok: {}", idx, at(toks, idx)));
      cond.op_id = index_in(kWhereOps, toks[idx]);
      ++idx;
      if (cond.op_id == kWhereOpBetween) {
        auto [after1, val1] = parse_value(toks, idx, default_tables);
        idx = after1;
        cond.val1 = std::move(val1);
        if (at(toks, idx) != "and") assertion("");
        ++idx;
        auto [after2, val2] = parse_value(toks, idx, default_tables);
        idx = after2;
        cond.val2 = std::move(val2);
      } else {
        auto [after, val1] = parse_value(toks, idx, default_tables);
        idx = after;
        cond.val1 = std::move(val1);
      }
      conds.emplace_back(std::move(cond));
      if (idx < toks.size() && (is_clause_end(toks[idx]) || is_in(kJoinKeywords, toks[idx]))) break;
      if (idx < toks.size() && is_in(kCondOps, toks[idx])) {
        conds.emplace_back(toks[idx]);
        ++idx;
      }
    }
    return {idx, std::move(conds)};
  }

  void parse_select(const Tokens& toks, size_t start, SpiderSql& sql,
                    const std::vector<std::string>& default_tables) const {
    size_t idx = start;
    if (at(toks, idx) != "select") assertion("'select' not found");
    ++idx;
    if (idx < toks.size() && toks[idx] == "distinct") {
      ++idx;
      sql.select_distinct = Flag::kTrue;
    }
    while (idx < toks.size() && !is_in(kClauseKeywords, toks[idx])) {
      SelectItem item;
      if (const int agg = index_in(kAggOps, toks[idx]); agg >= 0) {
        item.agg_id = agg;
        ++idx;
      }
      auto [next, val_unit] = parse_val_unit(toks, idx, default_tables);
      idx = next;
      item.val_unit = std::move(val_unit);
      sql.select.push_back(std::move(item));
      if (idx < toks.size() && toks[idx] == ",") ++idx;
    }
  }

  size_t parse_from(const Tokens& toks, size_t start, SpiderSql& sql, std::vector<std::string>& default_tables) {
    auto from = std::find(toks.begin() + static_cast<long>(std::min(start, toks.size())), toks.end(), "from");
    if (from == toks.end()) assertion("'from' not found");
    size_t idx = static_cast<size_t>(from - toks.begin()) + 1;
    while (idx < toks.size()) {
      bool is_block = false;
      if (toks[idx] == "(") {
        is_block = true;
        ++idx;
      }
      if (at(toks, idx) == "select") {
        auto [next, nested] = parse_sql(toks, idx);
        idx = next;
        TableUnit unit;
        unit.is_sql = true;
        unit.sql = std::make_shared<SpiderSql>(std::move(nested));
        sql.from_tables.push_back(std::move(unit));
      } else {
        if (idx < toks.size() && toks[idx] == "join") ++idx;
        const std::string& key = resolve_alias(at(toks, idx));
        const std::string table_name = key;
        idx += (idx + 1 < toks.size() && toks[idx + 1] == "as") ? 3 : 1;
        TableUnit unit;
        unit.table_id = id_of(table_name);
        sql.from_tables.push_back(std::move(unit));
        default_tables.push_back(table_name);
      }
      if (idx < toks.size() && toks[idx] == "on") {
        ++idx;
        auto [next, conds] = parse_condition(toks, idx, default_tables);
        idx = next;
        if (!sql.from_conds.empty()) sql.from_conds.emplace_back(std::string("and"));
        for (auto& item : conds) sql.from_conds.push_back(std::move(item));
      }
      if (is_block) {
        if (at(toks, idx) != ")") assertion("");
        ++idx;
      }
      if (idx < toks.size() && is_clause_end(toks[idx])) break;
    }
    return idx;
  }

  size_t parse_condition_clause(const Tokens& toks, size_t idx, std::string_view keyword,
                                const std::vector<std::string>& default_tables, Condition& out) {
    if (idx >= toks.size() || toks[idx] != keyword) return idx;
    auto [next, conds] = parse_condition(toks, idx + 1, default_tables);
    out = std::move(conds);
    return next;
  }

  size_t parse_group_by(const Tokens& toks, size_t idx, const std::vector<std::string>& default_tables,
                        std::vector<ColUnit>& out) const {
    if (idx >= toks.size() || toks[idx] != "group") return idx;
    ++idx;
    if (at(toks, idx) != "by") assertion("");
    ++idx;
    while (idx < toks.size() && !is_clause_end(toks[idx])) {
      auto [next, unit] = parse_col_unit(toks, idx, default_tables);
      idx = next;
      out.push_back(std::move(unit));
      if (idx < toks.size() && toks[idx] == ",") ++idx;
      else break;
    }
    return idx;
  }

  size_t parse_order_by(const Tokens& toks, size_t idx, const std::vector<std::string>& default_tables,
                        OrderBy& out) const {
    if (idx >= toks.size() || toks[idx] != "order") return idx;
    ++idx;
    if (at(toks, idx) != "by") assertion("");
    ++idx;
    out.present = true;
    out.direction = "asc";
    while (idx < toks.size() && !is_clause_end(toks[idx])) {
      auto [next, unit] = parse_val_unit(toks, idx, default_tables);
      idx = next;
      out.units.push_back(std::move(unit));
      if (idx < toks.size() && is_in(kOrderOps, toks[idx])) {
        out.direction = toks[idx];
        ++idx;
      }
      if (idx < toks.size() && toks[idx] == ",") ++idx;
      else break;
    }
    return idx;
  }

  const SpiderSchema& schema_;
  std::unordered_map<std::string, std::string> aliases_;
};

}  // namespace

SpiderSchema::SpiderSchema(std::vector<Table> tables) {
  // A later table with the same lower-cased name replaces the columns of the first (dict update).
  for (auto& table : tables) {
    auto found = table_index_.find(table.name);
    if (found != table_index_.end()) {
      tables_[found->second].columns = std::move(table.columns);
    } else {
      table_index_.emplace(table.name, tables_.size());
      tables_.push_back(std::move(table));
    }
  }
  auto add = [&](const std::string& key, std::string value) {
    if (id_map_.emplace(key, value).second) id_values_.push_back(std::move(value));
  };
  add("*", "__all__");
  for (const auto& table : tables_)
    for (const auto& column : table.columns) add(table.name + "." + column, "__" + table.name + "." + column + "__");
  for (const auto& table : tables_) add(table.name, "__" + table.name + "__");
}

SpiderSchema SpiderSchema::from_database(const SqlSandbox& database) {
  QueryOutcome names = database.run("SELECT name FROM sqlite_master WHERE type='table';");
  if (!names.ok()) fail(ErrorCode::kSql, "cannot read the tables of {}: {}", database.path().string(), names.error);
  std::vector<Table> tables;
  for (const auto& row : names.result.rows) {
    Table table;
    table.name = python_lower(sql_value_to_string(row.at(0)));
    std::string quoted = "\"";
    for (char c : table.name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    quoted += "\"";
    QueryOutcome info = database.run(fmt::format("PRAGMA table_info({})", quoted));
    if (!info.ok())
      fail(ErrorCode::kSql, "cannot read the columns of table {} in {}: {}", table.name, database.path().string(), info.error);
    for (const auto& column : info.result.rows) table.columns.push_back(python_lower(sql_value_to_string(column.at(1))));
    tables.push_back(std::move(table));
  }
  return SpiderSchema(std::move(tables));
}

const SpiderSchema::Table* SpiderSchema::find_table(const std::string& lower_name) const {
  auto found = table_index_.find(lower_name);
  return found == table_index_.end() ? nullptr : &tables_[found->second];
}

const std::string* SpiderSchema::id(const std::string& key) const {
  auto found = id_map_.find(key);
  return found == id_map_.end() ? nullptr : &found->second;
}

SpiderSql parse_spider_sql(const SpiderSchema& schema, std::string_view query) {
  const Tokens toks = tokenize(query);
  Parser parser(schema, toks);
  return parser.parse_sql(toks, 0).second;
}

}  // namespace t2sql::spider
