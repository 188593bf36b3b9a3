#include "data/schema.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "data/spider_dataset.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {
using testing_support::TempDir;
using testing_support::vendored_spider_dir;

using testing_support::error_of;

TEST(Schema, TablesJsonHasAll166DatabasesWithKeys) {
  auto schemas = load_tables_json(vendored_spider_dir() / "tables.json");
  ASSERT_EQ(schemas.size(), 166u);
  const Schema& concert = schemas.at("concert_singer");
  ASSERT_EQ(concert.tables.size(), 4u);
  EXPECT_EQ(concert.tables[0].name, "stadium");
  EXPECT_EQ(concert.tables[0].columns[0].name, "Stadium_ID");
  EXPECT_EQ(concert.tables[0].columns[0].natural_name, "stadium id");
  EXPECT_EQ(concert.tables[0].columns[0].type, "number");
  EXPECT_TRUE(concert.tables[0].columns[0].is_primary_key);
  EXPECT_FALSE(concert.tables[0].columns[1].is_primary_key);
  ASSERT_FALSE(concert.foreign_keys.empty());
  EXPECT_NE(concert.find_table("SINGER"), nullptr);  // case-insensitive
  EXPECT_EQ(concert.find_table("nope"), nullptr);
}

// Every Spider database with a file: tables.json and the live file describe the same tables,
// columns (same order), primary keys and foreign keys, under the rules documented in schema.hpp.
TEST(Schema, TablesJsonAgreesWithEveryDatabaseFile) {
  const auto dir = vendored_spider_dir();
  auto schemas = load_tables_json(dir / "tables.json");
  size_t checked = 0, type_notes = 0;
  for (const auto& [db_id, expected] : schemas) {
    auto file = spider_database_file(dir / "database", db_id);
    if (!std::filesystem::exists(file)) continue;
    SqlSandbox sandbox(file);
    Schema live = introspect_sqlite_file(sandbox, db_id, 0);
    SchemaDifferences differences = compare_schemas(expected, live);
    EXPECT_TRUE(differences.structural.empty()) << db_id << ": " << differences.structural.front();
    for (const std::string& note : differences.types) {
      // The only type disagreement in Spider: 8 columns declared TEXT that tables.json calls
      // number.
      EXPECT_NE(note.find("tables.json says number, the database declares TEXT"), std::string::npos)
          << db_id << ": " << note;
    }
    type_notes += differences.types.size();
    ++checked;
  }
  EXPECT_EQ(checked, 166u);
  EXPECT_LE(type_notes, 8u);
}

TEST(Schema, IntrospectionReadsKeysDdlAndRows) {
  TempDir dir;
  auto file = dir.path() / "shop.sqlite";
  testing_support::make_sqlite_file(
      file,
      "CREATE TABLE customer (id INTEGER, name TEXT, PRIMARY KEY (id));"
      "CREATE TABLE \"order\" (order_id INT, customer_id INT REFERENCES customer, line INT, "
      "PRIMARY KEY (order_id, line));"
      "INSERT INTO customer VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy'), (4, 'Di');");
  SqlSandbox sandbox(file);
  Schema schema = introspect_sqlite_file(sandbox, "shop", 3);
  ASSERT_EQ(schema.tables.size(), 2u);
  EXPECT_EQ(schema.tables[0].create_sql,
            "CREATE TABLE customer (id INTEGER, name TEXT, PRIMARY KEY (id))");
  EXPECT_EQ(schema.tables[0].sample_rows.size(), 3u);
  EXPECT_EQ(schema.tables[1].name, "order");
  EXPECT_TRUE(schema.tables[1].columns[0].is_primary_key);
  EXPECT_TRUE(schema.tables[1].columns[2].is_primary_key);
  ASSERT_EQ(schema.foreign_keys.size(), 1u);
  // "REFERENCES customer" without a column resolves to customer's primary key.
  EXPECT_EQ(schema.foreign_keys[0].to_column, "id");
}

TEST(Schema, CompareReportsMissingTablesColumnsAndKeys) {
  Schema expected{
      "db",
      {Table{"a", "", {Column{"x", "", "number", true}, Column{"y", "", "text", false}}, "", {}}},
      {}};
  Schema live = expected;
  live.tables[0].columns[0].is_primary_key = false;
  live.tables[0].columns.pop_back();
  live.tables.push_back(Table{"extra", "", {}, "", {}});
  expected.foreign_keys.push_back({"a", "x", "a", "x"});
  SchemaDifferences d = compare_schemas(expected, live);
  ASSERT_EQ(d.structural.size(), 4u);
  EXPECT_NE(d.structural[0].find("primary key"), std::string::npos);
  EXPECT_NE(d.structural[1].find("a.y is in tables.json but not in the database"),
            std::string::npos);
  EXPECT_NE(d.structural[2].find("extra"), std::string::npos);
  EXPECT_NE(d.structural[3].find("foreign key"), std::string::npos);
}

TEST(Schema, SpiderTypeCategories) {
  EXPECT_EQ(spider_type_category("VARCHAR(20)"), "text");
  EXPECT_EQ(spider_type_category("int"), "number");
  EXPECT_EQ(spider_type_category("DECIMAL(10,2)"), "number");
  EXPECT_EQ(spider_type_category("datetime"), "time");
  EXPECT_EQ(spider_type_category("bool"), "boolean");
  EXPECT_EQ(spider_type_category("blob"), "others");
}

TEST(Schema, BadTablesJsonNamesEntryAndField) {
  TempDir dir;
  write_file_atomic(
      dir.path() / "t.json",
      R"([{"db_id": "x", "table_names_original": ["a"], "column_names_original": [[-1, "*"], [0, "c"]],
    "column_types": ["text", "number"], "primary_keys": [7], "foreign_keys": []}])");
  std::string message = error_of([&] { load_tables_json(dir.path() / "t.json"); });
  EXPECT_NE(message.find("entry 0 (db_id x) primary_keys[0]"), std::string::npos) << message;
  EXPECT_NE(message.find("out of range"), std::string::npos) << message;
  write_file_atomic(dir.path() / "u.json", "[{\"db_id\": \"x\"}]");
  EXPECT_NE(error_of([&] {
              load_tables_json(dir.path() / "u.json");
            }).find("'table_names_original' is missing"),
            std::string::npos);
  write_file_atomic(dir.path() / "v.json", "[\n{\"db_id\": }]");
  EXPECT_NE(error_of([&] { load_tables_json(dir.path() / "v.json"); }).find("line 2, column"),
            std::string::npos);
}

}  // namespace
}  // namespace t2sql
