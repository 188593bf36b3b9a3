// Unit tests of the evaluator pieces: hardness, foreign-key mapping, the quirks of partial
// scores, execution rules, and the input files' error handling.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/paths.hpp"
#include "eval/evaluator.hpp"
#include "eval/exec_match.hpp"
#include "sql/spider_parser.hpp"
#include "eval/test_suite_exec.hpp"

namespace t2sql::eval {
namespace {
namespace fs = std::filesystem;

class EvalTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    context_ = new EvalContext(default_spider_dir() / "database", default_spider_dir() / "tables.json");
  }
  static void TearDownTestSuite() { delete context_; }
  static ExampleResult run(const std::string& gold, const std::string& pred, const std::string& db = "concert_singer",
                           ExecRule rule = ExecRule::kOfficial) {
    EvalOptions options;
    options.exec_rule = rule;
    return evaluate_example({gold, db, pred}, *context_, options);
  }
  static EvalContext* context_;
};
EvalContext* EvalTest::context_ = nullptr;

TEST_F(EvalTest, HardnessLevels) {
  EXPECT_EQ(run("SELECT count(*) FROM singer", "x").hardness, Hardness::kEasy);
  EXPECT_EQ(run("SELECT name, country, age FROM singer ORDER BY age DESC", "x").hardness, Hardness::kMedium);
  EXPECT_EQ(run("SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)", "x").hardness, Hardness::kHard);
  EXPECT_EQ(run("SELECT T2.name, count(*) FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id "
                "WHERE T1.year > 2013 GROUP BY T2.name ORDER BY count(*) DESC LIMIT 1",
                "x")
                .hardness,
            Hardness::kExtra);
}

TEST_F(EvalTest, ExactMatchIgnoresValuesCaseAliasesAndDistinct) {
  const ExampleResult result = run("SELECT name FROM singer WHERE age > 20",
                                   "select distinct T1.Name from SINGER as T1 where T1.age > 99");
  EXPECT_TRUE(result.pred_parse_ok);
  EXPECT_TRUE(result.exact);
  EXPECT_EQ(result.exec, 0.0);  // values differ, so do the rows
}

TEST_F(EvalTest, ForeignKeyColumnsCompareEqual) {
  // singer_in_concert.singer_id is a foreign key to singer.singer_id.
  const ExampleResult result =
      run("SELECT T1.singer_id FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.singer_id = T2.singer_id",
          "SELECT T2.singer_id FROM singer AS T1 JOIN singer_in_concert AS T2 ON T1.singer_id = T2.singer_id");
  EXPECT_TRUE(result.exact);
}

TEST_F(EvalTest, AndOrMismatchSwapsTotalsLikeTheOfficialCode) {
  const ExampleResult result = run("SELECT name FROM singer WHERE age > 20 OR age < 10",
                                   "SELECT name FROM singer WHERE age > 20 AND age < 10 AND country = 'x'");
  const ComponentScore& and_or = result.partial[7];
  EXPECT_EQ(and_or.f1, 0);
  EXPECT_EQ(and_or.label_total, 1);  // len(pred set {and}) lands in label_total
  EXPECT_EQ(and_or.pred_total, 1);
  EXPECT_FALSE(result.exact);
}

TEST_F(EvalTest, UnparsablePredictionIsScoredAsTheEmptyQuery) {
  const ExampleResult result = run("SELECT name FROM singer", "SELECT name AS n FROM singer");
  EXPECT_FALSE(result.pred_parse_ok);
  EXPECT_EQ(result.pred_parse_error, "AssertionError: Error col: as");
  EXPECT_FALSE(result.exact);
  EXPECT_EQ(result.exec, 0.0);  // it runs, but its (empty) select list gives an empty result map
  EXPECT_EQ(result.partial[0].pred_total, 0);
  EXPECT_EQ(result.partial[0].label_total, 1);
}

TEST_F(EvalTest, OfficialExecKeysColumnsBySelectItem) {
  // Reordered columns still match: the result map is keyed by column, not position.
  EXPECT_EQ(run("SELECT name, age FROM singer", "SELECT age, name FROM singer").exec, 1.0);
  // Row order matters even without ORDER BY in the gold.
  EXPECT_EQ(run("SELECT name FROM singer ORDER BY age", "SELECT name FROM singer ORDER BY age DESC").exec, 0.0);
  // max(x) and min(x) share one key: the later column wins, so swapping them fails.
  EXPECT_EQ(run("SELECT max(age), min(age) FROM singer", "SELECT min(age), max(age) FROM singer").exec, 0.0);
  // Two statements are refused like Python's sqlite3.
  const ExampleResult twice = run("SELECT name FROM singer", "SELECT name FROM singer;;");
  EXPECT_EQ(twice.exec, 0.0);
  EXPECT_NE(twice.exec_reason.find("one statement"), std::string::npos) << twice.exec_reason;
  // The same query in another case and spacing runs once and matches; literals keep their case.
  EXPECT_EQ(run("SELECT count(*) FROM singer WHERE country = 'France'",
                "select COUNT(*)\nfrom SINGER where country  =  'France'").exec, 1.0);
  EXPECT_EQ(run("SELECT count(*) FROM singer WHERE country = 'France'",
                "SELECT count(*) FROM singer WHERE country = 'france'").exec, 0.0);
}

TEST(SameQueryResultTokens, CaseSpacingAndDefaultAscAreIgnored) {
  EXPECT_TRUE(same_query_result_tokens("SELECT a ,  b FROM t", "select a,b from T"));
  EXPECT_FALSE(same_query_result_tokens("SELECT a FROM t WHERE x = 'A'", "SELECT a FROM t WHERE x = 'a'"));
  EXPECT_FALSE(same_query_result_tokens("SELECT a FROM t;", "SELECT a FROM t;;"));
  // The default order written out.
  EXPECT_TRUE(same_query_result_tokens("SELECT a FROM t ORDER BY b", "select a from t order by b asc"));
  EXPECT_TRUE(same_query_result_tokens("SELECT a FROM t ORDER BY b ASC, count(*) ASC LIMIT 1",
                                       "SELECT a FROM t ORDER BY b, count(*) LIMIT 1"));
  EXPECT_TRUE(same_query_result_tokens("SELECT a FROM (SELECT a FROM t ORDER BY a ASC) ORDER BY a",
                                       "SELECT a FROM (SELECT a FROM t ORDER BY a) ORDER BY a ASC"));
  EXPECT_FALSE(same_query_result_tokens("SELECT a FROM t ORDER BY b", "SELECT a FROM t ORDER BY b DESC"));
  // An ASC that is a name stays: a column after ORDER BY or NOT, a collation, an alias outside
  // ORDER BY, a subquery alias after the subquery's ORDER BY.
  EXPECT_FALSE(same_query_result_tokens("SELECT a FROM t ORDER BY b, asc", "SELECT a FROM t ORDER BY b,"));
  EXPECT_FALSE(same_query_result_tokens("SELECT a FROM t ORDER BY NOT asc", "SELECT a FROM t ORDER BY NOT"));
  EXPECT_FALSE(same_query_result_tokens("SELECT a FROM t ORDER BY b COLLATE asc", "SELECT a FROM t ORDER BY b COLLATE"));
  EXPECT_FALSE(same_query_result_tokens("SELECT a asc FROM t ORDER BY a", "SELECT a FROM t ORDER BY a"));
  EXPECT_FALSE(same_query_result_tokens("SELECT * FROM (SELECT a FROM t ORDER BY a) asc, u",
                                        "SELECT * FROM (SELECT a FROM t ORDER BY a), u"));
}

TEST_F(EvalTest, DefaultOrderWrittenOutMatchesAndRunsOnce) {
  EXPECT_EQ(run("SELECT name FROM singer ORDER BY age", "select name from singer order by age asc").exec, 1.0);
  EXPECT_EQ(run("SELECT name FROM singer ORDER BY age", "SELECT name FROM singer ORDER BY age DESC").exec, 0.0);
  // One execution: only the gold's text reaches the result cache.
  const EvalContext::Database& db = context_->database("concert_singer");
  QueryCache cache;
  const std::string gold = "SELECT name FROM singer ORDER BY age", pred = "SELECT name FROM singer ORDER BY age ASC";
  const auto parse = [&](const std::string& sql) { return spider::parse_spider_sql(db.schema, sql); };
  EXPECT_EQ(official_exec_match(*db.sandbox, pred, gold, parse(pred), parse(gold), &cache).score, 1.0);
  EXPECT_NE(cache.find(gold), nullptr);
  EXPECT_EQ(cache.find(pred), nullptr);
}

TEST_F(EvalTest, SeedExecRule) {
  const ExecRule seed = ExecRule::kSeed;
  // Column permutations of the prediction are tried.
  EXPECT_EQ(run("SELECT name, age FROM singer", "SELECT age, name FROM singer", "concert_singer", seed).exec, 1.0);
  // Two empty results: 0.5.
  EXPECT_EQ(run("SELECT name FROM singer WHERE age > 1000", "SELECT name FROM singer WHERE age < 0", "concert_singer", seed).exec,
            0.5);
  // A gold that fails to execute (it parses, but holds two statements for SQLite) gives 1.
  EXPECT_EQ(run("SELECT name FROM singer;;", "SELECT name FROM singer", "concert_singer", seed).exec, 1.0);
  // A failing prediction: 0.3 when its text equals the gold's, else 0.
  EXPECT_EQ(run("SELECT name FROM singer;;", "SELECT name FROM singer;;", "concert_singer", seed).exec, 0.3);
  EXPECT_EQ(run("SELECT name FROM singer", "SELECT nope FROM singer", "concert_singer", seed).exec, 0.0);
  EXPECT_EQ(run("SELECT name FROM singer", "SELECT name FROM singer WHERE age > 30", "concert_singer", seed).exec, 0.0);
}

TEST_F(EvalTest, PythonValueEquality) {
  EXPECT_TRUE(python_values_equal(SqlValue{int64_t{2}}, SqlValue{2.0}));
  EXPECT_FALSE(python_values_equal(SqlValue{int64_t{2}}, SqlValue{std::string("2")}));
  EXPECT_FALSE(python_values_equal(SqlValue{int64_t{9007199254740993}}, SqlValue{9007199254740992.0}));
  EXPECT_TRUE(python_values_equal(SqlValue{std::monostate{}}, SqlValue{std::monostate{}}));
}

TEST_F(EvalTest, UnknownDatabaseAndMissingFile) {
  try {
    run("SELECT 1", "SELECT 1", "no_such_db");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("unknown db_id 'no_such_db'"), std::string::npos);
  }
  const fs::path empty_dir = fs::temp_directory_path() / ("t2sql_eval_nodb_" + std::to_string(::getpid()));
  fs::create_directories(empty_dir);
  EvalContext context(empty_dir, default_spider_dir() / "tables.json");
  try {
    evaluate_example({"SELECT 1", "concert_singer", "SELECT 1"}, context, {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("database file of db_id 'concert_singer' not found"), std::string::npos);
  }
  fs::remove_all(empty_dir);
}

// Threads open databases concurrently: each db_id is opened once and every thread gets the same
// object; a database that cannot open fails the same way on every request.
TEST(EvalContextTest, ConcurrentOpeningGivesOneDatabasePerId) {
  EvalContext context(default_spider_dir() / "database", default_spider_dir() / "tables.json");
  const std::vector<std::string> ids = {"concert_singer", "pets_1", "car_1", "world_1"};
  std::vector<std::vector<const EvalContext::Database*>> seen(4);
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t k = 0; k < ids.size(); ++k) seen[t].push_back(&context.database(ids[(k + t) % ids.size()]));
        try {
          context.database("no_such_db");
        } catch (const Error&) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(failures[t], 3);
    for (size_t i = 0; i < seen[t].size(); ++i) {
      const std::string& id = ids[(i % ids.size() + t) % ids.size()];
      EXPECT_EQ(seen[t][i], &context.database(id)) << id;
    }
  }
  EXPECT_GT(context.database_bytes("world_1"), context.database_bytes("concert_singer"));
  EXPECT_GT(context.database_bytes("concert_singer"), 0u);
  EXPECT_EQ(context.database_bytes("no_such_db"), 0u);
}

TEST_F(EvalTest, GoldThatDoesNotParseIsAnError) {
  try {
    run("SELECT nope FROM singer", "SELECT name FROM singer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kParse);
    EXPECT_NE(std::string(e.what()).find("gold query does not parse"), std::string::npos);
  }
}

// A repeated text is parsed once, and scoring (which consumes the gold's select list, as the
// official code does) leaves the shared parse intact: the second evaluation equals the first.
TEST_F(EvalTest, RepeatedQueriesAreParsedOnceAndScoredAlike) {
  const std::string gold = "SELECT name, country FROM singer WHERE age > 20";
  const std::string pred = "SELECT country, name FROM singer WHERE age > 30";
  const EvalContext::Database& db = context_->database("concert_singer");
  EXPECT_EQ(db.parse(gold).get(), db.parse(gold).get());
  const ExampleResult first = run(gold, pred);
  const ExampleResult second = run(gold, pred);
  EXPECT_TRUE(first.exact);
  EXPECT_EQ(first.exact, second.exact);
  EXPECT_EQ(first.exec, second.exec);
  EXPECT_EQ(first.hardness, second.hardness);
  EXPECT_EQ(results_to_jsonl({first}, EvalType::kAll), results_to_jsonl({second}, EvalType::kAll));
  const auto broken = db.parse("SELECT FROM WHERE");
  EXPECT_FALSE(broken->ok);
  EXPECT_FALSE(broken->error.empty());
}

// tables.json is indexed by db_id and an entry is parsed only when its database is used: a broken
// entry is reported, naming the file, when (and only when) its database is evaluated.
TEST(ForeignKeySourceTest, EntriesAreParsedWhenUsed) {
  const fs::path dir = fs::temp_directory_path() / ("t2sql_fk_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / "tables.json";
  write_file_atomic(file, R"([
 {"db_id": "good", "table_names_original": ["a", "b"],
  "column_names_original": [[-1, "*"], [0, "id"], [1, "a_id"]], "foreign_keys": [[2, 1]], "column_types": []},
 {"db_id": "out_of_range", "table_names_original": ["a"], "column_names_original": [[-1, "*"]],
  "foreign_keys": [[1, 9]]},
 {"db_id": "bad_syntax", "foreign_keys": [1 2]}
])");
  ForeignKeySource source(file);
  EXPECT_TRUE(source.contains("good"));
  EXPECT_FALSE(source.contains("missing"));
  const ForeignKeyMap map = source.map_for("good");
  EXPECT_EQ(map.at("__b.a_id__"), "__a.id__");
  EXPECT_EQ(map.at("__a.id__"), "__a.id__");
  auto error_of = [&](const std::string& db_id) {
    try {
      source.map_for(db_id);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("out_of_range").find("entry 1 (out_of_range)"), std::string::npos);
  EXPECT_NE(error_of("bad_syntax").find("line 6"), std::string::npos) << error_of("bad_syntax");
  EXPECT_NE(error_of("missing").find("unknown db_id 'missing'"), std::string::npos);

  write_file_atomic(file, R"([{"db_id": "good"}, {"name": "no id"}])");
  try {
    ForeignKeySource broken(file);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("entry 1 has no string 'db_id'"), std::string::npos);
  }
  fs::remove_all(dir);
}

class EvalFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("t2sql_eval_files_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    write_file_atomic(dir_ / name, text);
    return dir_ / name;
  }
  std::string error_of(const std::string& gold, const std::string& pred) {
    try {
      read_eval_files(write("g.txt", gold), write("p.txt", pred));
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(EvalFilesTest, ReadsCrlfAndBlankPredictions) {
  const auto inputs = read_eval_files(write("g.txt", "SELECT 1\tdb\r\n SELECT 2 \tdb2\r\nSELECT 3\tdb\r\n\r\n"),
                                      write("p.txt", "select 1\textra\r\n\r\nselect 3\r\n"));
  ASSERT_EQ(inputs.size(), 3u);
  EXPECT_EQ(inputs[0].gold, "SELECT 1");
  EXPECT_EQ(inputs[0].db_id, "db");
  EXPECT_EQ(inputs[0].pred, "select 1");
  EXPECT_EQ(inputs[1].gold, "SELECT 2 ");  // the line is stripped before the tab split, like the official code
  EXPECT_EQ(inputs[1].pred, "");
}

TEST_F(EvalFilesTest, CountMismatchNamesBothCounts) {
  const std::string error = error_of("SELECT 1\tdb\nSELECT 2\tdb\n", "select 1\n");
  EXPECT_NE(error.find("has 2 examples"), std::string::npos) << error;
  EXPECT_NE(error.find("has 1 predictions"), std::string::npos) << error;
}

TEST_F(EvalFilesTest, BadGoldLinesAndBytes) {
  EXPECT_NE(error_of("SELECT 1\tdb\n\nSELECT 2\tdb\n", "a\nb\nc\n").find("g.txt:2: blank gold line"), std::string::npos);
  EXPECT_NE(error_of("SELECT 1\n", "a\n").find("g.txt:1: expected SQL<TAB>db_id"), std::string::npos);
  EXPECT_NE(error_of("SELECT 1\tdb\n", "select \xff\n").find("p.txt:1: invalid UTF-8"), std::string::npos);
}

TEST(EvalReport, OfficialLayoutAndJson) {
  ExampleResult result;
  result.hardness = Hardness::kMedium;
  result.exact = true;
  result.exec = 1.0;
  result.pred_parse_ok = true;
  for (auto& score : result.partial) score = {1, 1, 1, 1, 1};
  const std::string report = format_report({result}, EvalType::kAll, false);
  EXPECT_NE(report.find("count                0                    1                    0"), std::string::npos) << report;
  EXPECT_NE(report.find("=====================   EXECUTION ACCURACY     ====================="), std::string::npos);
  EXPECT_NE(report.find("exact match          0.000                1.000"), std::string::npos) << report;
  const auto json = nlohmann::json::parse(results_to_jsonl({result}, EvalType::kAll));
  EXPECT_EQ(json["hardness"], "medium");
  EXPECT_EQ(json["partial"]["keywords"]["f1"], 1);
  const std::string svg = accuracy_svg(aggregate_scores({result}, EvalType::kAll), EvalType::kAll);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("medium (n=1)"), std::string::npos);
}

}  // namespace
}  // namespace t2sql::eval

namespace t2sql::eval {
namespace {

TEST(TestSuiteRule, RemoveDistinctKeepsTheFirstStatement) {
  EXPECT_EQ(test_suite_remove_distinct("SELECT DISTINCT name FROM t;; "), "SELECT  name FROM t;");
  EXPECT_EQ(test_suite_remove_distinct("select 'distinct' , count(distinct x) from t"), "select 'distinct' , count( x) from t");
  EXPECT_EQ(test_suite_remove_distinct("select a /* ; */ from t; select 2"), "select a /* ; */ from t; ");
  EXPECT_EQ(test_suite_remove_distinct("select 1; -- c\n select 2"), "select 1; -- c\n ");
  EXPECT_EQ(test_suite_remove_distinct("select distinct_id from t"), "select distinct_id from t");
  EXPECT_EQ(test_suite_remove_distinct("   "), std::nullopt);
}

TEST(TestSuiteRule, ResultEquality) {
  using Rows = std::vector<std::vector<SqlValue>>;
  const Rows gold = {{SqlValue{int64_t{1}}, SqlValue{std::string("a")}}, {SqlValue{int64_t{2}}, SqlValue{std::string("b")}}};
  const Rows swapped_columns = {{SqlValue{std::string("a")}, SqlValue{int64_t{1}}}, {SqlValue{std::string("b")}, SqlValue{int64_t{2}}}};
  const Rows swapped_rows = {gold[1], gold[0]};
  EXPECT_TRUE(test_suite_result_eq(gold, swapped_columns, false));
  EXPECT_TRUE(test_suite_result_eq(gold, swapped_rows, false));
  EXPECT_FALSE(test_suite_result_eq(gold, swapped_rows, true));  // the gold has ORDER BY
  EXPECT_TRUE(test_suite_result_eq({}, {}, true));
  EXPECT_FALSE(test_suite_result_eq(gold, {gold[0]}, false));
  // Bags, not sets: duplicates count.
  EXPECT_FALSE(test_suite_result_eq({gold[0], gold[0], gold[1]}, {gold[0], gold[1], gold[1]}, false));
  // 1 == 1.0 as in Python.
  EXPECT_TRUE(test_suite_result_eq({{SqlValue{int64_t{1}}}}, {{SqlValue{1.0}}}, false));
}

TEST(TestSuiteRule, ValueSlotsLikeParsePy) {
  const QueryValues gold = test_suite_extract_values("SELECT name FROM singer WHERE age > 40 AND country = 'France'");
  EXPECT_EQ(gold.tokens, (std::vector<std::string>{"select", "name", "from", "singer", "where", "age", ">", "valuerare",
                                                   "and", "country", "=", "valuerare"}));
  EXPECT_EQ(gold.values, (std::vector<std::string>{"'France'", "40"}));
  // T1.name is split around the dot; numbers glued to operators are cut by sqlparse's lexer.
  const QueryValues pred = test_suite_extract_values("select T1.name from singer as T1 where T1.age>=3.5");
  EXPECT_EQ(pred.tokens, (std::vector<std::string>{"select", "t1", ".", "name", "from", "singer", "as", "t1", "where",
                                                   "t1", ".", "age", ">=", "valuerare"}));
  EXPECT_EQ(pred.values, (std::vector<std::string>{"3.5"}));
}

}  // namespace
}  // namespace t2sql::eval
