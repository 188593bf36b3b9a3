#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/edit_distance.hpp"
#include "common/error.hpp"
#include "train/sft_config.hpp"

namespace fs = std::filesystem;
using t2sql::Error;
using namespace t2sql::train;

namespace {

fs::path write_temp(const std::string& name, const std::string& text) {
  fs::path path = fs::temp_directory_path() / ("t2sql_train_test_" + name);
  std::ofstream(path) << text;
  return path;
}

TEST(SftConfig, DefaultsAreTheReferencePipelines) {
  SftConfig config;
  EXPECT_DOUBLE_EQ(config.learning_rate, 2e-4);
  EXPECT_EQ(config.lr_scheduler_type, "cosine");
  EXPECT_DOUBLE_EQ(config.warmup_ratio, 0.03);
  EXPECT_DOUBLE_EQ(config.max_grad_norm, 0.3);
  EXPECT_DOUBLE_EQ(config.num_train_epochs, 4.0);
  EXPECT_EQ(config.lora.r, 256);
  EXPECT_DOUBLE_EQ(config.lora.alpha, 128.0);
  EXPECT_EQ(config.lora.target_modules.size(), 7u);
  EXPECT_EQ(config.gradient_accumulation_steps, 2);
  EXPECT_TRUE(config.packing);
  EXPECT_TRUE(config.completion_only_loss);
}

TEST(SftConfig, LoadsNestedBlocksAndFlagsOverride) {
  auto path = write_temp("nested.yaml",
                         "model: scratch\ntokenizer: tok\ntrain_file: t.jsonl\nlearning_rate: 1e-3\n"
                         "architecture:\n  hidden_size: 64\n  num_hidden_layers: 2\n"
                         "lora:\n  r: 8\n  target_modules: [q_proj, v_proj]\n");
  SftConfig config = load_sft_config(path);
  EXPECT_EQ(config.model, "scratch");
  EXPECT_DOUBLE_EQ(config.learning_rate, 1e-3);
  EXPECT_EQ(config.architecture["hidden_size"], 64);
  EXPECT_EQ(config.lora.r, 8);
  EXPECT_EQ(config.lora.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  set_sft_config_value(config, "learning_rate", "5e-4", "--learning_rate");
  set_sft_config_value(config, "lora.target_modules", "q_proj,k_proj,o_proj", "--lora.target_modules");
  set_sft_config_value(config, "resume_from_checkpoint", "latest", "--resume_from_checkpoint");
  EXPECT_DOUBLE_EQ(config.learning_rate, 5e-4);
  EXPECT_EQ(config.lora.target_modules.size(), 3u);
  EXPECT_EQ(config.resume_from_checkpoint, "latest");
  EXPECT_NO_THROW(validate_sft_config(config));
}

TEST(SftConfig, LoraFalseMeansFullFineTuning) {
  auto path = write_temp("full.yaml", "model: m\ntrain_file: t.jsonl\nlora: false\n");
  EXPECT_FALSE(load_sft_config(path).use_lora);
  // The same as a flag, as every key is.
  SftConfig config;
  set_sft_config_value(config, "lora", "false", "--lora");
  EXPECT_FALSE(config.use_lora);
  set_sft_config_value(config, "lora", "true", "--lora");
  EXPECT_TRUE(config.use_lora);
  EXPECT_THROW(set_sft_config_value(config, "lora", "sometimes", "--lora"), Error);
}

TEST(SftConfig, UnknownKeyNamesTheNearestValidKeyAndTheLine) {
  auto path = write_temp("typo.yaml", "model: m\nlerning_rate: 1e-3\n");
  try {
    load_sft_config(path);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("lerning_rate"), std::string::npos) << message;
    EXPECT_NE(message.find("learning_rate"), std::string::npos) << message;
    EXPECT_NE(message.find(":2"), std::string::npos) << message;
  }
  SftConfig config;
  EXPECT_THROW(set_sft_config_value(config, "lora.rank", "8", "--lora.rank"), Error);
  EXPECT_EQ(t2sql::nearest_name("lora.rank", sft_config_keys()), "lora.r");
}

// A recipe whose header comment lost its '#' turns a line into a second "model:" key; the later
// value must not win silently.
TEST(SftConfig, ARepeatedKeyIsNamedWithBothLines) {
  auto path = write_temp("twice.yaml", "model: stage 20 (recipe.yaml) trained again\ntrain_file: t.jsonl\nmodel: runs/m\n");
  try {
    load_sft_config(path);
    FAIL() << "a repeated key was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("twice.yaml:3: key 'model' appears twice in one mapping (first at line 1)"), std::string::npos)
        << e.what();
  }
  auto nested = write_temp("twice_nested.yaml", "model: m\ntrain_file: t.jsonl\nlora:\n  r: 8\n  r: 16\n");
  EXPECT_THROW(load_sft_config(nested), Error);
}

// Every committed recipe of the default model reads back: known keys, none repeated, values valid.
TEST(SftConfig, EveryCommittedDefaultModelRecipeLoads) {
  int recipes = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(T2SQL_TEST_SOURCE_DIR) / "models" / "default")) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with("recipe") || entry.path().extension() != ".yaml") continue;
    ++recipes;
    EXPECT_NO_THROW(validate_sft_config(load_sft_config(entry.path()))) << name;
  }
  EXPECT_GE(recipes, 2);
}

TEST(SftConfig, BadValuesAreErrors) {
  SftConfig config;
  EXPECT_THROW(set_sft_config_value(config, "max_steps", "many", "--max_steps"), Error);
  config.model = "m";
  config.train_file = "t";
  config.lr_scheduler_type = "exponential";
  EXPECT_THROW(validate_sft_config(config), Error);
  config.lr_scheduler_type = "linear";
  config.learning_rate = -1;
  EXPECT_THROW(validate_sft_config(config), Error);
  config.learning_rate = 1e-4;
  config.model = "scratch";
  EXPECT_THROW(validate_sft_config(config), Error);  // scratch without an architecture
}

TEST(SftConfig, DeviceIsCpuByDefaultAndMisspelledDevicesAreNamed) {
  EXPECT_EQ(SftConfig{}.device, "cpu");
  for (const char* good : {"cpu", "cuda", "cuda:1", "auto"}) EXPECT_NO_THROW(validate_device_name(good)) << good;
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "CPU", ""}) {
    try {
      validate_device_name(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cpu, cuda, cuda:N or auto"), std::string::npos) << e.what();
    }
  }
  SftConfig config;
  set_sft_config_value(config, "device", "cuda:0", "--device");
  EXPECT_EQ(config.device, "cuda:0");
  EXPECT_EQ(sft_config_to_json(config)["device"], "cuda:0");
}

}  // namespace
