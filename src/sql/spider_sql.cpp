#include "sql/spider_sql.hpp"

namespace t2sql::spider {

const SpiderSql* SpiderValue::sql() const {
  const auto* nested = std::get_if<std::shared_ptr<SpiderSql>>(&value);
  return nested ? nested->get() : nullptr;
}

bool SpiderValue::operator==(const SpiderValue& other) const {
  if (value.index() != other.value.index()) return false;
  if (const auto* nested = std::get_if<std::shared_ptr<SpiderSql>>(&value))
    return same_sql(*nested, std::get<std::shared_ptr<SpiderSql>>(other.value));
  return value == other.value;  // double == double: NaN never equals, like two Python floats
}

bool TableUnit::operator==(const TableUnit& other) const {
  if (is_sql != other.is_sql) return false;
  return is_sql ? same_sql(sql, other.sql) : table_id == other.table_id;
}

bool same_sql(const std::shared_ptr<SpiderSql>& a, const std::shared_ptr<SpiderSql>& b) {
  if (!a || !b) return !a && !b;
  return *a == *b;
}

bool SpiderSql::operator==(const SpiderSql& other) const {
  return select_distinct == other.select_distinct && select == other.select &&
         from_tables == other.from_tables && from_conds == other.from_conds && where == other.where &&
         group_by == other.group_by && having == other.having && order_by == other.order_by &&
         limit == other.limit && same_sql(intersect, other.intersect) &&
         same_sql(union_, other.union_) && same_sql(except_, other.except_);
}

std::vector<const ConditionItem*> even_items(const Condition& condition) {
  std::vector<const ConditionItem*> items;
  for (size_t i = 0; i < condition.size(); i += 2) items.push_back(&condition[i]);
  return items;
}

std::vector<const ConditionItem*> odd_items(const Condition& condition) {
  std::vector<const ConditionItem*> items;
  for (size_t i = 1; i < condition.size(); i += 2) items.push_back(&condition[i]);
  return items;
}

SpiderSql empty_spider_sql() { return SpiderSql{}; }

}  // namespace t2sql::spider
