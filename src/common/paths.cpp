#include "common/paths.hpp"

#include <cstdlib>

namespace t2sql {
namespace fs = std::filesystem;

fs::path executable_dir() {
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : self.parent_path();
}

fs::path data_dir() {
  if (const char* env = std::getenv("T2SQL_DATA_DIR"); env && *env) return fs::path(env);
  std::error_code ec;
  for (fs::path dir = executable_dir(); !dir.empty() && dir != dir.root_path(); dir = dir.parent_path()) {
    if (fs::exists(dir / "data" / "spider" / "tables.json", ec)) return dir / "data";
  }
  return fs::path(T2SQL_SOURCE_DATA_DIR);
}

fs::path default_spider_dir() { return data_dir() / "spider"; }
fs::path default_model_dir() {
  if (const char* env = std::getenv("T2SQL_MODEL_DIR"); env && *env) return fs::path(env);
  return data_dir().parent_path() / "models" / "default";
}

}  // namespace t2sql
