// Prompt building for the whole Spider training set (train + train_others: 8,659 examples),
// schema with 3 sample rows per table, each database read once (SpiderCorpus caches it).
// Also: `t2sql data stats` work (loading every split and tables.json).
//   build/release/bench/prompt_bench   (or build/<dir>/bench/prompt_bench)
#include <benchmark/benchmark.h>

#include "common/paths.hpp"
#include "data/dataset_stats.hpp"
#include "data/spider_corpus.hpp"

namespace {
using namespace t2sql;

// From a cold corpus: load both training files and tables.json, open and read each of the 146
// training databases once, serialize, and build the 8,659 prompts + targets.
void BM_BuildAllTrainingPrompts(benchmark::State& state) {
  size_t bytes = 0, prompts = 0;
  for (auto _ : state) {
    SpiderCorpus corpus(default_spider_dir());
    corpus.set_warning_sink(nullptr);
    bytes = prompts = 0;
    for (SpiderSplit split : {SpiderSplit::kTrain, SpiderSplit::kTrainOthers}) {
      for (const SpiderExample& example : corpus.examples(split)) {
        auto messages = corpus.prompt(example);
        std::string target = completion_from_gold(example.query);
        bytes += messages.back().content.size() + target.size();
        ++prompts;
      }
    }
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["prompts"] = static_cast<double>(prompts);
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}
BENCHMARK(BM_BuildAllTrainingPrompts)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// What `t2sql data stats` does: parse the three example files and tables.json.
void BM_CorpusStats(benchmark::State& state) {
  for (auto _ : state) {
    SpiderCorpus corpus(default_spider_dir());
    benchmark::DoNotOptimize(compute_corpus_stats(corpus));
  }
}
BENCHMARK(BM_CorpusStats)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
