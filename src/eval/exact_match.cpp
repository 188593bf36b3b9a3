#include "eval/exact_match.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace t2sql::eval {
namespace {

using spider::ColUnit;
using spider::CondUnit;
using spider::Condition;
using spider::ConditionItem;
using spider::Flag;
using spider::SpiderSql;
using spider::ValUnit;

const CondUnit* as_cond(const ConditionItem* item) { return std::get_if<CondUnit>(item); }
const std::string* as_connector(const ConditionItem* item) { return std::get_if<std::string>(item); }

// Python's has_agg(unit) = unit[0] != 0 applied to the items of a condition list: a cond_unit's
// unit[0] is not_op, and a connector string's unit[0] is its first letter (always "true").
int count_agg_items(const std::vector<const ConditionItem*>& items) {
  int count = 0;
  for (const ConditionItem* item : items) {
    if (const CondUnit* cond = as_cond(item)) count += cond->not_op ? 1 : 0;
    else count += 1;
  }
  return count;
}

std::vector<const ConditionItem*> all_items(const Condition& condition) {
  std::vector<const ConditionItem*> items;
  for (const auto& item : condition) items.push_back(&item);
  return items;
}

template <typename Fn>
void for_each_cond_unit(const SpiderSql& sql, Fn fn) {
  for (const Condition* condition : {&sql.from_conds, &sql.where, &sql.having})
    for (const ConditionItem* item : spider::even_items(*condition))
      if (const CondUnit* cond = as_cond(item)) fn(*cond);
}

int count_or(const SpiderSql& sql) {
  int count = 0;
  for (const Condition* condition : {&sql.from_conds, &sql.where, &sql.having})
    for (const ConditionItem* item : spider::odd_items(*condition))
      if (const std::string* connector = as_connector(item); connector && *connector == "or") ++count;
  return count;
}

int count_component1(const SpiderSql& sql) {
  int count = 0;
  if (!sql.where.empty()) ++count;
  if (!sql.group_by.empty()) ++count;
  if (sql.order_by.present) ++count;
  if (sql.limit) ++count;
  if (!sql.from_tables.empty()) count += static_cast<int>(sql.from_tables.size()) - 1;
  count += count_or(sql);
  for_each_cond_unit(sql, [&](const CondUnit& cond) { count += cond.op_id == spider::kWhereOpLike ? 1 : 0; });
  return count;
}

// get_nestedSQL: the queries nested in conditions, then intersect, except, union.
std::vector<const SpiderSql*> nested_queries(const SpiderSql& sql) {
  std::vector<const SpiderSql*> nested;
  for_each_cond_unit(sql, [&](const CondUnit& cond) {
    if (const SpiderSql* value = cond.val1.sql()) nested.push_back(value);
    if (const SpiderSql* value = cond.val2.sql()) nested.push_back(value);
  });
  for (const auto* part : {&sql.intersect, &sql.except_, &sql.union_})
    if (*part) nested.push_back(part->get());
  return nested;
}

int count_others(const SpiderSql& sql) {
  int agg_count = 0;
  for (const auto& item : sql.select) agg_count += item.agg_id != 0 ? 1 : 0;
  agg_count += count_agg_items(spider::even_items(sql.where));
  for (const auto& unit : sql.group_by) agg_count += unit.agg_id != 0 ? 1 : 0;
  if (sql.order_by.present) {
    for (const auto& unit : sql.order_by.units) agg_count += unit.col_unit1.agg_id != 0 ? 1 : 0;
    for (const auto& unit : sql.order_by.units)
      if (unit.col_unit2) agg_count += unit.col_unit2->agg_id != 0 ? 1 : 0;
  }
  agg_count += count_agg_items(all_items(sql.having));
  int count = agg_count > 1 ? 1 : 0;
  if (sql.select.size() > 1) ++count;
  if (sql.where.size() > 1) ++count;
  if (sql.group_by.size() > 1) ++count;
  return count;
}

// get_scores(count, pred_total, label_total)
ComponentScore scores(int count, int pred_total, int label_total) {
  ComponentScore score;
  score.label_total = label_total;
  score.pred_total = pred_total;
  if (pred_total == label_total && count == pred_total) score.acc = score.rec = score.f1 = 1;
  return score;
}

// Removes the first element equal to `value`; true when one was found (Python list.remove).
template <typename T>
bool remove_first(std::vector<T>& list, const T& value) {
  auto found = std::find(list.begin(), list.end(), value);
  if (found == list.end()) return false;
  list.erase(found);
  return true;
}

std::string group_column_name(const std::string& col_id) {
  const size_t dot = col_id.find('.');
  if (dot == std::string::npos) return col_id;
  const size_t next = col_id.find('.', dot + 1);
  return col_id.substr(dot + 1, next == std::string::npos ? std::string::npos : next - dot - 1);
}

std::set<std::string> keywords(const SpiderSql& sql) {
  std::set<std::string> result;
  if (!sql.where.empty()) result.insert("where");
  if (!sql.group_by.empty()) result.insert("group");
  if (!sql.having.empty()) result.insert("having");
  if (sql.order_by.present) {
    result.insert(sql.order_by.direction);
    result.insert("order");
  }
  if (sql.limit) result.insert("limit");
  if (sql.except_) result.insert("except");
  if (sql.union_) result.insert("union");
  if (sql.intersect) result.insert("intersect");
  if (count_or(sql) > 0) result.insert("or");
  bool has_not = false, has_in = false, has_like = false;
  for_each_cond_unit(sql, [&](const CondUnit& cond) {
    has_not = has_not || cond.not_op;
    has_in = has_in || cond.op_id == spider::kWhereOpIn;
    has_like = has_like || cond.op_id == spider::kWhereOpLike;
  });
  if (has_not) result.insert("not");
  if (has_in) result.insert("in");
  if (has_like) result.insert("like");
  return result;
}

// Python set() of the connectors at odd positions (an odd position may hold a cond_unit when
// the official parser let two conditions follow each other).
std::vector<ConditionItem> connector_set(const Condition& condition) {
  std::vector<ConditionItem> set;
  for (const ConditionItem* item : spider::odd_items(condition))
    if (std::find(set.begin(), set.end(), *item) == set.end()) set.push_back(*item);
  return set;
}

bool same_set(const std::vector<ConditionItem>& a, const std::vector<ConditionItem>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& item : a)
    if (std::find(b.begin(), b.end(), item) == b.end()) return false;
  return true;
}

// eval_nested: (label_total, pred_total, cnt) for one of intersect / except / union.
void eval_nested(const std::shared_ptr<SpiderSql>& pred, const std::shared_ptr<SpiderSql>& label, int& label_total,
                 int& pred_total, int& count) {
  if (pred) ++pred_total;
  if (label) ++label_total;
  if (pred && label) {
    SpiderSql label_copy = *label;  // the nested call consumes its label's select list
    count += eval_exact_match(*pred, label_copy).exact ? 1 : 0;
  }
}

PartialScores eval_partial_match(const SpiderSql& pred, SpiderSql& label) {
  PartialScores result;
  {  // eval_sel
    std::vector<spider::SelectItem>& label_select = label.select;
    std::vector<ValUnit> label_without_agg;
    for (const auto& unit : label_select) label_without_agg.push_back(unit.val_unit);
    const int label_total = static_cast<int>(label_select.size());
    const int pred_total = static_cast<int>(pred.select.size());
    int count = 0, count_without_agg = 0;
    for (const auto& unit : pred.select) {
      if (remove_first(label_select, unit)) ++count;
      if (remove_first(label_without_agg, unit.val_unit)) ++count_without_agg;
    }
    result[0] = scores(count, pred_total, label_total);
    result[1] = scores(count_without_agg, pred_total, label_total);
  }
  {  // eval_where (a connector at an even position compares as itself; its unit[2] matches nothing)
    std::vector<ConditionItem> label_conds;
    std::vector<ValUnit> label_without_op;
    for (const ConditionItem* item : spider::even_items(label.where)) {
      label_conds.push_back(*item);
      if (const CondUnit* cond = as_cond(item)) label_without_op.push_back(cond->val_unit);
    }
    const auto pred_conds = spider::even_items(pred.where);
    const int label_total = static_cast<int>(label_conds.size());
    const int pred_total = static_cast<int>(pred_conds.size());
    int count = 0, count_without_op = 0;
    for (const ConditionItem* item : pred_conds) {
      if (remove_first(label_conds, *item)) ++count;
      if (const CondUnit* cond = as_cond(item); cond && remove_first(label_without_op, cond->val_unit))
        ++count_without_op;
    }
    result[2] = scores(count, pred_total, label_total);
    result[3] = scores(count_without_op, pred_total, label_total);
  }
  {  // eval_group: column names only (table dropped by split(".")[1])
    std::vector<std::string> label_cols;
    for (const auto& unit : label.group_by) label_cols.push_back(group_column_name(unit.col_id));
    const int label_total = static_cast<int>(label.group_by.size());
    const int pred_total = static_cast<int>(pred.group_by.size());
    int count = 0;
    for (const auto& unit : pred.group_by)
      if (remove_first(label_cols, group_column_name(unit.col_id))) ++count;
    result[4] = scores(count, pred_total, label_total);
  }
  {  // eval_having
    const int pred_total = pred.group_by.empty() ? 0 : 1;
    const int label_total = label.group_by.empty() ? 0 : 1;
    bool same_cols = pred.group_by.size() == label.group_by.size();
    for (size_t i = 0; same_cols && i < pred.group_by.size(); ++i)
      same_cols = pred.group_by[i].col_id == label.group_by[i].col_id;
    const int count = (pred_total == 1 && label_total == 1 && same_cols && pred.having == label.having) ? 1 : 0;
    result[5] = scores(count, pred_total, label_total);
  }
  {  // eval_order
    const int pred_total = pred.order_by.present ? 1 : 0;
    const int label_total = label.order_by.present ? 1 : 0;
    const bool limits_agree = pred.limit.has_value() == label.limit.has_value();
    const int count = (label.order_by.present && pred.order_by == label.order_by && limits_agree) ? 1 : 0;
    result[6] = scores(count, pred_total, label_total);
  }
  {  // eval_and_or: on a mismatch the official code returns (len(pred_ao), len(label_ao), 0) and
     // its caller reads them as (label_total, pred_total).
    const auto pred_ao = connector_set(pred.where);
    const auto label_ao = connector_set(label.where);
    if (same_set(pred_ao, label_ao)) result[7] = scores(1, 1, 1);
    else result[7] = scores(0, static_cast<int>(label_ao.size()), static_cast<int>(pred_ao.size()));
  }
  {  // eval_IUEN
    int label_total = 0, pred_total = 0, count = 0;
    eval_nested(pred.intersect, label.intersect, label_total, pred_total, count);
    eval_nested(pred.except_, label.except_, label_total, pred_total, count);
    eval_nested(pred.union_, label.union_, label_total, pred_total, count);
    result[8] = scores(count, pred_total, label_total);
  }
  {  // eval_keywords
    const auto pred_keywords = keywords(pred);
    const auto label_keywords = keywords(label);
    int count = 0;
    for (const auto& keyword : pred_keywords) count += label_keywords.count(keyword) ? 1 : 0;
    result[9] = scores(count, static_cast<int>(pred_keywords.size()), static_cast<int>(label_keywords.size()));
  }
  return result;
}

// ---- rebuild_sql_val ----
void rebuild_condition_values(Condition& condition);

void rebuild_values(SpiderSql* sql) {
  if (!sql) return;
  rebuild_condition_values(sql->from_conds);
  rebuild_condition_values(sql->having);
  rebuild_condition_values(sql->where);
  rebuild_values(sql->intersect.get());
  rebuild_values(sql->except_.get());
  rebuild_values(sql->union_.get());
}

void rebuild_value(spider::SpiderValue& value) {
  if (auto* nested = std::get_if<std::shared_ptr<SpiderSql>>(&value.value)) rebuild_values(nested->get());
  else value.value = std::monostate{};
}

void rebuild_condition_values(Condition& condition) {
  for (size_t i = 0; i < condition.size(); i += 2) {
    if (auto* cond = std::get_if<CondUnit>(&condition[i])) {
      rebuild_value(cond->val1);
      rebuild_value(cond->val2);
    }
  }
}

// ---- rebuild_sql_col ----
struct ColumnRebuild {
  const std::set<std::string>& valid;
  const ForeignKeyMap& keys;

  void col_unit(ColUnit& unit) const {
    if (valid.count(unit.col_id)) {
      if (auto found = keys.find(unit.col_id); found != keys.end()) unit.col_id = found->second;
    }
    unit.distinct = Flag::kNone;
  }
  void val_unit(ValUnit& unit) const {
    col_unit(unit.col_unit1);
    if (unit.col_unit2) col_unit(*unit.col_unit2);
  }
  void condition(Condition& condition) const {
    for (size_t i = 0; i < condition.size(); i += 2)
      if (auto* cond = std::get_if<CondUnit>(&condition[i])) val_unit(cond->val_unit);
  }
  void sql(SpiderSql* sql) const {
    if (!sql) return;
    for (auto& item : sql->select) val_unit(item.val_unit);
    sql->select_distinct = Flag::kNone;
    condition(sql->from_conds);
    condition(sql->where);
    for (auto& unit : sql->group_by) col_unit(unit);
    if (sql->order_by.present)
      for (auto& unit : sql->order_by.units) val_unit(unit);
    condition(sql->having);
    this->sql(sql->intersect.get());
    this->sql(sql->except_.get());
    this->sql(sql->union_.get());
  }
};

}  // namespace

std::string_view hardness_name(Hardness hardness) {
  switch (hardness) {
    case Hardness::kEasy: return "easy";
    case Hardness::kMedium: return "medium";
    case Hardness::kHard: return "hard";
    case Hardness::kExtra: return "extra";
  }
  return "extra";
}

Hardness eval_hardness(const SpiderSql& sql) {
  const int comp1 = count_component1(sql);
  const int comp2 = static_cast<int>(nested_queries(sql).size());
  const int others = count_others(sql);
  if (comp1 <= 1 && others == 0 && comp2 == 0) return Hardness::kEasy;
  if ((others <= 2 && comp1 <= 1 && comp2 == 0) || (comp1 <= 2 && others < 2 && comp2 == 0)) return Hardness::kMedium;
  if ((others > 2 && comp1 <= 2 && comp2 == 0) || (2 < comp1 && comp1 <= 3 && others <= 2 && comp2 == 0) ||
      (comp1 <= 1 && others == 0 && comp2 <= 1))
    return Hardness::kHard;
  return Hardness::kExtra;
}

void rebuild_for_evaluation(SpiderSql& sql, const spider::SpiderSchema& schema, const ForeignKeyMap& keys) {
  // build_valid_col_units: columns of the tables named in this query's FROM.
  std::set<std::string> prefixes;
  for (const auto& unit : sql.from_tables)
    if (!unit.is_sql) prefixes.insert(unit.table_id.substr(0, unit.table_id.size() >= 2 ? unit.table_id.size() - 2 : 0));
  std::set<std::string> valid;
  for (const std::string& value : schema.id_values()) {
    const size_t dot = value.find('.');
    if (dot != std::string::npos && prefixes.count(value.substr(0, dot))) valid.insert(value);
  }
  rebuild_values(&sql);
  ColumnRebuild{valid, keys}.sql(&sql);
}

ExactMatchResult eval_exact_match(const SpiderSql& pred, SpiderSql& label) {
  ExactMatchResult result;
  result.partial = eval_partial_match(pred, label);
  for (const auto& score : result.partial)
    if (score.f1 != 1) return result;
  if (!label.from_tables.empty()) {
    // sorted(label units) == sorted(pred units): equal as multisets.
    std::vector<spider::TableUnit> remaining = pred.from_tables;
    if (remaining.size() != label.from_tables.size()) return result;
    for (const auto& unit : label.from_tables)
      if (!remove_first(remaining, unit)) return result;
  }
  result.exact = true;
  return result;
}

}  // namespace t2sql::eval
