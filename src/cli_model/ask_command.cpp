// `t2sql ask`: one question on one database -> SQL -> rows (text table or --json).
// Flag parsing only; the pipeline lives in src/gen/text_to_sql.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command_registry.hpp"
#include "cli_model/inference_flags.hpp"
#include "common/error.hpp"
#include "common/paths.hpp"
#include "common/utf8.hpp"
#include "data/spider_corpus.hpp"
#include "sql/result_format.hpp"

namespace t2sql::cli {
namespace {

struct AskFlags {
  InferenceFlags inference;
  std::string db;
  std::string question;
  bool json = false;
  size_t max_rows = 20;
};

int run_ask(const AskFlags& flags) {
  flags.inference.apply_threads();
  gen::InferenceOptions options = flags.inference.resolve();
  std::filesystem::path spider = flags.inference.spider.empty() ? default_spider_dir() : std::filesystem::path(flags.inference.spider);
  gen::DatabaseContext database = gen::open_database(flags.db, spider, options.sample_rows);
  gen::TextToSqlPipeline pipeline(gen::resolve_model_dir(flags.inference.model), options);
  std::unique_ptr<SpiderCorpus> corpus;
  if (options.few_shot > 0) {
    corpus = std::make_unique<SpiderCorpus>(spider);
    pipeline.use_spider_few_shot(*corpus);
  }
  gen::Prediction prediction = pipeline.answer(database, flags.question);
  if (flags.json) {
    nlohmann::json json = {{"question", flags.question},
                           {"db", database.db_id},
                           {"sql", sanitize_utf8(prediction.sql)},
                           {"ok", prediction.outcome.ok()},
                           {"error", prediction.outcome.error},
                           {"result", result_to_json(prediction.outcome.result)},
                           {"prompt_tokens", prediction.prompt_tokens},
                           {"latency_s", prediction.latency_seconds},
                           {"kept_tables", prediction.kept_tables},
                           {"errors", prediction.errors}};
    nlohmann::json candidates = nlohmann::json::array();
    for (const auto& candidate : prediction.candidates) {
      candidates.push_back({{"stage", candidate.stage}, {"sql", sanitize_utf8(candidate.sql)}, {"error", candidate.error}, {"rows", candidate.rows}});
    }
    json["candidates"] = candidates;
    json["options"] = nlohmann::json::parse(gen::inference_options_json(options));
    fmt::print("{}\n", json.dump(2));
  } else {
    fmt::print("SQL: {}\n", sanitize_utf8(prediction.sql));
    if (prediction.outcome.ok()) {
      fmt::print("{}", format_result_table(prediction.outcome.result, flags.max_rows));
    } else {
      fmt::print(stderr, "the query did not run: {}\n", prediction.outcome.error);
    }
  }
  return prediction.outcome.ok() ? 0 : 1;
}

const CommandRegistrar registrar(20, [](CLI::App& app) {
  auto flags = std::make_shared<AskFlags>();
  auto* command = app.add_subcommand("ask", "question + database -> SQL -> rows");
  command->add_option("question", flags->question, "the question in natural language")->required();
  command->add_option("--db", flags->db, "a Spider db_id or a SQLite file")->required();
  command->add_flag("--json", flags->json, "print the SQL, rows and candidates as JSON");
  command->add_option("--max-rows", flags->max_rows, "rows shown in the table")->capture_default_str();
  flags->inference.add_to(*command);
  command->callback([flags] { set_exit_code(run_ask(*flags)); });
});

}  // namespace
}  // namespace t2sql::cli
