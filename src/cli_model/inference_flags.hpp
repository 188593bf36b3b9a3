// Flags shared by `t2sql ask` and `t2sql predict`: one flag per pipeline option (the same names
// as the config keys, see docs/inference.md). A --config file is applied first, flags given on
// the command line override it.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "gen/text_to_sql.hpp"
#include "nn/threads.hpp"

namespace t2sql::cli {

struct InferenceFlags {
  std::string model;
  std::string config;
  std::string spider;
  gen::InferenceOptions options;
  std::string schema_format = "create", roles = "sys-user-assistant", few_shot_source = "question", schema_linking = "none";
  bool no_postprocess = false;
  int threads = 0;  // LibTorch + OpenBLAS threads (0: every core); a run setting, not a pipeline option
  std::vector<CLI::Option*> overrides;  // options that are applied only when given

  void add_to(CLI::App& command) {
    command.add_option("--model", model, "model folder (default: models/default)");
    command.add_option("--threads", threads, "LibTorch threads (0 = all cores)")->capture_default_str();
    command.add_option("--config", config, "YAML/JSON file of pipeline options (flags override it)");
    command.add_option("--spider", spider, "Spider folder for db ids and few-shot examples (default: data/spider)");
    auto& o = options;
    overrides = {
        command.add_option("--max-new-tokens", o.max_new_tokens, "token limit per answer")->capture_default_str(),
        command.add_option("--beams", o.num_beams, "beam search width (1 = greedy)")->capture_default_str(),
        command.add_option("--timeout", o.timeout_seconds, "time limit per question (seconds)")->capture_default_str(),
        command.add_option("--schema-format", schema_format, "create | compact | qualified")->capture_default_str(),
        command.add_option("--sample-rows", o.sample_rows, "INSERT rows per table in the prompt")->capture_default_str(),
        command.add_option("--roles", roles, "sys-user-assistant | user-assistant | user")->capture_default_str(),
        command.add_flag("--question-first", o.layout.question_first, "also state the question before the schema"),
        command.add_option("--chat-format", o.chat_format, "llama3 | qwen3 | chatml | llama2 | mistral | plain (default: the tokenizer's)"),
        command.add_flag("--no-postprocess", no_postprocess, "keep the raw model output (no cut, SELECT, name fixes)"),
        command.add_flag("--fix-columns", o.fix_columns, "post-processing also replaces unknown columns"),
        command.add_option("--few-shot", o.few_shot, "retrieved examples in the prompt (0 = off)")->capture_default_str(),
        command.add_option("--few-shot-source", few_shot_source, "question | schema (what TF-IDF indexes)")->capture_default_str(),
        command.add_flag("--few-shot-same-db", o.few_shot_same_database, "retrieve only examples of the same database"),
        command.add_option("--schema-linking", schema_linking, "none | lexical | model")->capture_default_str(),
        command.add_flag("--self-correction", o.self_correction, "the reference's second pass"),
        command.add_option("--repair-rounds", o.repair_rounds, "execution-driven re-prompts on error / no rows")->capture_default_str(),
        command.add_flag("--constrained", o.constrained, "constrained decoding (Spider grammar + schema names)"),
        command.add_option("--constrained-top-k", o.constrained_top_k, "candidates checked per step")->capture_default_str(),
        command.add_flag("--execution-guided", o.execution_guided, "choose the first candidate that runs and returns rows"),
    };
  }

  // Sizes the thread pools for this run (--threads).
  void apply_threads() const { nn::configure_threads(threads); }

  // The options: defaults, then the model folder's inference.yaml (how that model was trained to
  // be prompted), then the --config file, then the flags given.
  gen::InferenceOptions resolve() const {
    gen::InferenceOptions result;
    const std::filesystem::path model_config = gen::resolve_model_dir(model) / gen::kModelInferenceConfig;
    if (std::filesystem::exists(model_config)) gen::apply_inference_config(model_config, result);
    if (!config.empty()) gen::apply_inference_config(config, result);
    auto given = [&](const char* name) {
      for (const CLI::Option* option : overrides) {
        if (option->check_lname(name + 2) && option->count() > 0) return true;
      }
      return false;
    };
    const auto& o = options;
    if (given("--max-new-tokens")) result.max_new_tokens = o.max_new_tokens;
    if (given("--beams")) result.num_beams = o.num_beams;
    if (given("--timeout")) result.timeout_seconds = o.timeout_seconds;
    if (given("--schema-format")) result.schema_format = parse_schema_format(schema_format);
    if (given("--sample-rows")) result.sample_rows = o.sample_rows;
    if (given("--roles")) result.layout.roles = parse_conversation_roles(roles);
    if (given("--question-first")) result.layout.question_first = true;
    if (given("--chat-format")) result.chat_format = o.chat_format;
    if (given("--no-postprocess")) result.postprocess = false;
    if (given("--fix-columns")) result.fix_columns = true;
    if (given("--few-shot")) result.few_shot = o.few_shot;
    if (given("--few-shot-source")) result.few_shot_source = gen::parse_few_shot_source(few_shot_source);
    if (given("--few-shot-same-db")) result.few_shot_same_database = true;
    if (given("--schema-linking")) result.schema_linking = gen::parse_schema_linking_mode(schema_linking);
    if (given("--self-correction")) result.self_correction = true;
    if (given("--repair-rounds")) result.repair_rounds = o.repair_rounds;
    if (given("--constrained")) result.constrained = true;
    if (given("--constrained-top-k")) result.constrained_top_k = o.constrained_top_k;
    if (given("--execution-guided")) result.execution_guided = true;
    return result;
  }
};

}  // namespace t2sql::cli
