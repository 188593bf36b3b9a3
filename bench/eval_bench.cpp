// Micro-benchmarks of the Spider evaluator: tokenizer, parser, exact match, and the whole
// official example set with and without execution.
//   build/release/bench/eval_bench
#include <benchmark/benchmark.h>

#include "common/paths.hpp"
#include "eval/evaluator.hpp"
#include "sql/spider_tokenizer.hpp"

namespace {
using namespace t2sql;

const std::vector<eval::ExampleInput>& examples() {
  static const auto inputs = eval::read_eval_files(
      std::filesystem::path(T2SQL_SOURCE_DATA_DIR) / ".." / "tests" / "fixtures" / "spider_eval" / "gold_example.txt",
      std::filesystem::path(T2SQL_SOURCE_DATA_DIR) / ".." / "tests" / "fixtures" / "spider_eval" / "pred_example.txt");
  return inputs;
}

eval::EvalContext& context() {
  static eval::EvalContext instance(default_spider_dir() / "database", default_spider_dir() / "tables.json");
  return instance;
}

void BM_SpiderTokenize(benchmark::State& state) {
  const auto& inputs = examples();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(spider::tokenize(inputs[i % inputs.size()].gold));
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(i));
}
BENCHMARK(BM_SpiderTokenize);

void BM_SpiderParse(benchmark::State& state) {
  const auto& inputs = examples();
  for (const auto& input : inputs) context().database(input.db_id);  // load schemas outside the loop
  size_t i = 0;
  for (auto _ : state) {
    const auto& input = inputs[i % inputs.size()];
    benchmark::DoNotOptimize(spider::parse_spider_sql(context().database(input.db_id).schema, input.gold));
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(i));
}
BENCHMARK(BM_SpiderParse);

// The 1034 official examples, exact match only (no SQL executed).
void BM_EvaluateExampleSetMatch(benchmark::State& state) {
  eval::EvalOptions options;
  options.etype = eval::EvalType::kMatch;
  for (auto _ : state) benchmark::DoNotOptimize(eval::evaluate_all(examples(), context(), options, 1));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * examples().size()));
}
BENCHMARK(BM_EvaluateExampleSetMatch)->Unit(benchmark::kMillisecond);

// The same with execution, on a fresh context each time (no cached results).
void BM_EvaluateExampleSetAll(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  for (auto _ : state) {
    eval::EvalContext fresh(default_spider_dir() / "database", default_spider_dir() / "tables.json");
    benchmark::DoNotOptimize(eval::evaluate_all(examples(), fresh, {}, threads));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * examples().size()));
}
BENCHMARK(BM_EvaluateExampleSetAll)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
