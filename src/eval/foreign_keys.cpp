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

ForeignKeySource::ForeignKeySource(const std::filesystem::path& tables_json)
    : source_(tables_json.string()), text_(read_file(tables_json)) {
  // Only the entries of the databases an evaluation uses are parsed (see map_for); here the file
  // is indexed by db_id in one pass over its structure.
  const std::vector<JsonArrayElement> elements = index_json_array(text_, "db_id", source_);
  for (size_t i = 0; i < elements.size(); ++i) {
    if (!elements[i].key_value) fail(ErrorCode::kParse, "{}: entry {} has no string 'db_id'", source_, i);
    const std::string db_id = parse_json(*elements[i].key_value, source_).get<std::string>();
    entries_[db_id] = Entry{i, static_cast<size_t>(elements[i].text.data() - text_.data()), elements[i].text.size()};
  }
}

ForeignKeyMap ForeignKeySource::map_for(const std::string& db_id) const {
  auto found = entries_.find(db_id);
  if (found == entries_.end()) fail(ErrorCode::kNotFound, "unknown db_id '{}': not in {}", db_id, source_);
  const Entry& entry = found->second;
  nlohmann::json fields;
  try {
    fields = nlohmann::json::parse(std::string_view(text_).substr(entry.offset, entry.length));
  } catch (const nlohmann::json::parse_error&) {
    parse_json(text_, source_);  // reports the error's line and column in the file
    throw;
  }
  return build_foreign_key_map(fields, fmt::format("{} entry {} ({})", source_, entry.index, db_id));
}

}  // namespace t2sql::eval
