// `t2sql demo` with the embedded default model: three dev questions answered end to end (prompt
// -> model -> post-processing -> sandbox), each next to the gold SQL and its rows, with the
// test-suite execution verdict. The front (src/cli/demo_command.cpp) hands over to this command
// when models/default exists.
#include <fmt/format.h>

#include "cli/command_registry.hpp"
#include "cli/demo_examples.hpp"
#include "cli_model/inference_flags.hpp"
#include "common/paths.hpp"
#include "common/utf8.hpp"
#include "data/spider_corpus.hpp"
#include "eval/test_suite_exec.hpp"
#include "sql/result_format.hpp"

namespace t2sql::cli {
namespace {

int run_model_demo(const InferenceFlags& flags) {
  flags.apply_threads();
  const gen::InferenceOptions options = flags.resolve();
  const std::filesystem::path spider = flags.spider.empty() ? default_spider_dir() : std::filesystem::path(flags.spider);
  const std::filesystem::path model_dir = gen::resolve_model_dir(flags.model);
  SpiderCorpus corpus(spider);
  gen::TextToSqlPipeline pipeline(model_dir, options);
  if (options.few_shot > 0) pipeline.use_spider_few_shot(corpus);
  fmt::print("t2sql demo — model {} ({})\n\n", model_dir.string(), pipeline.tokenizer().describe());
  const auto& dev = corpus.examples(SpiderSplit::kDev);
  int matches = 0, asked = 0;
  for (size_t index : kDemoExamples) {
    if (index >= dev.size()) continue;
    const SpiderExample& example = dev[index];
    gen::DatabaseContext database = gen::open_database(example.db_id, spider, options.sample_rows);
    fmt::print("==== dev example {} (database {}) ====\nquestion: {}\n", index, example.db_id, example.question);
    gen::Prediction prediction = pipeline.answer(database, example.question);
    fmt::print("predicted SQL: {}\n", sanitize_utf8(prediction.sql));
    if (prediction.outcome.ok()) {
      fmt::print("{}", format_result_table(prediction.outcome.result, 10));
    } else {
      fmt::print("(did not run: {})\n", prediction.outcome.error);
    }
    fmt::print("gold SQL:      {}\n", example.query);
    QueryOutcome gold = database.sandbox->run(example.query);
    if (gold.ok()) fmt::print("{}", format_result_table(gold.result, 10));
    const eval::ExecOutcome verdict =
        eval::test_suite_exec_match(*database.sandbox, prediction.sql, example.query, /*keep_distinct=*/false,
                                    /*plug_value=*/false);
    const bool match = verdict.score >= 1.0;
    matches += match ? 1 : 0;
    ++asked;
    fmt::print("execution match: {} ({:.1f} s, {} prompt tokens)\n\n", match ? "yes" : "no", prediction.latency_seconds,
               prediction.prompt_tokens);
  }
  fmt::print("{} of {} answers match the gold rows. Whole dev set: t2sql predict --split dev --out pred.sql, "
             "then t2sql eval --gold data/spider/dev_gold.sql --pred pred.sql.\n",
             matches, asked);
  return 0;
}

const CommandRegistrar registrar(5, [](CLI::App& app) {
  auto flags = std::make_shared<InferenceFlags>();
  auto* command = app.add_subcommand("demo", "three dev questions answered by the default model, next to the gold");
  flags->add_to(*command);
  command->callback([flags] { set_exit_code(run_model_demo(*flags)); });
});

}  // namespace
}  // namespace t2sql::cli
