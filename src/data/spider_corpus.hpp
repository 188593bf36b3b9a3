// SpiderCorpus: one Spider folder with everything loaded on first use and kept: examples per
// split, tables.json, each database's schema and sample rows (each SQLite file is read once),
// and the serialized schema text per database and format. This is the entry point for commands
// that need prompts:
//
//   SpiderCorpus corpus;                                   // the vendored data/spider
//   const auto& dev = corpus.examples(SpiderSplit::kDev);  // 1034 examples
//   std::vector<ChatMessage> prompt = corpus.prompt(dev[i]);   // system + user turns
//   const std::string& gold_sql = dev[i].query;
//
// Databases that MANIFEST.tsv marks partial or schema-only get one warning each (stderr by
// default) the first time they are used. Not thread-safe: use one corpus per thread.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "data/prompt_builder.hpp"
#include "data/schema.hpp"
#include "data/schema_serializer.hpp"
#include "data/spider_dataset.hpp"

namespace t2sql {

struct PromptOptions {
  SchemaFormat schema_format = SchemaFormat::kCreateTable;
  int sample_rows = 3;
  size_t max_value_chars = 100;
  PromptLayout layout;   // chat roles, and whether the question also precedes the schema
  SchemaBudget budget;   // none by default
};

class SpiderCorpus {
 public:
  // Resolves the layout now (throws when `dir` is not a Spider folder); loads nothing else yet.
  explicit SpiderCorpus(std::filesystem::path dir = {});
  ~SpiderCorpus();
  SpiderCorpus(const SpiderCorpus&) = delete;
  SpiderCorpus& operator=(const SpiderCorpus&) = delete;

  const SpiderLayout& layout() const { return layout_; }

  // The examples of `split` (loaded once).
  const std::vector<SpiderExample>& examples(SpiderSplit split);

  // Loads the example files of `splits` (those not loaded yet) and tables.json on parallel
  // threads; the first error is rethrown. Later calls to examples() find them loaded.
  void preload(const std::vector<SpiderSplit>& splits);

  // tables.json schemas serving `split` (test databases have their own file), keyed by db_id.
  const std::map<std::string, Schema>& table_schemas(SpiderSplit split = SpiderSplit::kDev);

  // The tables.json schema of `db_id`; throws Error(kNotFound) "unknown db_id" naming tables.json.
  const Schema& table_schema(const std::string& db_id, SpiderSplit split = SpiderSplit::kDev);

  // The live schema of `db_id` with at least `sample_rows` rows per table (read once, kept).
  // Throws Error(kNotFound) for an unknown db_id, a missing database file, or a database that
  // lacks a table named in tables.json.
  const Schema& database_schema(const std::string& db_id, SpiderSplit split = SpiderSplit::kDev,
                                int sample_rows = 3);

  // Reads the databases of all `examples` not read yet (each once, with `sample_rows` rows per
  // table) on `threads` threads (0: one per core), so that later prompts find them cached. Errors
  // are those of database_schema(), for the first failing database in example order.
  void preload_databases(const std::vector<SpiderExample>& examples, int sample_rows,
                         int threads = 0);

  // The serialized schema for prompts (kept per database, format, rows and value cut when no
  // budget is set).
  std::string schema_text(const std::string& db_id, SpiderSplit split,
                          const PromptOptions& options);

  // The same with the tables, columns and foreign keys in the order shuffle_schema(seed) draws
  // (data/schema_shuffle.hpp); not kept.
  std::string shuffled_schema_text(const std::string& db_id, SpiderSplit split, const PromptOptions& options,
                                    uint64_t seed);

  // The example with the table and column names respelled as rename_schema_and_query(seed) draws
  // (data/schema_rename.hpp): the renamed schema, its text in the order shuffle_schema(seed) draws,
  // and the rewritten query; nullopt when the query cannot be rewritten safely. Not kept.
  struct RenamedPrompt {
    Schema schema;
    std::string schema_text;
    std::string query;
  };
  std::optional<RenamedPrompt> renamed_example(const std::string& db_id, SpiderSplit split,
                                               const PromptOptions& options, std::string_view query, uint64_t seed);

  // The example with the words of its table and column names replaced from `pool`, as
  // substitute_schema_words(seed) draws them (data/schema_rename.hpp): the new schema, its text in
  // the order shuffle_schema(seed) draws, the rewritten query and question; nullopt when the query
  // cannot be rewritten safely. Not kept.
  struct SubstitutedPrompt {
    Schema schema;
    std::string schema_text;
    std::string query;
    std::string question;
  };
  std::optional<SubstitutedPrompt> substituted_example(const SpiderExample& example, const PromptOptions& options,
                                                       const std::vector<std::string>& pool, uint64_t seed);

  // The prompt turns for a question on a database of this corpus.
  std::vector<ChatMessage> prompt(const std::string& db_id, const std::string& question,
                                  SpiderSplit split = SpiderSplit::kDev,
                                  const PromptOptions& options = {},
                                  std::span<const FewShotExample> few_shot = {});
  std::vector<ChatMessage> prompt(const SpiderExample& example, const PromptOptions& options = {},
                                  std::span<const FewShotExample> few_shot = {});

  // MANIFEST.tsv's word on `db_id`, or nullptr when the manifest does not list it.
  const DatabaseStatus* database_status(const std::string& db_id) const;

  // Where warnings about degraded databases go (default: "warning: ..." on stderr).
  void set_warning_sink(std::function<void(const std::string&)> sink) { warn_ = std::move(sink); }

 private:
  struct CachedDatabase {
    Schema schema;
    int rows_read = 0;
  };
  void warn_once(const std::string& db_id);
  std::string cache_key(const std::string& db_id, SpiderSplit split) const;
  // Opens and introspects one database and checks it against tables.json. Touches no member
  // but layout_, so preload_databases() runs it on several threads.
  Schema read_database(const Schema& expected, const std::string& db_id, SpiderSplit split,
                       int sample_rows) const;
  void store_database(const std::string& key, Schema live, const Schema& expected, int sample_rows);

  SpiderLayout layout_;
  std::map<SpiderSplit, std::vector<SpiderExample>> examples_;
  std::map<std::filesystem::path, std::map<std::string, Schema>> tables_by_file_;
  std::map<std::string, CachedDatabase> databases_;  // key: database dir + "/" + db_id
  std::map<std::string, std::string> schema_texts_;
  std::map<std::string, DatabaseStatus> manifest_;
  std::map<std::string, bool> warned_;
  std::function<void(const std::string&)> warn_;
};

}  // namespace t2sql
