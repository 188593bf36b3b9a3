#include "sql/schema_linking.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace t2sql {
namespace {

SchemaNames concert_schema() {
  return SchemaNames{{{"stadium", {"Stadium_ID", "Location", "Name", "Capacity"}},
                      {"singer", {"Singer_ID", "Name", "Country", "Song_Name", "Age"}},
                      {"concert", {"concert_ID", "concert_Name", "Theme", "Stadium_ID", "Year"}},
                      {"singer_in_concert", {"concert_ID", "Singer_ID"}}}};
}

const std::vector<std::pair<std::string, std::string>> kForeignKeys = {
    {"concert", "stadium"}, {"singer_in_concert", "singer"}, {"singer_in_concert", "concert"}};

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

TEST(NameWords, SplitsSnakeAndCamelCase) {
  EXPECT_EQ(name_words("singer_in_concert"), (std::vector<std::string>{"singer", "in", "concert"}));
  EXPECT_EQ(name_words("concertName ID"), (std::vector<std::string>{"concert", "name", "id"}));
  EXPECT_EQ(stem_word("countries"), "country");
  EXPECT_EQ(stem_word("Singers"), "singer");
  EXPECT_EQ(stem_word("class"), "class");
  EXPECT_EQ(stem_word("is"), "is");
}

TEST(SchemaLinking, LinksTablesColumnsAndBridges) {
  SchemaLinkingResult result =
      link_schema("Which singers performed in concerts of the year 2014?", concert_schema(), kForeignKeys, nullptr);
  EXPECT_TRUE(contains(result.kept_tables, "singer"));
  EXPECT_TRUE(contains(result.kept_tables, "concert"));
  // singer_in_concert links singer and concert.
  EXPECT_TRUE(contains(result.kept_tables, "singer_in_concert"));
  EXPECT_FALSE(contains(result.kept_tables, "stadium"));
  EXPECT_TRUE(result.linked_columns.count("concert.year"));
  // Every table is reported, best first.
  ASSERT_EQ(result.tables.size(), 4u);
  EXPECT_GE(result.tables[0].score, result.tables[3].score);
}

TEST(SchemaLinking, KeepsEverythingWhenNothingLinksOrPruningIsOff) {
  SchemaLinkingResult result = link_schema("¿Cuántos hay? 🎵", concert_schema(), kForeignKeys, nullptr);
  EXPECT_EQ(result.kept_tables.size(), 4u);
  SchemaLinkingOptions no_pruning;
  no_pruning.prune = false;
  EXPECT_EQ(link_schema("singer age", concert_schema(), kForeignKeys, nullptr, no_pruning).kept_tables.size(), 4u);
  EXPECT_EQ(link_schema("", concert_schema(), kForeignKeys, nullptr).kept_tables.size(), 4u);
}

TEST(SchemaLinking, MatchesCellValuesFromTheDatabase) {
  std::filesystem::path file = std::filesystem::path(T2SQL_TEST_SOURCE_DIR) / "data/spider/database/concert_singer/concert_singer.sqlite";
  SqlSandbox database(file);
  ValueIndex values = ValueIndex::build(database, concert_schema());
  EXPECT_GT(values.size(), 10u);
  std::vector<ValueIndex::Hit> hits = values.match("Show everyone from the Netherlands.");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].table, "singer");
  EXPECT_EQ(hits[0].column, "Country");
  EXPECT_EQ(hits[0].value, "Netherlands");
  SchemaLinkingResult result = link_schema("Who is from the Netherlands?", concert_schema(), kForeignKeys, &values);
  EXPECT_EQ(result.kept_tables, std::vector<std::string>{"singer"});
  EXPECT_TRUE(result.linked_columns.count("singer.country"));
  // Columns whose query fails (a schema that does not match the file) are skipped, not fatal.
  SchemaNames wrong{{{"no_such_table", {"x"}}}};
  EXPECT_EQ(ValueIndex::build(database, wrong).size(), 0u);
}

}  // namespace
}  // namespace t2sql
