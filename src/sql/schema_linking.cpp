#include "sql/schema_linking.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "sql/sql_lexer.hpp"

namespace t2sql {
namespace {

const std::unordered_set<std::string>& stop_words() {
  static const std::unordered_set<std::string> words = {
      "a",     "an",   "the",  "of",   "in",   "on",    "for",   "to",   "is",   "are",  "was",   "were", "be",
      "what",  "which", "who", "whom", "whose", "how",  "many",  "much", "and",  "or",   "with",  "by",   "from",
      "that",  "this", "these", "those", "all", "each", "their", "its",  "it",   "do",   "does",  "did",  "has",
      "have",  "had",  "list", "show", "find", "give",  "return", "me",  "at",   "as",   "than",  "there", "any",
      "also",  "both", "when", "where", "who", "whose", "not",   "no",   "number", "ids", "id",   "we",   "you"};
  return words;
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

// Score of a name (its words) against the question: 3 when the whole name occurs (exact or
// stemmed), else up to 2 for the fraction of its content words found (stemmed words count 0.8).
double name_score(const std::vector<std::string>& name, const std::vector<std::string>& question,
                  const std::unordered_set<std::string>& question_words, const std::unordered_set<std::string>& question_stems) {
  std::vector<std::string> content;
  for (const auto& word : name) {
    if (!stop_words().count(word) && word.size() >= 2) content.push_back(word);
  }
  if (content.empty()) return 0.0;
  // Whole name as consecutive question words ("concert name"), or glued ("concertname").
  std::string glued;
  for (const auto& word : name) glued += word;
  for (size_t i = 0; i + name.size() <= question.size(); ++i) {
    bool all = true;
    for (size_t j = 0; j < name.size() && all; ++j) all = stem_word(question[i + j]) == stem_word(name[j]);
    if (all) return 3.0;
  }
  if (name.size() > 1 && question_words.count(glued)) return 3.0;
  double found = 0.0;
  for (const auto& word : content) {
    if (question_words.count(word)) {
      found += 1.0;
    } else if (question_stems.count(stem_word(word))) {
      found += 0.8;
    }
  }
  return 2.0 * found / static_cast<double>(content.size());
}

}  // namespace

std::vector<std::string> name_words(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  auto flush = [&] {
    if (!current.empty()) words.push_back(lower(current));
    current.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isalnum(c) || c >= 0x80) {
      // camelCase boundary: a lower-case letter followed by an upper-case one.
      if (std::isupper(c) && !current.empty() && std::islower(static_cast<unsigned char>(current.back()))) flush();
      current += static_cast<char>(c);
    } else {
      flush();
    }
  }
  flush();
  return words;
}

std::string stem_word(std::string_view input) {
  std::string word = lower(input);
  auto ends_with = [&](std::string_view suffix) {
    return word.size() > suffix.size() + 2 && word.compare(word.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  if (ends_with("ies")) return word.substr(0, word.size() - 3) + "y";
  if (ends_with("sses") || ends_with("shes") || ends_with("ches") || ends_with("xes")) return word.substr(0, word.size() - 2);
  if (ends_with("ing")) return word.substr(0, word.size() - 3);
  if (ends_with("ed")) return word.substr(0, word.size() - 2);
  if (ends_with("s") && !ends_with("ss") && !ends_with("us") && !ends_with("is")) return word.substr(0, word.size() - 1);
  return word;
}

ValueIndex ValueIndex::build(const SqlSandbox& database, const SchemaNames& schema, const Limits& limits) {
  ValueIndex index;
  auto quote = [](std::string_view name) {
    std::string result = "\"";
    for (char c : name) {
      result += c;
      if (c == '"') result += '"';
    }
    return result + "\"";
  };
  for (const auto& table : schema.tables) {
    for (const auto& column : table.columns) {
      std::string sql = "SELECT DISTINCT " + quote(column) + " FROM " + quote(table.name) + " WHERE typeof(" + quote(column) +
                        ") = 'text' LIMIT " + std::to_string(limits.max_values_per_column);
      QueryOutcome outcome = database.run(sql);
      if (!outcome.ok()) continue;
      for (const auto& row : outcome.result.rows) {
        const auto* text = std::get_if<std::string>(&row[0]);
        if (text == nullptr || text->empty() || text->size() > limits.max_value_chars) continue;
        std::string key = lower(*text);
        // Trim surrounding spaces: questions never carry them.
        size_t begin = key.find_first_not_of(' '), end = key.find_last_not_of(' ');
        if (begin == std::string::npos) continue;
        key = key.substr(begin, end - begin + 1);
        index.values_.emplace(key, std::make_pair(table.name, column));
        index.original_.emplace(key, *text);
      }
    }
  }
  return index;
}

std::vector<ValueIndex::Hit> ValueIndex::match(std::string_view question) const {
  std::vector<Hit> hits;
  // Words with their original separators collapsed to one space: values like "New York" match.
  std::vector<std::string> words;
  std::string current;
  for (char c : question) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80 || c == '\'' || c == '-' || c == '.' || c == '&') {
      current += static_cast<char>(std::tolower(u));
    } else if (!current.empty()) {
      words.push_back(current);
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(current);
  for (auto& word : words) {
    while (!word.empty() && (word.back() == '.' || word.back() == '\'')) word.pop_back();
  }
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  for (size_t n = 3; n >= 1; --n) {
    for (size_t i = 0; i + n <= words.size(); ++i) {
      std::string gram = words[i];
      for (size_t j = 1; j < n; ++j) gram += " " + words[i + j];
      if (n == 1 && (gram.size() < 3 || stop_words().count(gram))) continue;
      auto [begin, end] = values_.equal_range(gram);
      for (auto it = begin; it != end; ++it) {
        if (seen.insert({it->second.first, it->second.second, gram}).second) {
          hits.push_back({it->second.first, it->second.second, original_.at(gram)});
        }
      }
    }
  }
  return hits;
}

SchemaLinkingResult link_schema(std::string_view question, const SchemaNames& schema,
                                const std::vector<std::pair<std::string, std::string>>& foreign_keys,
                                const ValueIndex* values, const SchemaLinkingOptions& options) {
  std::vector<std::string> words = name_words(question);
  std::unordered_set<std::string> word_set(words.begin(), words.end());
  std::unordered_set<std::string> stem_set;
  for (const auto& word : words) stem_set.insert(stem_word(word));

  SchemaLinkingResult result;
  std::vector<ValueIndex::Hit> value_hits;
  if (values != nullptr) value_hits = values->match(question);
  // Content words of each table name ("singer in concert" -> "singer concert"): a column such as
  // Stadium_ID in concert names another table, and links that table, not its own.
  auto content_key = [](const std::vector<std::string>& words) {
    std::string key;
    for (const auto& word : words) {
      if (!stop_words().count(word)) key += (key.empty() ? "" : " ") + word;
    }
    return key;
  };
  std::set<std::string> table_keys;
  for (const auto& table : schema.tables) table_keys.insert(content_key(name_words(table.name)));
  for (const auto& table : schema.tables) {
    LinkedTable linked{table.name, 0.0, {}};
    std::string own_key = content_key(name_words(table.name));
    double score = name_score(name_words(table.name), words, word_set, stem_set);
    if (score > 0) linked.reasons.push_back("name: " + table.name);
    for (const auto& column : table.columns) {
      std::vector<std::string> column_words = name_words(column);
      std::string column_key = content_key(column_words);
      if (column_key != own_key && table_keys.count(column_key)) continue;  // a reference to another table
      double column_score = name_score(column_words, words, word_set, stem_set);
      if (column_score >= 1.5) {
        result.linked_columns.insert(lower(table.name) + "." + lower(column));
        linked.reasons.push_back("column: " + column);
        score += 0.3 * column_score;  // one generic column ("name") alone does not link a table
      }
    }
    for (const auto& hit : value_hits) {
      if (!iequals(hit.table, table.name)) continue;
      result.linked_columns.insert(lower(table.name) + "." + lower(hit.column));
      linked.reasons.push_back("value: " + hit.value + " (" + hit.column + ")");
      score += 2.0;
    }
    linked.score = score;
    result.tables.push_back(std::move(linked));
  }
  std::vector<size_t> order(result.tables.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return result.tables[a].score > result.tables[b].score; });

  std::set<std::string> kept;
  for (const auto& table : result.tables) {
    if (table.score >= options.min_table_score) kept.insert(lower(table.name));
  }
  if (!options.prune || kept.empty()) {
    for (const auto& table : schema.tables) kept.insert(lower(table.name));
  } else {
    // Bridge tables: a table with foreign keys to or from two kept tables joins them.
    std::map<std::string, std::set<std::string>> neighbours;
    for (const auto& [from, to] : foreign_keys) {
      neighbours[lower(from)].insert(lower(to));
      neighbours[lower(to)].insert(lower(from));
    }
    std::set<std::string> bridges;
    for (const auto& table : schema.tables) {
      std::string name = lower(table.name);
      if (kept.count(name)) continue;
      size_t links = 0;
      for (const auto& other : neighbours[name]) links += kept.count(other);
      if (links >= 2) bridges.insert(name);
    }
    kept.insert(bridges.begin(), bridges.end());
  }
  for (const auto& table : schema.tables) {
    if (kept.count(lower(table.name))) result.kept_tables.push_back(table.name);
  }
  std::vector<LinkedTable> sorted;
  for (size_t i : order) sorted.push_back(result.tables[i]);
  result.tables = std::move(sorted);
  return result;
}

}  // namespace t2sql
