#include "data/spider_corpus.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <set>
#include <thread>

#include "common/error.hpp"
#include "common/paths.hpp"
#include "common/utf8.hpp"
#include "data/schema_rename.hpp"
#include "data/schema_shuffle.hpp"

namespace t2sql {
namespace fs = std::filesystem;

SpiderCorpus::SpiderCorpus(fs::path dir)
    : layout_(resolve_spider_layout(dir.empty() ? default_spider_dir() : dir)),
      manifest_(load_database_manifest(layout_.database_dir / "MANIFEST.tsv")),
      warn_([](const std::string& message) {
        std::fprintf(stderr, "warning: %s\n", message.c_str());
      }) {}

SpiderCorpus::~SpiderCorpus() = default;

const std::vector<SpiderExample>& SpiderCorpus::examples(SpiderSplit split) {
  auto it = examples_.find(split);
  if (it == examples_.end())
    it = examples_.emplace(split, load_spider_examples(layout_.examples_file(split), split)).first;
  return it->second;
}

void SpiderCorpus::preload(const std::vector<SpiderSplit>& splits) {
  std::vector<std::pair<SpiderSplit, std::future<std::vector<SpiderExample>>>> pending;
  for (SpiderSplit split : splits)
    if (!examples_.count(split))
      pending.emplace_back(split, std::async(std::launch::async, load_spider_examples,
                                             layout_.examples_file(split), split));
  table_schemas(SpiderSplit::kDev);  // on this thread meanwhile
  for (auto& [split, future] : pending) examples_.emplace(split, future.get());
}

const std::map<std::string, Schema>& SpiderCorpus::table_schemas(SpiderSplit split) {
  const fs::path& file = layout_.tables_file_for(split);
  auto it = tables_by_file_.find(file);
  if (it == tables_by_file_.end()) it = tables_by_file_.emplace(file, load_tables_json(file)).first;
  return it->second;
}

const Schema& SpiderCorpus::table_schema(const std::string& db_id, SpiderSplit split) {
  const auto& schemas = table_schemas(split);
  auto it = schemas.find(db_id);
  if (it == schemas.end())
    fail(ErrorCode::kNotFound, "unknown db_id '{}': not in {}", db_id,
         layout_.tables_file_for(split).string());
  return it->second;
}

const DatabaseStatus* SpiderCorpus::database_status(const std::string& db_id) const {
  auto it = manifest_.find(db_id);
  return it == manifest_.end() ? nullptr : &it->second;
}

void SpiderCorpus::warn_once(const std::string& db_id) {
  const DatabaseStatus* status = database_status(db_id);
  if (!status || !status->degraded() || warned_[db_id]) return;
  warned_[db_id] = true;
  if (warn_)
    warn_(fmt::format(
        "database {} is {} (not the official file; results on it are not comparable){}{}", db_id,
        status->status, status->note.empty() ? "" : ": ", status->note));
}

std::string SpiderCorpus::cache_key(const std::string& db_id, SpiderSplit split) const {
  return (layout_.database_dir_for(split) / db_id).string();
}

Schema SpiderCorpus::read_database(const Schema& expected, const std::string& db_id,
                                   SpiderSplit split, int sample_rows) const {
  const fs::path file = spider_database_file(layout_.database_dir_for(split), db_id);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec))
    fail(ErrorCode::kNotFound, "database file not found for db_id '{}': {}", db_id, file.string());
  SqlSandbox sandbox(file);
  Schema live = introspect_sqlite_file(sandbox, db_id, sample_rows);
  for (const Table& table : expected.tables)
    if (!is_internal_table(table.name) && !live.find_table(table.name))
      fail(ErrorCode::kNotFound, "database {} lacks table '{}' named in {}", file.string(),
           table.name, layout_.tables_file_for(split).string());
  return live;
}

void SpiderCorpus::store_database(const std::string& key, Schema live, const Schema& expected,
                                  int sample_rows) {
  // Keep tables.json's natural names beside the live spelling.
  for (Table& table : live.tables) {
    const Table* annotated = expected.find_table(table.name);
    if (!annotated) continue;
    table.natural_name = annotated->natural_name;
    for (Column& column : table.columns)
      if (auto index = annotated->find_column(column.name))
        column.natural_name = annotated->columns[*index].natural_name;
  }
  CachedDatabase& cached = databases_[key];
  cached.schema = std::move(live);
  cached.rows_read = sample_rows;
}

const Schema& SpiderCorpus::database_schema(const std::string& db_id, SpiderSplit split,
                                            int sample_rows) {
  const Schema& expected = table_schema(db_id, split);
  const std::string key = cache_key(db_id, split);
  auto it = databases_.find(key);
  if (it != databases_.end() && it->second.rows_read >= sample_rows) return it->second.schema;
  warn_once(db_id);
  store_database(key, read_database(expected, db_id, split, sample_rows), expected, sample_rows);
  return databases_[key].schema;
}

void SpiderCorpus::preload_databases(const std::vector<SpiderExample>& examples, int sample_rows,
                                     int threads) {
  struct Job {
    std::string db_id;
    SpiderSplit split;
    const Schema* expected;
    std::string key;
    Schema result;
    std::exception_ptr error;
  };
  std::vector<Job> jobs;
  std::set<std::string> queued;
  for (const SpiderExample& example : examples) {
    const std::string key = cache_key(example.db_id, example.split);
    auto it = databases_.find(key);
    if ((it != databases_.end() && it->second.rows_read >= sample_rows) ||
        !queued.insert(key).second)
      continue;
    const Schema& expected =
        table_schema(example.db_id, example.split);  // unknown db_id: thrown here
    warn_once(example.db_id);
    jobs.push_back({example.db_id, example.split, &expected, key, {}, nullptr});
  }
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < jobs.size();) {
      try {
        jobs[i].result =
            read_database(*jobs[i].expected, jobs[i].db_id, jobs[i].split, sample_rows);
      } catch (...) {
        jobs[i].error = std::current_exception();
      }
    }
  };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads && static_cast<size_t>(t) < jobs.size(); ++t)
    workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  for (Job& job : jobs) {
    if (job.error) std::rethrow_exception(job.error);
    store_database(job.key, std::move(job.result), *job.expected, sample_rows);
  }
}

// How prompts serialize a schema: only CREATE TABLE schemas carry sample rows.
static SerializeOptions prompt_serialize_options(const PromptOptions& options) {
  SerializeOptions serialize;
  serialize.format = options.schema_format;
  serialize.sample_rows = has_sample_rows(options.schema_format) ? options.sample_rows : 0;
  serialize.max_value_chars = options.max_value_chars;
  serialize.budget = options.budget;
  return serialize;
}

std::string SpiderCorpus::schema_text(const std::string& db_id, SpiderSplit split,
                                      const PromptOptions& options) {
  const bool has_budget = options.budget.max_chars > 0 || options.budget.max_tokens > 0;
  const int rows = has_sample_rows(options.schema_format) ? options.sample_rows : 0;
  const std::string key =
      fmt::format("{}|{}|{}|{}", (layout_.database_dir_for(split) / db_id).string(),
                  schema_format_name(options.schema_format), rows, options.max_value_chars);
  if (!has_budget) {
    if (auto it = schema_texts_.find(key); it != schema_texts_.end()) return it->second;
  }
  std::string text = serialize_schema(database_schema(db_id, split, rows), prompt_serialize_options(options)).text;
  if (!has_budget) schema_texts_[key] = text;
  return text;
}

std::string SpiderCorpus::shuffled_schema_text(const std::string& db_id, SpiderSplit split,
                                               const PromptOptions& options, uint64_t seed) {
  const SerializeOptions serialize = prompt_serialize_options(options);
  return serialize_schema(shuffle_schema(database_schema(db_id, split, serialize.sample_rows), seed), serialize).text;
}

std::optional<SpiderCorpus::RenamedPrompt> SpiderCorpus::renamed_example(const std::string& db_id, SpiderSplit split,
                                                                        const PromptOptions& options,
                                                                        std::string_view query, uint64_t seed) {
  const SerializeOptions serialize = prompt_serialize_options(options);
  auto renamed = rename_schema_and_query(database_schema(db_id, split, serialize.sample_rows), query, seed);
  if (!renamed) return std::nullopt;
  std::string text = serialize_schema(shuffle_schema(renamed->schema, seed), serialize).text;
  return RenamedPrompt{std::move(renamed->schema), std::move(text), std::move(renamed->sql)};
}

std::optional<SpiderCorpus::SubstitutedPrompt> SpiderCorpus::substituted_example(const SpiderExample& example,
                                                                                const PromptOptions& options,
                                                                                const std::vector<std::string>& pool,
                                                                                uint64_t seed) {
  const SerializeOptions serialize = prompt_serialize_options(options);
  auto substituted = substitute_schema_words(database_schema(example.db_id, example.split, serialize.sample_rows),
                                             example.query, example.question, pool, seed);
  if (!substituted) return std::nullopt;
  std::string text = serialize_schema(shuffle_schema(substituted->schema, seed), serialize).text;
  return SubstitutedPrompt{std::move(substituted->schema), std::move(text), std::move(substituted->sql),
                           std::move(substituted->question)};
}

std::vector<ChatMessage> SpiderCorpus::prompt(const std::string& db_id, const std::string& question,
                                              SpiderSplit split, const PromptOptions& options,
                                              std::span<const FewShotExample> few_shot) {
  require_utf8(question, "question");
  return build_prompt(schema_text(db_id, split, options), question, options.layout, few_shot);
}

std::vector<ChatMessage> SpiderCorpus::prompt(const SpiderExample& example,
                                              const PromptOptions& options,
                                              std::span<const FewShotExample> few_shot) {
  return prompt(example.db_id, example.question, example.split, options, few_shot);
}

}  // namespace t2sql
