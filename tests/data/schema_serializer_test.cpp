#include "data/schema_serializer.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "data/synthetic_dataset.hpp"

namespace t2sql {
namespace {

Schema sample_schema() {
  return schema_from_sql_context(
      "CREATE TABLE department (\r\n  id INT PRIMARY KEY,\r\n  name TEXT,\r\n  budget REAL\r\n);\n"
      "CREATE TABLE head (head_id INT PRIMARY KEY, name TEXT, age INT, dept INT REFERENCES "
      "department(id));\n"
      "INSERT INTO department VALUES (1, 'State', 9.96), (2, 'O''Neil', NULL), (3, 'x', 1e20), (4, "
      "'y', 0.5);\n"
      "INSERT INTO head VALUES (1, 'Tiger Woods', 67, 1);",
      "test", 3);
}

TEST(SchemaSerializer, CreateFormatIsDdlThenInsertRows) {
  SerializedSchema out = serialize_schema(sample_schema());
  EXPECT_EQ(out.text,
            "CREATE TABLE department (\n  id INT PRIMARY KEY,\n  name TEXT,\n  budget REAL\n);\n"
            "CREATE TABLE head (head_id INT PRIMARY KEY, name TEXT, age INT, dept INT REFERENCES "
            "department(id));\n"
            "INSERT INTO department VALUES(1,'State',9.96);\n"
            "INSERT INTO department VALUES(2,'O''Neil',NULL);\n"
            "INSERT INTO department VALUES(3,'x',1e+20);\n"
            "INSERT INTO head VALUES(1,'Tiger Woods',67,1);");
  EXPECT_EQ(out.sample_rows, 3);
  EXPECT_TRUE(out.fits);
  EXPECT_EQ(serialize_schema(sample_schema()).text, out.text);  // deterministic
}

TEST(SchemaSerializer, SampleRowCountIsConfigurable) {
  SerializeOptions options;
  options.sample_rows = 1;
  std::string text = serialize_schema(sample_schema(), options).text;
  EXPECT_NE(text.find("VALUES(1,'State',9.96);"), std::string::npos);
  EXPECT_EQ(text.find("O''Neil"), std::string::npos);
  options.sample_rows = 0;
  EXPECT_EQ(serialize_schema(sample_schema(), options).text.find("INSERT"), std::string::npos);
}

TEST(SchemaSerializer, CompactFormatListsKeys) {
  SerializeOptions options;
  options.format = SchemaFormat::kCompact;
  EXPECT_EQ(serialize_schema(sample_schema(), options).text,
            "department(id PRIMARY KEY, name, budget)\n"
            "head(head_id PRIMARY KEY, name, age, dept)\n"
            "FOREIGN KEY head.dept REFERENCES department.id");
}

TEST(SchemaSerializer, QualifiedFormatWritesEachColumnBesideItsTable) {
  SerializeOptions options;
  options.format = SchemaFormat::kQualified;
  options.sample_rows = 3;  // no rows in this format whatever is asked
  EXPECT_EQ(serialize_schema(sample_schema(), options).text,
            "department( department.id PRIMARY KEY, department.name, department.budget)\n"
            "head( head.head_id PRIMARY KEY, head.name, head.age, head.dept)\n"
            "FOREIGN KEY head.dept REFERENCES department.id");
  // Names that need quoting are quoted on both sides of the dot.
  Schema schema;
  Table table;
  table.name = "my table";
  Column column;
  column.name = "b c";
  table.columns.push_back(column);
  schema.tables.push_back(table);
  EXPECT_EQ(serialize_schema(schema, options).text, "\"my table\"( \"my table\".\"b c\")");
}

TEST(SchemaSerializer, BudgetDropsRowsFirstThenUnlinkedColumns) {
  const std::string full = serialize_schema(sample_schema()).text;
  SerializeOptions options;
  options.budget.max_chars = full.size() - 1;  // one row less must do
  SerializedSchema fewer_rows = serialize_schema(sample_schema(), options);
  EXPECT_EQ(fewer_rows.sample_rows, 2);
  EXPECT_EQ(fewer_rows.dropped_columns, 0u);
  EXPECT_TRUE(fewer_rows.fits);

  // Without stored DDL every CREATE is synthesized, so dropping a column always shortens it.
  Schema schema = sample_schema();
  for (Table& table : schema.tables) table.create_sql.clear();
  SerializeOptions no_rows;
  no_rows.sample_rows = 0;
  const std::string bare = serialize_schema(schema, no_rows).text;
  options.budget.max_chars = bare.size() - 1;  // rows are gone; columns must go too
  options.linked_columns = {"head.age"};
  SerializedSchema trimmed = serialize_schema(schema, options);
  EXPECT_TRUE(trimmed.fits);
  EXPECT_EQ(trimmed.sample_rows, 0);
  EXPECT_GE(trimmed.dropped_columns, 1u);
  EXPECT_LE(trimmed.text.size(), options.budget.max_chars);
  EXPECT_NE(trimmed.text.find("age"), std::string::npos);   // linked: kept
  EXPECT_NE(trimmed.text.find("dept"), std::string::npos);  // foreign key: kept

  options.budget.max_chars = 10;  // impossible: keys alone are longer
  SerializedSchema impossible = serialize_schema(sample_schema(), options);
  EXPECT_FALSE(impossible.fits);
  EXPECT_NE(impossible.text.find("PRIMARY KEY"), std::string::npos);
}

TEST(SchemaSerializer, TokenBudgetUsesTheCallback) {
  SerializeOptions options;
  options.budget.max_tokens = 40;
  options.budget.count_tokens = [](std::string_view text) {  // words as tokens
    size_t words = 0;
    bool in_word = false;
    for (char c : text) {
      bool space = c == ' ' || c == '\n';
      if (!space && !in_word) ++words;
      in_word = !space;
    }
    return words;
  };
  SerializedSchema out = serialize_schema(sample_schema(), options);
  EXPECT_TRUE(out.fits);
  EXPECT_LE(options.budget.count_tokens(out.text), 40u);
  EXPECT_LT(out.sample_rows, 3);
}

TEST(SchemaSerializer, LongValuesAreCutAtUtf8Boundaries) {
  EXPECT_EQ(insert_statement("t", {SqlValue{std::string("abcdef")}}, 3),
            "INSERT INTO t VALUES('abc...');");
  EXPECT_EQ(insert_statement("t", {SqlValue{std::string("\xc3\xa9\xc3\xa9")}}, 3),
            "INSERT INTO t VALUES('\xc3\xa9...');");
  EXPECT_EQ(insert_statement("my table", {SqlValue{SqlBlob{"\x01\x02"}}, SqlValue{int64_t{-4}}}, 0),
            "INSERT INTO \"my table\" VALUES(X'0102',-4);");
}

TEST(SchemaSerializer, TablesWithoutDdlGetASynthesizedCreate) {
  Schema schema{
      "db",
      {Table{"t", "", {Column{"a", "", "number", true}, Column{"b c", "", "text", false}}, "", {}}},
      {}};
  EXPECT_EQ(serialize_schema(schema).text,
            "CREATE TABLE t (\n  a number,\n  \"b c\" text,\n  PRIMARY KEY (a)\n);");
}

TEST(SchemaSerializer, FormatNames) {
  EXPECT_EQ(parse_schema_format("compact"), SchemaFormat::kCompact);
  EXPECT_EQ(parse_schema_format("qualified"), SchemaFormat::kQualified);
  for (SchemaFormat format : {SchemaFormat::kCreateTable, SchemaFormat::kCompact, SchemaFormat::kQualified})
    EXPECT_EQ(parse_schema_format(schema_format_name(format)), format);
  EXPECT_TRUE(has_sample_rows(SchemaFormat::kCreateTable));
  EXPECT_FALSE(has_sample_rows(SchemaFormat::kQualified));
  EXPECT_THROW(parse_schema_format("xml"), Error);
}

}  // namespace
}  // namespace t2sql
