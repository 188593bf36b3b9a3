#include "eval/foreign_keys.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "sql/spider_tokenizer.hpp"

namespace t2sql::eval {

ForeignKeyMap build_foreign_key_map(const nlohmann::json& entry, const std::string& where) {
  for (const char* field : {"table_names_original", "column_names_original", "foreign_keys"})
    if (!entry.contains(field) || !entry[field].is_array())
      fail(ErrorCode::kParse, "{}: missing or non-list field '{}'", where, field);
  try {
    const auto& tables = entry["table_names_original"];
    std::vector<std::string> columns;
    for (const auto& column : entry["column_names_original"]) {
      const int table = column.at(0).get<int>();
      if (table >= 0) {
        columns.push_back("__" + spider::python_lower(tables.at(static_cast<size_t>(table)).get<std::string>()) + "." +
                          spider::python_lower(column.at(1).get<std::string>()) + "__");
      } else {
        columns.push_back("__all__");
      }
    }
    std::vector<std::set<int>> groups;
    for (const auto& pair : entry["foreign_keys"]) {
      const int first = pair.at(0).get<int>(), second = pair.at(1).get<int>();
      std::set<int>* group = nullptr;
      for (auto& candidate : groups)
        if (candidate.count(first) || candidate.count(second)) {
          group = &candidate;
          break;
        }
      if (!group) group = &groups.emplace_back();
      group->insert(first);
      group->insert(second);
    }
    ForeignKeyMap map;
    for (const auto& group : groups) {
      const int lowest = *group.begin();
      for (int index : group) map[columns.at(static_cast<size_t>(index))] = columns.at(static_cast<size_t>(lowest));
    }
    return map;
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kParse, "{}: malformed columns or foreign_keys: {}", where, e.what());
  } catch (const std::out_of_range&) {
    fail(ErrorCode::kParse, "{}: a foreign key or column refers to an index out of range", where);
  }
}

ForeignKeySource::ForeignKeySource(const std::filesystem::path& tables_json) : source_(tables_json.string()) {
  // Entries are flat objects, so a key filter needs no depth: skip the fields no map uses.
  nlohmann::json data = load_json_file(tables_json, [](std::string_view key) {
    return key == "db_id" || key == "table_names_original" || key == "column_names_original" || key == "foreign_keys";
  });
  if (!data.is_array()) fail(ErrorCode::kParse, "{}: expected a JSON list of databases", source_);
  for (size_t i = 0; i < data.size(); ++i) {
    auto& entry = data[i];
    if (!entry.is_object() || !entry.contains("db_id") || !entry["db_id"].is_string())
      fail(ErrorCode::kParse, "{}: entry {} has no string 'db_id'", source_, i);
    const std::string db_id = entry["db_id"].get<std::string>();
    entries_[db_id] = Entry{i, std::make_shared<const nlohmann::json>(std::move(entry))};
  }
}

ForeignKeyMap ForeignKeySource::map_for(const std::string& db_id) const {
  auto found = entries_.find(db_id);
  if (found == entries_.end()) fail(ErrorCode::kNotFound, "unknown db_id '{}': not in {}", db_id, source_);
  return build_foreign_key_map(*found->second.fields,
                               fmt::format("{} entry {} ({})", source_, found->second.index, db_id));
}

}  // namespace t2sql::eval
