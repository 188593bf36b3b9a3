#include "merge/merge_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "common/edit_distance.hpp"
#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/yaml_keys.hpp"

namespace t2sql::merge {
namespace {

// "recipe.yaml:4" for errors about a node (yaml-cpp lines count from 0).
std::string where(const std::string& source, const YAML::Node& node) {
  if (node.Mark().line < 0) return source;
  return source + ":" + std::to_string(node.Mark().line + 1);
}

template <typename T>
T scalar_as(const YAML::Node& node, std::string_view key, const std::string& source, std::string_view expected) {
  if (!node.IsScalar()) fail(ErrorCode::kInvalidArgument, "{}: {} must be {}", where(source, node), key, expected);
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(ErrorCode::kInvalidArgument, "{}: {} must be {}, got \"{}\"", where(source, node), key, expected,
         node.Scalar());
  }
}

// Rejects keys of `map` outside `known`: mergekit keys t2sql does not implement get their own
// message, anything else the nearest valid key.
void check_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::vector<std::string>& not_implemented,
                std::string_view what, const std::string& source) {
  for (const auto& item : map) {
    const auto key = item.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (std::find(not_implemented.begin(), not_implemented.end(), key) != not_implemented.end()) {
      fail(ErrorCode::kUnsupported, "{}: {} key \"{}\" is mergekit's, but t2sql merge does not implement it",
           where(source, item.first), what, key);
    }
    fail(ErrorCode::kInvalidArgument, "{}: unknown {} key \"{}\" (did you mean \"{}\"?)", where(source, item.first), what,
         key, nearest_name(key, known));
  }
}

nn::TensorDtype parse_storage_dtype(const YAML::Node& node, std::string_view key, const std::string& source) {
  const auto name = scalar_as<std::string>(node, key, source, "float32, bfloat16 or float16");
  if (name == "float32") return nn::TensorDtype::kF32;
  if (name == "bfloat16") return nn::TensorDtype::kBF16;
  if (name == "float16") return nn::TensorDtype::kF16;
  fail(ErrorCode::kInvalidArgument, "{}: {} must be float32, bfloat16 or float16, got \"{}\"", where(source, node), key,
       name);
}

MergeInput parse_input(const YAML::Node& node, size_t index, const std::string& source) {
  const std::string what = "models[" + std::to_string(index) + "]";
  if (!node.IsMap()) fail(ErrorCode::kInvalidArgument, "{}: {} must be a map with a \"model\" key", where(source, node), what);
  check_keys(node, {"model", "parameters"}, {}, what, source);
  if (!node["model"]) fail(ErrorCode::kInvalidArgument, "{}: {} has no \"model\"", where(source, node), what);
  MergeInput input;
  input.model = scalar_as<std::string>(node["model"], what + ".model", source, "a checkpoint folder");
  if (input.model.empty()) fail(ErrorCode::kInvalidArgument, "{}: {}.model is empty", where(source, node), what);
  if (const YAML::Node parameters = node["parameters"]) {
    if (!parameters.IsMap()) fail(ErrorCode::kInvalidArgument, "{}: {}.parameters must be a map", where(source, parameters), what);
    check_keys(parameters, {"weight"}, {"density", "epsilon", "lambda", "t", "filter_wise", "scale"}, what + ".parameters",
               source);
    if (const YAML::Node weight = parameters["weight"]) {
      if (weight.IsSequence() || weight.IsMap()) {
        fail(ErrorCode::kUnsupported, "{}: {}.parameters.weight: per-layer or per-tensor weight lists are not implemented; give one number",
             where(source, weight), what);
      }
      input.weight = scalar_as<double>(weight, what + ".parameters.weight", source, "a number");
      if (!std::isfinite(input.weight)) fail(ErrorCode::kInvalidArgument, "{}: {}.parameters.weight must be finite", where(source, weight), what);
    }
  }
  return input;
}

}  // namespace

const std::vector<std::string>& supported_merge_methods() {
  static const std::vector<std::string> methods = {"linear"};
  return methods;
}

MergeConfig parse_merge_config(std::string_view yaml_text, const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    fail(ErrorCode::kParse, "{}:{}: malformed YAML: {}", source, e.mark.line + 1, e.msg);
  }
  if (!root.IsMap()) fail(ErrorCode::kParse, "{}: a merge recipe is a YAML map (merge_method, models, ...)", source);
  reject_duplicate_keys(root, source);
  check_keys(root, {"merge_method", "models", "parameters", "dtype", "out_dtype", "base_model", "tokenizer_source"},
             {"slices", "modules", "tokenizer", "chat_template", "input_model_parameters"}, "recipe", source);

  MergeConfig config;
  config.text = std::string(yaml_text);
  if (!root["merge_method"]) fail(ErrorCode::kInvalidArgument, "{}: no merge_method (one of: linear)", source);
  config.merge_method = scalar_as<std::string>(root["merge_method"], "merge_method", source, "a method name");
  const auto& methods = supported_merge_methods();
  if (std::find(methods.begin(), methods.end(), config.merge_method) == methods.end()) {
    fail(ErrorCode::kUnsupported, "{}: merge_method \"{}\" is not implemented; t2sql merge implements: {}",
         where(source, root["merge_method"]), config.merge_method, fmt::join(methods, ", "));
  }

  const YAML::Node models = root["models"];
  if (!models || !models.IsSequence() || models.size() == 0) {
    fail(ErrorCode::kInvalidArgument, "{}: models must be a non-empty list of {{model: PATH, parameters: {{weight: W}}}}", source);
  }
  for (size_t i = 0; i < models.size(); ++i) config.models.push_back(parse_input(models[i], i, source));

  if (const YAML::Node parameters = root["parameters"]) {
    if (!parameters.IsMap()) fail(ErrorCode::kInvalidArgument, "{}: parameters must be a map", where(source, parameters));
    check_keys(parameters, {"normalize"}, {"weight", "density", "epsilon", "lambda", "t", "int8_mask", "rescale"}, "parameters",
               source);
    if (parameters["normalize"]) config.normalize = scalar_as<bool>(parameters["normalize"], "parameters.normalize", source, "true or false");
  }
  if (root["dtype"]) config.out_dtype = parse_storage_dtype(root["dtype"], "dtype", source);
  if (root["out_dtype"]) config.out_dtype = parse_storage_dtype(root["out_dtype"], "out_dtype", source);
  if (root["base_model"]) {
    config.base_model = scalar_as<std::string>(root["base_model"], "base_model", source, "a checkpoint folder");
  }
  if (const YAML::Node tokenizer = root["tokenizer_source"]) {
    const auto value = scalar_as<std::string>(tokenizer, "tokenizer_source", source, "\"base\" or a model path");
    if (value == "union") {
      fail(ErrorCode::kUnsupported, "{}: tokenizer_source \"union\" (a merged vocabulary) is not implemented; the models must share one tokenizer",
           where(source, tokenizer));
    }
    if (value == "base") {
      if (!config.base_model) fail(ErrorCode::kInvalidArgument, "{}: tokenizer_source is \"base\" but the recipe has no base_model", where(source, tokenizer));
      config.tokenizer_source = config.base_model;
    } else {
      const bool listed = std::any_of(config.models.begin(), config.models.end(),
                                      [&](const MergeInput& input) { return input.model == value; }) ||
                          (config.base_model && *config.base_model == value);
      if (!listed) {
        fail(ErrorCode::kInvalidArgument, "{}: tokenizer_source \"{}\" is neither \"base\" nor one of the recipe's models",
             where(source, tokenizer), value);
      }
      config.tokenizer_source = std::filesystem::path(value);
    }
  }
  return config;
}

MergeConfig load_merge_config(const std::filesystem::path& path) {
  return parse_merge_config(read_file(path), path.string());
}

}  // namespace t2sql::merge
