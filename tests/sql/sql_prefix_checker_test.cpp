#include "sql/sql_prefix_checker.hpp"

#include <gtest/gtest.h>

#include <string>

namespace t2sql {
namespace {

SqlPrefixChecker concert_checker() {
  return SqlPrefixChecker(SchemaNames{{{"singer", {"Singer_ID", "Name", "Country", "Age"}},
                                       {"concert", {"concert_ID", "concert_Name", "Stadium_ID", "Year"}},
                                       {"singer_in_concert", {"concert_ID", "Singer_ID"}}}});
}

// Every prefix of a valid query is viable, and the whole query is complete.
void expect_all_prefixes_viable(const SqlPrefixChecker& checker, const std::string& query) {
  for (size_t n = 0; n <= query.size(); ++n) {
    PrefixVerdict verdict = checker.check(query.substr(0, n));
    ASSERT_TRUE(verdict.viable) << "prefix '" << query.substr(0, n) << "': " << verdict.reason;
  }
  EXPECT_TRUE(checker.check(query + " ").complete) << query;
  EXPECT_TRUE(checker.check(query + ";").complete) << query;
}

TEST(SqlPrefixChecker, AcceptsEveryPrefixOfSpiderQueries) {
  SqlPrefixChecker checker = concert_checker();
  for (const char* query : {
           "SELECT count(*) FROM singer",
           "SELECT name ,  country ,  age FROM singer ORDER BY age DESC",
           "SELECT avg(age) ,  min(age) ,  max(age) FROM singer WHERE country  =  'France'",
           "SELECT T2.concert_name FROM singer_in_concert AS T1 JOIN concert AS T2 ON T1.concert_id = T2.concert_id "
           "GROUP BY T1.concert_id HAVING count(*) >= 2",
           "select name from singer where singer_id not in (select singer_id from singer_in_concert)",
           "SELECT DISTINCT country FROM singer WHERE age > 20 AND name LIKE \"%a%\" LIMIT 3",
           "SELECT year FROM concert WHERE year BETWEEN 2014 AND 2015 INTERSECT SELECT year FROM concert",
           "SELECT T1.name, count(*) AS n FROM singer T1, singer_in_concert T2 WHERE T1.singer_id = T2.singer_id "
           "GROUP BY T1.name ORDER BY n",
           "SELECT name FROM singer WHERE age IS NOT NULL UNION SELECT concert_name FROM concert",
           "SELECT count(DISTINCT country) FROM singer WHERE age != 3 OR age <> 4 OR age <= -1",
           "SELECT * FROM (SELECT name FROM singer) AS sub",
       }) {
    expect_all_prefixes_viable(checker, query);
  }
}

TEST(SqlPrefixChecker, RejectsUnknownNamesAndBrokenGrammar) {
  SqlPrefixChecker checker = concert_checker();
  struct Case {
    const char* sql;
    const char* reason_part;
  };
  for (const Case& c : std::vector<Case>{
           {"SELECT name FROM singers ", "no table named 'singers'"},
           {"SELECT name FROM xyz", "no table starts"},
           {"SELECT nme FROM singer", "no column named 'nme'"},
           {"SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON T3.", "unknown table or alias 'T3'"},
           {"SELECT T9.name FROM singer AS T1 WHERE", "unknown table or alias 't9'"},
           {"SELECT singer.year FROM singer", "no column 'year' in 'singer'"},
           {"SELECT name FROM singer WHERE WHERE ", "unexpected keyword"},
           {"SELECT name FROM singer WHERE WHERE", "nothing starts with"},
           {"SELECT name FROM singer; SELECT", "text after ';'"},
           {"SELECT name FROM singer GROUP name", "expected by"},
           {"SELECT ? FROM singer", "unexpected character"},
           {"SELECT name FROM singer ORDER BY age DESC LIMIT 1 singer", "after the query"},
           {"SELECT ,", "unexpected ','"},
       }) {
    PrefixVerdict verdict = checker.check(c.sql);
    EXPECT_FALSE(verdict.viable) << c.sql;
    EXPECT_NE(verdict.reason.find(c.reason_part), std::string::npos) << c.sql << " -> " << verdict.reason;
  }
}

TEST(SqlPrefixChecker, UnfinishedTokens) {
  SqlPrefixChecker checker = concert_checker();
  EXPECT_TRUE(checker.check("SEL").viable);
  EXPECT_FALSE(checker.check("SELX").viable);
  EXPECT_TRUE(checker.check("SELECT name FROM sin").viable);
  // After FROM only table names may start: a column's prefix is not a table's.
  EXPECT_FALSE(checker.check("SELECT name FROM coun").viable);
  EXPECT_FALSE(checker.check("SELECT name FROM singer JOIN ag").viable);
  EXPECT_TRUE(checker.check("SELECT name FROM singer JOIN conc").viable);
  EXPECT_TRUE(checker.check("SELECT name FROM singer WHERE country = 'Fra").viable);
  EXPECT_TRUE(checker.check("SELECT name FROM singer WHERE age <").viable);
  EXPECT_TRUE(checker.check("SELECT name FROM singer WHERE age !").viable);
  EXPECT_FALSE(checker.check("SELECT name FROM singer WHERE age ! ").viable);
  // A complete query is complete only when its last word is finished.
  EXPECT_FALSE(checker.check("SELECT name FROM singer").complete);
  EXPECT_TRUE(checker.check("SELECT name FROM singer ").complete);
  EXPECT_FALSE(checker.check("SELECT name FROM singer WHERE").complete);
  // Alias qualifiers written before FROM defines them stay open until FROM is done.
  EXPECT_TRUE(checker.check("SELECT T1.name FROM singer").viable);
  EXPECT_FALSE(checker.check("SELECT T1.name FROM singer ").complete);
  EXPECT_TRUE(checker.check("SELECT T1.name FROM singer AS T1 ").complete);
  EXPECT_FALSE(checker.check("SELECT name FROM singer /* unfinished").viable);
  // Before FROM, only a short ASCII identifier may be a future alias.
  EXPECT_TRUE(checker.check("SELECT T1").viable);
  EXPECT_FALSE(checker.check("SELECT asiatVietเรียก").viable);
  EXPECT_FALSE(checker.check("SELECT averyveryverylongunknownword").viable);
  EXPECT_FALSE(checker.check("SELECT Market_of").viable);
  EXPECT_TRUE(checker.check("SELECT emp").viable);
  EXPECT_FALSE(checker.check("SELECT averyveryverylongunknownword.name").viable);
}

}  // namespace
}  // namespace t2sql
