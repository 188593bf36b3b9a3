// Prompt building for the whole Spider training set (train + train_others: 8,659 examples),
// schema with 3 sample rows per table, each database read once (SpiderCorpus caches it).
// Also: `t2sql data stats` work (loading every split and tables.json).
//   build/release/bench/prompt_bench   (or build/<dir>/bench/prompt_bench)
#include <benchmark/benchmark.h>

#include <set>

#include "common/paths.hpp"
#include "data/dataset_stats.hpp"
#include "data/spider_corpus.hpp"

namespace {
using namespace t2sql;

// From a cold corpus: load both training files and tables.json, open and read each of the 146
// training databases once, serialize, and build the 8,659 prompts + targets. Arg 1: files and
// databases read on parallel threads (what `t2sql data prep` does); arg 0: one thread.
void BM_BuildAllTrainingPrompts(benchmark::State& state) {
  size_t bytes = 0, prompts = 0;
  const bool parallel = state.range(0) == 1;
  for (auto _ : state) {
    SpiderCorpus corpus(default_spider_dir());
    corpus.set_warning_sink(nullptr);
    if (parallel) {
      corpus.preload({SpiderSplit::kTrain, SpiderSplit::kTrainOthers});
      corpus.preload_databases(corpus.examples(SpiderSplit::kTrain), 3);
      corpus.preload_databases(corpus.examples(SpiderSplit::kTrainOthers), 3);
    }
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
BENCHMARK(BM_BuildAllTrainingPrompts)
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond)
    ->MinTime(2.0)
    ->UseRealTime();

// The same prompts from a warm corpus (databases already read): the cost of assembling them.
void BM_BuildAllTrainingPromptsWarm(benchmark::State& state) {
  SpiderCorpus corpus(default_spider_dir());
  corpus.set_warning_sink(nullptr);
  std::vector<const SpiderExample*> examples;
  for (SpiderSplit split : {SpiderSplit::kTrain, SpiderSplit::kTrainOthers})
    for (const SpiderExample& example : corpus.examples(split)) {
      corpus.prompt(example);
      examples.push_back(&example);
    }
  for (auto _ : state) {
    size_t bytes = 0;
    for (const SpiderExample* example : examples)
      bytes += corpus.prompt(*example).back().content.size();
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_BuildAllTrainingPromptsWarm)->Unit(benchmark::kMillisecond);

// Reading every training database once (schema + 3 rows per table), nothing else.
void BM_ReadTrainingDatabases(benchmark::State& state) {
  SpiderCorpus names(default_spider_dir());
  std::set<std::string> db_ids;
  for (SpiderSplit split : {SpiderSplit::kTrain, SpiderSplit::kTrainOthers})
    for (const SpiderExample& example : names.examples(split)) db_ids.insert(example.db_id);
  for (auto _ : state) {
    for (const std::string& db_id : db_ids) {
      SqlSandbox sandbox(spider_database_file(default_spider_dir() / "database", db_id));
      benchmark::DoNotOptimize(introspect_sqlite_file(sandbox, db_id, 3));
    }
  }
}
BENCHMARK(BM_ReadTrainingDatabases)->Unit(benchmark::kMillisecond);

// Parsing tables.json (166 schemas) and the two training files.
void BM_LoadTablesJson(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(load_tables_json(default_spider_dir() / "tables.json"));
}
BENCHMARK(BM_LoadTablesJson)->Unit(benchmark::kMillisecond);

void BM_LoadTrainingExamples(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        load_spider_examples(default_spider_dir() / "train_spider.json", SpiderSplit::kTrain));
    benchmark::DoNotOptimize(load_spider_examples(default_spider_dir() / "train_others.json",
                                                  SpiderSplit::kTrainOthers));
  }
}
BENCHMARK(BM_LoadTrainingExamples)->Unit(benchmark::kMillisecond);

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
