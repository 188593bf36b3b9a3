#include "data/spider_corpus.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "data/dataset_stats.hpp"
#include "data/sft_prep.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {
using testing_support::TempDir;
using testing_support::vendored_spider_dir;

using testing_support::error_of;

// A one-database Spider folder: tables.json names tables a and b; the file may lack b.
void write_small_spider(const std::filesystem::path& dir, bool database_has_b,
                        bool with_file = true) {
  write_file_atomic(
      dir / "tables.json",
      R"([{"db_id": "tiny", "table_names_original": ["a", "b"], "table_names": ["a", "b"],
    "column_names_original": [[-1, "*"], [0, "id"], [1, "id"]], "column_names": [[-1, "*"], [0, "id"], [1, "id"]],
    "column_types": ["text", "number", "number"], "primary_keys": [1], "foreign_keys": []}])");
  write_file_atomic(
      dir / "dev.json",
      R"([{"db_id": "tiny", "question": "How many a?", "query": "SELECT count(*) FROM a"},
    {"db_id": "ghost", "question": "q", "query": "SELECT 1"}])");
  if (with_file)
    testing_support::make_sqlite_file(
        dir / "database" / "tiny" / "tiny.sqlite",
        std::string("CREATE TABLE a (id INT PRIMARY KEY); INSERT INTO a VALUES (7);") +
            (database_has_b ? "CREATE TABLE b (id INT);" : ""));
}

TEST(SpiderCorpus, DemoApiGivesThePromptAndGoldOfADevExample) {
  SpiderCorpus corpus(vendored_spider_dir());
  const auto& dev = corpus.examples(SpiderSplit::kDev);
  auto messages = corpus.prompt(dev[0]);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].role, "system");
  const std::string& user = messages[1].content;
  EXPECT_EQ(
      user.rfind(
          "Here is the schema of the tables you will be working with:\nCREATE TABLE \"stadium\" (",
          0),
      0u)
      << user;
  EXPECT_NE(user.find("\nINSERT INTO singer VALUES("), std::string::npos) << user;
  EXPECT_NE(user.find("\n\n-- How many singers do we have? \nSELECT"), std::string::npos);
  EXPECT_EQ(dev[0].query, "SELECT count(*) FROM singer");
  // The same prompt twice (cached schema text) is identical.
  EXPECT_EQ(corpus.prompt(dev[0]), messages);
}

TEST(SpiderCorpus, EveryDatabaseFileSerializesWithinAFewSeconds) {
  SpiderCorpus corpus(vendored_spider_dir());
  for (const auto& [db_id, schema] : corpus.table_schemas()) {
    std::string text = corpus.schema_text(db_id, SpiderSplit::kDev, PromptOptions{});
    EXPECT_NE(text.find("CREATE TABLE"), std::string::npos) << db_id;
  }
}

TEST(SpiderCorpus, DegradedDatabasesWarnOnceEach) {
  SpiderCorpus corpus(vendored_spider_dir());
  std::vector<std::string> warnings;
  corpus.set_warning_sink([&](const std::string& message) { warnings.push_back(message); });
  corpus.prompt("wta_1", "How many players?");
  corpus.prompt("wta_1", "How many matches?");
  corpus.prompt("concert_singer", "How many singers?");
  PromptOptions compact;
  compact.schema_format = SchemaFormat::kCompact;
  corpus.prompt("soccer_1", "How many players?", SpiderSplit::kTrain, compact);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("database wta_1 is partial"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("database soccer_1 is schema-only"), std::string::npos) << warnings[1];
}

TEST(SpiderCorpus, UnknownDbIdMissingFileAndMissingTableAreErrors) {
  TempDir dir;
  write_small_spider(dir.path(), /*database_has_b=*/false);
  SpiderCorpus corpus(dir.path());
  ErrorCode code{};
  std::string message = error_of([&] { corpus.prompt("ghost", "q"); }, &code);
  EXPECT_EQ(code, ErrorCode::kNotFound);
  EXPECT_NE(message.find("unknown db_id 'ghost'"), std::string::npos) << message;
  message = error_of([&] { corpus.prompt(corpus.examples(SpiderSplit::kDev)[0]); });
  EXPECT_NE(message.find("lacks table 'b' named in"), std::string::npos) << message;

  TempDir no_file;
  write_small_spider(no_file.path(), true, /*with_file=*/false);
  SpiderCorpus empty(no_file.path());
  message = error_of([&] { empty.prompt("tiny", "q"); });
  EXPECT_NE(message.find("database file not found for db_id 'tiny'"), std::string::npos) << message;
}

TEST(SpiderCorpus, ParallelPreloadGivesTheSamePromptsAndErrors) {
  SpiderCorpus sequential(vendored_spider_dir());
  SpiderCorpus parallel(vendored_spider_dir());
  const auto& dev = parallel.examples(SpiderSplit::kDev);
  parallel.preload_databases(dev, 3, 2);
  for (size_t i = 0; i < dev.size(); i += 97)
    EXPECT_EQ(parallel.prompt(dev[i]), sequential.prompt(dev[i])) << i;

  TempDir dir;
  write_small_spider(dir.path(), /*database_has_b=*/false);
  SpiderCorpus broken(dir.path());
  std::vector<SpiderExample> tiny = {broken.examples(SpiderSplit::kDev)[0]};
  EXPECT_NE(error_of([&] { broken.preload_databases(tiny, 3, 2); }).find("lacks table 'b'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              broken.preload_databases(broken.examples(SpiderSplit::kDev), 3);
            }).find("unknown db_id 'ghost'"),
            std::string::npos);
}

TEST(SpiderCorpus, NonUtf8QuestionIsRefused) {
  TempDir dir;
  write_small_spider(dir.path(), true);
  SpiderCorpus corpus(dir.path());
  EXPECT_NE(error_of([&] { corpus.prompt("tiny", "caf\xe9"); }).find("UTF-8"), std::string::npos);
  auto messages = corpus.prompt("tiny", "How many a?");
  EXPECT_EQ(messages[1].content,
            "Here is the schema of the tables you will be working with:\n"
            "CREATE TABLE a (id INT PRIMARY KEY);\nCREATE TABLE b (id INT);\nINSERT INTO a "
            "VALUES(7);\n\n-- How many a? \nSELECT");
}

TEST(DatasetStats, VendoredCounts) {
  SpiderCorpus corpus(vendored_spider_dir());
  CorpusStats stats = compute_corpus_stats(corpus);
  ASSERT_EQ(stats.splits.size(), 3u);
  EXPECT_EQ(stats.splits[0].examples, 7000u);
  EXPECT_EQ(stats.splits[1].examples, 1659u);
  EXPECT_EQ(stats.splits[2].examples, 1034u);
  EXPECT_EQ(stats.splits[2].databases, 20u);
  EXPECT_EQ(stats.schemas, 166u);
  EXPECT_EQ(stats.database_files, 166u);
  EXPECT_EQ(stats.status_counts.at("official-verified"), 163u);
  auto json = nlohmann::json::parse(format_stats_json(stats));
  EXPECT_EQ(json["splits"]["dev"]["examples"], 1034);
  EXPECT_EQ(json["splits"]["train"]["examples"], 7000);
  EXPECT_EQ(json["splits"]["train_others"]["examples"], 1659);
  EXPECT_EQ(json["schemas"], 166);
  EXPECT_NE(format_stats_text(stats).find("wta_1 (partial)"), std::string::npos);
}

TEST(DatasetStats, DescribeUsesNearestRank) {
  Distribution d = describe({5, 1, 3, 2, 4, 6, 7, 8, 9, 10});
  EXPECT_EQ(d.count, 10u);
  EXPECT_EQ(d.min, 1);
  EXPECT_EQ(d.median, 6);
  EXPECT_EQ(d.p90, 10);
  EXPECT_EQ(d.max, 10);
  EXPECT_DOUBLE_EQ(d.mean, 5.5);
  EXPECT_EQ(describe({}).count, 0u);
}

TEST(SftPrep, WritesSpiderThenSyntheticRecords) {
  TempDir dir;
  SpiderCorpus corpus(vendored_spider_dir());
  PrepOptions options;
  options.num_train = 3;
  options.synthetic = testing_support::fixtures_dir() / "synthetic" / "synthetic_sample.jsonl";
  options.num_synthetic = 2;
  options.progress = false;
  PrepSummary summary = prepare_sft_dataset(corpus, options, dir.path() / "train.jsonl");
  EXPECT_EQ(summary.spider_records, 3u);
  EXPECT_EQ(summary.synthetic_records, 2u);
  std::vector<nlohmann::json> records;
  for_each_jsonl_record(dir.path() / "train.jsonl",
                        [&](const nlohmann::json& record, int) { records.push_back(record); });
  ASSERT_EQ(records.size(), 5u);
  auto train = corpus.examples(SpiderSplit::kTrain);
  EXPECT_EQ(records[0]["db_id"], train[0].db_id);
  EXPECT_EQ(records[0]["prompt"].size(), 2u);
  EXPECT_EQ(records[0]["prompt"][1]["content"], corpus.prompt(train[0])[1].content);
  EXPECT_EQ(records[0]["completion"][0]["role"], "assistant");
  EXPECT_EQ(records[0]["completion"][0]["content"], completion_from_gold(train[0].query));
  EXPECT_EQ(records[3]["source"], "synthetic");
  EXPECT_EQ(records[3]["db_id"], "5000");
  // The synthetic schema is its sql_context verbatim, as in the reference.
  const std::string user = records[3]["prompt"][1]["content"];
  EXPECT_NE(user.find("CREATE TABLE harvest (id INT PRIMARY KEY"), std::string::npos);
  EXPECT_EQ(records[3]["completion"][0]["content"],
            " SUM(yield_tons) FROM harvest WHERE crop = 'corn' AND year = 2021;");
}

TEST(SftPrep, ShuffleIsSeededAndCompactUsesTheParsedSchema) {
  TempDir dir;
  SpiderCorpus corpus(vendored_spider_dir());
  PrepOptions options;
  options.splits = {SpiderSplit::kDev};
  options.num_train = 4;
  options.shuffle = true;
  options.progress = false;
  options.prompt.schema_format = SchemaFormat::kCompact;
  options.prompt.layout.roles = ConversationRoles::kUserAssistant;
  options.synthetic = testing_support::fixtures_dir() / "synthetic" / "synthetic_sample.json";
  prepare_sft_dataset(corpus, options, dir.path() / "a.jsonl");
  prepare_sft_dataset(corpus, options, dir.path() / "b.jsonl");
  EXPECT_EQ(read_file(dir.path() / "a.jsonl"), read_file(dir.path() / "b.jsonl"));
  options.seed = 7;
  prepare_sft_dataset(corpus, options, dir.path() / "c.jsonl");
  EXPECT_NE(read_file(dir.path() / "a.jsonl"), read_file(dir.path() / "c.jsonl"));
  std::vector<nlohmann::json> records;
  for_each_jsonl_record(dir.path() / "a.jsonl",
                        [&](const nlohmann::json& record, int) { records.push_back(record); });
  ASSERT_EQ(records.size(), 8u);
  EXPECT_EQ(records[0]["prompt"].size(), 1u);  // user-assistant
  bool found_compact = false;
  for (size_t i = 4; i < records.size(); ++i)
    found_compact |= records[i]["prompt"][0]["content"].get<std::string>().find(
                         "harvest(id PRIMARY KEY, crop, year, yield_tons)\n") != std::string::npos;
  EXPECT_TRUE(found_compact);
}

TEST(SftPrep, SeededPermutationIsStable) {
  auto a = seeded_permutation(10, 42);
  EXPECT_EQ(a, seeded_permutation(10, 42));
  EXPECT_NE(a, seeded_permutation(10, 43));
  std::vector<size_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(sorted[i], i);
}

TEST(SftPrep, NegativeCountsAreRefused) {
  SpiderCorpus corpus(vendored_spider_dir());
  PrepOptions options;
  options.num_train = -5;
  EXPECT_NE(error_of([&] {
              prepare_sft_dataset(corpus, options, "/tmp/unused.jsonl");
            }).find("--num-train"),
            std::string::npos);
}

}  // namespace
}  // namespace t2sql
