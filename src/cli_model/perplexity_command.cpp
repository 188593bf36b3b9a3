// `t2sql perplexity`: how well a checkpoint predicts the answers of prepared records (the JSONL
// of `t2sql data prep`), as the mean cross-entropy over the completion tokens and its exponential.
// Compares checkpoints of one tokenizer: a model and its quantized copy, a merge and its parts.
#include <fmt/format.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/command_registry.hpp"
#include "common/error.hpp"
#include "common/paths.hpp"
#include "nn/checkpoint.hpp"
#include "nn/threads.hpp"
#include "text/tokenizer.hpp"
#include "train/perplexity.hpp"
#include "train/sft_dataset.hpp"

namespace t2sql::cli {
namespace {

struct PerplexityFlags {
  std::string model;
  std::string data;
  std::string chat_format;
  int64_t max_seq_length = 2048;
  int64_t batch_size = 8;
  int64_t limit = 0;
  int threads = 0;
  bool json = false;
};

const CommandRegistrar registrar(61, [](CLI::App& app) {
  auto flags = std::make_shared<PerplexityFlags>();
  auto* command = app.add_subcommand("perplexity", "completion-token loss and perplexity on prepared records");
  command->add_option("--model", flags->model, "model folder (default: models/default)");
  command->add_option("--data", flags->data, "prompt/completion JSONL from `t2sql data prep`")->required();
  command->add_option("--chat-format", flags->chat_format, "llama3 | qwen3 | chatml | llama2 | mistral | plain (default: the tokenizer's)");
  command->add_option("--max-seq-length", flags->max_seq_length, "tokens per example (longer ones are cut)")->capture_default_str();
  command->add_option("--batch-size", flags->batch_size, "examples per forward pass")->capture_default_str();
  command->add_option("--limit", flags->limit, "score the first N records only (0 = all)")->capture_default_str();
  command->add_option("--threads", flags->threads, "LibTorch threads (0 = all cores)")->capture_default_str();
  command->add_flag("--json", flags->json, "print the report as JSON");
  command->callback([flags] {
    if (flags->limit < 0) fail(ErrorCode::kInvalidArgument, "--limit must be 0 or more, not {}", flags->limit);
    nn::configure_threads(flags->threads);
    const std::filesystem::path model_dir = flags->model.empty() ? default_model_dir() : std::filesystem::path(flags->model);
    auto records = train::load_sft_records(flags->data);
    if (flags->limit > 0 && static_cast<size_t>(flags->limit) < records.size()) records.resize(static_cast<size_t>(flags->limit));
    auto tokenizer = text::load_tokenizer(model_dir);
    auto chat_template = train::resolve_chat_template(flags->chat_format, *tokenizer);
    auto model = nn::load_llama_model(model_dir);
    train::PerplexityOptions options;
    options.max_seq_length = std::min(flags->max_seq_length, model->config().max_position_embeddings);
    options.batch_size = flags->batch_size;
    auto report = train::completion_perplexity(model, *tokenizer, chat_template, records, options);
    if (flags->json) {
      nlohmann::ordered_json out = {{"model", model_dir.string()},     {"data", flags->data},
                                    {"examples", report.examples},     {"truncated", report.truncated},
                                    {"target_tokens", report.target_tokens}, {"mean_loss", report.mean_loss},
                                    {"perplexity", report.perplexity}};
      fmt::print("{}\n", out.dump());
      return;
    }
    fmt::print("{} examples ({} truncated at {} tokens), {} completion tokens: loss {:.4f} nats/token, perplexity {:.3f}\n",
               report.examples, report.truncated, options.max_seq_length, report.target_tokens, report.mean_loss,
               report.perplexity);
  });
});

}  // namespace
}  // namespace t2sql::cli
