#include "common/yaml_keys.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace t2sql {
namespace {

std::string error_of(const std::string& text) {
  try {
    reject_duplicate_keys(YAML::Load(text), "r.yaml");
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    return error.what();
  }
  return "";
}

TEST(YamlKeys, DistinctKeysAtEveryDepthPass) {
  EXPECT_EQ(error_of("a: 1\nb: {a: 1, b: 2}\nc: [{a: 1}, {a: 2}]\n"), "");
  EXPECT_EQ(error_of("- 1\n- 2\n"), "");
  EXPECT_EQ(error_of("just text"), "");
}

TEST(YamlKeys, ARepeatedKeyIsNamedWithBothLines) {
  EXPECT_NE(error_of("a: 1\nb: 2\na: 3\n").find("r.yaml:3: key 'a' appears twice in one mapping (first at line 1)"), std::string::npos);
  // Inside a nested mapping and inside a mapping in a list.
  EXPECT_NE(error_of("outer:\n  x: 1\n  x: 2\n").find("r.yaml:3: key 'x'"), std::string::npos);
  EXPECT_NE(error_of("models:\n  - model: a\n    model: b\n").find("key 'model'"), std::string::npos);
  // The same key in two different mappings is not a repeat.
  EXPECT_EQ(error_of("a: {k: 1}\nb: {k: 2}\n"), "");
}

}  // namespace
}  // namespace t2sql
