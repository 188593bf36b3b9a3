#include "data/spider_dataset.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"

namespace t2sql {
namespace fs = std::filesystem;
using nlohmann::json;

const char* spider_split_name(SpiderSplit split) {
  switch (split) {
    case SpiderSplit::kTrain: return "train";
    case SpiderSplit::kTrainOthers: return "train_others";
    case SpiderSplit::kDev: return "dev";
    case SpiderSplit::kTest: return "test";
  }
  return "?";
}

SpiderSplit parse_spider_split(const std::string& name) {
  for (SpiderSplit split : {SpiderSplit::kTrain, SpiderSplit::kTrainOthers, SpiderSplit::kDev, SpiderSplit::kTest})
    if (name == spider_split_name(split)) return split;
  fail(ErrorCode::kInvalidArgument, "unknown split '{}' (expected train, train_others, dev or test)", name);
}

namespace {
bool is_file(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}
bool is_dir(const fs::path& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}
}  // namespace

SpiderLayout resolve_spider_layout(const fs::path& dir) {
  if (!is_dir(dir)) fail(ErrorCode::kNotFound, "Spider folder not found: {}", dir.string());
  SpiderLayout layout;
  layout.root = dir;
  layout.tables_json = dir / "tables.json";
  layout.database_dir = dir / "database";
  if (!is_file(layout.tables_json))
    fail(ErrorCode::kNotFound, "{} is not a Spider folder: tables.json not found in it", dir.string());
  if (is_dir(dir / "test_database")) {
    if (is_file(dir / "test_tables.json")) layout.test_tables_json = dir / "test_tables.json";
    else if (is_file(dir / "test_data" / "tables.json")) layout.test_tables_json = dir / "test_data" / "tables.json";
    if (!layout.test_tables_json.empty()) layout.test_database_dir = dir / "test_database";
  }
  return layout;
}

bool SpiderLayout::has_split(SpiderSplit split) const {
  if (split == SpiderSplit::kTest) {
    if (test_tables_json.empty()) return false;
    return is_file(root / "test.json") || is_file(root / "test_data" / "dev.json");
  }
  return is_file(examples_file(split));
}

fs::path SpiderLayout::examples_file(SpiderSplit split) const {
  switch (split) {
    case SpiderSplit::kTrain: return root / "train_spider.json";
    case SpiderSplit::kTrainOthers: return root / "train_others.json";
    case SpiderSplit::kDev: return root / "dev.json";
    case SpiderSplit::kTest:
      if (is_file(root / "test.json")) return root / "test.json";
      if (is_file(root / "test_data" / "dev.json")) return root / "test_data" / "dev.json";
      fail(ErrorCode::kNotFound, "{} has no test split (expected test.json or test_data/dev.json beside test_database/)",
           root.string());
  }
  return {};
}

const fs::path& SpiderLayout::tables_file_for(SpiderSplit split) const {
  return split == SpiderSplit::kTest && !test_tables_json.empty() ? test_tables_json : tables_json;
}

const fs::path& SpiderLayout::database_dir_for(SpiderSplit split) const {
  return split == SpiderSplit::kTest && !test_database_dir.empty() ? test_database_dir : database_dir;
}

std::vector<SpiderExample> load_spider_examples(const fs::path& path, SpiderSplit split) {
  const std::string text = read_file(path);
  // Spider files carry token lists and parsed SQL trees we never use: dropping them while parsing
  // keeps `t2sql data stats` fast. A syntax error is re-parsed by parse_json() for line and column.
  const json::parser_callback_t keep_needed_fields = [](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 2 && event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      return key == "db_id" || key == "question" || key == "query";
    }
    return true;
  };
  json document;
  try {
    document = json::parse(text, keep_needed_fields);
  } catch (const json::parse_error&) {
    parse_json(text, path.string());  // throws with line and column
    throw;
  }
  if (!document.is_array()) fail(ErrorCode::kParse, "{}: expected a JSON array of examples", path.string());
  std::vector<SpiderExample> examples;
  examples.reserve(document.size());
  for (size_t i = 0; i < document.size(); ++i) {
    const json& entry = document[i];
    if (!entry.is_object()) fail(ErrorCode::kParse, "{}: example {}: expected an object", path.string(), i);
    auto field = [&](const char* name) -> std::string {
      auto it = entry.find(name);
      if (it == entry.end()) fail(ErrorCode::kParse, "{}: example {}: field '{}' is missing", path.string(), i, name);
      if (!it->is_string()) fail(ErrorCode::kParse, "{}: example {}: field '{}' is not a string", path.string(), i, name);
      return it->get<std::string>();
    };
    SpiderExample example;
    example.db_id = field("db_id");
    example.question = field("question");
    example.query = field("query");
    example.split = split;
    example.index = static_cast<int>(i);
    require_utf8(example.question, fmt::format("{}: example {}: question", path.string(), i));
    examples.push_back(std::move(example));
  }
  return examples;
}

fs::path spider_database_file(const fs::path& database_dir, const std::string& db_id) {
  fs::path expected = database_dir / db_id / (db_id + ".sqlite");
  if (is_file(expected) || !is_dir(database_dir / db_id)) return expected;
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(database_dir / db_id, ec))
    if (entry.path().extension() == ".sqlite") candidates.push_back(entry.path());
  return candidates.size() == 1 ? candidates.front() : expected;
}

std::map<std::string, DatabaseStatus> load_database_manifest(const fs::path& path) {
  std::map<std::string, DatabaseStatus> statuses;
  if (!is_file(path)) return statuses;
  const std::vector<std::string> lines = split_lines(read_file(path));
  for (size_t i = 1; i < lines.size(); ++i) {  // line 1 is the header
    if (lines[i].empty()) continue;
    std::vector<std::string> fields;
    size_t start = 0;
    for (size_t tab; (tab = lines[i].find('\t', start)) != std::string::npos; start = tab + 1)
      fields.push_back(lines[i].substr(start, tab - start));
    fields.push_back(lines[i].substr(start));
    if (fields.size() < 4)
      fail(ErrorCode::kParse, "{}:{}: expected db_id, sha256, size, status, note separated by tabs", path.string(), i + 1);
    statuses[fields[0]] = DatabaseStatus{fields[3], fields.size() > 4 ? fields[4] : ""};
  }
  return statuses;
}

}  // namespace t2sql
