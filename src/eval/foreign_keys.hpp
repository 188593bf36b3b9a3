// Foreign-key column maps of the official evaluator (`build_foreign_key_map_from_json`): for each
// database, every column that takes part in a foreign key is mapped to the lowest-numbered
// column of its group, so `t1.singer_id` and `t2.singer_id` compare equal in exact match.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>
#include <unordered_map>

namespace t2sql::eval {

// "__table.column__" -> "__table.column__" of the group's lowest column index.
using ForeignKeyMap = std::unordered_map<std::string, std::string>;

// One tables.json entry (needs table_names_original, column_names_original, foreign_keys).
// Groups are formed as the official code does: a key pair joins the FIRST group that already
// holds either key (groups are never merged). `where` names the entry in error messages.
ForeignKeyMap build_foreign_key_map(const nlohmann::json& entry, const std::string& where);

// The entries of a tables.json file by db_id; an entry is parsed and its map built when asked
// for. An evaluation touches a few of the file's databases (20 of Spider's 166 for dev), and
// reading tables.json was the largest serial step of `t2sql eval`.
class ForeignKeySource {
 public:
  // Throws Error naming the file when it is not a JSON list or an entry has no string db_id.
  // A later entry with the same db_id replaces an earlier one, as in the official code.
  explicit ForeignKeySource(const std::filesystem::path& tables_json);

  bool contains(const std::string& db_id) const { return entries_.count(db_id) != 0; }
  // Throws Error(kNotFound) for an unknown db_id, kParse naming the entry for malformed fields.
  ForeignKeyMap map_for(const std::string& db_id) const;

 private:
  struct Entry {
    size_t index = 0;  // position in the file, for messages
    size_t offset = 0, length = 0;  // the entry's JSON text in text_
  };
  std::string source_;
  std::string text_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace t2sql::eval
