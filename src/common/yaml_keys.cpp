#include "common/yaml_keys.hpp"

#include <map>

#include "common/error.hpp"

namespace t2sql {

void reject_duplicate_keys(const YAML::Node& node, const std::string& source) {
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) reject_duplicate_keys(item, source);
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, int> first_line;
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : YAML::Dump(entry.first);
    const int line = entry.first.Mark().line + 1;
    auto [found, inserted] = first_line.emplace(key, line);
    if (!inserted)
      fail(ErrorCode::kInvalidArgument, "{}:{}: key '{}' appears twice in one mapping (first at line {}); keep one", source, line, key,
           found->second);
    reject_duplicate_keys(entry.second, source);
  }
}

}  // namespace t2sql
