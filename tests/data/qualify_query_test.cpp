#include "data/qualify_query.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/spider_corpus.hpp"
#include "sql/sandbox.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {

Schema concerts() {
  Schema schema;
  schema.db_id = "concert_singer";
  Table singer{"singer", "", {{"Singer_ID", "", "number", true}, {"Name", "", "text", false},
                              {"Country", "", "text", false}, {"Age", "", "number", false}}, "", {}};
  Table concert{"concert", "", {{"concert_ID", "", "number", true}, {"concert_Name", "", "text", false},
                                {"Stadium_ID", "", "text", false}, {"Year", "", "text", false}}, "", {}};
  Table in_concert{"singer_in_concert", "", {{"concert_ID", "", "number", true}, {"Singer_ID", "", "text", false}}, "", {}};
  schema.tables = {singer, concert, in_concert};
  schema.foreign_keys = {{"singer_in_concert", "Singer_ID", "singer", "Singer_ID"},
                         {"singer_in_concert", "concert_ID", "concert", "concert_ID"}};
  return schema;
}

std::string qualified(const std::string& sql) {
  auto out = qualify_query_columns(concerts(), sql);
  return out ? *out : "<kept>";
}

TEST(QualifyQuery, BareColumnsGetTheirTableInSchemaSpelling) {
  EXPECT_EQ(qualified("SELECT name , country , age FROM singer ORDER BY age DESC"),
            "SELECT singer.Name , singer.Country , singer.Age FROM singer ORDER BY singer.Age DESC");
  EXPECT_EQ(qualified("SELECT count(*) FROM SINGER"), "SELECT count(*) FROM singer");
  EXPECT_EQ(qualified("SELECT avg(age) , max(age) FROM singer WHERE country = 'France'"),
            "SELECT avg(singer.Age) , max(singer.Age) FROM singer WHERE singer.Country = 'France'");
}

TEST(QualifyQuery, AliasesBecomeTableNames) {
  EXPECT_EQ(qualified("SELECT T2.concert_name , count(*) FROM singer_in_concert AS T1 JOIN concert AS T2 "
                      "ON T1.concert_id = T2.concert_id GROUP BY T2.concert_id"),
            "SELECT concert.concert_Name , count(*) FROM singer_in_concert JOIN concert "
            "ON singer_in_concert.concert_ID = concert.concert_ID GROUP BY concert.concert_ID");
  // Lower-case keywords, and a bare column only one of the joined tables has.
  EXPECT_EQ(qualified("select name from singer as s join singer_in_concert as c on s.singer_id = c.singer_id"),
            "select singer.Name from singer join singer_in_concert on singer.Singer_ID = singer_in_concert.Singer_ID");
}

TEST(QualifyQuery, EachSelectBlockHasItsOwnFrom) {
  // The same alias names another table on each side of INTERSECT, and in the subquery.
  EXPECT_EQ(qualified("SELECT T1.name FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.singer_id = T2.singer_id "
                      "INTERSECT SELECT T1.name FROM singer AS T1 WHERE T1.age > 30"),
            "SELECT singer.Name FROM singer JOIN singer_in_concert ON singer.Singer_ID = singer_in_concert.Singer_ID "
            "INTERSECT SELECT singer.Name FROM singer WHERE singer.Age > 30");
  EXPECT_EQ(qualified("SELECT name FROM singer WHERE singer_id NOT IN (SELECT singer_id FROM singer_in_concert)"),
            "SELECT singer.Name FROM singer WHERE singer.Singer_ID NOT IN "
            "(SELECT singer_in_concert.Singer_ID FROM singer_in_concert)");
  EXPECT_EQ(qualified("SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)"),
            "SELECT singer.Name FROM singer WHERE singer.Age > (SELECT avg(singer.Age) FROM singer)");
}

TEST(QualifyQuery, ValuesAndSelfJoinsStayAsWritten) {
  // "Name" in double quotes is a Spider string value, not a column.
  EXPECT_EQ(qualified("SELECT age FROM singer WHERE name = \"Name\""),
            "SELECT singer.Age FROM singer WHERE singer.Name = \"Name\"");
  // Two copies of one table: the aliases are what tells them apart.
  const std::string self_join =
      "SELECT T1.name FROM singer AS T1 JOIN singer AS T2 ON T1.age = T2.age WHERE T1.singer_id != T2.singer_id";
  EXPECT_EQ(qualified(self_join), self_join);
}

TEST(QualifyQuery, ShapesItCannotRewriteAreRefused) {
  EXPECT_EQ(qualified("SELECT name FROM (SELECT * FROM singer)"), "<kept>");            // subquery in FROM
  EXPECT_EQ(qualified("SELECT name FROM singers"), "<kept>");                           // no such table
  EXPECT_EQ(qualified("SELECT T3.name FROM singer AS T1"), "<kept>");                   // unknown qualifier
  EXPECT_EQ(qualified("SELECT name FROM singer WHERE name = 'x"), "<kept>");            // does not lex
  EXPECT_EQ(qualified("SELECT name FROM singer WHERE (age > 3"), "<kept>");             // unbalanced
  EXPECT_EQ(qualified(""), "<kept>");
  // An alias without AS: SQLite reads it, the Spider parser does not, so the rewrite cannot be checked.
  EXPECT_EQ(qualified("SELECT name FROM singer s JOIN singer_in_concert c ON s.singer_id = c.singer_id"), "<kept>");
}

std::vector<std::string> sorted_rows(const QueryResult& result) {
  std::vector<std::string> rows;
  for (const auto& row : result.rows) {
    std::string text;
    for (const SqlValue& value : row) text += sql_value_to_string(value) + "\x1f";
    rows.push_back(std::move(text));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Every gold query of Spider dev and of the first 3,000 train examples: the rewrite keeps nearly
// all of them, and each rewritten query returns the rows of the original on the real database.
TEST(QualifyQuery, SpiderGoldQueriesReturnTheSameRows) {
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  size_t total = 0, rewritten = 0, with_alias = 0;
  for (SpiderSplit split : {SpiderSplit::kDev, SpiderSplit::kTrain}) {
    const auto& examples = corpus.examples(split);
    const size_t count = std::min<size_t>(examples.size(), 3000);
    for (size_t i = 0; i < count; ++i) {
      const SpiderExample& example = examples[i];
      ++total;
      auto out = qualify_query_columns(corpus.database_schema(example.db_id, split, 0), example.query);
      if (!out) continue;
      ++rewritten;
      if (example.query.find(" AS ") != std::string::npos || example.query.find(" as ") != std::string::npos)
        ++with_alias;
      SqlSandbox database(spider_database_file(corpus.layout().database_dir_for(split), example.db_id));
      const QueryOutcome before = database.run(example.query);
      const QueryOutcome after = database.run(*out);
      ASSERT_TRUE(after.ok()) << example.query << "\n  rewritten: " << *out << "\n  " << after.error;
      if (before.ok()) {
        EXPECT_EQ(sorted_rows(before.result), sorted_rows(after.result)) << example.query << "\n  rewritten: " << *out;
      }
    }
  }
  EXPECT_GE(rewritten * 100, total * 97) << rewritten << " of " << total;
  EXPECT_GE(with_alias, 500u);
}

}  // namespace
}  // namespace t2sql
