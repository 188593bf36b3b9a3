#include "data/sft_prep.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <cctype>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/hash.hpp"
#include "common/progress.hpp"
#include "data/augment.hpp"
#include "data/qualify_query.hpp"
#include "data/schema_rename.hpp"
#include "data/synthetic_dataset.hpp"
#include "sql/sandbox.hpp"

namespace t2sql {

std::vector<size_t> seeded_permutation(size_t n, uint64_t seed) {
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::mt19937_64 rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

namespace {
// Indices kept out of `n` items: the first `limit` (or all), or a seeded pick.
std::vector<size_t> pick(size_t n, int64_t limit, bool shuffle, uint64_t seed) {
  std::vector<size_t> order;
  if (shuffle) {
    order = seeded_permutation(n, seed);
  } else {
    order.resize(n);
    std::iota(order.begin(), order.end(), size_t{0});
  }
  if (limit >= 0 && static_cast<size_t>(limit) < n) order.resize(static_cast<size_t>(limit));
  return order;
}

void append_record(std::string& out, const std::vector<ChatMessage>& conversation,
                   const std::string& db_id, const std::string& source) {
  nlohmann::ordered_json record;
  nlohmann::ordered_json prompt = nlohmann::ordered_json::array();
  for (size_t i = 0; i + 1 < conversation.size(); ++i)
    prompt.push_back({{"role", conversation[i].role}, {"content", conversation[i].content}});
  record["prompt"] = std::move(prompt);
  record["completion"] = nlohmann::ordered_json::array(
      {{{"role", "assistant"}, {"content", conversation.back().content}}});
  record["db_id"] = db_id;
  record["source"] = source;
  out += record.dump();
  out += '\n';
}
// A question or query compared without case, runs of spaces or the final punctuation.
std::string comparable(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '?' || out.back() == '.' || out.back() == ';')) out.pop_back();
  return out;
}

// The seed of one extra copy of an example, one per (seed, group, example, copy), so the file does
// not depend on which other examples are kept. `group` tells apart examples that share an index:
// a Spider split, or the db_id's hash for a database's templated pairs. Each kind of copy adds its
// own constant to the seed, so that a shuffled, a respelled and a substituted copy draw independently.
uint64_t copy_seed(uint64_t seed, uint64_t group, size_t index, int copy) {
  return seed * 0x9E3779B97F4A7C15ULL + group * 1'000'003ULL + static_cast<uint64_t>(index) * 131ULL +
         static_cast<uint64_t>(copy);
}
uint64_t copy_seed(uint64_t seed, const SpiderExample& example, int copy) {
  return copy_seed(seed, static_cast<uint64_t>(example.split), example.index, copy);
}
constexpr uint64_t kRenamedSalt = 0x5851F42D4C957F2DULL;
constexpr uint64_t kSubstitutedSalt = 0x2545F4914F6CDD1DULL;

// `query` with qualified column names (--qualified-answers), or as written when it cannot be.
std::string qualified_answer(const Schema& schema, const std::string& query, PrepSummary& summary) {
  if (auto qualified = qualify_query_columns(schema, query)) return std::move(*qualified);
  ++summary.qualified_kept_as_written;
  return query;
}

// Appends one word-substituted copy of `example` (a Spider example or a templated pair) under
// `source`; false when the copy cannot be written safely (substitute_schema_words()).
bool append_substituted_copy(SpiderCorpus& corpus, const PrepOptions& options, const std::vector<std::string>& word_pool,
                             const SpiderExample& example, uint64_t seed, const std::string& source, std::string& text,
                             PrepSummary& summary) {
  auto substituted = corpus.substituted_example(example, options.prompt, word_pool, seed);
  if (!substituted) return false;
  const std::string answer = options.qualified_answers ? qualified_answer(substituted->schema, substituted->query, summary)
                                                       : substituted->query;
  append_record(text, build_conversation(substituted->schema_text, substituted->question, answer, options.prompt.layout),
                example.db_id, source);
  return true;
}

// Appends the templated pairs of each database (sorted by db_id, so the file is reproducible).
void augment_records(SpiderCorpus& corpus, const PrepOptions& options, const std::vector<std::string>& word_pool,
                     std::string& text, PrepSummary& summary) {
  std::map<std::string, SpiderSplit> chosen;  // the databases of the chosen splits
  for (SpiderSplit split : options.splits)
    for (const SpiderExample& example : corpus.examples(split)) chosen.emplace(example.db_id, split);
  std::map<std::string, SpiderSplit> databases;
  if (options.augment_databases != AugmentDatabases::kUnseen) databases = chosen;
  if (options.augment_databases != AugmentDatabases::kChosenSplits)
    for (const auto& [db_id, schema] : corpus.table_schemas(SpiderSplit::kDev))
      if (!chosen.contains(db_id)) databases.emplace(db_id, SpiderSplit::kDev);
  std::set<std::pair<std::string, std::string>> dev_texts;  // (db_id, comparable question or query)
  for (const SpiderExample& example : corpus.examples(SpiderSplit::kDev)) {
    const auto covered = databases.find(example.db_id);
    if (covered == databases.end() || covered->second != SpiderSplit::kDev) continue;
    dev_texts.emplace(example.db_id, comparable(example.question));
    dev_texts.emplace(example.db_id, comparable(example.query));
  }
  AugmentOptions augment{options.augment_per_database, options.seed, options.augment_templates};
  ProgressBar progress("augment", static_cast<int64_t>(databases.size()), options.progress);
  for (const auto& [db_id, split] : databases) {
    const Schema& schema = corpus.table_schema(db_id, split);
    SandboxLimits limits;
    limits.timeout_seconds = 5.0;
    SqlSandbox database(spider_database_file(corpus.layout().database_dir_for(split), db_id), limits);
    std::vector<SpiderExample> pairs = augment_database(schema, database, split, augment);
    if (!pairs.empty()) ++summary.augmented_databases;
    const std::string schema_text = pairs.empty() ? std::string() : corpus.schema_text(db_id, split, options.prompt);
    for (const SpiderExample& pair : pairs) {
      if (dev_texts.contains({db_id, comparable(pair.question)}) || dev_texts.contains({db_id, comparable(pair.query)})) {
        ++summary.augmented_dropped_as_dev;
        continue;
      }
      const std::string answer =
          options.qualified_answers ? qualified_answer(corpus.database_schema(db_id, split, 0), pair.query, summary)
                                    : pair.query;
      append_record(text, build_conversation(schema_text, pair.question, answer, options.prompt.layout), db_id, "augment");
      ++summary.augmented_records;
      for (int copy = 1; copy <= options.substituted_augment_copies; ++copy) {
        const uint64_t seed = copy_seed(options.seed + kSubstitutedSalt, fnv1a64(db_id), pair.index, copy);
        if (!append_substituted_copy(corpus, options, word_pool, pair, seed, "augment/substituted", text, summary)) {
          ++summary.augmented_substituted_skipped;
          continue;
        }
        ++summary.augmented_records;
        ++summary.augmented_substituted_records;
      }
    }
    progress.advance();
  }
  progress.finish();
}
}  // namespace

AugmentDatabases parse_augment_databases(const std::string& name) {
  if (name == "train") return AugmentDatabases::kChosenSplits;
  if (name == "all") return AugmentDatabases::kAll;
  if (name == "unseen") return AugmentDatabases::kUnseen;
  fail(ErrorCode::kInvalidArgument, "--augment-databases must be train, all or unseen, not '{}'", name);
}

AugmentTemplates parse_augment_templates(const std::string& name) {
  if (name == "basic") return AugmentTemplates::kBasic;
  if (name == "extended") return AugmentTemplates::kExtended;
  if (name == "wide") return AugmentTemplates::kWide;
  fail(ErrorCode::kInvalidArgument, "--augment-templates must be basic, extended or wide, not '{}'", name);
}

PrepSummary prepare_sft_dataset(SpiderCorpus& corpus, const PrepOptions& options,
                                const std::filesystem::path& out) {
  if (options.num_train < -1)
    fail(ErrorCode::kInvalidArgument, "--num-train must be -1 (all) or a count, not {}",
         options.num_train);
  if (options.num_synthetic < -1)
    fail(ErrorCode::kInvalidArgument, "--num-synthetic must be -1 (all) or a count, not {}",
         options.num_synthetic);
  corpus.preload(options.splits);
  std::vector<const SpiderExample*> spider;
  for (SpiderSplit split : options.splits)
    for (const SpiderExample& example : corpus.examples(split)) spider.push_back(&example);
  const std::vector<size_t> spider_kept =
      pick(spider.size(), options.num_train, options.shuffle, options.seed);

  std::vector<SyntheticRecord> synthetic;
  std::vector<size_t> synthetic_kept;
  if (!options.synthetic.empty()) {
    synthetic = load_synthetic_records(options.synthetic);
    synthetic_kept = pick(synthetic.size(), options.num_synthetic, options.shuffle, options.seed);
  }

  if (options.prompt.schema_format == SchemaFormat::kCreateTable) {
    std::vector<SpiderExample> kept;
    for (size_t index : spider_kept) kept.push_back(*spider[index]);
    corpus.preload_databases(kept, options.prompt.sample_rows);
  }

  const std::pair<int, const char*> copy_counts[] = {
      {options.shuffled_schema_copies, "--shuffled-schema-copies"},
      {options.renamed_schema_copies, "--renamed-schema-copies"},
      {options.substituted_schema_copies, "--substituted-schema-copies"},
      {options.substituted_augment_copies, "--substituted-augment-copies"}};
  for (const auto& [count, flag] : copy_counts)
    if (count < 0) fail(ErrorCode::kInvalidArgument, "{} must be 0 or more, not {}", flag, count);
  std::vector<std::string> word_pool;
  if (options.substituted_schema_copies > 0 || options.substituted_augment_copies > 0) {
    std::map<std::string, const Schema*> schemas;  // the chosen splits' databases
    for (const SpiderExample* example : spider)
      schemas.emplace(example->db_id, &corpus.table_schema(example->db_id, example->split));
    std::vector<const Schema*> list;
    for (const auto& [db_id, schema] : schemas) list.push_back(schema);
    word_pool = name_word_pool(list);
  }
  PrepSummary summary;
  std::string text;
  ProgressBar progress("prep", static_cast<int64_t>(spider_kept.size() + synthetic_kept.size()),
                       options.progress);
  for (size_t index : spider_kept) {
    const SpiderExample& example = *spider[index];
    const std::string source = fmt::format("spider/{}", spider_split_name(example.split));
    const std::string schema = corpus.schema_text(example.db_id, example.split, options.prompt);
    const std::string answer =
        options.qualified_answers
            ? qualified_answer(corpus.database_schema(example.db_id, example.split, 0), example.query, summary)
            : example.query;
    append_record(text, build_conversation(schema, example.question, answer, options.prompt.layout),
                  example.db_id, source);
    ++summary.spider_records;
    for (int copy = 1; copy <= options.shuffled_schema_copies; ++copy) {
      const uint64_t seed = copy_seed(options.seed, example, copy);
      const std::string shuffled = corpus.shuffled_schema_text(example.db_id, example.split, options.prompt, seed);
      append_record(text, build_conversation(shuffled, example.question, answer, options.prompt.layout),
                    example.db_id, source + "/shuffled");
      ++summary.spider_records;
      ++summary.shuffled_records;
    }
    for (int copy = 1; copy <= options.renamed_schema_copies; ++copy) {
      const uint64_t seed = copy_seed(options.seed + kRenamedSalt, example, copy);
      auto renamed = corpus.renamed_example(example.db_id, example.split, options.prompt, example.query, seed);
      if (!renamed) {
        ++summary.renamed_skipped;
        continue;
      }
      const std::string renamed_answer =
          options.qualified_answers ? qualified_answer(renamed->schema, renamed->query, summary) : renamed->query;
      append_record(text, build_conversation(renamed->schema_text, example.question, renamed_answer, options.prompt.layout),
                    example.db_id, source + "/renamed");
      ++summary.spider_records;
      ++summary.renamed_records;
    }
    for (int copy = 1; copy <= options.substituted_schema_copies; ++copy) {
      const uint64_t seed = copy_seed(options.seed + kSubstitutedSalt, example, copy);
      if (!append_substituted_copy(corpus, options, word_pool, example, seed, source + "/substituted", text, summary)) {
        ++summary.substituted_skipped;
        continue;
      }
      ++summary.spider_records;
      ++summary.substituted_records;
    }
    progress.advance();
  }
  for (size_t index : synthetic_kept) {
    const SyntheticRecord& record = synthetic[index];
    std::string schema = record.sql_context;
    if (!has_sample_rows(options.prompt.schema_format)) {
      SerializeOptions serialize;
      serialize.format = options.prompt.schema_format;
      serialize.budget = options.prompt.budget;
      schema = serialize_schema(schema_from_sql_context(record.sql_context, record.location, 0),
                                serialize)
                   .text;
    }
    append_record(text,
                  build_conversation(schema, record.sql_prompt, record.sql, options.prompt.layout),
                  record.id, "synthetic");
    ++summary.synthetic_records;
    progress.advance();
  }
  progress.finish();
  if (options.augment_per_database > 0) augment_records(corpus, options, word_pool, text, summary);
  write_file_atomic(out, text);
  summary.bytes = text.size();
  return summary;
}

}  // namespace t2sql
