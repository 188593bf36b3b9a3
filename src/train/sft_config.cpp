#include "train/sft_config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "common/edit_distance.hpp"
#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/yaml_keys.hpp"
#include "train/lr_schedule.hpp"

namespace t2sql::train {
namespace {

// Fields of config.json a "scratch" model may set.
const std::vector<std::string> kArchitectureKeys = {
    "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
    "num_key_value_heads", "head_dim", "max_position_embeddings", "rope_theta", "rms_norm_eps",
    "tie_word_embeddings", "model_type"};

template <typename T>
T scalar_as(const YAML::Node& node, std::string_view key, const std::string& source) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    fail(ErrorCode::kInvalidArgument, "{}: key {}: cannot read \"{}\" as a {}", source, key,
         node.IsScalar() ? node.Scalar() : std::string("(not a scalar)"),
         std::is_same_v<T, bool> ? "boolean" : std::is_floating_point_v<T> ? "number" : std::is_integral_v<T> ? "integer" : "string");
  }
}

using Setter = std::function<void(SftConfig&, const YAML::Node&, const std::string&)>;

template <typename T>
Setter setter(T SftConfig::*field, const char* key) {
  return [field, key](SftConfig& c, const YAML::Node& n, const std::string& source) {
    c.*field = scalar_as<T>(n, key, source);
  };
}
template <typename T>
Setter lora_setter(T SftLoraSettings::*field, const char* key) {
  return [field, key](SftConfig& c, const YAML::Node& n, const std::string& source) {
    c.lora.*field = scalar_as<T>(n, key, source);
  };
}

const std::map<std::string, Setter, std::less<>>& setters() {
  static const auto* table = [] {
    auto* t = new std::map<std::string, Setter, std::less<>>;
    auto& m = *t;
    m["model"] = setter(&SftConfig::model, "model");
    m["block_expansion_every"] = setter(&SftConfig::block_expansion_every, "block_expansion_every");
    m["expand_hidden_size"] = setter(&SftConfig::expand_hidden_size, "expand_hidden_size");
    m["expand_intermediate_size"] = setter(&SftConfig::expand_intermediate_size, "expand_intermediate_size");
    m["expand_head_dim"] = setter(&SftConfig::expand_head_dim, "expand_head_dim");
    m["vocabulary_transfer"] = setter(&SftConfig::vocabulary_transfer, "vocabulary_transfer");
    m["tokenizer"] = setter(&SftConfig::tokenizer, "tokenizer");
    m["chat_template"] = setter(&SftConfig::chat_template, "chat_template");
    m["use_lora"] = setter(&SftConfig::use_lora, "use_lora");
    // `lora: false` in a recipe (a mapping there turns it on with settings); the flag `--lora false`.
    m["lora"] = setter(&SftConfig::use_lora, "lora");
    m["lora.r"] = lora_setter(&SftLoraSettings::r, "lora.r");
    m["lora.alpha"] = lora_setter(&SftLoraSettings::alpha, "lora.alpha");
    m["lora.dropout"] = lora_setter(&SftLoraSettings::dropout, "lora.dropout");
    m["lora.target_modules"] = [](SftConfig& c, const YAML::Node& n, const std::string& source) {
      c.lora.target_modules.clear();
      if (n.IsScalar()) {  // "q_proj,v_proj" from a flag
        std::string text = n.Scalar();
        size_t start = 0;
        while (start <= text.size()) {
          size_t comma = text.find(',', start);
          std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          item.erase(0, item.find_first_not_of(' '));
          item.erase(item.find_last_not_of(' ') + 1);
          if (!item.empty()) c.lora.target_modules.push_back(item);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else if (n.IsSequence()) {
        for (const auto& item : n) c.lora.target_modules.push_back(scalar_as<std::string>(item, "lora.target_modules", source));
      } else {
        fail(ErrorCode::kInvalidArgument, "{}: lora.target_modules must be a list of module names", source);
      }
    };
    m["train_file"] = setter(&SftConfig::train_file, "train_file");
    m["eval_file"] = setter(&SftConfig::eval_file, "eval_file");
    m["max_seq_length"] = setter(&SftConfig::max_seq_length, "max_seq_length");
    m["packing"] = setter(&SftConfig::packing, "packing");
    m["group_by_length"] = setter(&SftConfig::group_by_length, "group_by_length");
    m["completion_only_loss"] = setter(&SftConfig::completion_only_loss, "completion_only_loss");
    m["learning_rate"] = setter(&SftConfig::learning_rate, "learning_rate");
    m["num_train_epochs"] = setter(&SftConfig::num_train_epochs, "num_train_epochs");
    m["max_steps"] = setter(&SftConfig::max_steps, "max_steps");
    m["per_device_train_batch_size"] = setter(&SftConfig::per_device_train_batch_size, "per_device_train_batch_size");
    m["gradient_accumulation_steps"] = setter(&SftConfig::gradient_accumulation_steps, "gradient_accumulation_steps");
    m["lr_scheduler_type"] = setter(&SftConfig::lr_scheduler_type, "lr_scheduler_type");
    m["warmup_ratio"] = setter(&SftConfig::warmup_ratio, "warmup_ratio");
    m["max_grad_norm"] = setter(&SftConfig::max_grad_norm, "max_grad_norm");
    m["weight_decay"] = setter(&SftConfig::weight_decay, "weight_decay");
    m["adam_beta1"] = setter(&SftConfig::adam_beta1, "adam_beta1");
    m["adam_beta2"] = setter(&SftConfig::adam_beta2, "adam_beta2");
    m["adam_epsilon"] = setter(&SftConfig::adam_epsilon, "adam_epsilon");
    m["bf16"] = setter(&SftConfig::bf16, "bf16");
    m["seed"] = setter(&SftConfig::seed, "seed");
    m["hidden_dropout"] = setter(&SftConfig::hidden_dropout, "hidden_dropout");
    m["attention_dropout"] = setter(&SftConfig::attention_dropout, "attention_dropout");
    m["logging_steps"] = setter(&SftConfig::logging_steps, "logging_steps");
    m["eval_steps"] = setter(&SftConfig::eval_steps, "eval_steps");
    m["eval_exec_examples"] = setter(&SftConfig::eval_exec_examples, "eval_exec_examples");
    m["eval_max_new_tokens"] = setter(&SftConfig::eval_max_new_tokens, "eval_max_new_tokens");
    m["spider_dir"] = setter(&SftConfig::spider_dir, "spider_dir");
    m["save_steps"] = setter(&SftConfig::save_steps, "save_steps");
    m["save_total_limit"] = setter(&SftConfig::save_total_limit, "save_total_limit");
    m["output_dir"] = setter(&SftConfig::output_dir, "output_dir");
    m["resume_from_checkpoint"] = setter(&SftConfig::resume_from_checkpoint, "resume_from_checkpoint");
    m["max_train_minutes"] = setter(&SftConfig::max_train_minutes, "max_train_minutes");
    m["threads"] = setter(&SftConfig::threads, "threads");
    m["device"] = setter(&SftConfig::device, "device");
    m["progress"] = setter(&SftConfig::progress, "progress");
    for (const std::string& key : kArchitectureKeys) {
      m["architecture." + key] = [key](SftConfig& c, const YAML::Node& n, const std::string& source) {
        if (key == "model_type") {
          c.architecture[key] = scalar_as<std::string>(n, "architecture." + key, source);
        } else if (key == "tie_word_embeddings") {
          c.architecture[key] = scalar_as<bool>(n, "architecture." + key, source);
        } else if (key == "rope_theta" || key == "rms_norm_eps") {
          c.architecture[key] = scalar_as<double>(n, "architecture." + key, source);
        } else {
          c.architecture[key] = scalar_as<int64_t>(n, "architecture." + key, source);
        }
      };
    }
    return t;
  }();
  return *table;
}

void set_from_node(SftConfig& config, std::string_view key, const YAML::Node& value, const std::string& source) {
  const auto& table = setters();
  auto it = table.find(key);
  if (it == table.end()) {
    fail(ErrorCode::kInvalidArgument, "{}: unknown key \"{}\" (did you mean \"{}\"?)", source, key,
         nearest_name(key, sft_config_keys()));
  }
  if (value.IsNull() && key != "resume_from_checkpoint" && key != "eval_file") {
    fail(ErrorCode::kInvalidArgument, "{}: key {} has no value", source, key);
  }
  if (value.IsNull()) return;
  it->second(config, value, source);
}

}  // namespace

std::vector<std::string> sft_config_keys() {
  std::vector<std::string> keys;
  for (const auto& [key, _] : setters()) keys.push_back(key);
  return keys;
}

void set_sft_config_value(SftConfig& config, std::string_view key, std::string_view yaml_value,
                          const std::string& source) {
  YAML::Node node;
  try {
    node = YAML::Load(std::string(yaml_value));
  } catch (const YAML::Exception& e) {
    fail(ErrorCode::kInvalidArgument, "{}: key {}: malformed value \"{}\": {}", source, key, yaml_value, e.msg);
  }
  // A flag value is text: keep "", "latest" and paths as given.
  if (node.IsNull() && !yaml_value.empty()) node = YAML::Node(std::string(yaml_value));
  if (node.IsNull()) node = YAML::Node(std::string());
  set_from_node(config, key, node, source);
}

SftConfig load_sft_config(const std::filesystem::path& path) {
  std::string text = read_file(path);
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(ErrorCode::kParse, "{}:{}:{}: {}", path.string(), e.mark.line + 1, e.mark.column + 1, e.msg);
  }
  SftConfig config;
  if (root.IsNull()) return config;
  if (!root.IsMap()) fail(ErrorCode::kInvalidArgument, "{}: a recipe must be a mapping of keys", path.string());
  reject_duplicate_keys(root, path.string());
  for (const auto& item : root) {
    std::string key = item.first.as<std::string>();
    std::string where = fmt::format("{}:{}", path.string(), item.first.Mark().line + 1);
    if ((key == "lora" || key == "architecture") && item.second.IsMap()) {
      for (const auto& inner : item.second) {
        std::string inner_key = key + "." + inner.first.as<std::string>();
        set_from_node(config, inner_key, inner.second,
                      fmt::format("{}:{}", path.string(), inner.first.Mark().line + 1));
      }
      if (key == "lora") config.use_lora = true;
    } else if (key == "lora" && (item.second.IsNull() || (item.second.IsScalar() && !scalar_as<bool>(item.second, key, where)))) {
      config.use_lora = false;  // "lora: false" / "lora: null": full fine-tuning
    } else {
      set_from_node(config, key, item.second, where);
    }
  }
  return config;
}

void validate_sft_config(const SftConfig& config) {
  auto positive = [](const char* key, double value) {
    if (!(value > 0)) fail(ErrorCode::kInvalidArgument, "{} must be positive, not {}", key, value);
  };
  auto not_negative = [](const char* key, double value) {
    if (!(value >= 0)) fail(ErrorCode::kInvalidArgument, "{} must be 0 or more, not {}", key, value);
  };
  if (config.model.empty()) fail(ErrorCode::kInvalidArgument, "model is required (a checkpoint folder or \"scratch\")");
  if (config.train_file.empty()) fail(ErrorCode::kInvalidArgument, "train_file is required (JSONL from `t2sql data prep`)");
  if (config.model == "scratch" && config.architecture.empty()) {
    fail(ErrorCode::kInvalidArgument, "model \"scratch\" needs an architecture block (hidden_size, num_hidden_layers, ...)");
  }
  positive("learning_rate", config.learning_rate);
  if (config.max_steps <= 0) positive("num_train_epochs", config.num_train_epochs);
  positive("per_device_train_batch_size", static_cast<double>(config.per_device_train_batch_size));
  positive("gradient_accumulation_steps", static_cast<double>(config.gradient_accumulation_steps));
  positive("max_seq_length", static_cast<double>(config.max_seq_length));
  parse_schedule_type(config.lr_scheduler_type);
  if (config.warmup_ratio < 0 || config.warmup_ratio > 1) fail(ErrorCode::kInvalidArgument, "warmup_ratio must be in [0, 1], not {}", config.warmup_ratio);
  not_negative("max_grad_norm", config.max_grad_norm);
  not_negative("weight_decay", config.weight_decay);
  for (auto [key, value] : {std::pair{"hidden_dropout", config.hidden_dropout}, std::pair{"attention_dropout", config.attention_dropout}}) {
    if (!(value >= 0 && value < 1)) fail(ErrorCode::kInvalidArgument, "{} must be in [0, 1), not {}", key, value);
  }
  positive("logging_steps", static_cast<double>(config.logging_steps));
  not_negative("eval_steps", static_cast<double>(config.eval_steps));
  not_negative("save_steps", static_cast<double>(config.save_steps));
  not_negative("save_total_limit", static_cast<double>(config.save_total_limit));
  not_negative("eval_exec_examples", static_cast<double>(config.eval_exec_examples));
  not_negative("max_train_minutes", config.max_train_minutes);
  not_negative("block_expansion_every", static_cast<double>(config.block_expansion_every));
  if (config.block_expansion_every > 0 && config.model == "scratch")
    fail(ErrorCode::kInvalidArgument, "block_expansion_every grows a trained model; for \"scratch\" set num_hidden_layers instead");
  if (config.block_expansion_every > 0 && config.use_lora)
    fail(ErrorCode::kInvalidArgument,
         "block_expansion_every needs full fine-tuning (lora: false): an adapter is saved against its base model, "
         "which has fewer layers");
  for (const auto& [key, value] : {std::pair{"expand_hidden_size", config.expand_hidden_size},
                                   std::pair{"expand_intermediate_size", config.expand_intermediate_size},
                                   std::pair{"expand_head_dim", config.expand_head_dim}}) {
    not_negative(key, static_cast<double>(value));
    if (value == 0) continue;
    if (config.model == "scratch")
      fail(ErrorCode::kInvalidArgument, "{} widens a trained model; for \"scratch\" set the size in architecture instead", key);
    if (config.use_lora)
      fail(ErrorCode::kInvalidArgument,
           "{} needs full fine-tuning (lora: false): an adapter is saved against its base model, which is narrower", key);
  }
  if (config.vocabulary_transfer) {
    if (config.model == "scratch") fail(ErrorCode::kInvalidArgument, "vocabulary_transfer moves a trained model to a new tokenizer; \"scratch\" has nothing to move");
    if (config.use_lora)
      fail(ErrorCode::kInvalidArgument, "vocabulary_transfer needs full fine-tuning (lora: false): the embeddings change");
    if (config.tokenizer.empty()) fail(ErrorCode::kInvalidArgument, "vocabulary_transfer needs `tokenizer`, the tokenizer to move to");
  }
  if (config.use_lora && config.model != "scratch") {
    positive("lora.r", static_cast<double>(config.lora.r));
    positive("lora.alpha", config.lora.alpha);
    if (config.lora.dropout < 0 || config.lora.dropout >= 1) fail(ErrorCode::kInvalidArgument, "lora.dropout must be in [0, 1), not {}", config.lora.dropout);
    if (config.lora.target_modules.empty()) fail(ErrorCode::kInvalidArgument, "lora.target_modules is empty");
  }
  if (config.output_dir.empty()) fail(ErrorCode::kInvalidArgument, "output_dir is required");
  validate_device_name(config.device);
}

void validate_device_name(const std::string& device) {
  if (device == "cpu" || device == "auto" || device == "cuda") return;
  if (device.starts_with("cuda:") && device.size() > 5 &&
      std::all_of(device.begin() + 5, device.end(), [](unsigned char c) { return std::isdigit(c) != 0; })) {
    return;
  }
  fail(ErrorCode::kInvalidArgument, "device must be cpu, cuda, cuda:N or auto, not \"{}\"", device);
}

nlohmann::json sft_config_to_json(const SftConfig& c) {
  nlohmann::json j;
  j["model"] = c.model;
  if (c.block_expansion_every > 0) j["block_expansion_every"] = c.block_expansion_every;
  if (c.expand_hidden_size > 0) j["expand_hidden_size"] = c.expand_hidden_size;
  if (c.expand_intermediate_size > 0) j["expand_intermediate_size"] = c.expand_intermediate_size;
  if (c.expand_head_dim > 0) j["expand_head_dim"] = c.expand_head_dim;
  if (c.vocabulary_transfer) j["vocabulary_transfer"] = true;
  if (!c.architecture.empty()) j["architecture"] = c.architecture;
  j["tokenizer"] = c.tokenizer;
  j["chat_template"] = c.chat_template;
  j["use_lora"] = c.use_lora;
  j["lora"] = {{"r", c.lora.r}, {"alpha", c.lora.alpha}, {"dropout", c.lora.dropout}, {"target_modules", c.lora.target_modules}};
  j["train_file"] = c.train_file;
  j["eval_file"] = c.eval_file;
  j["max_seq_length"] = c.max_seq_length;
  j["packing"] = c.packing;
  j["group_by_length"] = c.group_by_length;
  j["completion_only_loss"] = c.completion_only_loss;
  j["learning_rate"] = c.learning_rate;
  j["num_train_epochs"] = c.num_train_epochs;
  j["max_steps"] = c.max_steps;
  j["per_device_train_batch_size"] = c.per_device_train_batch_size;
  j["gradient_accumulation_steps"] = c.gradient_accumulation_steps;
  j["lr_scheduler_type"] = c.lr_scheduler_type;
  j["warmup_ratio"] = c.warmup_ratio;
  j["max_grad_norm"] = c.max_grad_norm;
  j["weight_decay"] = c.weight_decay;
  j["hidden_dropout"] = c.hidden_dropout;
  j["attention_dropout"] = c.attention_dropout;
  j["adam_beta1"] = c.adam_beta1;
  j["adam_beta2"] = c.adam_beta2;
  j["adam_epsilon"] = c.adam_epsilon;
  j["bf16"] = c.bf16;
  j["seed"] = c.seed;
  j["logging_steps"] = c.logging_steps;
  j["eval_steps"] = c.eval_steps;
  j["eval_exec_examples"] = c.eval_exec_examples;
  j["eval_max_new_tokens"] = c.eval_max_new_tokens;
  j["save_steps"] = c.save_steps;
  j["save_total_limit"] = c.save_total_limit;
  j["output_dir"] = c.output_dir;
  j["max_train_minutes"] = c.max_train_minutes;
  j["device"] = c.device;
  return j;
}

}  // namespace t2sql::train
