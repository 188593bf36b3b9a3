// Spider examples and the folder layouts they come in.
//
// Layouts (resolve_spider_layout):
//  - official: DIR/{train_spider.json, train_others.json, dev.json, tables.json} and
//    DIR/database/<db>/<db>.sqlite (the vendored data/spider, and Spider's release);
//  - the 2023 release adds the test split: DIR/test.json + DIR/test_tables.json +
//    DIR/test_database/<db>/<db>.sqlite, or the seed folder's DIR/test_data/{dev.json, tables.json}
//    with DIR/test_database/ (the layout the reference pipeline reads its test split from).
// An example needs only db_id, question and query: query_toks, question_toks and sql are never
// required (the rebuilt train files do not have them).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace t2sql {

enum class SpiderSplit { kTrain, kTrainOthers, kDev, kTest };

// "train", "train_others", "dev", "test".
const char* spider_split_name(SpiderSplit split);
// Parses a split name; throws Error(kInvalidArgument) listing the valid names.
SpiderSplit parse_spider_split(const std::string& name);

struct SpiderExample {
  std::string db_id;
  std::string question;
  std::string query;  // the gold SQL
  SpiderSplit split = SpiderSplit::kDev;
  int index = 0;  // position in its file
};

struct SpiderLayout {
  std::filesystem::path root;
  std::filesystem::path tables_json;        // schemas of train/dev databases
  std::filesystem::path database_dir;       // <db>/<db>.sqlite for train/dev
  std::filesystem::path test_tables_json;   // empty when the folder has no test split
  std::filesystem::path test_database_dir;  // empty when the folder has no test split

  // The examples file of `split`; throws Error(kNotFound) when this folder does not have it.
  std::filesystem::path examples_file(SpiderSplit split) const;
  bool has_split(SpiderSplit split) const;
  // tables.json and database folder that serve `split` (test databases live apart).
  const std::filesystem::path& tables_file_for(SpiderSplit split) const;
  const std::filesystem::path& database_dir_for(SpiderSplit split) const;
};

// Recognises the layout of `dir`; throws Error(kNotFound) naming what is missing when `dir` is
// not a Spider folder.
SpiderLayout resolve_spider_layout(const std::filesystem::path& dir);

// Loads the examples of one Spider JSON file (an array of objects). Throws Error naming the file,
// the example index and the field when a field is missing or not a string, and the line and
// column of malformed JSON; a question that is not valid UTF-8 is refused with its offset.
std::vector<SpiderExample> load_spider_examples(const std::filesystem::path& path,
                                                SpiderSplit split);

// The path of the SQLite file of `db_id` under `database_dir`: <db>/<db>.sqlite, else the one
// *.sqlite file of that folder (test databases may be named otherwise). Does not check existence.
std::filesystem::path spider_database_file(const std::filesystem::path& database_dir,
                                           const std::string& db_id);

// What database/MANIFEST.tsv says about a database (vendored data only): "official-verified",
// "partial" or "schema-only", with a free-text note.
struct DatabaseStatus {
  std::string status;
  std::string note;
  // True when results on this database are not those of the official file.
  bool degraded() const { return !status.empty() && status != "official-verified"; }
};

// Reads MANIFEST.tsv (header: db_id, sha256, size, status, note). Returns an empty map when the
// file does not exist (a user's own Spider folder has none); throws Error(kParse) naming the line
// of a malformed row.
std::map<std::string, DatabaseStatus> load_database_manifest(const std::filesystem::path& path);

}  // namespace t2sql
