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
  Generator(const Schema& schema, const SqlSandbox& database, uint64_t seed) : schema_(schema), database_(database), rng_(seed) {
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
  }

  bool usable() const { return !tables_.empty(); }

  std::optional<Pair> attempt() {
    switch (rng_() % 20) {
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
      default: return between();
    }
  }

 private:
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
    return *fitting[below(fitting.size())];
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
  static std::string join_clause(const JoinParts& j) {
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

  const Schema& schema_;
  const SqlSandbox& database_;
  std::mt19937_64 rng_;
  std::vector<const Table*> tables_;
  std::vector<const ForeignKey*> keys_;
  std::map<std::string, std::vector<Literal>> values_;
};

}  // namespace

std::vector<SpiderExample> augment_database(const Schema& schema, const SqlSandbox& database, SpiderSplit split,
                                            const AugmentOptions& options) {
  std::vector<SpiderExample> examples;
  Generator generator(schema, database, options.seed ^ fnv1a64(schema.db_id));
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
