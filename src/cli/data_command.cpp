// `t2sql data stats|show|prep`: Spider statistics, one prompt, SFT records. Flag parsing only; the
// work is in src/data.
#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/command_registry.hpp"
#include "common/error.hpp"
#include "common/utf8.hpp"
#include "data/dataset_stats.hpp"
#include "data/sft_prep.hpp"
#include "data/spider_corpus.hpp"

namespace t2sql::cli {
namespace {

struct DataFlags {
  std::string spider_dir;
  bool json = false;
  std::string db_id, question, split = "dev", schema_format = "create",
                               roles = "sys-user-assistant";
  int sample_rows = 3;
  size_t max_value_chars = 100;
  size_t max_schema_chars = 0;
  std::string out, synthetic;
  std::vector<std::string> prep_splits = {"train", "train_others"};
  int64_t num_train = -1, num_synthetic = -1;
  uint64_t seed = 42;
  bool shuffle = false;
  bool question_first = false;
  int augment_per_db = 0;
  int shuffled_schema_copies = 0;
  int renamed_schema_copies = 0;
  int substituted_schema_copies = 0;
  int substituted_augment_copies = 0;
  bool qualified_answers = false;
  std::string augment_databases = "train";
  std::string augment_templates = "basic";
};

PromptOptions prompt_options(const DataFlags& flags) {
  PromptOptions options;
  options.schema_format = parse_schema_format(flags.schema_format);
  options.layout.roles = parse_conversation_roles(flags.roles);
  options.layout.question_first = flags.question_first;
  if (flags.sample_rows < 0)
    fail(ErrorCode::kInvalidArgument, "--sample-rows must be 0 or more, not {}", flags.sample_rows);
  options.sample_rows = flags.sample_rows;
  options.max_value_chars = flags.max_value_chars;
  options.budget.max_chars = flags.max_schema_chars;
  return options;
}

void add_prompt_flags(CLI::App* command, DataFlags& flags) {
  command
      ->add_option("--schema-format", flags.schema_format,
                   "create (CREATE TABLE + INSERT rows), compact or qualified (compact, table.column)")
      ->capture_default_str();
  command
      ->add_option("--sample-rows", flags.sample_rows, "INSERT rows per table in the create format")
      ->capture_default_str();
  command->add_option("--roles", flags.roles, "sys-user-assistant, user-assistant or user (no instructions)")
      ->capture_default_str();
  command->add_flag("--question-first", flags.question_first,
                    "also state the question before the schema (not the reference layout)");
  command
      ->add_option("--max-value-chars", flags.max_value_chars,
                   "cut longer text values in sample rows (0: never)")
      ->capture_default_str();
  command
      ->add_option("--max-schema-chars", flags.max_schema_chars,
                   "schema budget in characters (0: none)")
      ->capture_default_str();
}

int run_stats(const DataFlags& flags) {
  SpiderCorpus corpus(flags.spider_dir);
  CorpusStats stats = compute_corpus_stats(corpus);
  std::fputs((flags.json ? format_stats_json(stats) : format_stats_text(stats)).c_str(), stdout);
  return 0;
}

int run_show(const DataFlags& flags) {
  require_utf8(flags.question, "--question");
  SpiderCorpus corpus(flags.spider_dir);
  const auto messages = corpus.prompt(flags.db_id, flags.question, parse_spider_split(flags.split),
                                      prompt_options(flags));
  for (const ChatMessage& message : messages)
    fmt::print("=== {}\n{}\n", message.role, message.content);
  return 0;
}

int run_prep(const DataFlags& flags) {
  SpiderCorpus corpus(flags.spider_dir);
  PrepOptions options;
  options.splits.clear();
  for (const std::string& split : flags.prep_splits)
    options.splits.push_back(parse_spider_split(split));
  options.num_train = flags.num_train;
  options.synthetic = flags.synthetic;
  options.num_synthetic = flags.num_synthetic;
  options.shuffle = flags.shuffle;
  options.seed = flags.seed;
  options.prompt = prompt_options(flags);
  if (flags.augment_per_db < 0)
    fail(ErrorCode::kInvalidArgument, "--augment-per-db must be 0 or more, not {}", flags.augment_per_db);
  options.augment_per_database = flags.augment_per_db;
  options.shuffled_schema_copies = flags.shuffled_schema_copies;
  options.renamed_schema_copies = flags.renamed_schema_copies;
  options.substituted_schema_copies = flags.substituted_schema_copies;
  options.substituted_augment_copies = flags.substituted_augment_copies;
  options.qualified_answers = flags.qualified_answers;
  options.augment_databases = parse_augment_databases(flags.augment_databases);
  options.augment_templates = parse_augment_templates(flags.augment_templates);
  PrepSummary summary = prepare_sft_dataset(corpus, options, flags.out);
  fmt::print("wrote {} records ({} Spider, {} synthetic, {} augmented from {} databases, {} bytes) to {}\n",
             summary.spider_records + summary.synthetic_records + summary.augmented_records, summary.spider_records,
             summary.synthetic_records, summary.augmented_records, summary.augmented_databases, summary.bytes, flags.out);
  if (summary.shuffled_records > 0) {
    fmt::print("of the Spider records, {} are copies with the schema in a shuffled order\n", summary.shuffled_records);
  }
  if (summary.renamed_records + summary.renamed_skipped > 0) {
    fmt::print("of the Spider records, {} are copies with respelled table and column names ({} not written: the "
               "query quotes a schema name or could not be rewritten)\n",
               summary.renamed_records, summary.renamed_skipped);
  }
  if (summary.substituted_records + summary.substituted_skipped > 0) {
    fmt::print("of the Spider records, {} are copies with the words of table and column names substituted ({} not "
               "written: the query quotes a schema name, could not be rewritten, or two names collided)\n",
               summary.substituted_records, summary.substituted_skipped);
  }
  if (summary.augmented_substituted_records + summary.augmented_substituted_skipped > 0) {
    fmt::print("of the augmented records, {} are copies with the words of table and column names substituted ({} "
               "not written: the query quotes a schema name, could not be rewritten, or two names collided)\n",
               summary.augmented_substituted_records, summary.augmented_substituted_skipped);
  }
  if (flags.qualified_answers) {
    fmt::print("answers written with qualified column names; {} kept as written (a subquery in FROM, an "
               "outer block's alias, or a rewrite the Spider parser does not read as the same query)\n",
               summary.qualified_kept_as_written);
  }
  if (summary.augmented_dropped_as_dev > 0) {
    fmt::print("left out {} augmented pairs that repeat a dev question or query\n", summary.augmented_dropped_as_dev);
  }
  return 0;
}

const CommandRegistrar registrar(10, [](CLI::App& app) {
  auto flags = std::make_shared<DataFlags>();
  auto* data = app.add_subcommand("data", "Spider data: statistics, prompts, SFT records");
  data->require_subcommand(1);
  data->add_option("--spider-dir", flags->spider_dir,
                   "Spider folder (default: the vendored data/spider)");

  auto* stats =
      data->add_subcommand("stats", "examples per split, schemas, databases, length distributions");
  stats->add_option("--spider-dir", flags->spider_dir,
                    "Spider folder (default: the vendored data/spider)");
  stats->add_flag("--json", flags->json, "print JSON");
  stats->callback([flags] { set_exit_code(run_stats(*flags)); });

  auto* show = data->add_subcommand("show", "print the prompt for a question on a database");
  show->add_option("--spider-dir", flags->spider_dir,
                   "Spider folder (default: the vendored data/spider)");
  show->add_option("--db", flags->db_id, "db_id")->required();
  show->add_option("--question", flags->question, "the question")->required();
  show->add_option("--split", flags->split,
                   "which databases: dev/train (database/) or test (test_database/)")
      ->capture_default_str();
  add_prompt_flags(show, *flags);
  show->callback([flags] { set_exit_code(run_show(*flags)); });

  auto* prep =
      data->add_subcommand("prep", "write SFT records {prompt, completion, db_id} as JSONL");
  prep->add_option("--spider-dir", flags->spider_dir,
                   "Spider folder (default: the vendored data/spider)");
  prep->add_option("--out", flags->out, "output JSONL file")->required();
  prep->add_option("--split", flags->prep_splits, "Spider splits to include (repeatable)")
      ->capture_default_str();
  prep->add_option("--num-train", flags->num_train, "Spider examples kept (-1: all)")
      ->capture_default_str();
  prep->add_option("--synthetic", flags->synthetic,
                   "synthetic records (JSONL or JSON array) to append");
  prep->add_option("--num-synthetic", flags->num_synthetic, "synthetic records kept (-1: all)")
      ->capture_default_str();
  prep->add_flag("--shuffle", flags->shuffle,
                 "pick the kept examples with a seeded shuffle instead of the first N");
  prep->add_option("--seed", flags->seed, "seed of --shuffle, --augment-per-db and the schema copies")->capture_default_str();
  prep->add_option("--augment-per-db", flags->augment_per_db,
                   "templated question/SQL pairs generated per database (0: none)")
      ->capture_default_str();
  prep->add_option("--shuffled-schema-copies", flags->shuffled_schema_copies,
                   "extra copies of each Spider example with tables, columns and keys in a seeded random order")
      ->capture_default_str();
  prep->add_option("--renamed-schema-copies", flags->renamed_schema_copies,
                   "extra copies of each Spider example with table and column names respelled (schema and answer)")
      ->capture_default_str();
  prep->add_option("--substituted-schema-copies", flags->substituted_schema_copies,
                   "extra copies of each Spider example with the words of table and column names replaced by words "
                   "of other databases (schema, answer and question)")
      ->capture_default_str();
  prep->add_option("--substituted-augment-copies", flags->substituted_augment_copies,
                   "extra copies of each templated pair (--augment-per-db) with its name words substituted, as "
                   "--substituted-schema-copies does")
      ->capture_default_str();
  prep->add_flag("--qualified-answers", flags->qualified_answers,
                 "answers name every column as table.column, without table aliases (pairs with --schema-format qualified)");
  prep->add_option("--augment-databases", flags->augment_databases,
                   "train (databases of the chosen splits), all (every database of tables.json, dev included) or "
                   "unseen (only those the chosen splits do not use)")
      ->capture_default_str();
  prep->add_option("--augment-templates", flags->augment_templates,
                   "basic (one-table and one-join shapes), extended (adds joins with grouping and HAVING, two "
                   "conditions, nested averages, set operations and joins through a link table) or wide (extended plus "
                   "questions asking for two to four columns at once)")
      ->capture_default_str();
  add_prompt_flags(prep, *flags);
  prep->callback([flags] { set_exit_code(run_prep(*flags)); });
});

}  // namespace
}  // namespace t2sql::cli
