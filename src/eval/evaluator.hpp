// `t2sql eval`: the official Spider evaluation loop over a gold file (`SQL<TAB>db_id` lines) and a
// prediction file (`SQL` lines): hardness, exact-set match with partial components, execution
// match, the official score tables, per-example JSON and an SVG of accuracy by hardness.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "eval/exact_match.hpp"
#include "eval/exec_match.hpp"
#include "eval/foreign_keys.hpp"
#include "sql/sandbox.hpp"
#include "sql/spider_parser.hpp"

namespace t2sql::eval {

enum class EvalType { kAll, kMatch, kExec };

// Databases, schemas and foreign-key maps, loaded once per db_id and shared by threads.
class EvalContext {
 public:
  EvalContext(std::filesystem::path db_dir, const std::filesystem::path& tables_json, SandboxLimits limits = {});

  // A query as the evaluator uses it: parsed, its hardness taken, then rebuilt for comparison.
  struct ParsedQuery {
    bool ok = false;
    std::string error;                 // the parser's message when !ok
    Hardness hardness = Hardness::kEasy;  // of the query as parsed (before the rebuild)
    spider::SpiderSql sql;             // rebuilt; the official empty query when !ok
  };

  struct Database {
    std::unique_ptr<SqlSandbox> sandbox;
    spider::SpiderSchema schema;
    ForeignKeyMap foreign_keys;
    std::unique_ptr<QueryCache> results;  // results of queries already run (repeated queries)
    // Execution verdicts by (rule, prediction, gold) text: a repeated pair is not run again.
    mutable std::mutex verdicts_mutex;
    mutable std::map<std::tuple<int, std::string, std::string>, ExecOutcome> verdicts;

    // `sql` parsed and rebuilt, once per distinct text: Spider repeats a gold query for each
    // paraphrase of its question (546 distinct in the 1,034 dev examples), and predictions repeat too.
    std::shared_ptr<const ParsedQuery> parse(const std::string& sql) const;

   private:
    mutable std::mutex parsed_mutex_;
    mutable std::unordered_map<std::string, std::shared_ptr<const ParsedQuery>> parsed_;
  };
  // The database of `db_id` (db_dir/db_id/db_id.sqlite). Throws Error(kNotFound) naming the
  // db_id when it is not in tables.json or its file is missing.
  // Threads opening different databases do not wait for each other.
  const Database& database(const std::string& db_id);

  // The size in bytes of db_id's file (0 when it is missing): what a query there may have to scan,
  // so evaluate_all() can give the large databases out first.
  std::uintmax_t database_bytes(const std::string& db_id) const;

 private:
  std::filesystem::path database_path(const std::string& db_id) const;  // db_dir/db_id/db_id.sqlite

  struct Slot {
    std::mutex mutex;  // held while the database opens
    std::unique_ptr<Database> database;
  };
  std::filesystem::path db_dir_;
  SandboxLimits limits_;
  ForeignKeySource foreign_keys_;
  std::mutex mutex_;  // guards the map, not the opening
  std::map<std::string, std::unique_ptr<Slot>> databases_;
};

struct ExampleInput {
  std::string gold;   // gold SQL (stripped)
  std::string db_id;
  std::string pred;   // predicted SQL (stripped; may be empty)
};

struct ExampleResult {
  int line = 0;  // 1-based line in the input files
  std::string db_id;
  std::string gold;
  std::string pred;
  Hardness hardness = Hardness::kEasy;
  bool pred_parse_ok = false;
  std::string pred_parse_error;  // the official parser's exception when !pred_parse_ok
  bool exact = false;
  double exec = 0.0;
  std::string exec_reason;
  PartialScores partial{};
};

struct EvalOptions {
  EvalType etype = EvalType::kAll;
  ExecRule exec_rule = ExecRule::kOfficial;
  bool keep_distinct = false;  // test-suite rule only
  bool plug_value = false;     // test-suite rule only
};

// One example through the official loop body. Throws Error(kParse) when the GOLD query does not
// parse (the official script stops there too), Error(kNotFound) for an unknown db_id.
ExampleResult evaluate_example(const ExampleInput& input, EvalContext& context, const EvalOptions& options);

// Reads the two files: gold lines `SQL<TAB>db_id`, prediction lines `SQL` (first tab field).
// CRLF is accepted; trailing blank lines are ignored; a blank prediction line is an empty
// prediction; a blank or malformed gold line, non-UTF-8 bytes and different counts are errors
// naming the file and line.
std::vector<ExampleInput> read_eval_files(const std::filesystem::path& gold, const std::filesystem::path& pred);

// All examples, on `threads` threads (results in input order).
std::vector<ExampleResult> evaluate_all(const std::vector<ExampleInput>& inputs, EvalContext& context,
                                        const EvalOptions& options, int threads);

// The aggregate of the official `evaluate()`: per level (easy, medium, hard, extra, all).
struct LevelScores {
  int count = 0;
  double exec = 0.0;
  double exact = 0.0;
  std::array<double, 10> acc{}, rec{}, f1{};
};
std::array<LevelScores, 5> aggregate_scores(const std::vector<ExampleResult>& results, EvalType etype);

// The official stdout: with `per_example_lines`, the `eval_err_num:N` and mismatch lines the
// official loop prints, then the score tables (`print_scores`).
std::string format_report(const std::vector<ExampleResult>& results, EvalType etype, bool per_example_lines);

// Per-example JSON lines plus nothing else (one object per example).
std::string results_to_jsonl(const std::vector<ExampleResult>& results, EvalType etype);

// An SVG bar chart of exact and execution accuracy by hardness.
std::string accuracy_svg(const std::array<LevelScores, 5>& scores, EvalType etype);

}  // namespace t2sql::eval
