// The official process_sql.py tokenizer and parser, case by case (expected values were checked
// against the official code with Debian's python3-nltk).
#include "sql/spider_parser.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/paths.hpp"
#include "sql/sandbox.hpp"
#include "sql/spider_tokenizer.hpp"

namespace t2sql::spider {
namespace {

using Tokens = std::vector<std::string>;

TEST(SpiderTokenizer, KeepsQuotedValuesAndLowerCasesTheRest) {
  EXPECT_EQ(tokenize("SELECT Name FROM singer WHERE Country = 'France'"),
            (Tokens{"select", "name", "from", "singer", "where", "country", "=", "\"France\""}));
  EXPECT_EQ(tokenize("SELECT count(*) FROM t"), (Tokens{"select", "count", "(", "*", ")", "from", "t"}));
}

TEST(SpiderTokenizer, MergesComparisonOperators) {
  EXPECT_EQ(tokenize("a != 1 and b >= 2 and c <= 3"),
            (Tokens{"a", "!=", "1", "and", "b", ">=", "2", "and", "c", "<=", "3"}));
  // "<>" is padded into two tokens and never merged.
  EXPECT_EQ(tokenize("a <> 1"), (Tokens{"a", "<", ">", "1"}));
}

TEST(SpiderTokenizer, NltkRulesWithoutSpaces) {
  // "=" is not a separator for NLTK: `a='x'` stays one token (and the official parser fails on it).
  EXPECT_EQ(tokenize("where a='x'"), (Tokens{"where", "a=__val_8_10__"}));
  // A comma before a digit is not split, before anything else it is.
  EXPECT_EQ(tokenize("select a,b from t where c in (1,2)"),
            (Tokens{"select", "a", ",", "b", "from", "t", "where", "c", "in", "(", "1,2", ")"}));
  EXPECT_EQ(tokenize("t1.name"), (Tokens{"t1.name"}));
  EXPECT_EQ(tokenize("select a from t."), (Tokens{"select", "a", "from", "t", "."}));
  EXPECT_EQ(tokenize("cannot gonna"), (Tokens{"can", "not", "gon", "na"}));
  EXPECT_EQ(tokenize("x -- y ... z%"), (Tokens{"x", "--", "y", "...", "z", "%"}));
}

TEST(SpiderTokenizer, QuotesPairFromTheEndAndMustBalance) {
  EXPECT_EQ(tokenize("a = 'x' or b = \"y\""), (Tokens{"a", "=", "\"x\"", "or", "b", "=", "\"y\""}));
  // An apostrophe inside a value makes the count odd.
  EXPECT_THROW(tokenize("a = \"it's\""), Error);
  try {
    tokenize("a = 'x");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "AssertionError: Unexpected quote");
  }
}

TEST(SpiderTokenizer, PythonStripAndLower) {
  EXPECT_EQ(python_strip("  \t x y \r\n"), "x y");
  EXPECT_EQ(python_lower("ÉCOLE Name"), "école name");
}

class SpiderParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SqlSandbox database(default_spider_dir() / "database" / "concert_singer" / "concert_singer.sqlite");
    schema_ = new SpiderSchema(SpiderSchema::from_database(database));
  }
  static void TearDownTestSuite() { delete schema_; }
  static std::string parse_error(const std::string& sql) {
    try {
      parse_spider_sql(*schema_, sql);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  static SpiderSchema* schema_;
};
SpiderSchema* SpiderParserTest::schema_ = nullptr;

TEST_F(SpiderParserTest, SchemaFromTheDatabase) {
  ASSERT_NE(schema_->find_table("singer"), nullptr);
  EXPECT_EQ(*schema_->id("*"), "__all__");
  EXPECT_EQ(*schema_->id("singer.name"), "__singer.name__");
  EXPECT_EQ(*schema_->id("singer"), "__singer__");
  EXPECT_EQ(schema_->id("singer.nope"), nullptr);
}

TEST_F(SpiderParserTest, SelectWithAggregatesAndWhere) {
  SpiderSql sql = parse_spider_sql(*schema_, "SELECT count(*), max(age) FROM singer WHERE age > 20 AND country = 'France'");
  ASSERT_EQ(sql.select.size(), 2u);
  EXPECT_EQ(sql.select[0].agg_id, 3);
  EXPECT_EQ(sql.select[0].val_unit.col_unit1.col_id, "__all__");
  EXPECT_EQ(sql.select[1].agg_id, 1);
  EXPECT_EQ(sql.select[1].val_unit.col_unit1.col_id, "__singer.age__");
  ASSERT_EQ(sql.where.size(), 3u);
  const auto& first = std::get<CondUnit>(sql.where[0]);
  EXPECT_EQ(first.op_id, 3);  // ">"
  EXPECT_EQ(std::get<double>(first.val1.value), 20.0);
  EXPECT_EQ(std::get<std::string>(sql.where[1]), "and");
  EXPECT_EQ(std::get<std::string>(std::get<CondUnit>(sql.where[2]).val1.value), "\"France\"");
  ASSERT_EQ(sql.from_tables.size(), 1u);
  EXPECT_EQ(sql.from_tables[0].table_id, "__singer__");
}

TEST_F(SpiderParserTest, JoinsAliasesAndSetOperations) {
  SpiderSql sql = parse_spider_sql(*schema_,
                                   "SELECT T2.name FROM singer_in_concert AS T1 JOIN singer AS T2 ON T1.singer_id = "
                                   "T2.singer_id GROUP BY T2.name ORDER BY count(*) DESC LIMIT 3 UNION SELECT name FROM singer");
  ASSERT_EQ(sql.from_tables.size(), 2u);
  ASSERT_EQ(sql.from_conds.size(), 1u);
  const auto& join = std::get<CondUnit>(sql.from_conds[0]);
  EXPECT_EQ(join.val_unit.col_unit1.col_id, "__singer_in_concert.singer_id__");
  EXPECT_EQ(std::get<ColUnit>(join.val1.value).col_id, "__singer.singer_id__");
  EXPECT_TRUE(sql.order_by.present);
  EXPECT_EQ(sql.order_by.direction, "desc");
  EXPECT_EQ(sql.order_by.units[0].col_unit1.agg_id, 3);
  EXPECT_EQ(sql.limit, std::optional<std::string>("3"));
  ASSERT_TRUE(sql.union_);
  EXPECT_EQ(sql.union_->select[0].val_unit.col_unit1.col_id, "__singer.name__");
}

TEST_F(SpiderParserTest, NestedQueriesInConditions) {
  SpiderSql sql = parse_spider_sql(*schema_, "SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)");
  const auto& cond = std::get<CondUnit>(sql.where[0]);
  ASSERT_NE(cond.val1.sql(), nullptr);
  EXPECT_EQ(cond.val1.sql()->select[0].agg_id, 5);
}

TEST_F(SpiderParserTest, FailuresAreThoseOfTheOfficialParser) {
  EXPECT_EQ(parse_error("SELECT nope FROM singer"), "AssertionError: Error col: nope");
  EXPECT_EQ(parse_error("SELECT name FROM nowhere"), "KeyError: 'nowhere'");
  EXPECT_EQ(parse_error(""), "IndexError: list index out of range");
  EXPECT_EQ(parse_error("SELECT name"), "AssertionError: 'from' not found");
  // Column aliases are not understood by the official parser.
  EXPECT_EQ(parse_error("SELECT count(*) AS n FROM singer"), "AssertionError: Error col: as");
  // An alias named like a table.
  EXPECT_EQ(parse_error("SELECT T1.name FROM singer AS concert"), "AssertionError: Alias concert has the same name in table");
  EXPECT_EQ(parse_error("SELECT name FROM singer LIMIT x"),
            "ValueError: invalid literal for int() with base 10: 'x'");
  // Values glued to "=" form one token.
  EXPECT_EQ(parse_error("SELECT name FROM singer WHERE age=1"), "AssertionError: Error col: age=1");
}

TEST_F(SpiderParserTest, TrailingTokensAreIgnoredLikeTheOfficialParser) {
  EXPECT_EQ(parse_error("SELECT name FROM singer ; garbage here"), "");
  EXPECT_EQ(parse_error("SELECT name FROM singer;;"), "");
}

}  // namespace
}  // namespace t2sql::spider
