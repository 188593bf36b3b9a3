#include "data/synthetic_dataset.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "data/schema_serializer.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {
using testing_support::fixtures_dir;

using testing_support::error_of;

TEST(SyntheticDataset, LoadsJsonl) {
  auto records = load_synthetic_records(fixtures_dir() / "synthetic" / "synthetic_sample.jsonl");
  ASSERT_EQ(records.size(), 12u);
  EXPECT_EQ(records[0].id, "5000");
  EXPECT_EQ(records[0].domain, "agriculture");
  EXPECT_EQ(records[0].sql_prompt, "What is the total yield of corn in 2021?");
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[11].sql.rfind("UPDATE", 0), 0u);
}

TEST(SyntheticDataset, LoadsAJsonArrayWithTheSameRecords) {
  auto array = load_synthetic_records(fixtures_dir() / "synthetic" / "synthetic_sample.json");
  auto lines = load_synthetic_records(fixtures_dir() / "synthetic" / "synthetic_sample.jsonl");
  ASSERT_EQ(array.size(), 4u);
  for (size_t i = 0; i < array.size(); ++i) {
    EXPECT_EQ(array[i].sql_context, lines[i].sql_context);
    EXPECT_EQ(array[i].id, "synthetic_" + std::to_string(i));  // no id field: position
  }
}

TEST(SyntheticDataset, EveryFixtureContextBuildsASchema) {
  for (const auto& record :
       load_synthetic_records(fixtures_dir() / "synthetic" / "synthetic_sample.jsonl")) {
    Schema schema = schema_from_sql_context(record.sql_context, record.id);
    EXPECT_FALSE(schema.tables.empty()) << record.id;
    for (const Table& table : schema.tables)
      EXPECT_FALSE(table.sample_rows.empty()) << record.id << " " << table.name;
  }
}

TEST(SyntheticDataset, ContextSchemaHasKeysTypesAndRows) {
  auto records = load_synthetic_records(fixtures_dir() / "synthetic" / "synthetic_sample.jsonl");
  Schema schema = schema_from_sql_context(records[5].sql_context, "logistics", 2);
  ASSERT_EQ(schema.tables.size(), 2u);
  EXPECT_EQ(schema.tables[1].name, "shipments");
  EXPECT_EQ(schema.tables[1].columns[2].type, "REAL");
  EXPECT_TRUE(schema.tables[1].columns[0].is_primary_key);
  ASSERT_EQ(schema.foreign_keys.size(), 1u);
  EXPECT_EQ(schema.foreign_keys[0].to_table, "carriers");
  EXPECT_EQ(schema.tables[1].sample_rows.size(), 2u);
  SerializeOptions compact;
  compact.format = SchemaFormat::kCompact;
  EXPECT_EQ(serialize_schema(schema, compact).text,
            "carriers(carrier_id PRIMARY KEY, carrier_name)\n"
            "shipments(shipment_id PRIMARY KEY, carrier_id, weight_kg)\n"
            "FOREIGN KEY shipments.carrier_id REFERENCES carriers.carrier_id");
}

TEST(SyntheticDataset, AttachIsRefused) {
  auto records = load_synthetic_records(fixtures_dir() / "synthetic" / "attach.jsonl");
  ErrorCode code{};
  std::string message =
      error_of([&] { schema_from_sql_context(records[0].sql_context, "attach.jsonl:1"); }, &code);
  EXPECT_EQ(code, ErrorCode::kSql);
  EXPECT_NE(message.find("attach.jsonl:1"), std::string::npos) << message;
  EXPECT_NE(message.find("not authorized"), std::string::npos) << message;
  EXPECT_FALSE(std::filesystem::exists("/tmp/evil.db"));
}

TEST(SyntheticDataset, PragmaAndExtensionLoadingAreRefused) {
  EXPECT_NE(error_of([] {
              schema_from_sql_context("PRAGMA writable_schema = 1; CREATE TABLE t (a);", "p");
            }).find("not authorized"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              schema_from_sql_context("CREATE TABLE t (a); SELECT load_extension('x');", "p");
            }),
            "");
}

TEST(SyntheticDataset, BrokenContextNamesTheRecordAndSqliteMessage) {
  std::string message =
      error_of([] { schema_from_sql_context("CREATE TABLE t (a INT; INSERT", "file.jsonl:7"); });
  EXPECT_NE(message.find("file.jsonl:7"), std::string::npos) << message;
  EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
  EXPECT_NE(
      error_of([] { schema_from_sql_context("-- nothing", "empty"); }).find("defines no table"),
      std::string::npos);
}

TEST(SyntheticDataset, MissingFieldNamesLineAndField) {
  std::string message = error_of(
      [] { load_synthetic_records(fixtures_dir() / "synthetic" / "missing_field.jsonl"); });
  EXPECT_NE(message.find("missing_field.jsonl:1"), std::string::npos) << message;
  EXPECT_NE(message.find("'sql_context' is missing"), std::string::npos) << message;
}

TEST(SyntheticDataset, MalformedJsonlNamesTheLine) {
  ErrorCode code{};
  std::string message = error_of(
      [] { load_synthetic_records(fixtures_dir() / "synthetic" / "malformed.jsonl"); }, &code);
  EXPECT_EQ(code, ErrorCode::kParse);
  EXPECT_NE(message.find("malformed.jsonl"), std::string::npos) << message;
  EXPECT_NE(message.find("at line 2"), std::string::npos) << message;
}

TEST(SyntheticDataset, WrongTypeAndMissingFileAreErrors) {
  testing_support::TempDir dir;
  write_file_atomic(dir.path() / "bad.jsonl",
                    "{\"sql_prompt\": 3, \"sql_context\": \"x\", \"sql\": \"y\"}\n");
  EXPECT_NE(error_of([&] {
              load_synthetic_records(dir.path() / "bad.jsonl");
            }).find("'sql_prompt' is not a string"),
            std::string::npos);
  ErrorCode code{};
  error_of([&] { load_synthetic_records(dir.path() / "absent.jsonl"); }, &code);
  EXPECT_EQ(code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace t2sql
