// `t2sql train sft --config run.yaml [--<key> value ...]`: every recipe key is also a flag of the
// same name (nested keys dotted: --lora.r 16, --architecture.hidden_size 256); flags override the
// file. Flag parsing only; the loop lives in src/train.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "cli/command_registry.hpp"
#include "common/edit_distance.hpp"
#include "common/error.hpp"
#include "train/sft_config.hpp"
#include "train/sft_trainer.hpp"

namespace t2sql::cli {
namespace {

struct TrainFlags {
  std::string config;
  std::map<std::string, std::string> values;  // key -> value text, only flags given
};

const CommandRegistrar registrar(60, [](CLI::App& app) {
  auto* train = app.add_subcommand("train", "sft training (full or LoRA) from a YAML config");
  train->require_subcommand(1);
  auto flags = std::make_shared<TrainFlags>();
  auto* sft = train->add_subcommand("sft", "supervised fine-tuning (full or LoRA), or training from scratch");
  sft->add_option("--config", flags->config, "YAML recipe (docs/train.md lists the keys)");
  for (const std::string& key : train::sft_config_keys()) {
    sft->add_option_function<std::string>(
        "--" + key, [flags, key](const std::string& value) { flags->values[key] = value; }, "recipe key " + key);
  }
  sft->allow_extras();  // so an unknown flag gets the nearest valid key in its message
  sft->callback([flags, sft] {
    for (const std::string& extra : sft->remaining()) {
      std::string name = extra.rfind("--", 0) == 0 ? extra.substr(2, extra.find('=') - 2) : extra;
      fail(ErrorCode::kInvalidArgument, "unknown flag {} (did you mean --{}?)", extra,
           nearest_name(name, train::sft_config_keys()));
    }
    train::SftConfig config = flags->config.empty() ? train::SftConfig{} : train::load_sft_config(flags->config);
    for (const auto& [key, value] : flags->values) train::set_sft_config_value(config, key, value, "--" + key);
    auto result = train::run_sft(config);
    if (result.finished) {
      fmt::print("trained {} steps; model in {}\n", result.steps_done, result.final_model.string());
    } else {
      fmt::print("{} at step {} of {}; checkpoint {}\n", result.stop_reason, result.steps_done, result.total_steps,
                 result.last_checkpoint.string());
      set_exit_code(result.stop_reason == "interrupted" ? 130 : 0);
    }
  });
});

}  // namespace
}  // namespace t2sql::cli
