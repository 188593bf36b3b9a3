// The pipeline on a tiny random checkpoint (tests/fixtures/models/text_to_sql_tiny): its SQL is
// garbage, so these tests check behaviour, not accuracy: every step runs, limits hold, errors are
// values or clear exceptions, constrained decoding only emits viable SQL prefixes.
#include "gen/text_to_sql.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "gen/prediction_run.hpp"
#include "sql/sql_prefix_checker.hpp"

namespace t2sql::gen {
namespace {

const std::filesystem::path kModel = std::filesystem::path(T2SQL_TEST_FIXTURES) / "models/text_to_sql_tiny";
const std::filesystem::path kSpider = std::filesystem::path(T2SQL_TEST_SOURCE_DIR) / "data/spider";

InferenceOptions small_options() {
  InferenceOptions options;
  options.max_new_tokens = 24;
  options.sample_rows = 1;
  return options;
}

DatabaseContext concert_singer() { return open_database("concert_singer", kSpider, 1); }

TEST(TextToSqlPipeline, AnswersWithPostprocessedSql) {
  TextToSqlPipeline pipeline(kModel, small_options());
  DatabaseContext database = concert_singer();
  Prediction prediction = pipeline.answer(database, "How many singers do we have?");
  ASSERT_EQ(prediction.candidates.size(), 1u);
  EXPECT_EQ(prediction.candidates[0].stage, "greedy");
  EXPECT_EQ(prediction.sql.rfind("SELECT", 0), 0u) << prediction.sql;
  EXPECT_EQ(prediction.sql.find('\n'), std::string::npos);
  EXPECT_GT(prediction.prompt_tokens, 100u);
  EXPECT_LE(prediction.generated_tokens, 24);
  EXPECT_EQ(prediction.kept_tables.size(), 4u);
  EXPECT_GT(prediction.latency_seconds, 0.0);
}

TEST(TextToSqlPipeline, QuestionFirstLengthensThePromptByTheQuestion) {
  DatabaseContext database = concert_singer();
  const std::string question = "How many singers do we have?";
  TextToSqlPipeline plain(kModel, small_options());
  InferenceOptions options = small_options();
  options.layout.question_first = true;
  TextToSqlPipeline first(kModel, options);
  size_t plain_tokens = plain.answer(database, question).prompt_tokens;
  size_t first_tokens = first.answer(database, question).prompt_tokens;
  size_t question_tokens = first.tokenizer().encode(question, false).size();
  EXPECT_GE(first_tokens, plain_tokens + question_tokens);
  EXPECT_LE(first_tokens, plain_tokens + question_tokens + 8);
}

TEST(TextToSqlPipeline, RejectsEmptyQuestionsAndAcceptsAnyLanguage) {
  TextToSqlPipeline pipeline(kModel, small_options());
  DatabaseContext database = concert_singer();
  EXPECT_THROW(pipeline.answer(database, "   "), Error);
  EXPECT_THROW(pipeline.answer(database, std::string("bad \xff utf8")), Error);
  Prediction prediction = pipeline.answer(database, "¿Cuántos cantantes hay? 🎤 歌手");
  EXPECT_EQ(prediction.sql.rfind("SELECT", 0), 0u);
}

TEST(TextToSqlPipeline, ConstrainedDecodingEmitsOnlyViableSql) {
  InferenceOptions options = small_options();
  options.constrained = true;
  TextToSqlPipeline pipeline(kModel, options);
  DatabaseContext database = concert_singer();
  SqlPrefixChecker checker(database.names);
  for (const char* question : {"How many singers do we have?", "List the stadium names"}) {
    Prediction prediction = pipeline.answer(database, question);
    const Candidate& candidate = prediction.candidates[0];
    PrefixVerdict verdict = checker.check("SELECT" + candidate.raw);
    EXPECT_TRUE(verdict.viable) << candidate.raw << ": " << verdict.reason;
    EXPECT_GT(prediction.constrained_seconds, 0.0);
  }
}

TEST(TextToSqlPipeline, BeamsWithExecutionGuidedChoice) {
  InferenceOptions options = small_options();
  options.num_beams = 3;
  options.constrained = true;
  options.execution_guided = true;
  TextToSqlPipeline pipeline(kModel, options);
  DatabaseContext database = concert_singer();
  Prediction prediction = pipeline.answer(database, "How many concerts are there?");
  ASSERT_GE(prediction.candidates.size(), 2u);
  EXPECT_EQ(prediction.candidates[0].stage, "beam 1");
  bool any_runs = false;
  for (const auto& candidate : prediction.candidates) any_runs = any_runs || candidate.status == QueryStatus::kOk;
  // The chosen query runs whenever some candidate does.
  EXPECT_EQ(prediction.outcome.ok(), any_runs);
}

TEST(TextToSqlPipeline, RectificationRounds) {
  InferenceOptions options = small_options();
  options.self_correction = true;
  options.repair_rounds = 2;
  TextToSqlPipeline pipeline(kModel, options);
  DatabaseContext database = concert_singer();
  Prediction prediction = pipeline.answer(database, "What is the average age of singers?");
  ASSERT_GE(prediction.candidates.size(), 2u);
  EXPECT_EQ(prediction.candidates[0].stage, "greedy");
  EXPECT_EQ(prediction.candidates[1].stage, "self-correction");
  // Garbage SQL fails, so repair rounds run (at most 2).
  size_t repairs = 0;
  for (const auto& candidate : prediction.candidates) repairs += candidate.stage.rfind("repair", 0) == 0;
  if (!prediction.candidates[1].error.empty()) {
    EXPECT_GE(repairs, 1u);
  }
  EXPECT_LE(repairs, 2u);
}

TEST(TextToSqlPipeline, SchemaLinkingPrunesOrKeepsTheSchema) {
  InferenceOptions options = small_options();
  options.schema_linking = SchemaLinkingMode::kLexical;
  TextToSqlPipeline lexical(kModel, options);
  DatabaseContext database = concert_singer();
  Prediction prediction = lexical.answer(database, "What is the capacity of each stadium?");
  EXPECT_EQ(prediction.kept_tables, std::vector<std::string>{"stadium"});
  options.schema_linking = SchemaLinkingMode::kModel;
  TextToSqlPipeline by_model(kModel, options);
  prediction = by_model.answer(database, "What is the capacity of each stadium?");
  // The random model names no table: the whole schema stays, and the prediction says so.
  EXPECT_EQ(prediction.kept_tables.size(), 4u);
  ASSERT_FALSE(prediction.errors.empty());
  EXPECT_NE(prediction.errors[0].find("named no table"), std::string::npos);
}

TEST(TextToSqlPipeline, FewShotNeverRetrievesTheQuestionItself) {
  InferenceOptions options = small_options();
  options.few_shot = 2;
  TextToSqlPipeline pipeline(kModel, options);
  std::vector<SpiderExample> pool = {
      {"concert_singer", "How many singers do we have?", "SELECT count(*) FROM singer", SpiderSplit::kTrain, 0},
      {"concert_singer", "How many singers are there?", "SELECT count(*) FROM singer", SpiderSplit::kTrain, 1},
      {"pets_1", "How many pets do we have?", "SELECT count(*) FROM pets", SpiderSplit::kTrain, 2},
      {"pets_1", "Show the weight of dogs", "SELECT weight FROM pets", SpiderSplit::kTrain, 3}};
  double seconds = pipeline.set_few_shot_pool(pool, [](const std::string& db) { return "CREATE TABLE " + db + "(x);"; });
  EXPECT_GE(seconds, 0.0);
  DatabaseContext database = concert_singer();
  Prediction prediction = pipeline.answer(database, "How many singers do we have?");
  // "do we have" weighs more than "singers": TF-IDF ranks the pets question first.
  EXPECT_EQ(prediction.few_shot_questions,
            (std::vector<std::string>{"How many pets do we have?", "How many singers are there?"}));
  options.few_shot_same_database = true;
  TextToSqlPipeline same_db(kModel, options);
  same_db.set_few_shot_pool(pool, [](const std::string& db) { return "CREATE TABLE " + db + "(x);"; });
  prediction = same_db.answer(database, "How many singers do we have?");
  EXPECT_EQ(prediction.few_shot_questions, std::vector<std::string>{"How many singers are there?"});
}

TEST(TextToSqlPipeline, TimeAndContextLimits) {
  InferenceOptions options = small_options();
  options.timeout_seconds = 1e-9;
  TextToSqlPipeline hurried(kModel, options);
  DatabaseContext database = concert_singer();
  Prediction prediction = hurried.answer(database, "How many singers do we have?");
  ASSERT_FALSE(prediction.errors.empty());
  EXPECT_NE(prediction.errors[0].find("time limit"), std::string::npos);
  EXPECT_LE(prediction.generated_tokens, 1);

  // Room for the answer leaves too little for the whole schema: rows, then columns are dropped.
  options = small_options();
  options.sample_rows = 3;
  TextToSqlPipeline full(kModel, options);
  DatabaseContext with_rows = open_database("concert_singer", kSpider, 3);
  size_t prompt_tokens = full.answer(with_rows, "How many singers do we have?").prompt_tokens;
  options.max_new_tokens = full.context_length() - static_cast<int64_t>(prompt_tokens) + 60;
  options.timeout_seconds = 2.0;
  TextToSqlPipeline squeezed(kModel, options);
  prediction = squeezed.answer(with_rows, "How many singers do we have?");
  EXPECT_TRUE(prediction.schema_sample_rows < 3 || prediction.dropped_columns > 0);
  EXPECT_LE(prediction.prompt_tokens + 60, prompt_tokens);
  // No room at all: a clear error, not a crash.
  options.max_new_tokens = full.context_length() - 10;
  TextToSqlPipeline impossible(kModel, options);
  EXPECT_THROW(impossible.answer(with_rows, "How many singers do we have?"), Error);
}

TEST(InferenceConfig, ReadsYamlAndRejectsUnknownKeys) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "t2sql_infer_config_test";
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "ok.yaml",
                    "num_beams: 4\nfew_shot: 3\nschema_linking: lexical\nconstrained: true\nquestion_first: true\n");
  InferenceOptions options;
  apply_inference_config(dir / "ok.yaml", options);
  EXPECT_TRUE(options.layout.question_first);
  EXPECT_NE(inference_options_json(options).find("\"question_first\":true"), std::string::npos);
  EXPECT_EQ(options.num_beams, 4);
  EXPECT_EQ(options.few_shot, 3);
  EXPECT_EQ(options.schema_linking, SchemaLinkingMode::kLexical);
  EXPECT_TRUE(options.constrained);
  EXPECT_TRUE(options.postprocess);
  write_file_atomic(dir / "bad.yaml", "beams: 4\n");
  EXPECT_THROW(apply_inference_config(dir / "bad.yaml", options), Error);
  write_file_atomic(dir / "bad_value.yaml", "num_beams: many\n");
  EXPECT_THROW(apply_inference_config(dir / "bad_value.yaml", options), Error);
  write_file_atomic(dir / "bad_mode.yaml", "schema_linking: magic\n");
  EXPECT_THROW(apply_inference_config(dir / "bad_mode.yaml", options), Error);
  EXPECT_THROW(apply_inference_config(dir / "missing.yaml", options), Error);
  // A key given twice is named with both lines, not settled silently by the later value.
  write_file_atomic(dir / "twice.yaml", "num_beams: 4\nfew_shot: 1\nnum_beams: 2\n");
  try {
    apply_inference_config(dir / "twice.yaml", options);
    FAIL() << "a repeated key was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("twice.yaml:3: key 'num_beams' appears twice in one mapping (first at line 1)"),
              std::string::npos)
        << error.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(OpenDatabase, SpiderIdsFilesAndErrors) {
  EXPECT_EQ(concert_singer().schema.tables.size(), 4u);
  DatabaseContext by_file = open_database((kSpider / "database/pets_1/pets_1.sqlite").string(), kSpider, 0);
  EXPECT_EQ(by_file.db_id, "pets_1");
  EXPECT_THROW(open_database("no_such_db", kSpider, 0), Error);
  EXPECT_THROW(open_database("/nonexistent/x.sqlite", kSpider, 0), Error);
  EXPECT_THROW(open_database("", kSpider, 0), Error);
  EXPECT_THROW(TextToSqlPipeline(std::filesystem::temp_directory_path() / "no_model_here", InferenceOptions{}), Error);
}

TEST(PredictionRun, ResumesAndRefusesToOverwrite) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "t2sql_predict_run_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TextToSqlPipeline pipeline(kModel, small_options());
  std::vector<SpiderExample> examples = {
      {"concert_singer", "How many singers do we have?", "SELECT count(*) FROM singer", SpiderSplit::kDev, 0},
      {"concert_singer", "List all singer names.", "SELECT name FROM singer", SpiderSplit::kDev, 1},
      {"pets_1", "How many pets are there?", "SELECT count(*) FROM pets", SpiderSplit::kDev, 2},
      {"no_such_db", "Broken example", "SELECT 1", SpiderSplit::kDev, 3}};
  PredictRunOptions run;
  run.out = dir / "pred.sql";
  run.jsonl = dir / "pred.jsonl";
  run.database_dir = kSpider / "database";
  run.limit = 2;
  run.progress = false;
  std::atomic<bool> stop{false};
  PredictRunSummary first = run_predictions(pipeline, examples, run, stop);
  EXPECT_EQ(first.predicted, 2);
  EXPECT_EQ(count_complete_lines(run.out), 2);
  EXPECT_EQ(count_complete_lines(run.jsonl), 2);
  // A torn record (a crash mid-write) is dropped on resume.
  std::ofstream(run.jsonl, std::ios::app) << "{\"index\": 2, \"torn";
  EXPECT_THROW(run_predictions(pipeline, examples, run, stop), Error);  // neither resume nor overwrite
  run.resume = true;
  run.limit = -1;
  PredictRunSummary second = run_predictions(pipeline, examples, run, stop);
  EXPECT_EQ(second.skipped, 2);
  EXPECT_EQ(second.predicted, 2);
  EXPECT_EQ(second.failed >= 1, true);  // the unknown database is an error record, not a crash
  EXPECT_EQ(count_complete_lines(run.out), 4);
  EXPECT_EQ(count_complete_lines(run.jsonl), 4);
  std::string records = read_file(run.jsonl);
  EXPECT_NE(records.find("\"prompt_tokens\""), std::string::npos);
  EXPECT_NE(records.find("no_such_db"), std::string::npos);
  // A stop request before the first example writes nothing more.
  stop = true;
  run.overwrite = true;
  run.resume = false;
  PredictRunSummary stopped = run_predictions(pipeline, examples, run, stop);
  EXPECT_TRUE(stopped.interrupted);
  EXPECT_EQ(stopped.predicted, 0);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace t2sql::gen
