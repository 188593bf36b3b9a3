// `t2sql quantize`: weight-only int8 / 4-bit quantization of a checkpoint's linear layers.
#include <fmt/format.h>

#include "cli/command_registry.hpp"
#include "nn/quantize.hpp"
#include "nn/threads.hpp"

namespace t2sql::cli {
namespace {

struct QuantizeFlags {
  std::string input;
  std::string output;
  std::string type;
  int64_t group_size = 32;
  int threads = 0;
};

const CommandRegistrar registrar(60, [](CLI::App& app) {
  auto flags = std::make_shared<QuantizeFlags>();
  auto* command = app.add_subcommand("quantize", "weight-only int8 / 4-bit quantization");
  command->add_option("--in", flags->input, "checkpoint directory to read")->required();
  command->add_option("--out", flags->output, "directory to write the quantized checkpoint to")->required();
  command->add_option("--type", flags->type, "q8 (int8 per channel) or q4 (4-bit group-wise)")
      ->required()->check(CLI::IsMember({"q8", "q4"}));
  command->add_option("--group-size", flags->group_size, "q4 group size (32 or 64)")->default_val(32);
  command->add_option("--threads", flags->threads, "LibTorch threads (0 = all cores)")->default_val(0);
  command->callback([flags] {
    nn::configure_threads(flags->threads);
    auto report = nn::quantize_checkpoint(flags->input, flags->output, flags->type, flags->group_size);
    fmt::print("quantized {} linear layers to {}: {:.2f} MB -> {:.2f} MB ({:.1f}% of the input)\n",
               report.quantized_layers, flags->type, report.input_bytes / 1e6, report.output_bytes / 1e6,
               100.0 * static_cast<double>(report.output_bytes) / static_cast<double>(report.input_bytes));
    if (report.copied_files == 0)
      fmt::print(stderr, "note: {} has no tokenizer or settings files to take along; copy its tokenizer\n"
                         "      (tokenizer.json or tokenizer.model, tokenizer_config.json) into {} to use it on text\n",
                 flags->input, flags->output);
  });
});

}  // namespace
}  // namespace t2sql::cli
