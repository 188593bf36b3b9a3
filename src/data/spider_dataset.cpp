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
    case SpiderSplit::kTrain:
      return "train";
    case SpiderSplit::kTrainOthers:
      return "train_others";
    case SpiderSplit::kDev:
      return "dev";
    case SpiderSplit::kTest:
      return "test";
  }
  return "?";
}

SpiderSplit parse_spider_split(const std::string& name) {
  for (SpiderSplit split :
       {SpiderSplit::kTrain, SpiderSplit::kTrainOthers, SpiderSplit::kDev, SpiderSplit::kTest})
    if (name == spider_split_name(split)) return split;
  fail(ErrorCode::kInvalidArgument,
       "unknown split '{}' (expected train, train_others, dev or test)", name);
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
    fail(ErrorCode::kNotFound, "{} is not a Spider folder: tables.json not found in it",
         dir.string());
  if (is_dir(dir / "test_database")) {
    if (is_file(dir / "test_tables.json"))
      layout.test_tables_json = dir / "test_tables.json";
    else if (is_file(dir / "test_data" / "tables.json"))
      layout.test_tables_json = dir / "test_data" / "tables.json";
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
    case SpiderSplit::kTrain:
      return root / "train_spider.json";
    case SpiderSplit::kTrainOthers:
      return root / "train_others.json";
    case SpiderSplit::kDev:
      return root / "dev.json";
    case SpiderSplit::kTest:
      if (is_file(root / "test.json")) return root / "test.json";
      if (is_file(root / "test_data" / "dev.json")) return root / "test_data" / "dev.json";
      fail(ErrorCode::kNotFound,
           "{} has no test split (expected test.json or test_data/dev.json beside test_database/)",
           root.string());
  }
  return {};
}

const fs::path& SpiderLayout::tables_file_for(SpiderSplit split) const {
  return split == SpiderSplit::kTest && !test_tables_json.empty() ? test_tables_json : tables_json;
}

const fs::path& SpiderLayout::database_dir_for(SpiderSplit split) const {
  return split == SpiderSplit::kTest && !test_database_dir.empty() ? test_database_dir
                                                                   : database_dir;
}

namespace {
// SAX handler for Spider example files: keeps the string fields db_id, question and query of each
// object in the top-level array and skips everything else (token lists, parsed SQL trees) without
// building it, which keeps `t2sql data stats` fast.
class ExampleCollector : public nlohmann::json_sax<json> {
 public:
  struct Raw {
    std::optional<std::string> db_id, question, query;
    std::vector<std::string> wrong_type;  // wanted fields that held something else than a string
  };
  std::vector<Raw> examples;
  bool top_is_array = false;
  bool bad_top_level = false;
  bool saw_non_object = false;

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool binary(binary_t&) override { return scalar(); }
  bool string(string_t& value) override {
    if (depth_ == 0) bad_top_level = true;
    if (depth_ == 1) saw_non_object = true;
    if (depth_ == 2 && field_ != nullptr) *field_ = std::move(value);
    field_ = nullptr;
    return true;
  }
  bool start_object(std::size_t) override {
    if (depth_ == 0) bad_top_level = true;
    if (depth_ == 1) {
      if (!in_array_) saw_non_object = true;
      examples.emplace_back();
    }
    mark_wrong_type();
    ++depth_;
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    if (depth_ == 0) {
      top_is_array = true;
      in_array_ = true;
    } else if (depth_ == 1)
      saw_non_object = true;
    mark_wrong_type();
    ++depth_;
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& name) override {
    field_ = nullptr;
    if (depth_ != 2) return true;
    Raw& raw = examples.back();
    if (name == "db_id")
      field_ = &raw.db_id;
    else if (name == "question")
      field_ = &raw.question;
    else if (name == "query")
      field_ = &raw.query;
    field_name_ = name;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool scalar() {
    if (depth_ == 0) bad_top_level = true;
    if (depth_ == 1) saw_non_object = true;
    mark_wrong_type();
    return true;
  }
  void mark_wrong_type() {
    if (depth_ == 2 && field_ != nullptr) examples.back().wrong_type.push_back(field_name_);
    field_ = nullptr;
  }
  int depth_ = 0;
  bool in_array_ = false;
  std::optional<std::string>* field_ = nullptr;
  std::string field_name_;
};
}  // namespace

std::vector<SpiderExample> load_spider_examples(const fs::path& path, SpiderSplit split) {
  const std::string text = read_file(path);
  ExampleCollector collector;
  if (!json::sax_parse(text, &collector)) {
    parse_json(text, path.string());  // throws with line and column
    fail(ErrorCode::kParse, "malformed JSON in {}", path.string());
  }
  if (!collector.top_is_array || collector.bad_top_level)
    fail(ErrorCode::kParse, "{}: expected a JSON array of examples", path.string());
  if (collector.saw_non_object)
    fail(ErrorCode::kParse, "{}: every example must be a JSON object", path.string());
  std::vector<SpiderExample> examples;
  examples.reserve(collector.examples.size());
  for (size_t i = 0; i < collector.examples.size(); ++i) {
    auto& raw = collector.examples[i];
    if (!raw.wrong_type.empty())
      fail(ErrorCode::kParse, "{}: example {}: field '{}' is not a string", path.string(), i,
           raw.wrong_type.front());
    auto take = [&](std::optional<std::string>& field, const char* name) {
      if (!field)
        fail(ErrorCode::kParse, "{}: example {}: field '{}' is missing", path.string(), i, name);
      return std::move(*field);
    };
    SpiderExample example;
    example.db_id = take(raw.db_id, "db_id");
    example.question = take(raw.question, "question");
    example.query = take(raw.query, "query");
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
      fail(ErrorCode::kParse, "{}:{}: expected db_id, sha256, size, status, note separated by tabs",
           path.string(), i + 1);
    statuses[fields[0]] = DatabaseStatus{fields[3], fields.size() > 4 ? fields[4] : ""};
  }
  return statuses;
}

}  // namespace t2sql
