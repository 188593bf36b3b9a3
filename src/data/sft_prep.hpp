// `t2sql data prep`: supervised fine-tuning records, one JSON object per line:
//   {"prompt": [{"role": "system", ...}, {"role": "user", ...}],   (or the folded user turn)
//    "completion": [{"role": "assistant", "content": " name FROM singer"}],
//    "db_id": "concert_singer", "source": "spider/train"}
// (TRL's conversational prompt-completion layout). Spider splits come first, in file order, then
// synthetic records (schema = their sql_context verbatim, as the reference does, or the compact
// form of the schema SQLite builds from it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "data/augment.hpp"
#include "data/spider_corpus.hpp"

namespace t2sql {

// Which databases `--augment-per-db` covers.
enum class AugmentDatabases { kChosenSplits, kAll, kUnseen };

// Parses "train", "all" or "unseen"; anything else is a kInvalidArgument error naming the flag.
AugmentDatabases parse_augment_databases(const std::string& name);

// Parses "basic", "extended" or "wide" (data/augment.hpp); anything else is a kInvalidArgument error.
AugmentTemplates parse_augment_templates(const std::string& name);

struct PrepOptions {
  std::vector<SpiderSplit> splits = {SpiderSplit::kTrain, SpiderSplit::kTrainOthers};
  int64_t num_train = -1;           // Spider examples kept (-1: all)
  std::filesystem::path synthetic;  // synthetic records file (empty: none)
  int64_t num_synthetic = -1;       // synthetic records kept (-1: all)
  // Without shuffle the first N of each source are kept (what the reference does: its
  // dataset.shuffle(seed) result is discarded); with it, a seeded shuffle picks and orders them.
  bool shuffle = false;
  uint64_t seed = 42;
  PromptOptions prompt;
  // Templated pairs per database (data/augment.hpp), appended after the Spider and synthetic
  // records; 0: none. `augment_databases` says which databases get them: those of the chosen Spider
  // splits, every database of tables.json (the dev databases too), or only those the chosen splits
  // do not use (with train + train_others: the 20 dev databases, the ones a model trained on this
  // file will be asked about; their schemas and values, never their questions). Whenever a dev
  // database is covered, a pair whose question or query equals (case and spacing aside) a dev
  // example's on the same database is dropped, so the augmentation never hands the model a dev
  // answer.
  int augment_per_database = 0;
  AugmentDatabases augment_databases = AugmentDatabases::kChosenSplits;
  AugmentTemplates augment_templates = AugmentTemplates::kBasic;
  // Extra copies of every kept Spider example whose schema lists tables, columns and foreign keys
  // in a seeded random order (data/schema_shuffle.hpp); same question and answer. 0: none.
  int shuffled_schema_copies = 0;
  // Extra copies whose table and column names are respelled, in the schema and in the answer
  // alike, with the schema also in a shuffled order (data/schema_rename.hpp). 0: none.
  int renamed_schema_copies = 0;
  // Extra copies whose table and column names have their words replaced by words of other
  // databases' names, in the schema, the answer and the question alike, with the schema in a
  // shuffled order (data/schema_rename.hpp, substitute_schema_words). The words come from the
  // names of the chosen splits' databases. 0: none.
  int substituted_schema_copies = 0;
  // The same for the templated pairs: extra copies of each pair with its database's name words
  // substituted (same word pool). 0: none.
  int substituted_augment_copies = 0;
  // Answers with table-qualified column names and no table aliases (data/qualify_query.hpp), in
  // every record; a query that cannot be rewritten safely is kept as written (and counted).
  bool qualified_answers = false;
  bool progress = true;  // progress bar on stderr (only when it is a terminal)
};

struct PrepSummary {
  size_t spider_records = 0;
  size_t shuffled_records = 0;  // of spider_records: the shuffled-schema copies
  size_t renamed_records = 0;   // of spider_records: the renamed-schema copies
  size_t renamed_skipped = 0;   // renamed copies not written (the query could not be rewritten safely)
  size_t substituted_records = 0;  // of spider_records: the word-substituted copies
  size_t substituted_skipped = 0;  // substituted copies not written (likewise, or two names collided)
  size_t qualified_kept_as_written = 0;  // --qualified-answers: queries the rewrite left alone
  size_t synthetic_records = 0;
  size_t augmented_records = 0;
  size_t augmented_databases = 0;
  size_t augmented_dropped_as_dev = 0;  // pairs left out because they repeat a dev example
  size_t augmented_substituted_records = 0;  // of augmented_records: the word-substituted copies
  size_t augmented_substituted_skipped = 0;  // substituted copies of pairs not written
  size_t bytes = 0;
};

// Builds the records and writes them atomically to `out`.
PrepSummary prepare_sft_dataset(SpiderCorpus& corpus, const PrepOptions& options,
                                const std::filesystem::path& out);

// A seeded Fisher-Yates permutation of 0..n-1 (the same on every platform: mt19937_64 only).
std::vector<size_t> seeded_permutation(size_t n, uint64_t seed);

}  // namespace t2sql
