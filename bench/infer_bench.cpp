// Inference-side costs that do not need a model (core only):
//  - BM_ConstrainedStep: one constrained-decoding step as the decoder runs it: rank the top 32 of
//    a 151,936-entry logits row (Qwen2's vocabulary) and check 8 candidate extensions of a SQL
//    prefix with SqlPrefixChecker, for every prefix of Spider dev gold queries.
//  - BM_FewShotIndexBuild / BM_FewShotQuery: TF-IDF over the 7,000 train questions.
//  - BM_LexicalSchemaLinking: lexical linking of every dev question, with counters for the recall
//    of the tables the gold query needs (from the evaluator's parser) and the share of tables kept.
// Run: build/release/bench/infer_bench (see docs/BENCHMARKS.md for the numbers).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>

#include "common/paths.hpp"
#include "data/spider_corpus.hpp"
#include "sql/schema_linking.hpp"
#include "sql/spider_parser.hpp"
#include "sql/sql_prefix_checker.hpp"
#include "text/tfidf.hpp"

namespace {

using namespace t2sql;

SpiderCorpus& corpus() {
  static SpiderCorpus instance(default_spider_dir());
  return instance;
}

SchemaNames names_of(const Schema& schema) {
  SchemaNames names;
  for (const auto& table : schema.tables) {
    SchemaNames::Table entry{table.name, {}};
    for (const auto& column : table.columns) entry.columns.push_back(column.name);
    names.tables.push_back(entry);
  }
  return names;
}

void BM_ConstrainedStep(benchmark::State& state) {
  const auto& dev = corpus().examples(SpiderSplit::kDev);
  // 20 dev queries with their schemas; each prefix ending at a space is one "step".
  struct Step {
    const SqlPrefixChecker* checker;
    std::string prefix;
  };
  static std::map<std::string, std::unique_ptr<SqlPrefixChecker>> checkers;
  std::vector<Step> steps;
  for (size_t i = 0; i < dev.size() && i < 400; i += 20) {
    const auto& example = dev[i];
    auto& checker = checkers[example.db_id];
    if (!checker) checker = std::make_unique<SqlPrefixChecker>(names_of(corpus().table_schema(example.db_id)));
    for (size_t n = 6; n < example.query.size(); ++n) {
      if (example.query[n] == ' ') steps.push_back({checker.get(), example.query.substr(0, n)});
    }
  }
  std::vector<float> logits(151936);
  std::mt19937 rng(42);
  std::normal_distribution<float> normal;
  for (float& value : logits) value = normal(rng);
  const std::vector<std::string> pieces = {" name", " FROM", ",", " count", "(*)", " T1", ".", " WHERE"};
  std::vector<int64_t> order(logits.size());
  size_t index = 0;
  int64_t viable = 0;
  for (auto _ : state) {
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + 32, order.end(), [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
    const Step& step = steps[index++ % steps.size()];
    viable += step.checker->check(step.prefix + " ").complete;
    for (const auto& piece : pieces) viable += step.checker->check(step.prefix + piece).viable;
    benchmark::DoNotOptimize(viable);
  }
  state.counters["steps"] = static_cast<double>(steps.size());
}
BENCHMARK(BM_ConstrainedStep)->Unit(benchmark::kMicrosecond);

void BM_PrefixCheckOnly(benchmark::State& state) {
  const auto& dev = corpus().examples(SpiderSplit::kDev);
  SqlPrefixChecker checker(names_of(corpus().table_schema(dev[0].db_id)));
  std::string prefix = dev[0].query;
  for (auto _ : state) benchmark::DoNotOptimize(checker.check(prefix).viable);
  state.SetLabel(prefix);
}
BENCHMARK(BM_PrefixCheckOnly)->Unit(benchmark::kMicrosecond);

void BM_FewShotIndexBuild(benchmark::State& state) {
  std::vector<std::string> questions;
  for (const auto& example : corpus().examples(SpiderSplit::kTrain)) questions.push_back(example.question);
  for (auto _ : state) {
    TfidfIndex index(questions);
    benchmark::DoNotOptimize(index.size());
  }
}
BENCHMARK(BM_FewShotIndexBuild)->Unit(benchmark::kMillisecond);

void BM_FewShotQuery(benchmark::State& state) {
  std::vector<std::string> questions;
  for (const auto& example : corpus().examples(SpiderSplit::kTrain)) questions.push_back(example.question);
  TfidfIndex index(questions);
  const auto& dev = corpus().examples(SpiderSplit::kDev);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& question = dev[i++ % dev.size()].question;
    benchmark::DoNotOptimize(index.search(question, 3, [&](int64_t d) { return questions[d] != question; }));
  }
}
BENCHMARK(BM_FewShotQuery)->Unit(benchmark::kMicrosecond);

// Tables a parsed Spider query reads, nested queries included ("__singer__" -> "singer").
void collect_tables(const spider::SpiderSql& sql, std::set<std::string>& tables);
void collect_condition(const spider::Condition& condition, std::set<std::string>& tables) {
  for (const auto& item : condition) {
    if (const auto* unit = std::get_if<spider::CondUnit>(&item)) {
      if (const auto* nested = unit->val1.sql()) collect_tables(*nested, tables);
      if (const auto* nested = unit->val2.sql()) collect_tables(*nested, tables);
    }
  }
}
void collect_tables(const spider::SpiderSql& sql, std::set<std::string>& tables) {
  for (const auto& unit : sql.from_tables) {
    if (unit.is_sql && unit.sql) collect_tables(*unit.sql, tables);
    else if (unit.table_id.size() > 4) tables.insert(unit.table_id.substr(2, unit.table_id.size() - 4));
  }
  collect_condition(sql.where, tables);
  collect_condition(sql.having, tables);
  collect_condition(sql.from_conds, tables);
  for (const auto* nested : {sql.intersect.get(), sql.union_.get(), sql.except_.get()}) {
    if (nested != nullptr) collect_tables(*nested, tables);
  }
}

void BM_LexicalSchemaLinking(benchmark::State& state) {
  const auto& dev = corpus().examples(SpiderSplit::kDev);
  struct Database {
    SchemaNames names;
    std::vector<std::pair<std::string, std::string>> keys;
    ValueIndex values;
    spider::SpiderSchema spider_schema;
  };
  std::map<std::string, Database> databases;
  for (const auto& example : dev) {
    if (databases.count(example.db_id)) continue;
    SqlSandbox sandbox(spider_database_file(corpus().layout().database_dir, example.db_id));
    const Schema& schema = corpus().table_schema(example.db_id);
    Database database{names_of(schema), {}, {}, spider::SpiderSchema::from_database(sandbox)};
    for (const auto& key : schema.foreign_keys) database.keys.emplace_back(key.from_table, key.to_table);
    database.values = ValueIndex::build(sandbox, database.names);
    databases.emplace(example.db_id, std::move(database));
  }
  double needed = 0, found = 0, kept = 0, total = 0, full_recall = 0, parsed = 0;
  for (auto _ : state) {
    needed = found = kept = total = full_recall = parsed = 0;
    for (const auto& example : dev) {
      const Database& database = databases.at(example.db_id);
      SchemaLinkingResult result = link_schema(example.question, database.names, database.keys, &database.values);
      std::set<std::string> gold;
      try {
        collect_tables(spider::parse_spider_sql(database.spider_schema, example.query), gold);
      } catch (const std::exception&) {
        continue;
      }
      ++parsed;
      std::set<std::string> kept_lower;
      for (const auto& name : result.kept_tables) kept_lower.insert(ascii_lower(name));
      size_t hit = 0;
      for (const auto& table : gold) hit += kept_lower.count(table);
      needed += static_cast<double>(gold.size());
      found += static_cast<double>(hit);
      full_recall += hit == gold.size();
      kept += static_cast<double>(result.kept_tables.size());
      total += static_cast<double>(database.names.tables.size());
    }
  }
  state.counters["table_recall"] = found / needed;
  state.counters["all_needed_kept"] = full_recall / parsed;
  state.counters["kept_share"] = kept / total;
  state.counters["questions"] = parsed;
}
BENCHMARK(BM_LexicalSchemaLinking)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
