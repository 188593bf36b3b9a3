#include "sql/postprocess.hpp"

#include <gtest/gtest.h>

#include "sql/sql_lexer.hpp"

namespace t2sql {
namespace {

SchemaNames concert_schema() {
  return SchemaNames{{{"singer", {"Singer_ID", "Name", "Country", "Age"}},
                      {"concert", {"concert_ID", "concert_Name", "Stadium_ID", "Year"}},
                      {"singer_in_concert", {"concert_ID", "Singer_ID"}},
                      {"Track Info", {"id", "title"}}}};
}

TEST(Levenshtein, CountsEditsIgnoringCase) {
  EXPECT_EQ(levenshtein_distance("singers", "singer"), 1u);
  EXPECT_EQ(levenshtein_distance("SINGER", "singer"), 0u);
  EXPECT_EQ(levenshtein_distance("", "abc"), 3u);
  EXPECT_EQ(levenshtein_distance("kitten", "sitting"), 3u);
}

TEST(CutAtSemicolon, KeepsSemicolonsInsideStringsAndNames) {
  EXPECT_EQ(cut_at_first_semicolon("SELECT 1; DROP TABLE x;"), "SELECT 1");
  EXPECT_EQ(cut_at_first_semicolon("SELECT * FROM t WHERE a = 'x;y'; junk"), "SELECT * FROM t WHERE a = 'x;y'");
  EXPECT_EQ(cut_at_first_semicolon("SELECT \"a;b\" FROM t;"), "SELECT \"a;b\" FROM t");
  EXPECT_EQ(cut_at_first_semicolon("SELECT 'it''s;' FROM t"), "SELECT 'it''s;' FROM t");
  EXPECT_EQ(cut_at_first_semicolon("no semicolon"), "no semicolon");
}

TEST(Postprocess, RestoresSelectAndCuts) {
  PostprocessResult result = postprocess_sql(" count(*) FROM singer;\nSELECT 2;", concert_schema());
  EXPECT_EQ(result.sql, "SELECT count(*) FROM singer");
  EXPECT_TRUE(result.replacements.empty());
  EXPECT_EQ(postprocess_sql("select name from singer", concert_schema()).sql, "select name from singer");
  EXPECT_EQ(postprocess_sql("SeLeCt 1", {}).sql, "SeLeCt 1");
  // "selection" starts with "select": the reference's test is a plain prefix test.
  EXPECT_EQ(postprocess_sql("name FROM singer", concert_schema()).sql, "SELECT name FROM singer");
  EXPECT_EQ(postprocess_sql("", concert_schema()).sql, "SELECT");
}

TEST(Postprocess, ReplacesUnknownTablesByNearest) {
  PostprocessResult result =
      postprocess_sql("SELECT T1.Name FROM singers AS T1 JOIN singer_in_concerts AS T2 ON T1.Singer_ID = T2.Singer_ID",
                      concert_schema());
  EXPECT_EQ(result.sql,
            "SELECT T1.Name FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.Singer_ID = T2.Singer_ID");
  ASSERT_EQ(result.replacements.size(), 2u);
  EXPECT_EQ(result.replacements[0], "singers -> singer");
  // A comma-separated FROM list, a quoted name, and a table whose name needs quotes.
  EXPECT_EQ(postprocess_sql("SELECT * FROM concerts, \"singer\" WHERE 1", concert_schema()).sql,
            "SELECT * FROM concert, \"singer\" WHERE 1");
  EXPECT_EQ(postprocess_sql("SELECT title FROM TrackInfo", concert_schema()).sql, "SELECT title FROM \"Track Info\"");
  EXPECT_EQ(postprocess_sql("SELECT title FROM [Track Info]", concert_schema()).sql, "SELECT title FROM [Track Info]");
}

TEST(Postprocess, LeavesSubqueriesStringsAndCaseAlone) {
  const char* query = "SELECT name FROM (SELECT name FROM SINGER) WHERE name = 'from singers'";
  EXPECT_EQ(postprocess_sql(query, concert_schema()).sql, query);
  EXPECT_EQ(postprocess_sql("SELECT * FROM singer WHERE Country = \"Frnace\"", concert_schema()).sql,
            "SELECT * FROM singer WHERE Country = \"Frnace\"");
}

TEST(Postprocess, FixesColumnsOnlyWhenAsked) {
  const char* query = "SELECT T1.nam, agee AS years FROM singer AS T1 ORDER BY years";
  EXPECT_EQ(postprocess_sql(query, concert_schema()).sql, query);
  PostprocessOptions options;
  options.fix_columns = true;
  PostprocessResult result = postprocess_sql(query, concert_schema(), options);
  EXPECT_EQ(result.sql, "SELECT T1.Name, Age AS years FROM singer AS T1 ORDER BY years");
  // Functions, aliases, tables and known columns (any case) are kept.
  const char* fine = "SELECT count(*), max(age) FROM singer AS s WHERE s.country = 'x' GROUP BY s.NAME";
  EXPECT_EQ(postprocess_sql(fine, concert_schema(), options).sql, fine);
}

TEST(Postprocess, FlattensWhitespaceAndCommentsOutsideStrings) {
  EXPECT_EQ(postprocess_sql("SELECT name\n  FROM singer -- all of them\n WHERE name = 'a  b'", concert_schema()).sql,
            "SELECT name FROM singer WHERE name = 'a  b'");
  PostprocessOptions options;
  options.single_line = false;
  EXPECT_EQ(postprocess_sql("SELECT name\nFROM singer", concert_schema(), options).sql, "SELECT name\nFROM singer");
  // Bytes the lexer does not know are kept, not lost.
  EXPECT_EQ(postprocess_sql("SELECT ? FROM singer", concert_schema()).sql, "SELECT ? FROM singer");
}

TEST(Postprocess, StepsCanBeSwitchedOff) {
  PostprocessOptions off;
  off.cut_at_semicolon = false;
  off.restore_select = false;
  off.fix_tables = false;
  EXPECT_EQ(postprocess_sql("name FROM singers; x", concert_schema(), off).sql, "name FROM singers; x");
}

TEST(SqlLexer, MarksUnfinishedTokens) {
  SqlLexResult lexed = lex_sql("SELECT 'abc");
  ASSERT_EQ(lexed.tokens.size(), 2u);
  EXPECT_TRUE(lexed.tokens[0].complete);
  EXPECT_FALSE(lexed.tokens[1].complete);
  EXPECT_EQ(lexed.tokens[1].kind, SqlTokenKind::kString);
  lexed = lex_sql("a >= 1.5e3 <");
  ASSERT_EQ(lexed.tokens.size(), 4u);
  EXPECT_EQ(lexed.tokens[1].text, ">=");
  EXPECT_EQ(lexed.tokens[2].kind, SqlTokenKind::kNumber);
  EXPECT_EQ(lexed.tokens[2].text, "1.5e3");
  EXPECT_FALSE(lexed.tokens[3].complete);
  EXPECT_FALSE(lex_sql("sel").tokens[0].complete);
  EXPECT_TRUE(lex_sql("sel ").tokens[0].complete);
  EXPECT_EQ(lex_sql("\"a\"\"b\"").tokens[0].name(), "a\"b");
  EXPECT_EQ(lex_sql("[a b]").tokens[0].name(), "a b");
  EXPECT_TRUE(lex_sql("/* open").unterminated_comment);
  EXPECT_EQ(lex_sql("a ? b").invalid_offsets, std::vector<size_t>{2});
}

}  // namespace
}  // namespace t2sql
