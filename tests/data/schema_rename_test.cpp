#include "data/schema_rename.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "common/ascii.hpp"
#include "data/spider_corpus.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {

namespace fs = std::filesystem;
using testing_support::TempDir;

TEST(SchemaRename, RespellingsKeepTheWords) {
  EXPECT_EQ(respell_name("Singer_ID", 0), "singer_id");
  EXPECT_EQ(respell_name("Singer_ID", 1), "SingerId");
  EXPECT_EQ(respell_name("Singer_ID", 2), "singerId");
  EXPECT_EQ(respell_name("Singer_ID", 3), "SINGER_ID");
  EXPECT_EQ(respell_name("Singer_ID", 4), "singerid");
  EXPECT_EQ(respell_name("songReleaseYear", 0), "song_release_year");
  EXPECT_EQ(respell_name("Budget in Billions", 1), "BudgetInBillions");
  EXPECT_EQ(respell_name("age", 3), "AGE");
}

Schema shop() {
  Schema schema;
  schema.db_id = "shop";
  Table customer{"customer", "", {{"customer_id", "", "number", true}, {"Name", "", "text", false}}, "CREATE ...", {}};
  Table order{"order_item", "", {{"item_id", "", "number", true}, {"customer_id", "", "number", false},
                                  {"name", "", "text", false}, {"count", "", "number", false}}, "", {}};
  schema.tables = {customer, order};
  schema.foreign_keys = {{"order_item", "customer_id", "customer", "customer_id"}};
  return schema;
}

TEST(SchemaRename, SchemaAndQueryChangeTogether) {
  const std::string sql =
      "SELECT T1.Name, count(*) FROM customer AS T1 JOIN order_item AS T2 ON T1.customer_id = T2.customer_id "
      "WHERE T2.name = 'customer' GROUP BY T1.customer_id";
  std::set<std::string> spellings;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto renamed = rename_schema_and_query(shop(), sql, seed);
    ASSERT_TRUE(renamed) << seed;
    const Schema& schema = renamed->schema;
    ASSERT_EQ(schema.tables.size(), 2u);
    EXPECT_TRUE(schema.tables[0].create_sql.empty());
    const std::string& customer = schema.tables[0].name;
    const std::string& customer_id = schema.tables[0].columns[0].name;
    spellings.insert(customer_id);
    // One name, one spelling: the same column in two tables, the foreign key and the query agree.
    EXPECT_EQ(schema.tables[1].columns[1].name, customer_id);
    EXPECT_EQ(schema.foreign_keys[0].to_table, customer);
    EXPECT_EQ(schema.foreign_keys[0].from_column, customer_id);
    EXPECT_NE(renamed->sql.find("FROM " + customer + " AS T1"), std::string::npos) << renamed->sql;
    EXPECT_NE(renamed->sql.find("T1." + customer_id + " = T2." + customer_id), std::string::npos) << renamed->sql;
    // Values, aliases, functions and keywords stay; "count" (a keyword) keeps its spelling.
    EXPECT_NE(renamed->sql.find("= 'customer'"), std::string::npos);
    EXPECT_NE(renamed->sql.find("count(*)"), std::string::npos);
    EXPECT_EQ(schema.tables[1].columns[3].name, "count");
  }
  EXPECT_GE(spellings.size(), 3u);  // the seed changes the spelling
  // A query that quotes a name of the schema is not rewritten (Spider writes values that way).
  EXPECT_FALSE(rename_schema_and_query(shop(), "SELECT \"Name\" FROM customer", 1));
  EXPECT_FALSE(rename_schema_and_query(shop(), "SELECT name FROM nowhere", 1));  // does not resolve
}

// Runs `sql` and returns its rows as sorted text lines.
std::vector<std::string> rows_of(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* statement = nullptr;
  std::vector<std::string> rows;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) return {"error: " + sql};
  while (sqlite3_step(statement) == SQLITE_ROW) {
    std::string row;
    for (int c = 0; c < sqlite3_column_count(statement); ++c) {
      const unsigned char* text = sqlite3_column_text(statement, c);
      row += (text ? reinterpret_cast<const char*>(text) : "NULL") + std::string("|");
    }
    rows.push_back(row);
  }
  sqlite3_finalize(statement);
  std::sort(rows.begin(), rows.end());
  return rows;
}

bool exec(sqlite3* db, const std::string& sql) { return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK; }

// Renames the tables and columns of `db` from `from`'s names to `to`'s (same tables and columns,
// in the same order) with ALTER TABLE; false when SQLite refuses one.
bool rename_database(sqlite3* db, const Schema& from_schema, const Schema& to_schema) {
  exec(db, "PRAGMA foreign_keys = OFF; PRAGMA legacy_alter_table = OFF;");
  bool altered = true;
  for (size_t t = 0; t < from_schema.tables.size() && altered; ++t) {
    const std::string& from = from_schema.tables[t].name;
    const std::string& to = to_schema.tables[t].name;
    for (size_t c = 0; c < from_schema.tables[t].columns.size() && altered; ++c) {
      const std::string& column = from_schema.tables[t].columns[c].name;
      const std::string& new_column = to_schema.tables[t].columns[c].name;
      if (column == new_column) continue;
      // Through a temporary name: SQLite refuses a rename that changes only the case.
      altered = exec(db, "ALTER TABLE \"" + from + "\" RENAME COLUMN \"" + column + "\" TO \"tmp_rename\"") &&
                exec(db, "ALTER TABLE \"" + from + "\" RENAME COLUMN \"tmp_rename\" TO \"" + new_column + "\"");
    }
    if (altered && from != to)
      altered = exec(db, "ALTER TABLE \"" + from + "\" RENAME TO \"tmp_rename_table\"") &&
                exec(db, "ALTER TABLE \"tmp_rename_table\" RENAME TO \"" + to + "\"");
  }
  return altered;
}

// The proof that a renamed copy is still a correct example: on a copy of the database whose
// tables and columns are renamed with ALTER TABLE, the rewritten query returns exactly the rows
// the original query returns on the original database.
TEST(SchemaRename, RewrittenQueriesReturnTheSameRowsOnARenamedDatabase) {
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  TempDir dir;
  std::map<std::string, std::vector<const SpiderExample*>> by_db;  // 6 examples of 25 databases
  for (const SpiderExample& example : corpus.examples(SpiderSplit::kTrain)) {
    auto& examples = by_db[example.db_id];
    if (examples.size() < 6 && (by_db.size() <= 25 || !examples.empty())) examples.push_back(&example);
    if (examples.empty()) by_db.erase(example.db_id);
  }
  int compared = 0;
  for (const auto& [db_id, examples] : by_db) {
    const Schema& schema = corpus.database_schema(db_id, SpiderSplit::kTrain, 0);
    const uint64_t seed = 1000 + examples.front()->index;  // one renaming per database
    auto first = rename_schema_and_query(schema, examples.front()->query, seed);
    if (!first) continue;
    const fs::path original_file = testing_support::vendored_spider_dir() / "database" / db_id / (db_id + ".sqlite");
    const fs::path copy = dir.path() / (db_id + ".sqlite");
    fs::copy_file(original_file, copy, fs::copy_options::overwrite_existing);
    sqlite3* original = nullptr;
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(original_file.c_str(), &original, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
    const bool altered = rename_database(db, schema, first->schema);
    for (const SpiderExample* example : examples) {
      auto renamed = rename_schema_and_query(schema, example->query, seed);
      if (!altered || !renamed) continue;
      bool same_renaming = true;  // a query's own aliases can steer a name to another spelling
      for (size_t t = 0; t < schema.tables.size(); ++t) {
        same_renaming = same_renaming && renamed->schema.tables[t].name == first->schema.tables[t].name;
        for (size_t c = 0; c < schema.tables[t].columns.size(); ++c)
          same_renaming = same_renaming && renamed->schema.tables[t].columns[c].name == first->schema.tables[t].columns[c].name;
      }
      if (!same_renaming) continue;
      EXPECT_EQ(rows_of(db, renamed->sql), rows_of(original, example->query))
          << db_id << ": " << example->query << "\n  renamed: " << renamed->sql;
      ++compared;
    }
    sqlite3_close(db);
    sqlite3_close(original);
  }
  EXPECT_GE(compared, 100);
}

TEST(SchemaWordSubstitution, QuestionWordsFollowTheirReplacementsWithPluralsAndCase) {
  const std::map<std::string, std::string> words = {{"singer", "harbor"}, {"city", "ferry"}, {"box", "fox"},
                                                    {"status", "tax"}, {"concert", "finances"}};
  EXPECT_EQ(substitute_question_words("How many Singers live in cities? SINGER boxes, status of a concert's concerts.", words),
            "How many Harbors live in ferries? HARBOR foxes, tax of a finances's finances.");
  // Whole words only: "singers" inside "singersong" or "concerto" stays.
  EXPECT_EQ(substitute_question_words("singersong concerto", words), "singersong concerto");
  EXPECT_EQ(substitute_question_words("", words), "");
}

TEST(SchemaWordSubstitution, PoolHoldsAlphabeticNameWordsOnly) {
  Schema a = shop();
  Schema b;
  b.tables = {Table{"Flight_Legs", "", {{"order", "", "text", false}, {"x2_code", "", "text", false},
                                        {"AirportName", "", "text", false}, {"is_for_sale", "", "text", false}}, "", {}}};
  const std::vector<std::string> pool = name_word_pool({&a, &b});
  // Sorted, unique, lower-case; no keyword (order, count), no short word (id, x2, is), no function word (for).
  EXPECT_EQ(pool, (std::vector<std::string>{"airport", "code", "customer", "flight", "item", "legs", "name", "sale"}));
}

TEST(SchemaWordSubstitution, SchemaQueryAndQuestionChangeTogether) {
  const std::string sql =
      "SELECT T1.Name, count(*) FROM customer AS T1 JOIN order_item AS T2 ON T1.customer_id = T2.customer_id "
      "WHERE T2.name = 'Widget box' GROUP BY T1.customer_id";
  const std::string question = "For each customer, how many order items named Widget box do they have? Give names.";
  const std::vector<std::string> pool = {"harbor", "ferry", "lens", "planet", "window", "tunnel", "garden",
                                         "bridge", "anchor", "river", "castle", "meadow", "item", "widget"};
  std::set<std::string> customer_spellings;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto result = substitute_schema_words(shop(), sql, question, pool, seed);
    ASSERT_TRUE(result) << seed;
    const Schema& schema = result->schema;
    const std::string& customer = schema.tables[0].name;
    const std::string& customer_id = schema.tables[0].columns[0].name;
    const std::string& name = schema.tables[1].columns[2].name;
    customer_spellings.insert(customer);
    // Every substituted word comes from the pool; "id" stays; one word has one replacement
    // throughout (customer -> X gives X and X_id); the order of "order_item": "order" is a keyword.
    EXPECT_TRUE(std::find(pool.begin(), pool.end(), customer) != pool.end()) << customer;
    EXPECT_EQ(customer_id, customer + "_id");
    EXPECT_EQ(schema.tables[1].columns[1].name, customer_id);
    EXPECT_EQ(schema.foreign_keys[0].to_table, customer);
    EXPECT_EQ(schema.tables[0].columns[1].name.size() > 0 && std::isupper(static_cast<unsigned char>(schema.tables[0].columns[1].name[0])), true)
        << "Name keeps its capital";
    EXPECT_EQ(name, schema.tables[0].columns[1].name);  // Name and name: one name, one spelling
    EXPECT_TRUE(schema.tables[1].name.starts_with("order_")) << schema.tables[1].name;
    EXPECT_EQ(schema.tables[1].columns[3].name, "count");
    // A replacement is never a word of the question or of the schema, and never "widget" (a value word).
    EXPECT_NE(customer, "item");
    EXPECT_NE(customer, "widget");
    // The query and the question follow.
    EXPECT_NE(result->sql.find("FROM " + customer + " AS T1"), std::string::npos) << result->sql;
    EXPECT_NE(result->sql.find("T1." + customer_id + " = T2." + customer_id), std::string::npos) << result->sql;
    EXPECT_NE(result->sql.find("= 'Widget box'"), std::string::npos) << result->sql;
    EXPECT_EQ(result->question.find("customer"), std::string::npos) << result->question;
    EXPECT_NE(result->question.find("For each " + customer + ","), std::string::npos) << result->question;
    EXPECT_NE(result->question.find("named Widget box"), std::string::npos) << result->question;
  }
  EXPECT_GE(customer_spellings.size(), 5u);  // the seed changes the word
  EXPECT_FALSE(substitute_schema_words(shop(), "SELECT \"Name\" FROM customer", "q", pool, 1));
  EXPECT_FALSE(substitute_schema_words(shop(), "SELECT name FROM nowhere", "q", pool, 1));
  EXPECT_FALSE(substitute_schema_words(shop(), "SELECT name FROM customer", "q", {}, 1));  // no words to draw
}

// As for the respelled copies: each substituted query, on a copy of its database renamed the same
// way with ALTER TABLE, returns exactly the rows of the original query on the original database.
TEST(SchemaWordSubstitution, RewrittenQueriesReturnTheSameRowsOnARenamedDatabase) {
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  TempDir dir;
  std::map<std::string, std::vector<const SpiderExample*>> by_db;  // 4 examples of 25 databases
  for (const SpiderExample& example : corpus.examples(SpiderSplit::kTrain)) {
    auto& examples = by_db[example.db_id];
    if (examples.size() < 4 && (by_db.size() <= 25 || !examples.empty())) examples.push_back(&example);
    if (examples.empty()) by_db.erase(example.db_id);
  }
  std::vector<const Schema*> schemas;
  for (const auto& [db_id, schema] : corpus.table_schemas(SpiderSplit::kTrain)) schemas.push_back(&schema);
  const std::vector<std::string> pool = name_word_pool(schemas);
  ASSERT_GT(pool.size(), 1000u);
  int compared = 0, substituted_words = 0;
  for (const auto& [db_id, examples] : by_db) {
    const Schema& schema = corpus.database_schema(db_id, SpiderSplit::kTrain, 0);
    const fs::path original_file = testing_support::vendored_spider_dir() / "database" / db_id / (db_id + ".sqlite");
    sqlite3* original = nullptr;
    ASSERT_EQ(sqlite3_open_v2(original_file.c_str(), &original, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    for (const SpiderExample* example : examples) {
      auto result = substitute_schema_words(schema, example->query, example->question, pool, 7000 + example->index);
      if (!result) continue;
      const fs::path copy = dir.path() / (db_id + ".sqlite");
      fs::copy_file(original_file, copy, fs::copy_options::overwrite_existing);
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(copy.c_str(), &db), SQLITE_OK);
      if (rename_database(db, schema, result->schema)) {
        EXPECT_EQ(rows_of(db, result->sql), rows_of(original, example->query))
            << db_id << ": " << example->query << "\n  substituted: " << result->sql;
        ++compared;
        if (result->question != example->question) ++substituted_words;
      }
      sqlite3_close(db);
    }
    sqlite3_close(original);
  }
  EXPECT_GE(compared, 80);
  EXPECT_GE(substituted_words, compared / 2);  // most questions mention a name's word
}

}  // namespace
}  // namespace t2sql
