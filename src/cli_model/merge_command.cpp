// `t2sql merge`: combine fine-tuned checkpoints of one architecture from a mergekit-style recipe.
#include <fmt/format.h>

#include "cli/command_registry.hpp"
#include "merge/weight_merge.hpp"
#include "nn/threads.hpp"

namespace t2sql::cli {
namespace {

struct MergeFlags {
  std::string config;
  std::string output;
  int threads = 0;
  bool no_progress = false;
};

const CommandRegistrar registrar(62, [](CLI::App& app) {
  auto flags = std::make_shared<MergeFlags>();
  auto* command = app.add_subcommand("merge", "merge checkpoints from a mergekit-style YAML recipe (linear)");
  command->add_option("--config", flags->config, "merge recipe (merge_method, models, parameters, dtype)")->required();
  command->add_option("--out", flags->output, "folder to write the merged checkpoint to")->required();
  command->add_option("--threads", flags->threads, "LibTorch threads (0 = all cores)")->default_val(0);
  command->add_flag("--no-progress", flags->no_progress, "no progress bar");
  command->callback([flags] {
    nn::configure_threads(flags->threads);
    const merge::MergeConfig config = merge::load_merge_config(flags->config);
    const merge::MergeReport report = merge::merge_checkpoints(config, flags->output, !flags->no_progress);
    fmt::print("merged {} models ({}) into {}: {} tensors, {} parameters, {:.2f} MB\n", config.models.size(),
               config.merge_method, flags->output, report.tensors, report.parameters, report.output_bytes / 1e6);
    if (report.copied_files == 0)
      fmt::print(stderr, "note: the tokenizer source has no tokenizer or settings files to take along; copy its tokenizer\n"
                         "      (tokenizer.json or tokenizer.model, tokenizer_config.json) into {} to use it on text\n",
                 flags->output);
  });
});

}  // namespace
}  // namespace t2sql::cli
