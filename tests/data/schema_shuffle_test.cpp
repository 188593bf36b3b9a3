#include "data/schema_shuffle.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <string>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "data/sft_prep.hpp"
#include "data/spider_corpus.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {

using testing_support::compact_prep_options;
using testing_support::TempDir;

Schema shop() {
  Schema schema;
  schema.db_id = "shop";
  for (std::string table : {"customer", "orders", "product", "supplier"}) {
    Table t;
    t.name = table;
    t.create_sql = "CREATE TABLE " + table + " (...)";
    for (std::string column : {"id", "name", "city", "price", "rank"}) t.columns.push_back({table + "_" + column, column, "text", column == "id"});
    for (int r = 0; r < 2; ++r) {
      std::vector<SqlValue> row;
      for (const Column& c : t.columns) row.emplace_back(c.name + std::to_string(r));
      t.sample_rows.push_back(row);
    }
    schema.tables.push_back(t);
  }
  schema.foreign_keys = {{"orders", "orders_id", "customer", "customer_id"},
                         {"orders", "orders_name", "product", "product_id"},
                         {"product", "product_city", "supplier", "supplier_id"}};
  return schema;
}

std::set<std::string> table_names(const Schema& s) {
  std::set<std::string> out;
  for (const Table& t : s.tables) out.insert(t.name);
  return out;
}

TEST(SchemaShuffle, KeepsEveryTableColumnKeyAndRowValue) {
  Schema original = shop();
  Schema shuffled = shuffle_schema(original, 7);
  EXPECT_EQ(shuffled.db_id, "shop");
  EXPECT_EQ(table_names(shuffled), table_names(original));
  for (const Table& table : shuffled.tables) {
    const Table* source = original.find_table(table.name);
    ASSERT_NE(source, nullptr);
    EXPECT_TRUE(table.create_sql.empty());  // the DDL follows the new order
    ASSERT_EQ(table.columns.size(), source->columns.size());
    ASSERT_EQ(table.sample_rows.size(), source->sample_rows.size());
    for (size_t c = 0; c < table.columns.size(); ++c) {
      auto at = source->find_column(table.columns[c].name);
      ASSERT_TRUE(at.has_value());
      EXPECT_EQ(table.columns[c].is_primary_key, source->columns[*at].is_primary_key);
      for (size_t r = 0; r < table.sample_rows.size(); ++r) EXPECT_EQ(table.sample_rows[r][c], source->sample_rows[r][*at]);
    }
  }
  ASSERT_EQ(shuffled.foreign_keys.size(), original.foreign_keys.size());
  std::set<std::string> keys;
  for (const ForeignKey& k : original.foreign_keys) keys.insert(k.from_table + k.from_column + k.to_table + k.to_column);
  for (const ForeignKey& k : shuffled.foreign_keys) EXPECT_TRUE(keys.contains(k.from_table + k.from_column + k.to_table + k.to_column));
}

TEST(SchemaShuffle, SeededAndActuallyReordered) {
  Schema original = shop();
  auto order = [](const Schema& s) {
    std::string out;
    for (const Table& t : s.tables) {
      out += t.name + ":";
      for (const Column& c : t.columns) out += c.name + ",";
    }
    return out;
  };
  EXPECT_EQ(order(shuffle_schema(original, 3)), order(shuffle_schema(original, 3)));
  std::set<std::string> seen;
  for (uint64_t seed = 0; seed < 8; ++seed) seen.insert(order(shuffle_schema(original, seed)));
  EXPECT_GT(seen.size(), 6u);  // 4! * 5!^4 orders: eight seeds do not collide
  EXPECT_FALSE(seen.contains(order(original)));
}

TEST(SftPrep, ShuffledSchemaCopiesRepeatTheExampleWithAnotherSchemaOrder) {
  TempDir dir;
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  PrepOptions options = compact_prep_options(4);
  options.shuffled_schema_copies = 2;
  PrepSummary summary = prepare_sft_dataset(corpus, options, dir.path() / "train.jsonl");
  EXPECT_EQ(summary.spider_records, 12u);
  EXPECT_EQ(summary.shuffled_records, 8u);
  std::vector<nlohmann::json> records;
  for_each_jsonl_record(dir.path() / "train.jsonl", [&](const nlohmann::json& record, int) { records.push_back(record); });
  ASSERT_EQ(records.size(), 12u);
  size_t reordered = 0;
  for (size_t i = 0; i < records.size(); i += 3) {
    const std::string original = records[i]["prompt"][0]["content"];
    EXPECT_EQ(records[i]["source"], "spider/train");
    for (size_t k = 1; k <= 2; ++k) {
      const nlohmann::json& copy = records[i + k];
      EXPECT_EQ(copy["source"], "spider/train/shuffled");
      EXPECT_EQ(copy["completion"], records[i]["completion"]);
      EXPECT_EQ(copy["db_id"], records[i]["db_id"]);
      const std::string text = copy["prompt"][0]["content"];
      // Same question line; the schema has the same tables, columns and keys, in another order.
      EXPECT_EQ(text.substr(text.rfind("\n-- ")), original.substr(original.rfind("\n-- ")));
      if (text != original) ++reordered;
      EXPECT_EQ(text.size(), original.size());
    }
  }
  EXPECT_GT(reordered, 4u);
  // The file is reproducible.
  prepare_sft_dataset(corpus, options, dir.path() / "again.jsonl");
  EXPECT_EQ(read_file(dir.path() / "train.jsonl"), read_file(dir.path() / "again.jsonl"));
  options.shuffled_schema_copies = -1;
  EXPECT_THROW(prepare_sft_dataset(corpus, options, dir.path() / "bad.jsonl"), Error);
}

}  // namespace
}  // namespace t2sql
