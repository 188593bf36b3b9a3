// `t2sql predict`: a Spider split (or a Spider-format JSON file) -> an official prediction file
// plus per-example JSONL; progress bar; Ctrl-C stops after saving what is done; --resume goes on.
// Flag parsing only; the run lives in src/gen/prediction_run.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>

#include "cli/command_registry.hpp"
#include "cli_model/inference_flags.hpp"
#include "common/error.hpp"
#include "common/paths.hpp"
#include "data/spider_corpus.hpp"
#include "gen/prediction_run.hpp"

namespace t2sql::cli {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }

struct PredictFlags {
  InferenceFlags inference;
  std::string split = "dev";
  std::string out;
  std::string jsonl;
  int64_t limit = -1;
  bool resume = false;
  bool overwrite = false;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

int run_predict(const PredictFlags& flags) {
  flags.inference.apply_threads();
  gen::InferenceOptions options = flags.inference.resolve();
  std::filesystem::path spider = flags.inference.spider.empty() ? default_spider_dir() : std::filesystem::path(flags.inference.spider);
  SpiderCorpus corpus(spider);
  std::vector<SpiderExample> examples;
  std::filesystem::path database_dir;
  if (flags.split == "dev" || flags.split == "train" || flags.split == "train_others" || flags.split == "test") {
    SpiderSplit split = parse_spider_split(flags.split);
    examples = corpus.examples(split);
    database_dir = corpus.layout().database_dir_for(split);
  } else {
    examples = load_spider_examples(flags.split, SpiderSplit::kDev);
    database_dir = corpus.layout().database_dir;
  }
  gen::TextToSqlPipeline pipeline(gen::resolve_model_dir(flags.inference.model), options);
  double index_seconds = pipeline.use_spider_few_shot(corpus);
  if (options.few_shot > 0) fmt::print(stderr, "few-shot index built in {:.3f}s\n", index_seconds);

  gen::PredictRunOptions run;
  run.out = flags.out;
  run.jsonl = flags.jsonl.empty() ? flags.out + ".jsonl" : flags.jsonl;
  run.database_dir = database_dir;
  run.limit = flags.limit;
  run.resume = flags.resume;
  run.overwrite = flags.overwrite;
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  gen::PredictRunSummary summary = gen::run_predictions(pipeline, examples, run, g_interrupted);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  fmt::print("predicted {} of {} examples ({} already done), {} did not run; {:.1f}s, latency p50 {:.3f}s p95 {:.3f}s\n",
             summary.predicted, summary.total, summary.skipped, summary.failed, summary.seconds,
             percentile(summary.latencies, 0.5), percentile(summary.latencies, 0.95));
  fmt::print("predictions: {}\nrecords: {}\n", run.out.string(), run.jsonl.string());
  if (summary.interrupted) {
    fmt::print(stderr, "interrupted: {} examples are saved; rerun with --resume to continue\n", summary.skipped + summary.predicted);
    return 130;
  }
  return 0;
}

const CommandRegistrar registrar(21, [](CLI::App& app) {
  auto flags = std::make_shared<PredictFlags>();
  auto* command = app.add_subcommand("predict", "predict SQL for a whole split (resumable)");
  command->add_option("--split", flags->split, "dev | train | train_others | test | a Spider-format JSON file")->capture_default_str();
  command->add_option("--out", flags->out, "prediction file (one SQL per line)")->required();
  command->add_option("--jsonl", flags->jsonl, "per-example records (default: OUT.jsonl)");
  command->add_option("--limit", flags->limit, "first N examples only");
  command->add_flag("--resume", flags->resume, "continue after the examples already in OUT and its records");
  command->add_flag("--overwrite", flags->overwrite, "start over when OUT already holds predictions");
  flags->inference.add_to(*command);
  command->callback([flags] { set_exit_code(run_predict(*flags)); });
});

}  // namespace
}  // namespace t2sql::cli
