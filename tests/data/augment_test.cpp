#include "data/augment.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <set>
#include <sstream>
#include <vector>

#include "common/file_io.hpp"
#include "common/hash.hpp"
#include "data/sft_prep.hpp"
#include "data/spider_corpus.hpp"
#include "test_helpers.hpp"

namespace t2sql {
namespace {

using testing_support::compact_prep_options;
using testing_support::TempDir;

// A two-table database with a foreign key, text and numeric columns, as tables.json describes it.
struct ShopFixture {
  TempDir dir;
  Schema schema;
  std::filesystem::path file;

  ShopFixture() {
    file = dir.path() / "shop.sqlite";
    testing_support::make_sqlite_file(file, R"(
      CREATE TABLE city (City_ID INTEGER PRIMARY KEY, Name TEXT, Population INTEGER);
      CREATE TABLE store (Store_ID INTEGER PRIMARY KEY, Store_Name TEXT, City_ID INTEGER, Sales REAL,
                          FOREIGN KEY (City_ID) REFERENCES city(City_ID));
      INSERT INTO city VALUES (1, 'Paris', 2100000), (2, 'Lyon', 510000), (3, 'Nice', 340000);
      INSERT INTO store VALUES (1, 'North Shop', 1, 10.5), (2, 'River Market', 1, 7.25), (3, 'Old Town', 2, 3.0),
                               (4, 'Harbor Store', 3, 12.0);
    )");
    schema.db_id = "shop";
    schema.tables = {
        Table{"city", "city", {{"City_ID", "city id", "number", true}, {"Name", "name", "text", false}, {"Population", "population", "number", false}}, {}, {}},
        Table{"store", "store", {{"Store_ID", "store id", "number", true}, {"Store_Name", "store name", "text", false},
                                 {"City_ID", "city id", "number", false}, {"Sales", "sales", "number", false}}, {}, {}},
    };
    schema.foreign_keys = {{"store", "City_ID", "city", "City_ID"}};
  }
};

TEST(Augment, EveryPairRunsReturnsRowsAndIsUnique) {
  ShopFixture shop;
  SqlSandbox database(shop.file);
  auto pairs = augment_database(shop.schema, database, SpiderSplit::kTrain, {40, 7});
  ASSERT_GE(pairs.size(), 30u);  // two small tables still fit most templates
  std::set<std::string> questions;
  bool join = false, count = false, where = false;
  for (const SpiderExample& pair : pairs) {
    EXPECT_EQ(pair.db_id, "shop");
    EXPECT_TRUE(questions.insert(pair.question).second) << pair.question;
    QueryOutcome outcome = database.run(pair.query);
    ASSERT_TRUE(outcome.ok()) << pair.query << ": " << outcome.error;
    EXPECT_FALSE(outcome.result.rows.empty()) << pair.query;
    join |= pair.query.find(" JOIN ") != std::string::npos;
    count |= pair.query.find("count(*)") != std::string::npos;
    where |= pair.query.find(" WHERE ") != std::string::npos;
    // Questions use the natural names, never the SQL spelling with underscores.
    EXPECT_EQ(pair.question.find("Store_Name"), std::string::npos) << pair.question;
  }
  EXPECT_TRUE(join);
  EXPECT_TRUE(count);
  EXPECT_TRUE(where);
}

TEST(Augment, SeededAndDeterministic) {
  ShopFixture shop;
  SqlSandbox database(shop.file);
  auto first = augment_database(shop.schema, database, SpiderSplit::kTrain, {20, 1});
  auto again = augment_database(shop.schema, database, SpiderSplit::kTrain, {20, 1});
  auto other = augment_database(shop.schema, database, SpiderSplit::kTrain, {20, 2});
  ASSERT_EQ(first.size(), again.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].question, again[i].question);
    EXPECT_EQ(first[i].query, again[i].query);
  }
  bool differs = first.size() != other.size();
  for (size_t i = 0; !differs && i < first.size(); ++i) differs = first[i].question != other[i].question;
  EXPECT_TRUE(differs);
}

TEST(Augment, NothingToNameGivesNoPairs) {
  ShopFixture shop;
  SqlSandbox database(shop.file);
  Schema unnamed = shop.schema;
  for (Table& table : unnamed.tables) table.natural_name.clear();
  EXPECT_TRUE(augment_database(unnamed, database, SpiderSplit::kTrain, {10, 1}).empty());
  EXPECT_TRUE(augment_database(shop.schema, database, SpiderSplit::kTrain, {0, 1}).empty());
}

TEST(Augment, ValuesWithQuotesOrWildcardsAreNotUsed) {
  TempDir dir;
  auto file = dir.path() / "q.sqlite";
  testing_support::make_sqlite_file(file, "CREATE TABLE t (a TEXT, b TEXT); INSERT INTO t VALUES ('it''s', 'x%y'), ('it''s', '50_50');");
  Schema schema;
  schema.db_id = "q";
  schema.tables = {Table{"t", "thing", {{"a", "alpha", "text", false}, {"b", "beta", "text", false}}, {}, {}}};
  SqlSandbox database(file);
  for (const SpiderExample& pair : augment_database(schema, database, SpiderSplit::kTrain, {30, 3})) {
    EXPECT_EQ(pair.query.find("it's"), std::string::npos) << pair.query;
    EXPECT_EQ(pair.query.find("x%y"), std::string::npos) << pair.query;
  }
}

// Students, courses and the enrollments that link them: the shapes of the extended templates.
struct SchoolFixture {
  TempDir dir;
  Schema schema;
  std::filesystem::path file;

  SchoolFixture() {
    file = dir.path() / "school.sqlite";
    testing_support::make_sqlite_file(file, R"(
      CREATE TABLE student (Student_ID INTEGER PRIMARY KEY, Name TEXT, Major TEXT, Age INTEGER);
      CREATE TABLE course (Course_ID INTEGER PRIMARY KEY, Title TEXT, Credits INTEGER);
      CREATE TABLE enrollment (Student_ID INTEGER, Course_ID INTEGER, Grade TEXT, Score INTEGER,
                               FOREIGN KEY (Student_ID) REFERENCES student(Student_ID),
                               FOREIGN KEY (Course_ID) REFERENCES course(Course_ID));
      INSERT INTO student VALUES (1, 'Ann', 'Math', 19), (2, 'Bob', 'Art', 22), (3, 'Cid', 'Math', 25), (4, 'Dee', 'Law', 21);
      INSERT INTO course VALUES (1, 'Algebra', 4), (2, 'Painting', 2), (3, 'Contracts', 3);
      INSERT INTO enrollment VALUES (1, 1, 'A', 91), (1, 2, 'B', 80), (2, 2, 'A', 95), (3, 1, 'C', 70), (3, 3, 'B', 84),
                                    (4, 3, 'A', 90), (1, 3, 'A', 88);
    )");
    schema.db_id = "school";
    schema.tables = {
        Table{"student", "student", {{"Student_ID", "student id", "number", true}, {"Name", "name", "text", false},
                                     {"Major", "major", "text", false}, {"Age", "age", "number", false}}, {}, {}},
        Table{"course", "course", {{"Course_ID", "course id", "number", true}, {"Title", "title", "text", false},
                                   {"Credits", "credits", "number", false}}, {}, {}},
        Table{"enrollment", "enrollment", {{"Student_ID", "student id", "number", false}, {"Course_ID", "course id", "number", false},
                                           {"Grade", "grade", "text", false}, {"Score", "score", "number", false}}, {}, {}},
    };
    schema.foreign_keys = {{"enrollment", "Student_ID", "student", "Student_ID"}, {"enrollment", "Course_ID", "course", "Course_ID"}};
  }
};

// The shapes only the extended set writes: two joins, HAVING over a join, set operations, a
// nested average, two conditions.
bool extended_shape(const std::string& query) {
  auto has = [&](const char* text) { return query.find(text) != std::string::npos; };
  return has(" AS T3 ") || has(" INTERSECT ") || has(" EXCEPT ") || has(" UNION ") || has("(SELECT avg(") ||
         (has(" JOIN ") && has(" HAVING ")) || (has(" AND ") && !has(" BETWEEN ")) || has(" OR ");
}

// Every pair runs on its database and returns rows, and no question is asked twice.
void expect_pairs_run_with_rows_once(const std::vector<SpiderExample>& pairs, const SqlSandbox& database) {
  std::set<std::string> questions;
  for (const SpiderExample& pair : pairs) {
    EXPECT_TRUE(questions.insert(pair.question).second) << pair.question;
    QueryOutcome outcome = database.run(pair.query);
    EXPECT_TRUE(outcome.ok()) << pair.query << ": " << outcome.error;
    EXPECT_FALSE(outcome.result.rows.empty()) << pair.query;
  }
}

TEST(Augment, ExtendedTemplatesWriteHarderShapesThatRunAndReturnRows) {
  SchoolFixture school;
  SqlSandbox database(school.file);
  auto pairs = augment_database(school.schema, database, SpiderSplit::kTrain, {200, 5, AugmentTemplates::kExtended});
  ASSERT_GE(pairs.size(), 150u);
  expect_pairs_run_with_rows_once(pairs, database);
  bool two_joins = false, set_operation = false, nested_average = false, join_having = false, two_conditions = false,
       join_superlative = false;
  for (const SpiderExample& pair : pairs) {
    auto has = [&](const char* text) { return pair.query.find(text) != std::string::npos; };
    two_joins |= has(" JOIN course AS T3 ON T2.Course_ID  =  T3.Course_ID");
    set_operation |= has(" INTERSECT ") || has(" EXCEPT ") || has(" UNION ");
    nested_average |= has("(SELECT avg(");
    join_having |= has(" JOIN ") && has(" HAVING count(*)");
    two_conditions |= has(" AND ") || has(" OR ");
    join_superlative |= has(" JOIN ") && has(" LIMIT 1");
  }
  EXPECT_TRUE(two_joins);
  EXPECT_TRUE(set_operation);
  EXPECT_TRUE(nested_average);
  EXPECT_TRUE(join_having);
  EXPECT_TRUE(two_conditions);
  EXPECT_TRUE(join_superlative);
}

TEST(Augment, BasicTemplatesKeepTheirShapesAndArePickedByDefault) {
  SchoolFixture school;
  SqlSandbox database(school.file);
  auto basic = augment_database(school.schema, database, SpiderSplit::kTrain, {200, 5});
  ASSERT_GE(basic.size(), 60u);
  for (const SpiderExample& pair : basic) EXPECT_FALSE(extended_shape(pair.query)) << pair.query;
  auto explicit_basic = augment_database(school.schema, database, SpiderSplit::kTrain, {200, 5, AugmentTemplates::kBasic});
  ASSERT_EQ(basic.size(), explicit_basic.size());
  for (size_t i = 0; i < basic.size(); ++i) EXPECT_EQ(basic[i].query, explicit_basic[i].query);
  EXPECT_EQ(parse_augment_templates("basic"), AugmentTemplates::kBasic);
  EXPECT_EQ(parse_augment_templates("extended"), AugmentTemplates::kExtended);
  try {
    parse_augment_templates("all");
    FAIL() << "an unknown template set was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("basic, extended or wide, not 'all'"), std::string::npos);
  }
}

// The select list of a query: "T1.Name ,  T1.Age" -> {"T1.Name", "T1.Age"}.
std::vector<std::string> select_columns(const std::string& query) {
  std::string list = query.substr(7, query.find(" FROM ") - 7);
  std::vector<std::string> columns;
  for (size_t start = 0;;) {
    size_t comma = list.find(" ,  ", start);
    columns.push_back(list.substr(start, comma - start));
    if (comma == std::string::npos) return columns;
    start = comma + 4;
  }
}

TEST(Augment, WideTemplatesAskForSeveralDifferentColumnsAndAgreeArticles) {
  SchoolFixture school;
  SqlSandbox database(school.file);
  auto pairs = augment_database(school.schema, database, SpiderSplit::kTrain, {300, 5, AugmentTemplates::kWide});
  ASSERT_GE(pairs.size(), 200u);
  expect_pairs_run_with_rows_once(pairs, database);
  int three_or_more = 0, joined_columns = 0, counted_per_group = 0, top_n = 0, extended = 0;
  for (const SpiderExample& pair : pairs) {
    // "a age" never; the school's columns give "an age" often.
    for (const char* wrong : {" a age", " a enrollment", " a Ann", " a Art", " a Algebra"})
      EXPECT_EQ(pair.question.find(wrong), std::string::npos) << pair.question;
    auto columns = select_columns(pair.query);
    std::set<std::string> distinct(columns.begin(), columns.end());
    EXPECT_EQ(distinct.size(), columns.size()) << "a column asked for twice: " << pair.query;
    auto has = [&](const char* text) { return pair.query.find(text) != std::string::npos; };
    three_or_more += columns.size() >= 3;
    joined_columns += has(" JOIN ") && columns.size() >= 3 && !has("count(*)") && has("T1.") && has("T2.");
    counted_per_group += has(" JOIN ") && columns.size() >= 3 && has("count(*) FROM") && has(" GROUP BY ");
    top_n += columns.size() >= 2 && has(" LIMIT ") && !has(" LIMIT 1");
    extended += extended_shape(pair.query);
  }
  EXPECT_GE(three_or_more, 20);
  EXPECT_GT(joined_columns, 0);
  EXPECT_GT(counted_per_group, 0);
  EXPECT_GT(top_n, 0);
  EXPECT_GT(extended, 0);  // the extended shapes stay in the set
  EXPECT_EQ(parse_augment_templates("wide"), AugmentTemplates::kWide);
}

// "an" is written before a vowel in the template's words only: a value quoted in the question
// keeps its own spelling, so the question still names the literal its query compares with.
TEST(Augment, WideArticlesLeaveValuesAsTheyAre) {
  TempDir dir;
  auto file = dir.path() / "task.sqlite";
  testing_support::make_sqlite_file(file, R"(
    CREATE TABLE task (Task_ID INTEGER PRIMARY KEY, Title TEXT, Owner TEXT, Hours INTEGER);
    INSERT INTO task VALUES (1, 'take a exam', 'Ann', 3), (2, 'write a essay', 'Bob', 5), (3, 'read', 'Ann', 2);
  )");
  Schema schema;
  schema.db_id = "task";
  schema.tables = {Table{"task", "task", {{"Task_ID", "task id", "number", true}, {"Title", "title", "text", false},
                                          {"Owner", "owner", "text", false}, {"Hours", "hours", "number", false}}, {}, {}}};
  SqlSandbox database(file);
  int quoted = 0;
  for (const SpiderExample& pair : augment_database(schema, database, SpiderSplit::kTrain, {200, 3, AugmentTemplates::kWide})) {
    for (const char* value : {"take a exam", "write a essay"}) {
      if (pair.query.find(std::string("'") + value + "'") == std::string::npos) continue;
      ++quoted;
      EXPECT_NE(pair.question.find(value), std::string::npos) << pair.question << " / " << pair.query;
    }
  }
  EXPECT_GT(quoted, 0);
}

// Committed recipes regenerate their data from (templates, seed): the extended set's pairs for a
// seed must not move when templates are added. The fingerprint is of this fixture's pairs as the
// extended set wrote them when the wide set was added (checked then against a full recipe's file,
// byte for byte).
TEST(Augment, ExtendedPairsForASeedDoNotMove) {
  SchoolFixture school;
  SqlSandbox database(school.file);
  std::string all;
  for (const SpiderExample& pair : augment_database(school.schema, database, SpiderSplit::kTrain, {200, 5, AugmentTemplates::kExtended}))
    all += pair.question + "\n" + pair.query + "\n";
  EXPECT_EQ(fmt::format("{:016x}", fnv1a64(all)), "eaffafd4f3308a8c");
}

TEST(Augment, PluralNouns) {
  EXPECT_EQ(plural_noun("singer"), "singers");
  EXPECT_EQ(plural_noun("city"), "cities");
  EXPECT_EQ(plural_noun("day"), "days");
  EXPECT_EQ(plural_noun("address"), "addresses");
  EXPECT_EQ(plural_noun("match"), "matches");
  EXPECT_EQ(plural_noun("courses"), "courses");
  EXPECT_EQ(plural_noun(""), "");
}

TEST(SftPrep, AugmentAppendsTemplatedRecordsWithTheDatabaseSchema) {
  TempDir dir;
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  PrepOptions options = compact_prep_options(2);
  options.augment_per_database = 5;
  PrepSummary summary = prepare_sft_dataset(corpus, options, dir.path() / "train.jsonl");
  EXPECT_EQ(summary.spider_records, 2u);
  // Every database of train + train_others (not only those of the 2 kept examples).
  EXPECT_GT(summary.augmented_databases, 100u);
  EXPECT_GT(summary.augmented_records, 4 * summary.augmented_databases);
  size_t augmented = 0;
  for_each_jsonl_record(dir.path() / "train.jsonl", [&](const nlohmann::json& record, int) {
    if (record["source"] != "augment") return;
    ++augmented;
    ASSERT_EQ(record["prompt"].size(), 1u);
    const std::string user = record["prompt"][0]["content"];
    const std::string schema = corpus.schema_text(record["db_id"], SpiderSplit::kTrain, options.prompt);
    EXPECT_NE(user.find(schema), std::string::npos);
  });
  EXPECT_EQ(augmented, summary.augmented_records);

  options.augment_databases = AugmentDatabases::kAll;
  PrepSummary all = prepare_sft_dataset(corpus, options, dir.path() / "all.jsonl");
  EXPECT_EQ(all.augmented_databases, summary.augmented_databases + 20);  // + the dev databases
}

// Templates like "How many singers are there?" can reproduce a dev question word for word on a dev
// database; such pairs (and pairs whose query is a dev gold query) are left out.
TEST(SftPrep, AugmentOverDevDatabasesNeverRepeatsADevExample) {
  TempDir dir;
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  PrepOptions options = compact_prep_options(0);
  options.augment_per_database = 30;
  options.augment_databases = AugmentDatabases::kAll;
  PrepSummary summary = prepare_sft_dataset(corpus, options, dir.path() / "all.jsonl");
  EXPECT_GT(summary.augmented_dropped_as_dev, 0u);  // 30 per database reproduces a few
  auto squeeze = [](std::string text) {
    std::string out;
    for (char c : text) {
      if (c == ' ' || c == '?') continue;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
  };
  std::set<std::string> dev;
  for (const SpiderExample& example : corpus.examples(SpiderSplit::kDev)) {
    dev.insert(example.db_id + "|" + squeeze(example.question));
    dev.insert(example.db_id + "|" + squeeze("SELECT" + example.query.substr(6)));
  }
  size_t checked = 0;
  for_each_jsonl_record(dir.path() / "all.jsonl", [&](const nlohmann::json& record, int) {
    const std::string db_id = record["db_id"];
    const std::string user = record["prompt"][0]["content"];
    size_t question = user.rfind("\n-- ");
    ASSERT_NE(question, std::string::npos);
    std::string text = user.substr(question + 4, user.find('\n', question + 1) - question - 4);
    EXPECT_FALSE(dev.contains(db_id + "|" + squeeze(text))) << db_id << ": " << text;
    const std::string sql = "SELECT" + record["completion"][0]["content"].get<std::string>();
    EXPECT_FALSE(dev.contains(db_id + "|" + squeeze(sql))) << db_id << ": " << sql;
    ++checked;
  });
  EXPECT_EQ(checked, summary.augmented_records);
}

// `unseen` covers exactly the databases of tables.json that the chosen splits do not use: with
// train + train_others, the 20 dev databases; the dev-repeat filter still applies to them.
TEST(SftPrep, AugmentUnseenCoversOnlyTheDatabasesTheSplitsDoNotUse) {
  TempDir dir;
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  PrepOptions options = compact_prep_options(0);
  options.augment_per_database = 30;
  options.augment_databases = AugmentDatabases::kUnseen;
  const PrepSummary summary = prepare_sft_dataset(corpus, options, dir.path() / "unseen.jsonl");
  std::set<std::string> dev_databases, train_databases, written;
  for (const SpiderExample& example : corpus.examples(SpiderSplit::kDev)) dev_databases.insert(example.db_id);
  for (SpiderSplit split : options.splits)
    for (const SpiderExample& example : corpus.examples(split)) train_databases.insert(example.db_id);
  for_each_jsonl_record(dir.path() / "unseen.jsonl", [&](const nlohmann::json& record, int) {
    EXPECT_EQ(record["source"], "augment");
    written.insert(record["db_id"].get<std::string>());
  });
  EXPECT_EQ(written, dev_databases);
  for (const std::string& db_id : written) EXPECT_FALSE(train_databases.contains(db_id)) << db_id;
  EXPECT_EQ(summary.augmented_databases, 20u);
  EXPECT_GT(summary.augmented_dropped_as_dev, 0u);

  EXPECT_EQ(parse_augment_databases("train"), AugmentDatabases::kChosenSplits);
  EXPECT_EQ(parse_augment_databases("all"), AugmentDatabases::kAll);
  EXPECT_EQ(parse_augment_databases("unseen"), AugmentDatabases::kUnseen);
  try {
    parse_augment_databases("dev");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("train, all or unseen, not 'dev'"), std::string::npos);
  }
}

// --substituted-augment-copies: each templated pair is followed by its copies, on the same
// database, with other names in the schema, the question and the answer but the same query shape;
// the copies are seeded (same seed, same file) and leave the other records as they were.
TEST(SftPrep, SubstitutedAugmentCopiesFollowTheirPair) {
  TempDir dir;
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  PrepOptions options = compact_prep_options(0);
  options.augment_per_database = 3;
  const PrepSummary plain = prepare_sft_dataset(corpus, options, dir.path() / "plain.jsonl");
  EXPECT_EQ(plain.augmented_substituted_records, 0u);
  options.substituted_augment_copies = 1;
  const PrepSummary summary = prepare_sft_dataset(corpus, options, dir.path() / "substituted.jsonl");
  EXPECT_EQ(summary.augmented_records, plain.augmented_records + summary.augmented_substituted_records);
  EXPECT_EQ(summary.augmented_substituted_records + summary.augmented_substituted_skipped, plain.augmented_records);
  EXPECT_GT(summary.augmented_substituted_records, plain.augmented_records * 9 / 10);

  auto question_of = [](const nlohmann::json& record) {
    const std::string user = record["prompt"][0]["content"];
    const size_t at = user.rfind("\n-- ");
    return user.substr(at + 4, user.find('\n', at + 1) - at - 4);
  };
  auto tokens_of = [](const std::string& sql) {
    std::vector<std::string> tokens;
    std::istringstream in(sql);
    for (std::string token; in >> token;) tokens.push_back(token);
    return tokens;
  };
  nlohmann::json original;
  std::vector<nlohmann::json> originals;
  size_t copies = 0, changed_questions = 0, changed_answers = 0;
  for_each_jsonl_record(dir.path() / "substituted.jsonl", [&](const nlohmann::json& record, int) {
    if (record["source"] == "augment") {
      original = record;
      originals.push_back(record);
      return;
    }
    ASSERT_EQ(record["source"], "augment/substituted");
    ASSERT_FALSE(original.is_null());
    ++copies;
    EXPECT_EQ(record["db_id"], original["db_id"]);
    EXPECT_NE(record["prompt"], original["prompt"]);
    if (question_of(record) != question_of(original)) ++changed_questions;
    const std::string sql = record["completion"][0]["content"];
    const std::string original_sql = original["completion"][0]["content"];
    if (sql != original_sql) ++changed_answers;  // names that are also keywords, or both a table and a column, stay
    EXPECT_EQ(tokens_of(sql).size(), tokens_of(original_sql).size()) << original_sql << " vs " << sql;
  });
  EXPECT_EQ(copies, summary.augmented_substituted_records);
  EXPECT_GT(changed_questions, copies * 9 / 10);
  EXPECT_GT(changed_answers, copies * 9 / 10);
  // The pairs themselves are those written without copies.
  std::vector<nlohmann::json> plain_records;
  for_each_jsonl_record(dir.path() / "plain.jsonl",
                        [&](const nlohmann::json& record, int) { plain_records.push_back(record); });
  EXPECT_EQ(plain_records, originals);

  prepare_sft_dataset(corpus, options, dir.path() / "again.jsonl");
  EXPECT_EQ(read_file(dir.path() / "again.jsonl"), read_file(dir.path() / "substituted.jsonl"));
  options.seed = 7;
  prepare_sft_dataset(corpus, options, dir.path() / "other_seed.jsonl");
  EXPECT_NE(read_file(dir.path() / "other_seed.jsonl"), read_file(dir.path() / "substituted.jsonl"));
}

TEST(SftPrep, RefusesANegativeCountOfSubstitutedAugmentCopies) {
  TempDir dir;
  SpiderCorpus corpus(testing_support::vendored_spider_dir());
  PrepOptions options;
  options.substituted_augment_copies = -1;
  options.progress = false;
  EXPECT_THROW(prepare_sft_dataset(corpus, options, dir.path() / "x.jsonl"), Error);
}

}  // namespace
}  // namespace t2sql
