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

// db_id -> map, for every entry of a tables.json file. Throws Error naming the file and field.
std::unordered_map<std::string, ForeignKeyMap> load_foreign_key_maps(const std::filesystem::path& tables_json);

}  // namespace t2sql::eval
