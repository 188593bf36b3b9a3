#include "data/augment.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <random>
#include <set>

#include "common/hash.hpp"

namespace t2sql {

std::string plural_noun(const std::string& noun) {
  if (noun.empty()) return noun;
  auto ends = [&](std::string_view suffix) {
    return noun.size() >= suffix.size() && noun.compare(noun.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends("ss") || ends("sh") || ends("ch") || ends("x") || ends("z")) return noun + "es";
  if (ends("s")) return noun;  // already plural ("courses", "players")
  if (noun.size() >= 2 && noun.back() == 'y' && std::string_view("aeiou").find(noun[noun.size() - 2]) == std::string_view::npos)
    return noun.substr(0, noun.size() - 1) + "ies";
  return noun + "s";
}

namespace {

// Names the generated SQL can use bare, as Spider's gold queries do.
bool plain_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::string quoted_identifier(const std::string& name) { return "\"" + name + "\""; }

// A value as it appears in a question and as a SQL literal.
struct Literal {
  std::string text;  // "France", "56"
  std::string sql;   // "'France'", "56"
};

std::optional<Literal> literal_of(const SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return Literal{std::to_string(*i), std::to_string(*i)};
  if (const auto* d = std::get_if<double>(&value)) {
    std::string text = fmt::format("{}", *d);
    return Literal{text, text};
  }
  if (const auto* s = std::get_if<std::string>(&value)) {
    if (s->empty() || s->size() > 40 || s->find_first_of("'\"\n\r\t%_") != std::string::npos) return std::nullopt;
    if (s->front() == ' ' || s->back() == ' ') return std::nullopt;
    return Literal{*s, "'" + *s + "'"};
  }
  return std::nullopt;
}

// "an" before a vowel sound the templates can meet ("an age", "an order id"); words starting
// with "u" keep "a" ("a unit", "a user"), which is right more often than not. Database values
// quoted in the question stay as they are ("Take a exam" must match its SQL literal).
std::string agree_articles(const std::string& question, const std::vector<std::string>& values) {
  std::vector<bool> in_value(question.size(), false);
  for (const std::string& value : values) {
    if (value.empty()) continue;
    for (size_t at = question.find(value); at != std::string::npos; at = question.find(value, at + 1))
      std::fill(in_value.begin() + static_cast<std::ptrdiff_t>(at), in_value.begin() + static_cast<std::ptrdiff_t>(at + value.size()), true);
  }
  std::string out;
  out.reserve(question.size() + 8);
  for (size_t i = 0; i < question.size(); ++i) {
    out += question[i];
    const bool article = question[i] == 'a' && !in_value[i] && (i == 0 || question[i - 1] == ' ') && i + 2 < question.size() &&
                         question[i + 1] == ' ';
    if (article && std::string_view("aeioAEIO").find(question[i + 2]) != std::string_view::npos) out += 'n';
  }
  return out;
}

struct ColumnRef {
  const Table* table = nullptr;
  const Column* column = nullptr;
  std::string nl() const { return column->natural_name; }
};

struct Pair {
  std::string question, query;
};

class Generator {
 public:
  Generator(const Schema& schema, const SqlSandbox& database, uint64_t seed, AugmentTemplates templates)
      : schema_(schema),
        database_(database),
        rng_(seed),
        extended_(templates != AugmentTemplates::kBasic),
        wide_(templates == AugmentTemplates::kWide) {
    for (const Table& table : schema.tables) {
      if (!plain_identifier(table.name) || table.natural_name.empty()) continue;
      tables_.push_back(&table);
    }
    for (const ForeignKey& key : schema.foreign_keys) {
      const Table* from = schema.find_table(key.from_table);
      const Table* to = schema.find_table(key.to_table);
      if (from == nullptr || to == nullptr || from == to) continue;
      if (!plain_identifier(from->name) || !plain_identifier(to->name) || !plain_identifier(key.from_column) ||
          !plain_identifier(key.to_column) || from->natural_name.empty() || to->natural_name.empty())
        continue;
      keys_.push_back(&key);
    }
    // Link tables: two keys of one table to two different tables (singer_in_concert -> singer, concert).
    for (const ForeignKey* first : keys_)
      for (const ForeignKey* second : keys_)
        if (first != second && first->from_table == second->from_table && first->to_table != second->to_table)
          links_.emplace_back(first, second);
  }

  bool usable() const { return !tables_.empty(); }

  // The basic set draws from the first 20 templates only and the extended set from the first 33,
  // so their pairs for a seed stay what they were before later templates existed (older recipes
  // reproduce). The wide set draws from all 41 and makes articles agree ("an age", not "a age").
  std::optional<Pair> attempt() {
    values_named_.clear();
    if (wide_) {
      std::optional<Pair> pair = draw(rng_() % 41);
      if (pair) pair->question = agree_articles(pair->question, values_named_);
      return pair;
    }
    return draw(rng_() % (extended_ ? 33 : 20));
  }

 private:
  std::optional<Pair> draw(uint64_t which) {
    switch (which) {
      case 0: return count_rows();
      case 1: return list_column();
      case 2: return two_columns();
      case 3: return where_text();
      case 4: return where_number();
      case 5: return aggregate();
      case 6: return count_where();
      case 7: return group_count();
      case 8: return ordered();
      case 9: return superlative();
      case 10: return distinct_values();
      case 11: return join_columns();
      case 12: return join_where();
      case 13: return join_group_count();
      case 14: return having_count();
      case 15: return like_text();
      case 16: return most_common();
      case 17: return not_in();
      case 18: return group_average();
      case 19: return between();
      case 20: return join_most_count();
      case 21: return join_having();
      case 22: return join_superlative();
      case 23: return join_group_aggregate();
      case 24: return join_count_where();
      case 25: return join_where_referencing();
      case 26: return where_and();
      case 27: return where_or();
      case 28: return compared_to_average();
      case 29: return join_except();
      case 30: return intersect_ranges();
      case 31: return join_intersect();
      case 32: return two_hop();
      case 33: return wide_list();
      case 34: return wide_where_text();
      case 35: return wide_where_number();
      case 36: return wide_ordered();
      case 37: return wide_top();
      case 38: return join_wide_columns();
      case 39: return join_wide_group_count();
      default: return join_wide_where();
    }
  }

  size_t below(size_t n) { return static_cast<size_t>(rng_() % n); }
  template <typename T>
  const T& one_of(const std::vector<T>& items) { return items[below(items.size())]; }
  std::string pick(std::initializer_list<const char*> phrasings) { return *(phrasings.begin() + below(phrasings.size())); }

  const Table* any_table() { return tables_[below(tables_.size())]; }

  // A column of `table` that the templates can name, optionally only numeric ones.
  std::optional<ColumnRef> any_column(const Table* table, bool numeric, const Column* other = nullptr) {
    std::vector<const Column*> candidates;
    for (const Column& column : table->columns) {
      if (&column == other || !plain_identifier(column.name) || column.natural_name.empty()) continue;
      // Numeric templates (averages, comparisons, superlatives) skip keys: "average student id" is
      // not a question people ask.
      if (numeric && (column.type != "number" || column.is_primary_key || ascii_lower(column.natural_name).ends_with("id"))) continue;
      candidates.push_back(&column);
    }
    if (candidates.empty()) return std::nullopt;
    return ColumnRef{table, candidates[below(candidates.size())]};
  }

  // A table and two different nameable columns of it (the second numeric when asked): the
  // shape of most two-column templates.
  struct ColumnPair {
    const Table* table;
    ColumnRef first, second;
  };
  std::optional<ColumnPair> column_pair(bool numeric_second) {
    const Table* t = any_table();
    auto a = any_column(t, false);
    if (!a) return std::nullopt;
    auto b = any_column(t, numeric_second, a->column);
    if (!b) return std::nullopt;
    return ColumnPair{t, *a, *b};
  }

  // Distinct non-null values of a column (read once, at most 30).
  const std::vector<Literal>& values(const ColumnRef& ref) {
    std::string key = ref.table->name + "." + ref.column->name;
    auto found = values_.find(key);
    if (found != values_.end()) return found->second;
    std::vector<Literal> literals;
    QueryOutcome outcome = database_.run(fmt::format("SELECT DISTINCT {0} FROM {1} WHERE {0} IS NOT NULL LIMIT 30",
                                                     quoted_identifier(ref.column->name), quoted_identifier(ref.table->name)));
    if (outcome.ok()) {
      for (const auto& row : outcome.result.rows)
        if (auto literal = literal_of(row[0])) literals.push_back(*literal);
    }
    return values_.emplace(key, std::move(literals)).first->second;
  }

  std::optional<Literal> any_value(const ColumnRef& ref, bool numeric) {
    const auto& all = values(ref);
    std::vector<const Literal*> fitting;
    for (const Literal& literal : all)
      if ((literal.sql.front() != '\'') == numeric) fitting.push_back(&literal);
    if (fitting.empty()) return std::nullopt;
    const Literal& chosen = *fitting[below(fitting.size())];
    values_named_.push_back(chosen.text);
    return chosen;
  }

  static std::string name_of(const Table* table) { return table->natural_name; }
  static std::string plural_of(const Table* table) { return plural_noun(table->natural_name); }

  std::optional<Pair> count_rows() {
    const Table* t = any_table();
    std::string q = fmt::format(fmt::runtime(pick({"How many {} are there?", "Count the number of {}.", "What is the total number of {}?",
                                                   "How many {} do we have?", "Find the number of {}."})),
                                plural_of(t));
    return Pair{q, fmt::format("SELECT count(*) FROM {}", t->name)};
  }

  std::optional<Pair> list_column() {
    const Table* t = any_table();
    auto c = any_column(t, false);
    if (!c) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"List the {0} of all {1}.", "What are the {0} of the {1}?", "Show the {0} of each {2}.",
                                                   "Give me the {0} of all {1}.", "Return the {0} of every {2}."})),
                                c->nl(), plural_of(t), name_of(t));
    return Pair{q, fmt::format("SELECT {} FROM {}", c->column->name, t->name)};
  }

  std::optional<Pair> two_columns() {
    auto pair = column_pair(false);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    std::string q = fmt::format(fmt::runtime(pick({"Show the {0} and {1} of all {2}.", "What are the {0} and {1} of each {3}?",
                                                   "List the {0} and {1} of every {3}.", "Find the {0} and the {1} of the {2}."})),
                                a.nl(), b.nl(), plural_of(t), name_of(t));
    return Pair{q, fmt::format("SELECT {} ,  {} FROM {}", a.column->name, b.column->name, t->name)};
  }

  std::optional<Pair> where_text() {
    auto pair = column_pair(false);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto v = any_value(b, false);
    if (!v) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"What is the {0} of the {2} whose {1} is {3}?", "Show the {0} of {4} with {1} {3}.",
                                                   "Find the {0} of the {4} whose {1} is {3}.", "Which {4} have {1} {3}? Give me their {0}."})),
                                a.nl(), b.nl(), name_of(t), v->text, plural_of(t));
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {}  =  {}", a.column->name, t->name, b.column->name, v->sql)};
  }

  std::optional<Pair> where_number() {
    auto pair = column_pair(true);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto v = any_value(b, true);
    if (!v) return std::nullopt;
    bool greater = below(2) == 0;
    std::string q = greater ? fmt::format(fmt::runtime(pick({"Show the {0} of {2} whose {1} is greater than {3}.",
                                                              "Which {2} have a {1} larger than {3}? List their {0}.",
                                                              "Find the {0} of {2} with {1} more than {3}."})),
                                          a.nl(), b.nl(), plural_of(t), v->text)
                            : fmt::format(fmt::runtime(pick({"Show the {0} of {2} whose {1} is less than {3}.",
                                                              "Which {2} have a {1} smaller than {3}? List their {0}.",
                                                              "Find the {0} of {2} with {1} below {3}."})),
                                          a.nl(), b.nl(), plural_of(t), v->text);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {}  {}  {}", a.column->name, t->name, b.column->name, greater ? ">" : "<", v->sql)};
  }

  std::optional<Pair> aggregate() {
    const Table* t = any_table();
    auto c = any_column(t, true);
    if (!c) return std::nullopt;
    static const std::vector<std::pair<const char*, const char*>> functions = {
        {"average", "avg"}, {"maximum", "max"}, {"minimum", "min"}, {"total", "sum"}, {"highest", "max"}, {"lowest", "min"}};
    const auto& [word, function] = one_of(functions);
    std::string q = fmt::format(fmt::runtime(pick({"What is the {0} {1} of all {2}?", "Find the {0} {1} of the {2}.", "Show the {0} {1} across all {2}."})),
                                word, c->nl(), plural_of(t));
    return Pair{q, fmt::format("SELECT {}({}) FROM {}", function, c->column->name, t->name)};
  }

  std::optional<Pair> count_where() {
    const Table* t = any_table();
    auto c = any_column(t, false);
    if (!c) return std::nullopt;
    auto v = any_value(*c, false);
    if (!v) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"How many {0} have {1} {2}?", "Count the {0} whose {1} is {2}.",
                                                   "How many {0} are there with {1} {2}?"})),
                                plural_of(t), c->nl(), v->text);
    return Pair{q, fmt::format("SELECT count(*) FROM {} WHERE {}  =  {}", t->name, c->column->name, v->sql)};
  }

  std::optional<Pair> group_count() {
    const Table* t = any_table();
    auto c = any_column(t, false);
    if (!c) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"How many {1} are there for each {0}?", "Show each {0} and the number of {1} with it.",
                                                   "For each {0}, count the {1}."})),
                                c->nl(), plural_of(t));
    return Pair{q, fmt::format("SELECT {0} ,  count(*) FROM {1} GROUP BY {0}", c->column->name, t->name)};
  }

  std::optional<Pair> ordered() {
    auto pair = column_pair(false);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    bool descending = below(2) == 0;
    std::string q = descending ? fmt::format(fmt::runtime(pick({"List the {0} of all {2} ordered by {1} descending.",
                                                                 "Show the {0} of the {2} in descending order of {1}."})),
                                             a.nl(), b.nl(), plural_of(t))
                               : fmt::format(fmt::runtime(pick({"List the {0} of all {2} ordered by {1}.",
                                                                 "Show the {0} of the {2} sorted by {1} in ascending order."})),
                                             a.nl(), b.nl(), plural_of(t));
    return Pair{q, fmt::format("SELECT {} FROM {} ORDER BY {}{}", a.column->name, t->name, b.column->name, descending ? " DESC" : "")};
  }

  std::optional<Pair> superlative() {
    auto pair = column_pair(true);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    bool highest = below(2) == 0;
    std::string q = highest ? fmt::format(fmt::runtime(pick({"What is the {0} of the {2} with the highest {1}?",
                                                              "Which {2} has the largest {1}? Give its {0}."})),
                                          a.nl(), b.nl(), name_of(t))
                            : fmt::format(fmt::runtime(pick({"What is the {0} of the {2} with the lowest {1}?",
                                                              "Which {2} has the smallest {1}? Give its {0}."})),
                                          a.nl(), b.nl(), name_of(t));
    return Pair{q, fmt::format("SELECT {} FROM {} ORDER BY {} {} LIMIT 1", a.column->name, t->name, b.column->name, highest ? "DESC" : "ASC")};
  }

  std::optional<Pair> distinct_values() {
    const Table* t = any_table();
    auto c = any_column(t, false);
    if (!c) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"What are the distinct {0} of {1}?", "List all the different {0} of the {1}.",
                                                   "Show the unique {0} values of {1}."})),
                                c->nl(), plural_of(t));
    return Pair{q, fmt::format("SELECT DISTINCT {} FROM {}", c->column->name, t->name)};
  }

  // A foreign key and one nameable column on each side.
  struct JoinParts {
    const ForeignKey* key;
    const Table* from;
    const Table* to;
    ColumnRef from_column, to_column;
  };
  std::optional<JoinParts> any_join() {
    if (keys_.empty()) return std::nullopt;
    const ForeignKey* key = one_of(keys_);
    const Table* from = schema_.find_table(key->from_table);
    const Table* to = schema_.find_table(key->to_table);
    auto a = any_column(from, false);
    auto b = any_column(to, false);
    if (!a || !b) return std::nullopt;
    return JoinParts{key, from, to, *a, *b};
  }
  // The referencing table as T1 (or, with `referenced_first`, the referenced one).
  static std::string join_clause(const JoinParts& j, bool referenced_first = false) {
    if (referenced_first)
      return fmt::format("FROM {} AS T1 JOIN {} AS T2 ON T1.{}  =  T2.{}", j.to->name, j.from->name, j.key->to_column, j.key->from_column);
    return fmt::format("FROM {} AS T1 JOIN {} AS T2 ON T1.{}  =  T2.{}", j.from->name, j.to->name, j.key->from_column, j.key->to_column);
  }

  std::optional<Pair> join_columns() {
    auto j = any_join();
    if (!j) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Show the {0} of each {2} and the {1} of its {3}.",
                                                   "What are the {0} of the {4} and the {1} of their {3}?"})),
                                j->from_column.nl(), j->to_column.nl(), name_of(j->from), name_of(j->to), plural_of(j->from));
    return Pair{q, fmt::format("SELECT T1.{} ,  T2.{} {}", j->from_column.column->name, j->to_column.column->name, join_clause(*j))};
  }

  std::optional<Pair> join_where() {
    auto j = any_join();
    if (!j) return std::nullopt;
    auto v = any_value(j->to_column, false);
    if (!v) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"What is the {0} of the {2} whose {3} has {1} {4}?",
                                                   "Find the {0} of {5} whose {3} {1} is {4}."})),
                                j->from_column.nl(), j->to_column.nl(), name_of(j->from), name_of(j->to), v->text, plural_of(j->from));
    return Pair{q, fmt::format("SELECT T1.{} {} WHERE T2.{}  =  {}", j->from_column.column->name, join_clause(*j),
                               j->to_column.column->name, v->sql)};
  }

  std::optional<Pair> join_group_count() {
    auto j = any_join();
    if (!j) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"For each {1}, show its {0} and the number of {2}.",
                                                   "How many {2} does each {1} have? Show the {0} and the count."})),
                                j->to_column.nl(), name_of(j->to), plural_of(j->from));
    return Pair{q, fmt::format("SELECT T2.{} ,  count(*) {} GROUP BY T1.{}", j->to_column.column->name, join_clause(*j), j->key->from_column)};
  }

  std::optional<Pair> having_count() {
    const Table* t = any_table();
    auto c = any_column(t, false);
    if (!c) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Which {0} values are shared by at least two {1}?", "Show the {0} that appear in more than one {2}."})),
                                c->nl(), plural_of(t), name_of(t));
    return Pair{q, fmt::format("SELECT {0} FROM {1} GROUP BY {0} HAVING count(*)  >=  2", c->column->name, t->name)};
  }

  std::optional<Pair> like_text() {
    auto pair = column_pair(false);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto v = any_value(b, false);
    if (!v) return std::nullopt;
    // A word of the value (letters only, 3+ characters) as the substring.
    std::vector<std::string> words;
    std::string word;
    for (char ch : v->text + " ") {
      if (std::isalpha(static_cast<unsigned char>(ch))) {
        word += ch;
      } else {
        if (word.size() >= 3) words.push_back(word);
        word.clear();
      }
    }
    if (words.empty()) return std::nullopt;
    const std::string& part = one_of(words);
    std::string q = fmt::format(fmt::runtime(pick({"Which {2} have a {1} containing '{3}'? Show their {0}.",
                                                   "Find the {0} of {2} whose {1} contains the word {3}."})),
                                a.nl(), b.nl(), plural_of(t), part);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {} LIKE '%{}%'", a.column->name, t->name, b.column->name, part)};
  }

  std::optional<Pair> most_common() {
    const Table* t = any_table();
    auto c = any_column(t, false);
    if (!c) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Which {0} has the most {1}?", "What is the most common {0} among the {1}?"})), c->nl(),
                                plural_of(t));
    return Pair{q, fmt::format("SELECT {0} FROM {1} GROUP BY {0} ORDER BY count(*) DESC LIMIT 1", c->column->name, t->name)};
  }

  std::optional<Pair> not_in() {
    auto j = any_join();
    if (!j) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Which {1} have no {2}? Give their {0}.", "Find the {0} of {1} that do not have any {2}."})),
                                j->to_column.nl(), plural_of(j->to), name_of(j->from));
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {} NOT IN (SELECT {} FROM {})", j->to_column.column->name, j->to->name,
                               j->key->to_column, j->key->from_column, j->from->name)};
  }

  std::optional<Pair> group_average() {
    auto pair = column_pair(true);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    std::string q = fmt::format(fmt::runtime(pick({"What is the average {1} for each {0}?", "Show each {0} and the average {1} of its {2}."})),
                                a.nl(), b.nl(), plural_of(t));
    return Pair{q, fmt::format("SELECT {0} ,  avg({1}) FROM {2} GROUP BY {0}", a.column->name, b.column->name, t->name)};
  }

  std::optional<Pair> between() {
    auto pair = column_pair(true);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto low = any_value(b, true), high = any_value(b, true);
    if (!low || !high || low->sql == high->sql) return std::nullopt;
    if (std::stod(low->sql) > std::stod(high->sql)) std::swap(low, high);
    std::string q = fmt::format("Find the {} of {} whose {} is between {} and {}.", a.nl(), plural_of(t), b.nl(), low->text, high->text);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {} BETWEEN {} AND {}", a.column->name, t->name, b.column->name, low->sql, high->sql)};
  }

  // A join whose referencing-side column is not the key itself ("whose singer id is 4" over the
  // key that joins is no question people ask).
  std::optional<JoinParts> join_on_other_column() {
    auto j = any_join();
    if (!j || j->from_column.column->name == j->key->from_column) return std::nullopt;
    return j;
  }

  // ---- The extended set: the shapes Spider's medium, hard and extra-hard questions are made of
  // (joins with grouping, ordering and HAVING, two conditions, nested averages, set operations,
  // joins through a link table).

  // The join written with either table first, as Spider's gold queries do: `from` and `to` are the
  // aliases of the referencing and the referenced table.
  struct AliasedJoin {
    std::string clause, from, to;
  };
  AliasedJoin aliased(const JoinParts& j) {
    if (below(2) == 0) return {join_clause(j), "T1", "T2"};
    return {join_clause(j, true), "T2", "T1"};
  }

  std::optional<Pair> join_most_count() {
    auto j = any_join();
    if (!j) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    const bool most = below(3) != 0;
    std::string q = most ? fmt::format(fmt::runtime(pick({"Which {1} has the most {2}? Give its {0}.",
                                                          "What is the {0} of the {1} with the largest number of {2}?",
                                                          "Show the {0} of the {1} that has the most {2}."})),
                                       j->to_column.nl(), name_of(j->to), plural_of(j->from))
                         : fmt::format(fmt::runtime(pick({"Which {1} has the fewest {2}? Give its {0}.",
                                                          "What is the {0} of the {1} with the smallest number of {2}?"})),
                                       j->to_column.nl(), name_of(j->to), plural_of(j->from));
    return Pair{q, fmt::format("SELECT {}.{} {} GROUP BY {}.{} ORDER BY count(*) {} LIMIT 1", a.to, j->to_column.column->name, a.clause,
                               a.from, j->key->from_column, most ? "DESC" : "ASC")};
  }

  std::optional<Pair> join_having() {
    auto j = any_join();
    if (!j) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    const int n = 2 + static_cast<int>(below(2));
    const bool at_least = below(2) == 0;
    std::string q = fmt::format(fmt::runtime(at_least ? pick({"Which {1} have at least {3} {2}? List their {0}.",
                                                              "Show the {0} of the {1} that have {3} or more {2}."})
                                                      : pick({"Which {1} have more than {3} {2}? List their {0}.",
                                                              "Find the {0} of {1} with more than {3} {2}."})),
                                j->to_column.nl(), plural_of(j->to), plural_of(j->from), n);
    return Pair{q, fmt::format("SELECT {}.{} {} GROUP BY {}.{} HAVING count(*)  {}  {}", a.to, j->to_column.column->name, a.clause, a.from,
                               j->key->from_column, at_least ? ">=" : ">", n)};
  }

  // The row of one table with the highest or lowest number, answered with a column of the other.
  std::optional<Pair> join_superlative() {
    auto j = any_join();
    if (!j) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    const bool ordered_by_referencing = below(2) == 0;
    const Table* ordered_table = ordered_by_referencing ? j->from : j->to;
    auto number = any_column(ordered_table, true);
    if (!number) return std::nullopt;
    const ColumnRef& shown = ordered_by_referencing ? j->to_column : j->from_column;
    const Table* shown_table = ordered_by_referencing ? j->to : j->from;
    const bool highest = below(2) == 0;
    std::string q = fmt::format(fmt::runtime(highest ? pick({"What is the {0} of the {1} related to the {2} with the highest {3}?",
                                                             "Find the {0} of the {1} whose {2} has the largest {3}."})
                                                     : pick({"What is the {0} of the {1} related to the {2} with the lowest {3}?",
                                                             "Find the {0} of the {1} whose {2} has the smallest {3}."})),
                                shown.nl(), name_of(shown_table), name_of(ordered_table), number->nl());
    return Pair{q, fmt::format("SELECT {}.{} {} ORDER BY {}.{} {} LIMIT 1", ordered_by_referencing ? a.to : a.from, shown.column->name,
                               a.clause, ordered_by_referencing ? a.from : a.to, number->column->name, highest ? "DESC" : "ASC")};
  }

  std::optional<Pair> join_group_aggregate() {
    auto j = any_join();
    if (!j) return std::nullopt;
    auto number = any_column(j->from, true);
    if (!number) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    static const std::vector<std::pair<const char*, const char*>> functions = {
        {"total", "sum"}, {"average", "avg"}, {"maximum", "max"}, {"minimum", "min"}};
    const auto& [word, function] = one_of(functions);
    std::string q = fmt::format(fmt::runtime(pick({"For each {0} of the {1}, what is the {2} {3} of their {4}?",
                                                   "Show each {1} {0} and the {2} {3} of its {4}."})),
                                j->to_column.nl(), plural_of(j->to), word, number->nl(), plural_of(j->from));
    return Pair{q, fmt::format("SELECT {0}.{1} ,  {2}({3}.{4}) {5} GROUP BY {0}.{1}", a.to, j->to_column.column->name, function, a.from,
                               number->column->name, a.clause)};
  }

  std::optional<Pair> join_count_where() {
    auto j = any_join();
    if (!j) return std::nullopt;
    auto v = any_value(j->to_column, false);
    if (!v) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    std::string q = fmt::format(fmt::runtime(pick({"How many {0} belong to the {1} whose {2} is {3}?",
                                                   "Count the {0} of the {1} with {2} {3}."})),
                                plural_of(j->from), name_of(j->to), j->to_column.nl(), v->text);
    return Pair{q, fmt::format("SELECT count(*) {} WHERE {}.{}  =  {}", a.clause, a.to, j->to_column.column->name, v->sql)};
  }

  // A column of the referenced table, filtered by a text or numeric condition on the referencing one.
  std::optional<Pair> join_where_referencing() {
    auto j = join_on_other_column();
    if (!j) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    if (below(2) == 0) {
      auto v = any_value(j->from_column, false);
      if (!v) return std::nullopt;
      std::string q = fmt::format(fmt::runtime(pick({"What are the {0} of the {1} that have a {2} with {3} {4}?",
                                                     "Show the {0} of {1} having a {2} whose {3} is {4}."})),
                                  j->to_column.nl(), plural_of(j->to), name_of(j->from), j->from_column.nl(), v->text);
      return Pair{q, fmt::format("SELECT {}.{} {} WHERE {}.{}  =  {}", a.to, j->to_column.column->name, a.clause, a.from,
                                 j->from_column.column->name, v->sql)};
    }
    auto number = any_column(j->from, true);
    if (!number) return std::nullopt;
    auto v = any_value(*number, true);
    if (!v) return std::nullopt;
    const bool greater = below(2) == 0;
    std::string q = fmt::format(fmt::runtime(pick({"List the {0} of the {1} that have a {2} with {3} {4} {5}.",
                                                   "Which {1} have a {2} whose {3} is {4} {5}? Give their {0}."})),
                                j->to_column.nl(), plural_of(j->to), name_of(j->from), number->nl(), greater ? "greater than" : "less than",
                                v->text);
    return Pair{q, fmt::format("SELECT DISTINCT {}.{} {} WHERE {}.{}  {}  {}", a.to, j->to_column.column->name, a.clause, a.from,
                               number->column->name, greater ? ">" : "<", v->sql)};
  }

  std::optional<Pair> where_and() {
    auto pair = column_pair(false);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto v = any_value(b, false);
    auto number = any_column(t, true, b.column);
    if (!v || !number || number->column == a.column) return std::nullopt;
    auto n = any_value(*number, true);
    if (!n) return std::nullopt;
    const bool greater = below(2) == 0;
    std::string q = fmt::format(fmt::runtime(pick({"Find the {0} of {1} whose {2} is {3} and whose {4} is {5} {6}.",
                                                   "Which {1} have {2} {3} and a {4} {5} {6}? Show their {0}."})),
                                a.nl(), plural_of(t), b.nl(), v->text, number->nl(), greater ? "greater than" : "less than", n->text);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {}  =  {} AND {}  {}  {}", a.column->name, t->name, b.column->name, v->sql,
                               number->column->name, greater ? ">" : "<", n->sql)};
  }

  std::optional<Pair> where_or() {
    auto pair = column_pair(false);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto first = any_value(b, false), second = any_value(b, false);
    if (!first || !second || first->sql == second->sql) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Show the {0} of {1} whose {2} is {3} or {4}.",
                                                   "What are the {0} of the {1} with {2} either {3} or {4}?"})),
                                a.nl(), plural_of(t), b.nl(), first->text, second->text);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {}  =  {} OR {}  =  {}", a.column->name, t->name, b.column->name, first->sql,
                               b.column->name, second->sql)};
  }

  std::optional<Pair> compared_to_average() {
    auto pair = column_pair(true);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    const bool above = below(2) == 0;
    std::string q = fmt::format(fmt::runtime(pick({"Which {2} have a {1} {3} the average? List their {0}.",
                                                   "Find the {0} of {2} whose {1} is {3} the average {1} of all {2}."})),
                                a.nl(), b.nl(), plural_of(t), above ? "above" : "below");
    return Pair{q, fmt::format("SELECT {0} FROM {1} WHERE {2}  {3}  (SELECT avg({2}) FROM {1})", a.column->name, t->name, b.column->name,
                               above ? ">" : "<")};
  }

  // Referenced rows with no referencing row matching a value: EXCEPT over a join.
  std::optional<Pair> join_except() {
    auto j = join_on_other_column();
    if (!j) return std::nullopt;
    auto v = any_value(j->from_column, false);
    if (!v) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Which {1} have no {2} with {3} {4}? Give their {0}.",
                                                   "Find the {0} of {1} that do not have any {2} whose {3} is {4}."})),
                                j->to_column.nl(), plural_of(j->to), name_of(j->from), j->from_column.nl(), v->text);
    return Pair{q, fmt::format("SELECT {0} FROM {1} EXCEPT SELECT T2.{0} {2} WHERE T1.{3}  =  {4}", j->to_column.column->name, j->to->name,
                               join_clause(*j), j->from_column.column->name, v->sql)};
  }

  // Values held both by rows above one number and by rows below another: INTERSECT on one table.
  std::optional<Pair> intersect_ranges() {
    auto pair = column_pair(true);
    if (!pair) return std::nullopt;
    const auto& [t, a, b] = *pair;
    auto high = any_value(b, true), low = any_value(b, true);
    if (!high || !low) return std::nullopt;
    const bool both = below(2) == 0;
    std::string q = both ? fmt::format("Which {0} belong both to {1} with {2} greater than {3} and to {1} with {2} less than {4}?", a.nl(),
                                       plural_of(t), b.nl(), high->text, low->text)
                         : fmt::format("Show the {0} of {1} with {2} greater than {3} or less than {4}.", a.nl(), plural_of(t), b.nl(),
                                       high->text, low->text);
    return Pair{q, fmt::format("SELECT {0} FROM {1} WHERE {2}  >  {3} {5} SELECT {0} FROM {1} WHERE {2}  <  {4}", a.column->name, t->name,
                               b.column->name, high->sql, low->sql, both ? "INTERSECT" : "UNION")};
  }

  // Referenced rows that have referencing rows with two different values: INTERSECT over a join.
  std::optional<Pair> join_intersect() {
    auto j = join_on_other_column();
    if (!j) return std::nullopt;
    auto first = any_value(j->from_column, false), second = any_value(j->from_column, false);
    if (!first || !second || first->sql == second->sql) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"Which {1} have both a {2} with {3} {4} and a {2} with {3} {5}? Give their {0}.",
                                                   "Find the {0} of the {1} that have {2} whose {3} is {4} and also {2} whose {3} is {5}."})),
                                j->to_column.nl(), plural_of(j->to), name_of(j->from), j->from_column.nl(), first->text, second->text);
    return Pair{q, fmt::format("SELECT T2.{0} {1} WHERE T1.{2}  =  {3} INTERSECT SELECT T2.{0} {1} WHERE T1.{2}  =  {4}",
                               j->to_column.column->name, join_clause(*j), j->from_column.column->name, first->sql, second->sql)};
  }

  // Two tables joined through a link table that references both.
  std::optional<Pair> two_hop() {
    if (links_.empty()) return std::nullopt;
    const auto& [first_key, second_key] = one_of(links_);
    const Table* link = schema_.find_table(first_key->from_table);
    const Table* left = schema_.find_table(first_key->to_table);
    const Table* right = schema_.find_table(second_key->to_table);
    auto shown = any_column(left, false);
    auto other = any_column(right, false);
    if (!shown || !other) return std::nullopt;
    const std::string clause = fmt::format("FROM {} AS T1 JOIN {} AS T2 ON T1.{}  =  T2.{} JOIN {} AS T3 ON T2.{}  =  T3.{}", left->name,
                                           link->name, first_key->to_column, first_key->from_column, right->name,
                                           second_key->from_column, second_key->to_column);
    if (below(3) == 0) {
      std::string q = fmt::format(fmt::runtime(pick({"Show the {0} of each {1} and the {2} of the {3} it is linked to by {4}.",
                                                     "List the {0} of the {5} together with the {2} of their {6}."})),
                                  shown->nl(), name_of(left), other->nl(), name_of(right), plural_of(link), plural_of(left),
                                  plural_of(right));
      return Pair{q, fmt::format("SELECT T1.{} ,  T3.{} {}", shown->column->name, other->column->name, clause)};
    }
    auto v = any_value(*other, false);
    if (!v) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"What are the {0} of the {1} that have a {2} with the {3} whose {4} is {5}?",
                                                   "Find the {0} of {1} linked to a {3} with {4} {5}."})),
                                shown->nl(), plural_of(left), name_of(link), name_of(right), other->nl(), v->text);
    return Pair{q, fmt::format("SELECT T1.{} {} WHERE T3.{}  =  {}", shown->column->name, clause, other->column->name, v->sql)};
  }

  // ---- The wide set: questions that ask for several columns at once ("List the vote ids, phone
  // numbers and states of all votes."), the shape of a third of Spider's dev questions, which the
  // two-column templates above under-teach.

  // How many columns a wide question asks for: two to four, three most often.
  size_t width() {
    const size_t r = below(20);
    return r < 8 ? 2 : r < 17 ? 3 : 4;
  }

  // Up to `count` different nameable columns of `table` (at least two when more than one is
  // asked), in a random order, none of them `excluded`. Fisher-Yates on mt19937_64 draws, so the
  // order is the same on every platform.
  std::optional<std::vector<ColumnRef>> some_columns(const Table* table, size_t count, const Column* excluded = nullptr) {
    std::vector<ColumnRef> candidates;
    for (const Column& column : table->columns)
      if (&column != excluded && plain_identifier(column.name) && !column.natural_name.empty()) candidates.push_back({table, &column});
    if (candidates.empty() || (count >= 2 && candidates.size() < 2)) return std::nullopt;
    count = std::min(count, candidates.size());
    for (size_t i = 0; i < count; ++i) std::swap(candidates[i], candidates[i + below(candidates.size() - i)]);
    candidates.resize(count);
    return candidates;
  }

  // "name, age and major" or, half the time, in the plural Spider's questions use ("names, ages
  // and majors"; names with "of" stay singular: "dates of birth" is not what plural_noun makes).
  std::string column_phrase(const std::vector<ColumnRef>& columns) {
    const bool plural = below(2) == 0;
    const bool serial_comma = below(2) == 0;
    std::string phrase;
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string name = columns[i].nl();
      if (plural && name.find(" of ") == std::string::npos) name = plural_noun(name);
      if (i > 0) phrase += i + 1 < columns.size() ? ", " : (serial_comma && columns.size() > 2 ? ", and " : " and ");
      phrase += name;
    }
    return phrase;
  }

  // "a ,  b ,  c" as Spider's gold queries space select lists, each column after `alias.` if given.
  static std::string select_list(const std::vector<ColumnRef>& columns, const std::string& alias = "") {
    std::string list;
    for (const ColumnRef& column : columns) {
      if (!list.empty()) list += " ,  ";
      list += alias.empty() ? column.column->name : alias + "." + column.column->name;
    }
    return list;
  }

  std::optional<Pair> wide_list() {
    const Table* t = any_table();
    auto columns = some_columns(t, width());
    if (!columns) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"List the {0} of all {1}.", "What are the {0} of each {2}?", "Show the {0} for all {1}.",
                                                   "Give me the {0} of every {2}.", "What are the {0} of the {1}?"})),
                                column_phrase(*columns), plural_of(t), name_of(t));
    return Pair{q, fmt::format("SELECT {} FROM {}", select_list(*columns), t->name)};
  }

  std::optional<Pair> wide_where_text() {
    const Table* t = any_table();
    auto condition = any_column(t, false);
    if (!condition) return std::nullopt;
    auto columns = some_columns(t, width(), condition->column);
    auto v = any_value(*condition, false);
    if (!columns || !v) return std::nullopt;
    std::string q = fmt::format(fmt::runtime(pick({"What are the {0} of the {1} whose {3} is {4}?", "Show the {0} of {1} with {3} {4}.",
                                                   "Find the {0} of the {2} whose {3} is {4}.", "Which {1} have {3} {4}? List their {0}."})),
                                column_phrase(*columns), plural_of(t), name_of(t), condition->nl(), v->text);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {}  =  {}", select_list(*columns), t->name, condition->column->name, v->sql)};
  }

  std::optional<Pair> wide_where_number() {
    const Table* t = any_table();
    auto condition = any_column(t, true);
    if (!condition) return std::nullopt;
    auto columns = some_columns(t, width(), condition->column);
    auto v = any_value(*condition, true);
    if (!columns || !v) return std::nullopt;
    const bool greater = below(2) == 0;
    std::string q = fmt::format(fmt::runtime(pick({"Show the {0} of {1} whose {2} is {3} {4}.", "Which {1} have a {2} {3} {4}? List their {0}.",
                                                   "What are the {0} of the {1} with {2} {3} {4}?"})),
                                column_phrase(*columns), plural_of(t), condition->nl(), greater ? "greater than" : "less than", v->text);
    return Pair{q, fmt::format("SELECT {} FROM {} WHERE {}  {}  {}", select_list(*columns), t->name, condition->column->name,
                               greater ? ">" : "<", v->sql)};
  }

  std::optional<Pair> wide_ordered() {
    const Table* t = any_table();
    auto columns = some_columns(t, width());
    if (!columns) return std::nullopt;
    // Ordered by one of the listed columns or by another one, as Spider's questions are.
    auto order = below(2) == 0 ? std::optional<ColumnRef>((*columns)[below(columns->size())]) : any_column(t, false);
    if (!order) return std::nullopt;
    const bool descending = below(2) == 0;
    std::string q = descending ? fmt::format(fmt::runtime(pick({"List the {0} of all {1}, ordered by {2} descending.",
                                                                 "Show the {0} of the {1} in descending order of {2}.",
                                                                 "What are the {0} of the {1}, sorted by {2} from highest to lowest?"})),
                                             column_phrase(*columns), plural_of(t), order->nl())
                               : fmt::format(fmt::runtime(pick({"List the {0} of all {1}, ordered by {2}.",
                                                                 "Show the {0} of the {1} sorted by {2} in ascending order.",
                                                                 "What are the {0} of the {1} in ascending order of {2}?"})),
                                             column_phrase(*columns), plural_of(t), order->nl());
    return Pair{q, fmt::format("SELECT {} FROM {} ORDER BY {}{}", select_list(*columns), t->name, order->column->name,
                               descending ? " DESC" : "")};
  }

  // The rows with the highest or lowest numbers: LIMIT 1 to 5.
  std::optional<Pair> wide_top() {
    const Table* t = any_table();
    auto number = any_column(t, true);
    if (!number) return std::nullopt;
    auto columns = some_columns(t, width(), number->column);
    if (!columns) return std::nullopt;
    const bool highest = below(2) == 0;
    const size_t n = 1 + below(5);
    const std::string most = highest ? pick({"highest", "largest"}) : pick({"lowest", "smallest"});
    std::string q = n == 1 ? fmt::format(fmt::runtime(pick({"What are the {0} of the {1} with the {2} {3}?",
                                                            "Show the {0} of the {1} that has the {2} {3}."})),
                                         column_phrase(*columns), name_of(t), most, number->nl())
                           : fmt::format(fmt::runtime(pick({"What are the {0} of the {4} {1} with the {2} {3}?",
                                                            "Show the {0} of the top {4} {1} by {3}, {5} first."})),
                                         column_phrase(*columns), plural_of(t), most, number->nl(), n, highest ? "highest" : "lowest");
    return Pair{q, fmt::format("SELECT {} FROM {} ORDER BY {} {} LIMIT {}", select_list(*columns), t->name, number->column->name,
                               highest ? "DESC" : "ASC", n)};
  }

  // Columns of both joined tables: "Show the titles and credits of each course and the name of
  // its department."
  std::optional<Pair> join_wide_columns() {
    auto j = any_join();
    if (!j) return std::nullopt;
    auto from_columns = some_columns(j->from, 1 + below(2));
    auto to_columns = some_columns(j->to, 1 + below(2));
    if (!from_columns || !to_columns) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    std::string q = fmt::format(fmt::runtime(pick({"Show the {0} of each {2} and the {1} of its {3}.",
                                                   "For each {2}, list its {0} together with the {1} of the {3} it belongs to.",
                                                   "What are the {0} of the {4}, and the {1} of their {3}?"})),
                                column_phrase(*from_columns), column_phrase(*to_columns), name_of(j->from), name_of(j->to),
                                plural_of(j->from));
    return Pair{q, fmt::format("SELECT {} ,  {} {}", select_list(*from_columns, a.from), select_list(*to_columns, a.to), a.clause)};
  }

  // "What are the ids and names of each document, as well as the number of paragraphs in each?"
  std::optional<Pair> join_wide_group_count() {
    auto j = any_join();
    if (!j) return std::nullopt;
    auto columns = some_columns(j->to, 2 + below(2));
    if (!columns) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    std::string q = fmt::format(fmt::runtime(pick({"What are the {0} of each {1}, and how many {2} does each have?",
                                                   "For each {1}, show its {0} and the number of {2}.",
                                                   "List the {0} of every {1} as well as the number of {2} in each."})),
                                column_phrase(*columns), name_of(j->to), plural_of(j->from));
    return Pair{q, fmt::format("SELECT {} ,  count(*) {} GROUP BY {}.{}", select_list(*columns, a.to), a.clause, a.from,
                               j->key->from_column)};
  }

  // Columns of the referencing table, filtered on the referenced one.
  std::optional<Pair> join_wide_where() {
    auto j = any_join();
    if (!j) return std::nullopt;
    auto columns = some_columns(j->from, width());
    auto v = any_value(j->to_column, false);
    if (!columns || !v) return std::nullopt;
    const AliasedJoin a = aliased(*j);
    std::string q = fmt::format(fmt::runtime(pick({"What are the {0} of the {1} whose {2} has {3} {4}?",
                                                   "Show the {0} of all {1} of the {2} with {3} {4}.",
                                                   "Find the {0} of {1} whose {2} {3} is {4}."})),
                                column_phrase(*columns), plural_of(j->from), name_of(j->to), j->to_column.nl(), v->text);
    return Pair{q, fmt::format("SELECT {} {} WHERE {}.{}  =  {}", select_list(*columns, a.from), a.clause, a.to,
                               j->to_column.column->name, v->sql)};
  }

  const Schema& schema_;
  const SqlSandbox& database_;
  std::mt19937_64 rng_;
  bool extended_;
  bool wide_;
  std::vector<const Table*> tables_;
  std::vector<const ForeignKey*> keys_;
  std::vector<std::pair<const ForeignKey*, const ForeignKey*>> links_;
  std::map<std::string, std::vector<Literal>> values_;
  std::vector<std::string> values_named_;  // the values the current attempt put in its question
};

}  // namespace

std::vector<SpiderExample> augment_database(const Schema& schema, const SqlSandbox& database, SpiderSplit split,
                                            const AugmentOptions& options) {
  std::vector<SpiderExample> examples;
  Generator generator(schema, database, options.seed ^ fnv1a64(schema.db_id), options.templates);
  if (!generator.usable() || options.per_database <= 0) return examples;
  std::set<std::string> seen;
  // Templates that do not fit this database (no numeric column, no foreign key, no rows) fail;
  // a bounded number of attempts keeps small databases from looping.
  for (int attempt = 0; attempt < options.per_database * 20 && static_cast<int>(examples.size()) < options.per_database; ++attempt) {
    std::optional<Pair> pair = generator.attempt();
    if (!pair || !seen.insert(pair->question).second) continue;
    QueryOutcome outcome = database.run(pair->query);
    if (!outcome.ok() || outcome.result.rows.empty()) continue;
    SpiderExample example;
    example.db_id = schema.db_id;
    example.question = std::move(pair->question);
    example.query = std::move(pair->query);
    example.split = split;
    example.index = static_cast<int>(examples.size());
    examples.push_back(std::move(example));
  }
  return examples;
}

}  // namespace t2sql
