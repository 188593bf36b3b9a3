// `t2sql generate`: run any supported checkpoint on a prompt (text or token ids).
#include <iostream>

#include "cli/command_registry.hpp"
#include "common/error.hpp"
#include "gen/text_generation.hpp"

namespace t2sql::cli {
namespace {

struct GenerateFlags {
  std::string model;
  std::string prompt;
  std::string ids;
  gen::GenerationConfig config;
  std::vector<std::string> stop;
  bool print_ids = false;
  int threads = 0;
  bool timings = false;
};

const CommandRegistrar registrar(20, [](CLI::App& app) {
  auto flags = std::make_shared<GenerateFlags>();
  auto* command = app.add_subcommand("generate", "run a checkpoint on a prompt (KV-cached generation)");
  command->add_option("--model", flags->model, "checkpoint directory (config.json + safetensors)")->required();
  auto* prompt = command->add_option("--prompt", flags->prompt, "prompt text (needs the model's tokenizer)");
  auto* ids = command->add_option("--ids", flags->ids, "prompt token ids, e.g. \"1 2 3\"");
  prompt->excludes(ids);
  command->add_option("--max-new-tokens", flags->config.max_new_tokens, "tokens to generate")->default_val(128);
  command->add_option("--temperature", flags->config.temperature, "0 = greedy")->default_val(0.0);
  command->add_option("--top-k", flags->config.top_k, "sample among the k most likely (0 = off)")->default_val(0);
  command->add_option("--top-p", flags->config.top_p, "nucleus sampling mass (1 = off)")->default_val(1.0);
  command->add_option("--repetition-penalty", flags->config.repetition_penalty, "1 = off")->default_val(1.0);
  command->add_option("--beams", flags->config.num_beams, "beam search width (1 = off)")->default_val(1);
  command->add_option("--length-penalty", flags->config.length_penalty, "beam length penalty")->default_val(1.0);
  command->add_option("--seed", flags->config.seed, "sampling seed")->default_val(42);
  command->add_option("--stop", flags->stop, "stop string (repeatable; needs the tokenizer)");
  command->add_flag("--print-ids", flags->print_ids, "print the new token ids on one line");
  command->add_option("--threads", flags->threads, "LibTorch threads (0 = all cores)")->default_val(0);
  command->add_flag("--timings", flags->timings, "report prefill/decode tokens/s and peak RSS on stderr");
  command->callback([flags] {
    if (flags->prompt.empty() && flags->ids.empty()) fail(ErrorCode::kInvalidArgument, "give --prompt or --ids");
    gen::TextGenerationRequest request;
    request.model_directory = flags->model;
    if (!flags->ids.empty()) request.ids = gen::parse_token_ids(flags->ids);
    else request.prompt = flags->prompt;
    request.config = flags->config;
    request.config.stop_strings = flags->stop;
    request.print_ids = flags->print_ids;
    request.threads = flags->threads;
    request.timings = flags->timings;
    gen::run_text_generation(request, std::cout, &std::cerr);
  });
});

}  // namespace
}  // namespace t2sql::cli
