// The merge recipe: a YAML file in mergekit's layout, so that a recipe written for mergekit runs
// here unchanged when it uses what t2sql implements:
//   merge_method: linear
//   models:
//     - model: runs/a/final
//       parameters: {weight: 1.0}
//     - model: runs/b/final
//       parameters: {weight: 0.5}
//   parameters: {normalize: true}     # divide by the sum of the weights (mergekit's default)
//   dtype: float32                    # storage of the merged tensors (out_dtype wins when given)
//   base_model: runs/a/final          # optional: where config.json and the tokenizer come from
//   tokenizer_source: base            # optional: "base" or one of the models' paths
// Paths are taken as written (relative to the working directory, like mergekit's). Keys of
// mergekit that t2sql does not implement (slices, modules, tokenizer, chat_template, per-tensor
// weight lists) are errors that say so; any other unknown key is an error naming the nearest one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nn/safetensors.hpp"

namespace t2sql::merge {

struct MergeInput {
  std::filesystem::path model;  // a checkpoint folder (config.json + safetensors)
  double weight = 1.0;
};

struct MergeConfig {
  std::string merge_method;  // "linear"
  std::vector<MergeInput> models;
  bool normalize = true;
  std::optional<nn::TensorDtype> out_dtype;  // nullopt: each tensor keeps the first model's dtype
  std::optional<std::filesystem::path> base_model;
  std::optional<std::filesystem::path> tokenizer_source;  // resolved: "base" becomes base_model
  std::string text;  // the recipe as written, kept beside the merged model
};

// The merge methods t2sql implements.
const std::vector<std::string>& supported_merge_methods();

// Parses a recipe; `source` names it in errors (file and line).
MergeConfig parse_merge_config(std::string_view yaml_text, const std::string& source);
MergeConfig load_merge_config(const std::filesystem::path& path);

}  // namespace t2sql::merge
