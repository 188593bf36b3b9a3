// The structure the official Spider `process_sql.py` builds for a query, one C++ type per tuple of
// its format, so that every comparison the official `evaluation.py` makes (tuple and dict
// equality, list membership) can be made the same way here.
//
//   col_unit  : (agg_id, col_id, isDistinct)          -> ColUnit
//   val_unit  : (unit_op, col_unit1, col_unit2|None)   -> ValUnit
//   val       : None | float | "string" | col_unit | sql -> SpiderValue
//   cond_unit : (not_op, op_id, val_unit, val1, val2)  -> CondUnit
//   condition : [cond_unit, 'and'|'or', cond_unit, ...] -> Condition (items kept in list order)
//   table_unit: ('table_unit', '__t__') | ('sql', sql) -> TableUnit
//   orderBy   : [] | ('asc'|'desc', [val_unit, ...])   -> OrderBy
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace t2sql::spider {

// Official operator tables (index = id in the parsed structure).
inline constexpr std::array<std::string_view, 9> kClauseKeywords = {
    "select", "from", "where", "group", "order", "limit", "intersect", "union", "except"};
inline constexpr std::array<std::string_view, 3> kJoinKeywords = {"join", "on", "as"};
inline constexpr std::array<std::string_view, 12> kWhereOps = {
    "not", "between", "=", ">", "<", ">=", "<=", "!=", "in", "like", "is", "exists"};
inline constexpr std::array<std::string_view, 5> kUnitOps = {"none", "-", "+", "*", "/"};
inline constexpr std::array<std::string_view, 6> kAggOps = {"none", "max", "min", "count", "sum", "avg"};
inline constexpr std::array<std::string_view, 2> kCondOps = {"and", "or"};
inline constexpr std::array<std::string_view, 3> kSqlOps = {"intersect", "union", "except"};
inline constexpr std::array<std::string_view, 2> kOrderOps = {"desc", "asc"};

inline constexpr int kWhereOpNot = 0;
inline constexpr int kWhereOpBetween = 1;
inline constexpr int kWhereOpIn = 8;
inline constexpr int kWhereOpLike = 9;

// Python's False / True / None: `isDistinct` is a bool after parsing and None after the
// evaluator's rebuild_sql_col, and None never equals False.
enum class Flag { kFalse, kTrue, kNone };

struct SpiderSql;

struct ColUnit {
  int agg_id = 0;
  std::string col_id;  // "__all__" or "__table.column__" (lower case), as in Schema.idMap
  Flag distinct = Flag::kFalse;
  bool operator==(const ColUnit&) const = default;
};

struct ValUnit {
  int unit_op = 0;
  ColUnit col_unit1;
  std::optional<ColUnit> col_unit2;
  bool operator==(const ValUnit&) const = default;
};

// A parsed value. std::monostate is Python's None (values are set to None by rebuild_sql_val).
// Nested queries are held by shared_ptr and compared by content, like Python dicts.
struct SpiderValue {
  std::variant<std::monostate, double, std::string, ColUnit, std::shared_ptr<SpiderSql>> value;
  bool is_none() const { return std::holds_alternative<std::monostate>(value); }
  const SpiderSql* sql() const;  // the nested query, or nullptr
  bool operator==(const SpiderValue& other) const;
};

struct CondUnit {
  bool not_op = false;
  int op_id = 0;
  ValUnit val_unit;
  SpiderValue val1;
  SpiderValue val2;
  bool operator==(const CondUnit&) const = default;
};

// One element of a condition list: a cond_unit or a connector ('and' / 'or'). The official parser
// does not enforce alternation (two cond_units may follow each other), so positions are kept.
using ConditionItem = std::variant<CondUnit, std::string>;
using Condition = std::vector<ConditionItem>;

// Python's `cond[::2]` / `cond[1::2]`: the items at even / odd positions.
std::vector<const ConditionItem*> even_items(const Condition& condition);
std::vector<const ConditionItem*> odd_items(const Condition& condition);

struct TableUnit {
  bool is_sql = false;
  std::string table_id;             // "__table__" when !is_sql
  std::shared_ptr<SpiderSql> sql;   // when is_sql
  bool operator==(const TableUnit& other) const;
};

struct OrderBy {
  bool present = false;        // false: Python's [] (no ORDER BY)
  std::string direction;       // "asc" / "desc" (the last one written wins)
  std::vector<ValUnit> units;
  bool operator==(const OrderBy&) const = default;
};

struct SelectItem {
  int agg_id = 0;
  ValUnit val_unit;
  bool operator==(const SelectItem&) const = default;
};

struct SpiderSql {
  Flag select_distinct = Flag::kFalse;
  std::vector<SelectItem> select;
  std::vector<TableUnit> from_tables;
  Condition from_conds;
  Condition where;
  std::vector<ColUnit> group_by;
  Condition having;
  OrderBy order_by;
  std::optional<std::string> limit;  // Python int, kept as its canonical decimal text
  std::shared_ptr<SpiderSql> intersect;
  std::shared_ptr<SpiderSql> union_;
  std::shared_ptr<SpiderSql> except_;

  bool operator==(const SpiderSql& other) const;
};

// Content equality of two possibly-null nested queries (None == None).
bool same_sql(const std::shared_ptr<SpiderSql>& a, const std::shared_ptr<SpiderSql>& b);

// The official "empty SQL" the evaluator scores when a prediction fails to parse.
SpiderSql empty_spider_sql();

}  // namespace t2sql::spider
