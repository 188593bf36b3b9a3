#include "data/spider_dataset.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {
using testing_support::TempDir;
using testing_support::vendored_spider_dir;

using testing_support::error_of;

TEST(SpiderDataset, VendoredSplitsHaveTheOfficialCounts) {
  SpiderLayout layout = resolve_spider_layout(vendored_spider_dir());
  EXPECT_EQ(
      load_spider_examples(layout.examples_file(SpiderSplit::kTrain), SpiderSplit::kTrain).size(),
      7000u);
  EXPECT_EQ(load_spider_examples(layout.examples_file(SpiderSplit::kTrainOthers),
                                 SpiderSplit::kTrainOthers)
                .size(),
            1659u);
  auto dev = load_spider_examples(layout.examples_file(SpiderSplit::kDev), SpiderSplit::kDev);
  ASSERT_EQ(dev.size(), 1034u);
  EXPECT_EQ(dev[0].db_id, "concert_singer");
  EXPECT_EQ(dev[0].question, "How many singers do we have?");
  EXPECT_EQ(dev[0].query, "SELECT count(*) FROM singer");
  EXPECT_EQ(dev[5].index, 5);
  EXPECT_FALSE(layout.has_split(SpiderSplit::kTest));
}

TEST(SpiderDataset, OnlyDbIdQuestionAndQueryAreRequired) {
  TempDir dir;
  write_file_atomic(
      dir.path() / "x.json",
      R"([{"db_id": "a", "question": "q", "query": "SELECT 1", "sql": {"deep": [1, 2]}}])");
  auto examples = load_spider_examples(dir.path() / "x.json", SpiderSplit::kTrain);
  ASSERT_EQ(examples.size(), 1u);
  EXPECT_EQ(examples[0].query, "SELECT 1");
}

TEST(SpiderDataset, SeedLayoutWithTestDataIsRecognised) {
  TempDir dir;
  write_file_atomic(dir.path() / "tables.json", "[]");
  write_file_atomic(dir.path() / "test_data" / "tables.json", "[]");
  write_file_atomic(dir.path() / "test_data" / "dev.json",
                    R"([{"db_id": "t", "question": "q", "query": "SELECT 2"}])");
  std::filesystem::create_directories(dir.path() / "database");
  std::filesystem::create_directories(dir.path() / "test_database" / "t");
  testing_support::make_sqlite_file(dir.path() / "test_database" / "t" / "other_name.sqlite",
                                    "CREATE TABLE x (a);");
  SpiderLayout layout = resolve_spider_layout(dir.path());
  EXPECT_TRUE(layout.has_split(SpiderSplit::kTest));
  EXPECT_EQ(layout.examples_file(SpiderSplit::kTest), dir.path() / "test_data" / "dev.json");
  EXPECT_EQ(layout.tables_file_for(SpiderSplit::kTest), dir.path() / "test_data" / "tables.json");
  EXPECT_EQ(layout.database_dir_for(SpiderSplit::kTest), dir.path() / "test_database");
  EXPECT_EQ(layout.database_dir_for(SpiderSplit::kDev), dir.path() / "database");
  // A test database file may have another name than <db>.sqlite.
  EXPECT_EQ(spider_database_file(layout.test_database_dir, "t"),
            dir.path() / "test_database" / "t" / "other_name.sqlite");
  // The 2023 release names: test.json + test_tables.json.
  write_file_atomic(dir.path() / "test.json", "[]");
  write_file_atomic(dir.path() / "test_tables.json", "[]");
  layout = resolve_spider_layout(dir.path());
  EXPECT_EQ(layout.examples_file(SpiderSplit::kTest), dir.path() / "test.json");
  EXPECT_EQ(layout.test_tables_json, dir.path() / "test_tables.json");
}

TEST(SpiderDataset, MissingFolderOrTablesJsonIsNotFound) {
  ErrorCode code{};
  EXPECT_NE(error_of([] { resolve_spider_layout("/nonexistent/spider"); }, &code)
                .find("/nonexistent/spider"),
            std::string::npos);
  EXPECT_EQ(code, ErrorCode::kNotFound);
  TempDir dir;
  EXPECT_NE(error_of([&] { resolve_spider_layout(dir.path()); }).find("tables.json not found"),
            std::string::npos);
  write_file_atomic(dir.path() / "tables.json", "[]");
  EXPECT_NE(error_of([&] {
              resolve_spider_layout(dir.path()).examples_file(SpiderSplit::kTest);
            }).find("no test split"),
            std::string::npos);
}

TEST(SpiderDataset, MalformedJsonNamesLineAndColumn) {
  TempDir dir;
  write_file_atomic(dir.path() / "dev.json",
                    "[\n  {\"db_id\": \"a\",\n   \"question\": \"q\" \"query\": \"x\"}\n]");
  ErrorCode code{};
  std::string message =
      error_of([&] { load_spider_examples(dir.path() / "dev.json", SpiderSplit::kDev); }, &code);
  EXPECT_EQ(code, ErrorCode::kParse);
  EXPECT_NE(message.find("dev.json at line 3, column"), std::string::npos) << message;
}

TEST(SpiderDataset, MissingOrMistypedFieldNamesExampleAndField) {
  TempDir dir;
  write_file_atomic(
      dir.path() / "a.json",
      R"([{"db_id": "a", "question": "q", "query": "x"}, {"db_id": "a", "question": "q"}])");
  EXPECT_NE(error_of([&] {
              load_spider_examples(dir.path() / "a.json", SpiderSplit::kDev);
            }).find("example 1: field 'query' is missing"),
            std::string::npos);
  write_file_atomic(dir.path() / "b.json", R"([{"db_id": 4, "question": "q", "query": "x"}])");
  EXPECT_NE(error_of([&] {
              load_spider_examples(dir.path() / "b.json", SpiderSplit::kDev);
            }).find("'db_id' is not a string"),
            std::string::npos);
  write_file_atomic(dir.path() / "c.json", R"({"db_id": "a"})");
  EXPECT_NE(error_of([&] {
              load_spider_examples(dir.path() / "c.json", SpiderSplit::kDev);
            }).find("expected a JSON array"),
            std::string::npos);
}

TEST(SpiderDataset, NonUtf8QuestionIsRefused) {
  TempDir dir;
  write_file_atomic(dir.path() / "bad.json",
                    "[{\"db_id\": \"a\", \"question\": \"caf\xe9?\", \"query\": \"x\"}]");
  std::string message =
      error_of([&] { load_spider_examples(dir.path() / "bad.json", SpiderSplit::kDev); });
  EXPECT_NE(message.find("bad.json"), std::string::npos) << message;
  EXPECT_NE(message.find("UTF-8"), std::string::npos) << message;
}

TEST(SpiderDataset, ManifestMarksDegradedDatabases) {
  auto manifest = load_database_manifest(vendored_spider_dir() / "database" / "MANIFEST.tsv");
  EXPECT_EQ(manifest.size(), 166u);
  EXPECT_EQ(manifest.at("wta_1").status, "partial");
  EXPECT_TRUE(manifest.at("baseball_1").degraded());
  EXPECT_FALSE(manifest.at("concert_singer").degraded());
  EXPECT_TRUE(load_database_manifest("/nonexistent/MANIFEST.tsv").empty());
  TempDir dir;
  write_file_atomic(dir.path() / "m.tsv", "db_id\tsha256\tsize\tstatus\tnote\nx\tonly-two\n");
  EXPECT_NE(error_of([&] { load_database_manifest(dir.path() / "m.tsv"); }).find("m.tsv:2"),
            std::string::npos);
}

TEST(SpiderDataset, SplitNames) {
  EXPECT_EQ(parse_spider_split("train_others"), SpiderSplit::kTrainOthers);
  EXPECT_STREQ(spider_split_name(SpiderSplit::kTest), "test");
  EXPECT_NE(error_of([] { parse_spider_split("validation"); }).find("validation"),
            std::string::npos);
}

}  // namespace
}  // namespace t2sql
