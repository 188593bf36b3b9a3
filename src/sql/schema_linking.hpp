// Lexical schema linking: which tables and columns a question talks about, found without a model.
//   - names: question words and n-grams (up to 3 words) against table and column names split into
//     words ("singer_in_concert", "concertName" -> singer in concert, concert name), scored
//     exact (whole name) > partial (some of its words) > stemmed (words equal after stripping
//     plural / -ing / -ed endings);
//   - values: question n-grams against the text cells of the database (a ValueIndex built once per
//     database), which links e.g. "France" to singer.Country;
//   - pruning keeps the linked tables plus the tables that join them (foreign-key paths of one
//     hop), and keeps every table when nothing links (never an empty schema).
// The model-based linking of the reference pipeline lives in the generation pipeline (it needs a
// model); this one is its fast, deterministic counterpart.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sql/postprocess.hpp"
#include "sql/sandbox.hpp"

namespace t2sql {

// Lower-cased words of a name or a question: splits on non-alphanumerics and camelCase.
std::vector<std::string> name_words(std::string_view text);

// A light English stemmer (plurals, -ing, -ed): "singers" -> "singer", "countries" -> "country".
std::string stem_word(std::string_view word);

// Distinct short text values per column, read once from a database, for value matching.
class ValueIndex {
 public:
  struct Limits {
    size_t max_values_per_column = 5000;
    size_t max_value_chars = 64;
  };
  ValueIndex() = default;
  // Reads the text values of every column of `schema` through `database` (sandboxed queries);
  // columns whose query fails are skipped.
  static ValueIndex build(const SqlSandbox& database, const SchemaNames& schema, const Limits& limits);
  static ValueIndex build(const SqlSandbox& database, const SchemaNames& schema) { return build(database, schema, Limits{}); }

  struct Hit {
    std::string table, column, value;
  };
  // Values equal (ignoring case) to a 1-3 word n-gram of `question`; one-word n-grams must have at
  // least 3 characters and not be a stop word.
  std::vector<Hit> match(std::string_view question) const;
  size_t size() const { return values_.size(); }

 private:
  // lower-cased value -> (table, column) pairs holding it
  std::multimap<std::string, std::pair<std::string, std::string>> values_;
  std::map<std::string, std::string> original_;  // lower-cased value -> one original spelling
};

struct SchemaLinkingOptions {
  bool prune = true;            // drop unlinked tables (keeps joins between linked ones)
  double min_table_score = 0.5; // a table is linked at or above this score (0.5: best recall/pruning on dev, see docs/BENCHMARKS.md)
};

struct LinkedTable {
  std::string name;
  double score = 0.0;
  std::vector<std::string> reasons;  // "name: singer", "column: age", "value: France (country)"
};

struct SchemaLinkingResult {
  std::vector<LinkedTable> tables;        // every table, best score first (ties: schema order)
  std::vector<std::string> kept_tables;   // after pruning, in schema order
  std::set<std::string> linked_columns;   // "table.column", lower-cased
};

// Links `question` to `schema`. `foreign_keys` are (from_table, to_table) pairs used to keep the
// tables that connect linked ones; `values` may be null (no value matching).
SchemaLinkingResult link_schema(std::string_view question, const SchemaNames& schema,
                                const std::vector<std::pair<std::string, std::string>>& foreign_keys,
                                const ValueIndex* values, const SchemaLinkingOptions& options = {});

}  // namespace t2sql
