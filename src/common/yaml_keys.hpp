// Checks shared by every YAML file t2sql reads (training recipes, merge recipes, inference
// options). YAML itself forbids a key twice in one mapping, but yaml-cpp keeps both entries and
// each reader would silently take the first or the last; a recipe edited by hand must instead say
// which key is repeated and where.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

namespace t2sql {

// Fails with kInvalidArgument, naming `source`, the key and both lines, when any mapping in `node`
// (at any depth, inside sequences too) holds a key twice.
void reject_duplicate_keys(const YAML::Node& node, const std::string& source);

}  // namespace t2sql
