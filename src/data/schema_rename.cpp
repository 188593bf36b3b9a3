#include "data/schema_rename.hpp"

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

// The words of a name: split at '_', ' ', '-' and where a lower-case letter meets an upper-case one.
std::vector<std::string> words_of(std::string_view name) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '_' || c == ' ' || c == '-') {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    const bool boundary = i > 0 && std::islower(static_cast<unsigned char>(name[i - 1])) &&
                          std::isupper(static_cast<unsigned char>(c));
    if (boundary && !words.back().empty()) words.emplace_back();
    words.back().push_back(c);
  }
  if (words.back().empty()) words.pop_back();
  return words;
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

std::optional<RenamedExample> rename_schema_and_query(const Schema& schema, std::string_view sql, uint64_t seed) {
  const SqlLexResult lexed = lex_sql(sql);
  if (!lexed.invalid_offsets.empty() || lexed.unterminated_comment) return std::nullopt;

  std::set<std::string> table_names, column_names;
  for (const Table& table : schema.tables) {
    table_names.insert(ascii_lower(table.name));
    for (const Column& column : table.columns) column_names.insert(ascii_lower(column.name));
  }
  auto renamable = [&](const std::string& name) {
    return is_plain_identifier(name) && !is_sql_keyword(name) &&
           !(table_names.count(name) && column_names.count(name));
  };
  // Names that keep their spelling, and the query's other words (aliases such as T1): no new
  // name may equal one of them.
  std::set<std::string> used;
  for (const auto* names : {&table_names, &column_names})
    for (const std::string& name : *names)
      if (!renamable(name)) used.insert(name);
  for (const SqlToken& token : lexed.tokens) {
    if (token.kind == SqlTokenKind::kQuotedName) {
      const std::string name = ascii_lower(token.name());
      if (table_names.count(name) || column_names.count(name)) return std::nullopt;
    }
    if (token.kind == SqlTokenKind::kWord) {
      const std::string name = ascii_lower(token.text);
      if (!table_names.count(name) && !column_names.count(name)) used.insert(name);
    }
  }

  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> renamed;  // lower-case original -> new spelling
  auto choose = [&](const std::string& original, bool is_table) {
    if (!renamable(ascii_lower(original))) return;
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

  // The query, token by token: a word naming a table or column (not a function call) is replaced.
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

  // The rewritten query must still resolve every name, now against the new spellings.
  try {
    spider::parse_spider_sql(to_spider_schema(result.schema), result.sql);
  } catch (const Error&) {
    return std::nullopt;
  }
  return result;
}

}  // namespace t2sql
