#include "data/schema_rename.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <random>
#include <set>
#include <vector>

#include "common/ascii.hpp"
#include "common/error.hpp"
#include "sql/spider_parser.hpp"
#include "sql/sql_lexer.hpp"

namespace t2sql {
namespace {

// The words of a name as [begin, end) spans: split at '_', ' ', '-' and where a lower-case letter
// meets an upper-case one.
std::vector<std::pair<size_t, size_t>> word_spans(std::string_view name) {
  std::vector<std::pair<size_t, size_t>> spans;
  size_t begin = std::string_view::npos;
  for (size_t i = 0; i <= name.size(); ++i) {
    const bool end = i == name.size();
    const char c = end ? '_' : name[i];
    const bool separator = c == '_' || c == ' ' || c == '-';
    const bool boundary = !end && i > 0 && std::islower(static_cast<unsigned char>(name[i - 1])) &&
                          std::isupper(static_cast<unsigned char>(c));
    if ((separator || boundary) && begin != std::string_view::npos) {
      spans.emplace_back(begin, i);
      begin = std::string_view::npos;
    }
    if (!separator && begin == std::string_view::npos) begin = i;
  }
  return spans;
}

std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> words;
  for (auto [begin, end] : word_spans(name)) words.emplace_back(name.substr(begin, end - begin));
  return words;
}

bool is_alpha_word(std::string_view word) {
  return !word.empty() && std::all_of(word.begin(), word.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

// The runs of ASCII letters in `text` as [begin, end) spans.
std::vector<std::pair<size_t, size_t>> letter_runs(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> runs;
  for (size_t i = 0; i < text.size();) {
    size_t end = i;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    if (end > i) runs.emplace_back(i, end);
    i = std::max(end, i + 1);
  }
  return runs;
}

// The runs of ASCII letters in `text`, lower-cased.
std::vector<std::string> alpha_words(std::string_view text) {
  std::vector<std::string> words;
  for (auto [begin, end] : letter_runs(text)) words.push_back(ascii_lower(text.substr(begin, end - begin)));
  return words;
}

// Words a substitution never replaces: too short or not alphabetic, SQL keywords, and function
// words and `id`, which carry no database-specific meaning and keep questions readable.
bool substitutable_word(const std::string& lower_word) {
  static const std::set<std::string> kept = {"and", "the", "for", "from", "with", "per", "not", "are", "was",
                                             "has", "had", "its", "out", "off", "own", "all", "any", "how",
                                             "what", "which", "who", "whom", "when", "where", "why", "ids"};
  return lower_word.size() >= 3 && lower_word.size() <= 14 && is_alpha_word(lower_word) &&
         !is_sql_keyword(lower_word) && !kept.count(lower_word);
}

// `replacement` (lower case) in the case of `model`: all capitals (more than one letter), a capital
// first letter, or lower case.
std::string in_case_of(std::string_view model, std::string replacement) {
  const bool first_upper = !model.empty() && std::isupper(static_cast<unsigned char>(model[0]));
  const bool all_upper = model.size() > 1 && std::none_of(model.begin(), model.end(), [](char c) {
                           return std::islower(static_cast<unsigned char>(c));
                         });
  if (all_upper) {
    for (char& c : replacement) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (first_upper && !replacement.empty()) {
    replacement[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(replacement[0])));
  }
  return replacement;
}

// The English plural of a lower-case word, by the regular rules; a word already ending in `s`
// (many names are plural: `finances`, `roles`) stays as it is.
std::string plural_of(const std::string& word) {
  auto ends_with = [&](std::string_view tail) { return word.size() >= tail.size() && word.ends_with(tail); };
  if (ends_with("s")) return word;
  if (ends_with("x") || ends_with("z") || ends_with("ch") || ends_with("sh")) return word + "es";
  if (word.size() >= 2 && word.back() == 'y' && std::string_view("aeiou").find(word[word.size() - 2]) == std::string_view::npos)
    return word.substr(0, word.size() - 1) + "ies";
  return word + "s";
}

}  // namespace

std::string respell_name(std::string_view name, int style) {
  const std::vector<std::string> words = words_of(name);
  if (words.empty()) return std::string(name);
  std::string out;
  for (size_t w = 0; w < words.size(); ++w) {
    std::string word = ascii_lower(words[w]);
    switch (style) {
      case 0:  // singer_id
        if (w > 0) out += '_';
        break;
      case 1:  // SingerId
        word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
        break;
      case 2:  // singerId
        if (w > 0) word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
        break;
      case 3:  // SINGER_ID
        if (w > 0) out += '_';
        for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        break;
      default:  // singerid
        break;
    }
    out += word;
  }
  return out;
}

namespace {

// What a rewrite of `sql` against `schema` must respect: the lowercase table and column names, the
// names that keep their spelling (keywords, names that are both a table and a column) and every
// other word of the query (aliases such as T1), which no new name may equal. nullopt when the query
// does not lex or quotes a name of the schema (Spider writes values in double quotes, and one may
// equal a table name).
struct QueryNames {
  SqlLexResult lexed;
  std::set<std::string> table_names, column_names, used;
  bool renamable(const std::string& lower_name) const {
    return is_plain_identifier(lower_name) && !is_sql_keyword(lower_name) &&
           !(table_names.count(lower_name) && column_names.count(lower_name));
  }
};

std::optional<QueryNames> read_query_names(const Schema& schema, std::string_view sql) {
  QueryNames names;
  names.lexed = lex_sql(sql);
  if (!names.lexed.invalid_offsets.empty() || names.lexed.unterminated_comment) return std::nullopt;
  for (const Table& table : schema.tables) {
    names.table_names.insert(ascii_lower(table.name));
    for (const Column& column : table.columns) names.column_names.insert(ascii_lower(column.name));
  }
  for (const auto* set : {&names.table_names, &names.column_names})
    for (const std::string& name : *set)
      if (!names.renamable(name)) names.used.insert(name);
  for (const SqlToken& token : names.lexed.tokens) {
    if (token.kind == SqlTokenKind::kQuotedName) {
      const std::string name = ascii_lower(token.name());
      if (names.table_names.count(name) || names.column_names.count(name)) return std::nullopt;
    }
    if (token.kind == SqlTokenKind::kWord) {
      const std::string name = ascii_lower(token.text);
      if (!names.table_names.count(name) && !names.column_names.count(name)) names.used.insert(name);
    }
  }
  return names;
}

// `renamed` (lowercase original -> new spelling) applied to the schema and, token by token, to the
// query: a word naming a table or column (not a function call) is replaced; values, aliases,
// functions and keywords are not. nullopt when the rewritten query no longer resolves every name
// under the new schema with the Spider parser.
std::optional<RenamedExample> apply_renaming(const Schema& schema, std::string_view sql, const SqlLexResult& lexed,
                                             const std::map<std::string, std::string>& renamed) {
  auto name_for = [&](const std::string& original) {
    auto found = renamed.find(ascii_lower(original));
    return found == renamed.end() ? original : found->second;
  };
  RenamedExample result;
  result.schema.db_id = schema.db_id;
  for (const Table& source : schema.tables) {
    Table table = source;
    table.name = name_for(source.name);
    for (Column& column : table.columns) column.name = name_for(column.name);
    table.create_sql.clear();
    result.schema.tables.push_back(std::move(table));
  }
  for (ForeignKey key : schema.foreign_keys) {
    key.from_table = name_for(key.from_table);
    key.from_column = name_for(key.from_column);
    key.to_table = name_for(key.to_table);
    key.to_column = name_for(key.to_column);
    result.schema.foreign_keys.push_back(std::move(key));
  }
  size_t copied = 0;
  for (size_t i = 0; i < lexed.tokens.size(); ++i) {
    const SqlToken& token = lexed.tokens[i];
    if (token.kind != SqlTokenKind::kWord) continue;
    const bool call = i + 1 < lexed.tokens.size() && lexed.tokens[i + 1].kind == SqlTokenKind::kPunctuation &&
                      lexed.tokens[i + 1].text == "(";
    auto found = renamed.find(ascii_lower(token.text));
    if (call || found == renamed.end()) continue;
    result.sql.append(sql.substr(copied, token.begin - copied));
    result.sql += found->second;
    copied = token.end;
  }
  result.sql.append(sql.substr(copied));
  try {
    spider::parse_spider_sql(to_spider_schema(result.schema), result.sql);
  } catch (const Error&) {
    return std::nullopt;
  }
  return result;
}

}  // namespace

std::optional<RenamedExample> rename_schema_and_query(const Schema& schema, std::string_view sql, uint64_t seed) {
  std::optional<QueryNames> names = read_query_names(schema, sql);
  if (!names) return std::nullopt;
  std::set<std::string>& used = names->used;

  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> renamed;  // lower-case original -> new spelling
  auto choose = [&](const std::string& original, bool is_table) {
    if (!names->renamable(ascii_lower(original))) return;
    const int first_style = static_cast<int>(rng() % kNameStyles);
    const bool plural = is_table && rng() % 2 == 0;
    for (int k = 0; k < kNameStyles; ++k) {
      std::string candidate = respell_name(original, (first_style + k) % kNameStyles);
      if (plural && !candidate.empty() && std::tolower(static_cast<unsigned char>(candidate.back())) != 's')
        candidate += std::isupper(static_cast<unsigned char>(candidate.back())) ? 'S' : 's';
      if (used.insert(ascii_lower(candidate)).second) {
        renamed[ascii_lower(original)] = candidate;
        return;
      }
    }
    if (used.insert(ascii_lower(original)).second) renamed[ascii_lower(original)] = original;
  };
  for (const Table& table : schema.tables) choose(table.name, true);
  for (const Table& table : schema.tables)
    for (const Column& column : table.columns)
      if (!renamed.count(ascii_lower(column.name))) choose(column.name, false);
  return apply_renaming(schema, sql, names->lexed, renamed);
}

std::string substitute_question_words(std::string_view question, const std::map<std::string, std::string>& words) {
  std::string out;
  size_t copied = 0;  // question[0, copied) is in `out`
  for (auto [begin, end] : letter_runs(question)) {
    const std::string_view token = question.substr(begin, end - begin);
    const std::string lower = ascii_lower(token);
    std::string replacement;
    if (auto found = words.find(lower); found != words.end()) {
      replacement = found->second;
    } else {
      // A plural of a substituted word: -ies for -y, -es, -s (tried in that order).
      auto plural = [&](std::string_view tail, std::string_view singular_tail) -> bool {
        if (lower.size() <= tail.size() || !lower.ends_with(tail)) return false;
        auto stem = words.find(lower.substr(0, lower.size() - tail.size()) + std::string(singular_tail));
        if (stem == words.end()) return false;
        replacement = plural_of(stem->second);
        return true;
      };
      if (!plural("ies", "y") && !plural("es", "")) plural("s", "");
    }
    if (replacement.empty()) continue;
    out.append(question.substr(copied, begin - copied));
    out += in_case_of(token, replacement);
    copied = end;
  }
  out.append(question.substr(copied));
  return out;
}

std::vector<std::string> name_word_pool(const std::vector<const Schema*>& schemas) {
  std::set<std::string> pool;
  for (const Schema* schema : schemas)
    for (const Table& table : schema->tables) {
      for (const std::string& word : words_of(table.name))
        if (substitutable_word(ascii_lower(word))) pool.insert(ascii_lower(word));
      for (const Column& column : table.columns)
        for (const std::string& word : words_of(column.name))
          if (substitutable_word(ascii_lower(word))) pool.insert(ascii_lower(word));
    }
  return {pool.begin(), pool.end()};
}

std::optional<SubstitutedExample> substitute_schema_words(const Schema& schema, std::string_view sql,
                                                          std::string_view question,
                                                          const std::vector<std::string>& pool, uint64_t seed) {
  std::optional<QueryNames> names = read_query_names(schema, sql);
  if (!names || pool.empty()) return std::nullopt;

  // Words that stay: those of names that keep their spelling and those inside string values. No
  // replacement may be a word of the schema's names, of the question or of the query (an alias),
  // so that a replacement never meets a word of another meaning.
  std::set<std::string> kept, taken;
  std::vector<std::string> to_replace;  // in order of first appearance: the draw is reproducible
  auto scan_name = [&](const std::string& name) {
    const bool renamable = names->renamable(ascii_lower(name));
    for (const std::string& word : words_of(name)) {
      const std::string lower = ascii_lower(word);
      taken.insert(lower);
      if (!renamable) kept.insert(lower);
      else if (std::find(to_replace.begin(), to_replace.end(), lower) == to_replace.end()) to_replace.push_back(lower);
    }
  };
  for (const Table& table : schema.tables) {
    scan_name(table.name);
    for (const Column& column : table.columns) scan_name(column.name);
  }
  for (const SqlToken& token : names->lexed.tokens) {
    if (token.kind == SqlTokenKind::kString)
      for (const std::string& word : alpha_words(token.text)) kept.insert(word);
    if (token.kind == SqlTokenKind::kWord) taken.insert(ascii_lower(token.text));
  }
  for (const std::string& word : alpha_words(question)) taken.insert(word);

  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> words;  // lower-case word -> lower-case replacement
  for (const std::string& word : to_replace) {
    if (kept.count(word) || !substitutable_word(word)) continue;
    for (int attempt = 0; attempt < 64; ++attempt) {
      const std::string& candidate = pool[rng() % pool.size()];
      if (taken.insert(candidate).second) {
        words[word] = candidate;
        break;
      }
    }
  }

  std::map<std::string, std::string> renamed;  // lower-case name -> new spelling
  std::set<std::string> new_names;
  bool collision = false;
  auto rename = [&](const std::string& name) {
    const std::string lower = ascii_lower(name);
    if (renamed.count(lower) || !names->renamable(lower)) return;
    std::string spelled;
    size_t copied = 0;
    for (auto [begin, end] : word_spans(name)) {
      spelled.append(name, copied, begin - copied);
      const std::string word = name.substr(begin, end - begin);
      auto found = words.find(ascii_lower(word));
      spelled += found == words.end() ? word : in_case_of(word, found->second);
      copied = end;
    }
    spelled.append(name, copied);
    const std::string new_lower = ascii_lower(spelled);
    if ((new_lower != lower && names->used.count(new_lower)) || !new_names.insert(new_lower).second) collision = true;
    renamed[lower] = spelled;
  };
  for (const Table& table : schema.tables) rename(table.name);
  for (const Table& table : schema.tables)
    for (const Column& column : table.columns) rename(column.name);
  if (collision) return std::nullopt;

  std::optional<RenamedExample> rewritten = apply_renaming(schema, sql, names->lexed, renamed);
  if (!rewritten) return std::nullopt;
  return SubstitutedExample{std::move(rewritten->schema), std::move(rewritten->sql),
                            substitute_question_words(question, words)};
}

}  // namespace t2sql
