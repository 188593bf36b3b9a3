// `t2sql demo`: the README's first command. With the embedded default model present (models/default)
// it hands over to `t2sql-model demo`, which answers three dev questions with the model; without
// it, it shows what the model would be given: dataset statistics, then for three dev questions the
// prompt, the gold SQL and the gold SQL's rows from the read-only sandbox.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

#include "cli/command_registry.hpp"
#include "cli/demo_examples.hpp"
#include "cli/model_commands.hpp"
#include "common/error.hpp"
#include "common/paths.hpp"
#include "data/dataset_stats.hpp"
#include "data/spider_corpus.hpp"
#include "sql/result_format.hpp"
#include "sql/sandbox.hpp"

namespace t2sql::cli {
namespace {
namespace fs = std::filesystem;


bool default_model_available() {
  std::error_code ec;
  return fs::exists(default_model_dir() / "config.json", ec) && fs::exists(executable_dir() / "t2sql-model", ec);
}

int run_data_demo(const std::string& spider_dir) {
  SpiderCorpus corpus{fs::path(spider_dir)};
  fmt::print("t2sql demo — no default model in {} yet: showing what a model would be given.\n\n",
             default_model_dir().string());
  fmt::print("{}\n", format_stats_text(compute_corpus_stats(corpus)));
  const auto& dev = corpus.examples(SpiderSplit::kDev);
  for (size_t index : kDemoExamples) {
    if (index >= dev.size()) continue;
    const SpiderExample& example = dev[index];
    fmt::print("==== dev example {} (database {}) ====\n", index, example.db_id);
    for (const ChatMessage& message : corpus.prompt(example)) {
      fmt::print("--- {} ---\n{}\n", message.role, message.content);
    }
    fmt::print("--- gold SQL ---\n{}\n", example.query);
    const fs::path database =
        spider_database_file(corpus.layout().database_dir_for(SpiderSplit::kDev), example.db_id);
    SqlSandbox sandbox(database);
    QueryOutcome outcome = sandbox.run(example.query);
    if (outcome.ok()) {
      fmt::print("--- gold rows ---\n{}\n", format_result_table(outcome.result, 10));
    } else {
      fmt::print("--- gold SQL failed: {} ---\n\n", outcome.error);
    }
  }
  return 0;
}

const CommandRegistrar registrar(5, [](CLI::App& app) {
  auto* demo = app.add_subcommand("demo", "the main job on the embedded default: three dev questions end to end");
  static std::string spider_dir;
  static bool data_only = false;
  demo->add_option("--spider-dir", spider_dir, "Spider folder (default: the vendored data/spider)");
  demo->add_flag("--data-only", data_only, "show prompts and gold rows even when the default model is present");
  demo->callback([] {
    if (!data_only && default_model_available()) {
      const std::string binary = (executable_dir() / "t2sql-model").string();
      std::vector<std::string> arguments = {binary, "demo"};
      if (!spider_dir.empty()) arguments.insert(arguments.end(), {"--spider", spider_dir});
      std::vector<char*> argv;
      for (auto& argument : arguments) argv.push_back(argument.data());
      argv.push_back(nullptr);
      prepare_model_environment();
      ::execv(binary.c_str(), argv.data());
      fail(ErrorCode::kIo, "cannot start {}", binary);
    }
    set_exit_code(run_data_demo(spider_dir));
  });
});

}  // namespace
}  // namespace t2sql::cli
