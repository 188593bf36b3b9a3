#include "sql/sql_prefix_checker.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/ascii.hpp"
#include "sql/sql_lexer.hpp"

namespace t2sql {
namespace {

bool starts_with_ci(std::string_view word, std::string_view prefix) {
  return prefix.size() <= word.size() && iequals(word.substr(0, prefix.size()), prefix);
}

constexpr std::array<std::string_view, 26> kFunctions = {
    "count", "sum", "avg", "min", "max", "abs", "round", "length", "lower", "upper", "substr", "substring", "trim",
    "ltrim", "rtrim", "replace", "instr", "coalesce", "ifnull", "nullif", "strftime", "date", "time", "datetime",
    "julianday", "total"};

constexpr std::array<std::string_view, 47> kGrammarWords = {
    "select", "distinct", "all", "from", "where", "group", "by", "having", "order", "limit", "offset", "join",
    "inner", "left", "right", "outer", "cross", "natural", "on", "as", "and", "or", "not", "in", "like", "glob",
    "between", "is", "null", "exists", "case", "when", "then", "else", "end", "cast", "asc", "desc", "union",
    "intersect", "except", "escape", "collate", "nocase", "true", "false", "using"};

// The end of the prefix was reached: everything so far fits, the rest can still come.
struct PrefixEnd {};
// The prefix cannot be completed.
struct Rejected {
  std::string reason;
};

class Parser {
 public:
  Parser(const SqlPrefixChecker& checker, std::vector<SqlToken> tokens) : checker_(checker), tokens_(std::move(tokens)) {
    collect_aliases();
  }

  // Parses the whole prefix; returns normally only when it is a complete query.
  void parse() {
    parse_query();
    if (at_end()) return;  // complete query, nothing after it
    if (accept_punct(";")) {
      if (position_ < tokens_.size()) reject("text after ';'");
      return;
    }
    reject("unexpected '" + peek().text + "' after the query");
  }

 private:
  // ---- token access. A partial last token matches every keyword / operator it is a prefix of;
  // consuming it ends the prefix (PrefixEnd). ----
  bool at_end() const { return position_ >= tokens_.size(); }
  const SqlToken& peek() {
    if (at_end()) throw PrefixEnd{};
    return tokens_[position_];
  }
  bool peek_is_partial() { return !peek().complete; }
  void advance() {
    bool partial = !tokens_[position_].complete;
    ++position_;
    if (partial) throw PrefixEnd{};
  }
  // Names are checked before their token is consumed, so a failure at the end of the text only
  // means the next token has not been written yet.
  [[noreturn]] void reject(std::string reason) {
    if (at_end()) throw PrefixEnd{};
    throw Rejected{std::move(reason)};
  }

  bool keyword_matches(const SqlToken& token, std::string_view keyword) const {
    if (token.kind != SqlTokenKind::kWord) return false;
    return token.complete ? iequals(token.text, keyword) : starts_with_ci(keyword, token.text);
  }
  bool next_is_keyword(std::string_view keyword) { return !at_end() && keyword_matches(tokens_[position_], keyword); }
  bool accept_keyword(std::string_view keyword) {
    if (!next_is_keyword(keyword)) return false;
    advance();
    return true;
  }
  void expect_keyword(std::string_view keyword) {
    if (!accept_keyword(keyword)) reject("expected " + std::string(keyword) + ", got '" + peek().text + "'");
  }
  bool punct_matches(const SqlToken& token, std::string_view punct) const {
    if (token.kind != SqlTokenKind::kPunctuation) return false;
    return token.complete ? token.text == punct : punct.substr(0, token.text.size()) == token.text;
  }
  bool next_is_punct(std::string_view punct) { return !at_end() && punct_matches(tokens_[position_], punct); }
  bool accept_punct(std::string_view punct) {
    if (!next_is_punct(punct)) return false;
    advance();
    return true;
  }
  void expect_punct(std::string_view punct) {
    if (!accept_punct(punct)) reject("expected '" + std::string(punct) + "', got '" + peek().text + "'");
  }
  // A word that is not a grammar keyword (a name), or a quoted name.
  bool next_is_name() {
    if (at_end()) return false;
    const SqlToken& token = tokens_[position_];
    if (token.kind == SqlTokenKind::kQuotedName) return true;
    if (token.kind != SqlTokenKind::kWord) return false;
    return !token.complete || !is_reserved(token.text);
  }
  static bool is_reserved(std::string_view word) {
    return std::any_of(kGrammarWords.begin(), kGrammarWords.end(), [&](std::string_view k) { return iequals(k, word); });
  }

  // A name FROM may still define as an alias: a short ASCII identifier (T1, s, sc). Without this
  // bound any unknown word before FROM would stay viable forever.
  // Every alias that Spider's gold queries use before FROM defines it is at most 2 characters
  // ("T1"); allowing longer ones let a model write any identifier-like garbage there.
  static bool could_be_alias(std::string_view word) {
    if (word.empty() || word.size() > 4 || std::isdigit(static_cast<unsigned char>(word[0]))) return false;
    return std::all_of(word.begin(), word.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
  }

  // ---- names ----
  void collect_aliases() {
    for (size_t i = 0; i + 1 < tokens_.size(); ++i) {
      const SqlToken& next = tokens_[i + 1];
      if (!next.complete || !(next.kind == SqlTokenKind::kWord || next.kind == SqlTokenKind::kQuotedName)) continue;
      bool after_as = keyword_matches(tokens_[i], "as") && tokens_[i].complete;
      // "FROM singer T1" / ", singer T1": a bare alias after a table name.
      bool after_table = checker_.is_table(ascii_lower(tokens_[i].name())) && next.kind == SqlTokenKind::kWord &&
                         !is_reserved(next.text);
      // ") T1": the alias of a subquery.
      bool after_subquery = tokens_[i].kind == SqlTokenKind::kPunctuation && tokens_[i].text == ")" &&
                            next.kind == SqlTokenKind::kWord && !is_reserved(next.text);
      if (after_as || after_table || after_subquery) aliases_.insert(ascii_lower(next.name()));
    }
    // Which aliases name which table ("singer AS T1"), to check T1.column.
    for (size_t i = 0; i + 1 < tokens_.size(); ++i) {
      if (!checker_.is_table(ascii_lower(tokens_[i].name()))) continue;
      size_t alias = i + 1;
      if (keyword_matches(tokens_[alias], "as") && tokens_[alias].complete) ++alias;
      if (alias < tokens_.size() && tokens_[alias].complete && tokens_[alias].kind == SqlTokenKind::kWord &&
          !is_reserved(tokens_[alias].text)) {
        alias_table_[ascii_lower(tokens_[alias].name())] = ascii_lower(tokens_[i].name());
      }
    }
  }

  struct SelectScope {
    bool from_done = false;
    std::vector<std::string> pending_qualifiers;  // used before FROM named them
  };

  // A table name after FROM / JOIN.
  void parse_table_name() {
    const SqlToken& token = peek();
    if (!(token.kind == SqlTokenKind::kWord || token.kind == SqlTokenKind::kQuotedName)) reject("expected a table name");
    std::string name = ascii_lower(token.name());
    if (token.complete) {
      if (!checker_.is_table(name)) reject("no table named '" + token.name() + "'");
    } else if (!has_table_with_prefix(name)) {
      reject("no table starts with '" + token.name() + "'");
    }
    advance();
  }
  bool has_table_with_prefix(const std::string& prefix) const {
    return checker_.is_prefix_of_table(prefix);
  }
  // An optional alias after a source.
  void parse_optional_alias() {
    if (accept_keyword("as")) {
      if (!next_is_name()) reject("expected an alias after AS");
      advance();
      return;
    }
    if (next_is_name() && !at_end()) {
      const SqlToken& token = tokens_[position_];
      // A partial word could also be the start of a keyword (WHERE, JOIN...): that is fine too.
      if (token.kind == SqlTokenKind::kWord && !token.complete) {
        advance();
        return;
      }
      advance();
    }
  }

  void parse_query() {
    parse_select();
    if (accept_keyword("union")) {
      accept_keyword("all");
      parse_query();
    } else if (accept_keyword("intersect") || accept_keyword("except")) {
      parse_query();
    }
  }

  void parse_select() {
    expect_keyword("select");
    scopes_.push_back({});
    if (!accept_keyword("distinct")) accept_keyword("all");
    do {
      parse_select_item();
    } while (accept_punct(","));
    if (accept_keyword("from")) {
      parse_source();
      // Names in ON / WHERE must be defined by now; SELECT's qualifiers are checked when FROM ends.
      scopes_.back().from_done = true;
      while (true) {
        if (accept_punct(",")) {
          parse_source();
          continue;
        }
        bool natural = accept_keyword("natural");
        bool join = false;
        if (accept_keyword("left") || accept_keyword("right")) {
          accept_keyword("outer");
          expect_keyword("join");
          join = true;
        } else if (accept_keyword("inner") || accept_keyword("cross")) {
          expect_keyword("join");
          join = true;
        } else {
          join = accept_keyword("join");
        }
        if (!join) {
          if (natural) reject("expected JOIN after NATURAL");
          break;
        }
        parse_source();
        if (accept_keyword("on")) {
          parse_expression();
        } else if (accept_keyword("using")) {
          expect_punct("(");
          do {
            parse_column_name_only();
          } while (accept_punct(","));
          expect_punct(")");
        }
      }
      // The FROM clause is complete (a token follows it): every alias used before it is known.
      finish_from();
    }
    if (accept_keyword("where")) parse_expression();
    if (accept_keyword("group")) {
      expect_keyword("by");
      do {
        parse_expression();
      } while (accept_punct(","));
      if (accept_keyword("having")) parse_expression();
    }
    if (accept_keyword("order")) {
      expect_keyword("by");
      do {
        parse_expression();
        if (!accept_keyword("asc")) accept_keyword("desc");
      } while (accept_punct(","));
    }
    if (accept_keyword("limit")) {
      parse_expression();
      if (accept_keyword("offset") || accept_punct(",")) parse_expression();
    }
    scopes_.pop_back();
  }

  void finish_from() {
    SelectScope& scope = scopes_.back();
    for (const std::string& qualifier : scope.pending_qualifiers) {
      if (checker_.is_table(qualifier) || aliases_.count(qualifier)) continue;
      // At the end of the text the FROM clause may still grow ("... FROM singer AS T1").
      reject("unknown table or alias '" + qualifier + "'");
    }
  }

  void parse_source() {
    if (accept_punct("(")) {
      parse_query();
      expect_punct(")");
    } else {
      parse_table_name();
    }
    parse_optional_alias();
  }

  void parse_select_item() {
    if (accept_punct("*")) return;
    parse_expression();
    if (accept_keyword("as")) {
      if (!next_is_name() && !(peek().kind == SqlTokenKind::kString)) reject("expected an alias after AS");
      advance();
    } else if (next_is_name() && !next_is_keyword("from")) {
      // A bare column alias ("SELECT count(*) total"): only complete words that no keyword starts.
      const SqlToken& token = peek();
      if (token.complete) advance();
    }
  }

  void parse_column_name_only() {
    if (!next_is_name()) reject("expected a column name");
    std::string name = ascii_lower(peek().name());
    if (peek().complete && !checker_.is_column(name)) reject("no column named '" + peek().name() + "'");
    advance();
  }

  // ---- expressions: operands joined by binary operators; precedence does not matter here ----
  void parse_expression() {
    while (true) {
      parse_operand();
      if (!parse_binary_operator()) return;
    }
  }

  bool parse_binary_operator() {
    if (at_end()) return false;
    for (std::string_view op : {"=", "==", "!=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||"}) {
      if (next_is_punct(op)) {
        advance();
        return true;
      }
    }
    for (std::string_view op : {"and", "or", "like", "glob"}) {
      if (accept_keyword(op)) return true;
    }
    if (next_is_keyword("not") || next_is_keyword("is") || next_is_keyword("in") || next_is_keyword("between")) {
      if (accept_keyword("is")) {
        accept_keyword("not");
        return true;  // IS [NOT] NULL / expression: the operand follows
      }
      bool negated = accept_keyword("not");
      if (accept_keyword("like") || accept_keyword("glob")) return true;
      if (accept_keyword("in")) {
        parse_in_list();
        return parse_binary_operator();
      }
      if (accept_keyword("between")) {
        parse_operand();
        expect_keyword("and");
        return true;
      }
      if (negated) reject("expected LIKE, IN or BETWEEN after NOT");
    }
    if (accept_keyword("collate")) {
      if (!next_is_name() && !next_is_keyword("nocase")) reject("expected a collation name");
      advance();
      return parse_binary_operator();
    }
    return false;
  }

  void parse_in_list() {
    expect_punct("(");
    if (next_is_keyword("select")) {
      parse_query();
    } else {
      do {
        parse_expression();
      } while (accept_punct(","));
    }
    expect_punct(")");
  }

  void parse_operand() {
    const SqlToken& token = peek();
    switch (token.kind) {
      case SqlTokenKind::kNumber:
      case SqlTokenKind::kString:
        advance();
        return;
      case SqlTokenKind::kPunctuation:
        if (accept_punct("-") || accept_punct("+") || accept_punct("~")) return parse_operand();
        if (accept_punct("(")) {
          if (next_is_keyword("select")) {
            parse_query();
          } else {
            do {
              parse_expression();
            } while (accept_punct(","));
          }
          expect_punct(")");
          return;
        }
        if (accept_punct("*")) return;  // count(*) reaches here through function arguments
        reject("unexpected '" + token.text + "'");
      case SqlTokenKind::kQuotedName:
        // SQLite reads "x" as a string when no column has that name: both are fine.
        if (token.text[0] == '"') {
          advance();
          return;
        }
        return parse_name_reference();
      case SqlTokenKind::kWord:
        break;
    }
    if (!token.complete) {
      // An unfinished word: a keyword, function, column, table/alias qualifier, or (before the
      // FROM clause) an alias not written yet.
      std::string prefix = ascii_lower(token.text);
      if (!scopes_.empty() && !scopes_.back().from_done && could_be_alias(token.text)) return advance();
      if (checker_.is_prefix_of_name(prefix)) return advance();
      for (std::string_view word : {"not", "null", "exists", "case", "cast", "true", "false"}) {
        if (starts_with_ci(word, prefix)) return advance();
      }
      for (const auto& alias : aliases_) {
        if (starts_with_ci(alias, prefix)) return advance();
      }
      for (std::string_view f : kFunctions) {
        if (starts_with_ci(f, prefix)) return advance();
      }
      reject("nothing starts with '" + token.text + "'");
    }
    if (accept_keyword("null") || accept_keyword("true") || accept_keyword("false")) return;
    if (accept_keyword("not")) return parse_operand();
    if (accept_keyword("exists")) {
      expect_punct("(");
      parse_query();
      expect_punct(")");
      return;
    }
    if (accept_keyword("case")) {
      if (!next_is_keyword("when")) parse_expression();
      while (accept_keyword("when")) {
        parse_expression();
        expect_keyword("then");
        parse_expression();
      }
      if (accept_keyword("else")) parse_expression();
      expect_keyword("end");
      return;
    }
    if (accept_keyword("cast")) {
      expect_punct("(");
      parse_expression();
      expect_keyword("as");
      if (!next_is_name()) reject("expected a type name");
      while (next_is_name()) advance();
      expect_punct(")");
      return;
    }
    bool is_function = std::any_of(kFunctions.begin(), kFunctions.end(), [&](std::string_view f) { return iequals(f, token.text); });
    if (is_function && position_ + 1 < tokens_.size() && punct_matches(tokens_[position_ + 1], "(")) {
      advance();
      expect_punct("(");
      if (accept_punct(")")) return;
      if (!accept_keyword("distinct")) accept_keyword("all");
      if (!accept_punct("*")) {
        do {
          parse_expression();
        } while (accept_punct(","));
      }
      expect_punct(")");
      return;
    }
    if (is_reserved(token.text)) reject("unexpected keyword '" + token.text + "'");
    parse_name_reference();
  }

  // column | qualifier . column | qualifier . *
  void parse_name_reference() {
    const SqlToken& token = peek();
    std::string name = ascii_lower(token.name());
    bool qualified = position_ + 1 < tokens_.size() && punct_matches(tokens_[position_ + 1], ".");
    if (!qualified) {
      if (position_ + 1 == tokens_.size() && !scopes_.empty() && !scopes_.back().from_done &&
          !checker_.is_column(name) && !aliases_.count(name) && could_be_alias(token.text)) {
        advance();  // the last word: a qualifier whose '.' has not come yet
        return;
      }
      if (!checker_.is_column(name) && !aliases_.count(name)) reject("no column named '" + token.name() + "'");
      advance();
      return;
    }
    // The qualifier must name a table or alias, now or (before this query's FROM) later.
    if (!checker_.is_table(name) && !aliases_.count(name)) {
      if (scopes_.empty() || scopes_.back().from_done || !could_be_alias(token.text)) {
        reject("unknown table or alias '" + token.name() + "'");
      }
      scopes_.back().pending_qualifiers.push_back(name);
    }
    advance();
    expect_punct(".");
    if (accept_punct("*")) return;
    const SqlToken& column = peek();
    if (!(column.kind == SqlTokenKind::kWord || column.kind == SqlTokenKind::kQuotedName)) reject("expected a column after '.'");
    std::string column_name = ascii_lower(column.name());
    const std::unordered_set<std::string>* columns = nullptr;
    if (checker_.is_table(name)) {
      columns = checker_.columns_of(name);
    } else if (auto it = alias_table_.find(name); it != alias_table_.end()) {
      columns = checker_.columns_of(it->second);
    }
    if (column.complete) {
      bool known = columns != nullptr ? columns->count(column_name) != 0 : checker_.is_column(column_name) || aliases_.count(column_name);
      if (!known) reject("no column '" + column.name() + "' in '" + token.name() + "'");
    } else {
      bool possible = columns == nullptr ? checker_.is_prefix_of_known_word(column_name)
                                         : std::any_of(columns->begin(), columns->end(), [&](const std::string& c) {
                                             return starts_with_ci(c, column_name);
                                           });
      if (!possible) reject("no column of '" + token.name() + "' starts with '" + column.name() + "'");
    }
    advance();
  }

  const SqlPrefixChecker& checker_;
  std::vector<SqlToken> tokens_;
  size_t position_ = 0;
  std::unordered_set<std::string> aliases_;                      // lower case, from the whole prefix
  std::unordered_map<std::string, std::string> alias_table_;     // alias -> table (lower case)
  std::vector<SelectScope> scopes_;
};

}  // namespace

SqlPrefixChecker::SqlPrefixChecker(const SchemaNames& schema) {
  for (const auto& table : schema.tables) {
    auto& columns = tables_[ascii_lower(table.name)];
    for (const auto& column : table.columns) {
      columns.insert(ascii_lower(column));
      all_columns_.insert(ascii_lower(column));
    }
  }
  for (const auto& [table, columns] : tables_) sorted_words_.push_back(table);
  sorted_tables_ = sorted_words_;
  std::sort(sorted_tables_.begin(), sorted_tables_.end());
  for (const auto& column : all_columns_) sorted_words_.push_back(column);
  sorted_names_ = sorted_words_;
  for (std::string_view word : kGrammarWords) sorted_words_.emplace_back(word);
  for (std::string_view word : kFunctions) sorted_words_.emplace_back(word);
  std::sort(sorted_names_.begin(), sorted_names_.end());
  std::sort(sorted_words_.begin(), sorted_words_.end());
  sorted_words_.erase(std::unique(sorted_words_.begin(), sorted_words_.end()), sorted_words_.end());
}

const std::unordered_set<std::string>* SqlPrefixChecker::columns_of(const std::string& lower_table) const {
  auto it = tables_.find(lower_table);
  return it == tables_.end() ? nullptr : &it->second;
}

namespace {
bool has_word_with_prefix(const std::vector<std::string>& sorted, std::string_view lower_prefix) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), lower_prefix,
                             [](const std::string& word, std::string_view prefix) { return word < prefix; });
  return it != sorted.end() && it->compare(0, lower_prefix.size(), lower_prefix) == 0;
}
}  // namespace

bool SqlPrefixChecker::is_prefix_of_known_word(std::string_view lower_prefix) const {
  return has_word_with_prefix(sorted_words_, lower_prefix);
}

bool SqlPrefixChecker::is_prefix_of_name(std::string_view lower_prefix) const {
  return has_word_with_prefix(sorted_names_, lower_prefix);
}

bool SqlPrefixChecker::is_prefix_of_table(std::string_view lower_prefix) const {
  return has_word_with_prefix(sorted_tables_, lower_prefix);
}

PrefixVerdict SqlPrefixChecker::check(std::string_view sql) const {
  SqlLexResult lexed = lex_sql(sql);
  PrefixVerdict verdict;
  if (!lexed.invalid_offsets.empty()) {
    verdict.reason = "unexpected character '" + std::string(1, sql[lexed.invalid_offsets.front()]) + "'";
    return verdict;
  }
  if (lexed.unterminated_comment) {
    verdict.reason = "comment";
    return verdict;
  }
  Parser parser(*this, std::move(lexed.tokens));
  try {
    parser.parse();
    verdict.viable = true;
    verdict.complete = true;
  } catch (const PrefixEnd&) {
    verdict.viable = true;
  } catch (const Rejected& rejected) {
    verdict.reason = rejected.reason;
  }
  return verdict;
}

}  // namespace t2sql
