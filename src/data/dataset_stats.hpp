// `t2sql data stats`: what a Spider folder holds — examples per split, schemas, database files
// and their MANIFEST status, tables and columns per database, question and SQL lengths.
// Reads JSON files only (no database is opened), so it finishes in a fraction of a second.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/spider_corpus.hpp"

namespace t2sql {

struct Distribution {
  size_t count = 0;
  double mean = 0;
  int64_t min = 0, median = 0, p90 = 0, max = 0;  // nearest-rank percentiles
};

// Summary of `values` (empty input gives all zeros).
Distribution describe(std::vector<int64_t> values);

struct SplitStats {
  std::string name;
  size_t examples = 0;
  size_t databases = 0;  // distinct db_id
  Distribution question_chars, question_words, sql_chars, sql_words;
};

struct CorpusStats {
  std::string root;
  std::vector<SplitStats>
      splits;                 // the splits this folder has, in train, train_others, dev, test order
  size_t schemas = 0;         // entries of tables.json
  size_t database_files = 0;  // database/<db>/<db>.sqlite present
  std::map<std::string, size_t> status_counts;  // MANIFEST.tsv status -> databases
  std::vector<std::string> degraded_databases;  // "wta_1 (partial)", ...
  Distribution tables_per_database, columns_per_database;
};

CorpusStats compute_corpus_stats(SpiderCorpus& corpus);

std::string format_stats_text(const CorpusStats& stats);
std::string format_stats_json(const CorpusStats& stats);  // pretty-printed, ends in "\n"

}  // namespace t2sql
