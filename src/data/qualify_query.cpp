#include "data/qualify_query.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "sql/spider_parser.hpp"
#include "sql/sql_lexer.hpp"

namespace t2sql {
namespace {

// One table of a FROM clause: the schema's table and, when the query names one, its alias.
struct Source {
  const Table* table = nullptr;
  std::string alias;  // empty when none
};

// One SELECT block: its own FROM, at paren depth `depth`.
struct Block {
  int depth = 0;
  std::vector<Source> sources;
  bool self_join = false;  // a table listed twice: its aliases must stay
};

struct Edit {
  size_t begin = 0, end = 0;
  std::string text;
};

bool is_punct(const SqlToken& token, std::string_view text) {
  return token.kind == SqlTokenKind::kPunctuation && token.text == text;
}
bool is_word(const SqlToken& token, std::string_view word) {
  return token.kind == SqlTokenKind::kWord && iequals(token.text, word);
}
bool is_name(const SqlToken& token) {
  return token.kind == SqlTokenKind::kWord || token.kind == SqlTokenKind::kQuotedName;
}
bool is_any_word(const SqlToken& token, std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view word) { return is_word(token, word); });
}
bool ends_from_clause(const SqlToken& token) {
  return is_any_word(token, {"where", "group", "order", "having", "limit", "intersect", "union", "except"});
}

}  // namespace

std::optional<std::string> qualify_query_columns(const Schema& schema, std::string_view sql) {
  const SqlLexResult lexed = lex_sql(sql);
  if (!lexed.invalid_offsets.empty() || lexed.unterminated_comment) return std::nullopt;
  const std::vector<SqlToken>& tokens = lexed.tokens;
  const size_t n = tokens.size();

  // Which block owns each token, and at which paren depth it stands. A SELECT opens a block; a
  // SELECT at the depth of the open block (after INTERSECT / UNION / EXCEPT) replaces it; a ')'
  // that leaves a block's depth closes it.
  std::vector<Block> blocks;
  std::vector<int> owner(n, -1), depth_of(n, 0);
  std::vector<int> open;
  int depth = 0;
  for (size_t i = 0; i < n; ++i) {
    const SqlToken& token = tokens[i];
    if (is_punct(token, ")")) {
      --depth;
      while (!open.empty() && blocks[open.back()].depth > depth) open.pop_back();
    } else if (is_word(token, "select")) {
      if (!open.empty() && blocks[open.back()].depth == depth) open.pop_back();
      blocks.push_back(Block{depth, {}, false});
      open.push_back(static_cast<int>(blocks.size() - 1));
    }
    owner[i] = open.empty() ? -1 : open.back();
    depth_of[i] = depth;
    if (is_punct(token, "(")) ++depth;
  }
  if (depth != 0) return std::nullopt;

  std::vector<Edit> edits;
  std::vector<bool> done(n, false);  // tokens already rewritten or never to be touched
  for (int b = 0; b < static_cast<int>(blocks.size()); ++b) {
    Block& block = blocks[b];
    auto in_block = [&](size_t j) { return j < n && owner[j] == b && depth_of[j] == block.depth; };
    size_t j = 0;
    while (j < n && !(in_block(j) && is_word(tokens[j], "from"))) ++j;
    if (j == n) continue;  // SELECT without FROM: nothing to qualify
    ++j;
    std::vector<Edit> alias_removals;
    while (true) {
      if (!in_block(j) || !is_name(tokens[j])) return std::nullopt;  // a subquery or nothing
      const Table* table = schema.find_table(tokens[j].name());
      if (!table || !is_plain_identifier(table->name)) return std::nullopt;
      edits.push_back({tokens[j].begin, tokens[j].end, table->name});
      done[j] = true;
      Source source{table, {}};
      const size_t table_end = tokens[j].end;
      ++j;
      size_t alias_at = n;
      if (in_block(j) && is_word(tokens[j], "as")) {
        done[j] = true;
        alias_at = j + 1;
      } else if (in_block(j) && tokens[j].kind == SqlTokenKind::kWord && !is_sql_keyword(tokens[j].text)) {
        alias_at = j;
      }
      if (alias_at != n) {
        if (!in_block(alias_at) || !is_name(tokens[alias_at])) return std::nullopt;
        source.alias = tokens[alias_at].name();
        done[alias_at] = true;
        alias_removals.push_back({table_end, tokens[alias_at].end, ""});
        j = alias_at + 1;
      }
      block.sources.push_back(std::move(source));
      if (in_block(j) && is_word(tokens[j], "on")) {  // the condition: column references, left for below
        auto ends_condition = [&](size_t k) {
          return in_block(k) && (is_word(tokens[k], "join") || is_punct(tokens[k], ",") || ends_from_clause(tokens[k]));
        };
        for (++j; j < n && !ends_condition(j) && (in_block(j) || depth_of[j] > block.depth);) ++j;
      }
      while (in_block(j) && is_any_word(tokens[j], {"inner", "left", "cross", "outer", "natural"})) ++j;
      if (in_block(j) && (is_word(tokens[j], "join") || is_punct(tokens[j], ","))) {
        ++j;
        continue;
      }
      break;
    }
    for (size_t a = 0; a < block.sources.size(); ++a)
      for (size_t c = a + 1; c < block.sources.size(); ++c)
        if (block.sources[a].table == block.sources[c].table) block.self_join = true;
    if (!block.self_join) edits.insert(edits.end(), alias_removals.begin(), alias_removals.end());
  }

  // Column references, each in the block that owns it.
  for (size_t i = 0; i < n; ++i) {
    if (done[i] || owner[i] < 0 || blocks[owner[i]].self_join) continue;
    const Block& block = blocks[owner[i]];
    const SqlToken& token = tokens[i];
    if (!is_name(token)) continue;
    const bool qualified = i + 2 < n && is_punct(tokens[i + 1], ".");
    if (qualified) {
      const std::string qualifier = token.name();
      const Source* found = nullptr;
      for (const Source& source : block.sources)
        if ((!source.alias.empty() && iequals(source.alias, qualifier)) ||
            (source.alias.empty() && iequals(source.table->name, qualifier)))
          found = &source;
      if (!found) return std::nullopt;  // an outer block's alias (correlated subquery) or unknown
      edits.push_back({token.begin, token.end, found->table->name});
      const SqlToken& column_token = tokens[i + 2];
      if (is_name(column_token)) {
        const auto column = found->table->find_column(column_token.name());
        if (column && is_plain_identifier(found->table->columns[*column].name))
          edits.push_back({column_token.begin, column_token.end, found->table->columns[*column].name});
      }
      done[i + 1] = done[i + 2] = true;
      continue;
    }
    // A bare word: a column when it is no keyword, no function call, no alias after AS, and
    // exactly one table of the block has it. Quoted names are left alone: Spider writes string
    // values in double quotes.
    if (token.kind != SqlTokenKind::kWord || is_sql_keyword(token.text)) continue;
    if (i + 1 < n && is_punct(tokens[i + 1], "(")) continue;
    if (i > 0 && (is_word(tokens[i - 1], "as") || is_punct(tokens[i - 1], "."))) continue;
    const Table* holder = nullptr;
    size_t column_index = 0, holders = 0;
    for (const Source& source : block.sources)
      if (const auto column = source.table->find_column(token.text)) {
        holder = source.table;
        column_index = *column;
        ++holders;
      }
    if (holders != 1 || !is_plain_identifier(holder->columns[column_index].name)) continue;
    edits.push_back({token.begin, token.end, holder->name + "." + holder->columns[column_index].name});
  }

  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.begin < b.begin; });
  std::string out;
  size_t copied = 0;
  for (const Edit& edit : edits) {
    if (edit.begin < copied) return std::nullopt;  // overlapping edits: a shape this rewrite does not know
    out.append(sql.substr(copied, edit.begin - copied));
    out += edit.text;
    copied = edit.end;
  }
  out.append(sql.substr(copied));

  // Same tables, columns, conditions and values as the original, as the Spider parser reads them.
  try {
    const spider::SpiderSchema spider_schema = to_spider_schema(schema);
    if (!(spider::parse_spider_sql(spider_schema, sql) == spider::parse_spider_sql(spider_schema, out)))
      return std::nullopt;
  } catch (const Error&) {
    return std::nullopt;
  }
  return out;
}

}  // namespace t2sql
