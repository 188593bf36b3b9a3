// The text-to-SQL pipeline behind `t2sql ask` and `t2sql predict`:
//
//   database -> schema (+ sample rows) -> [schema linking: lexical or by the model] -> prompt
//   (reference layout, [few-shot examples retrieved by TF-IDF]) -> generate (greedy | beams,
//   [constrained decoding]) -> post-process -> execute in the sandbox -> [rectify: the reference
//   self-correction, or execution-driven repair rounds] -> choose (first candidate that runs and
//   returns rows when execution guidance is on)
//
// Every step is switched by InferenceOptions (flags and a YAML/JSON config use the same names,
// see docs/inference.md). The defaults are the reference pipeline's: greedy, 256 new tokens,
// post-processing on, everything else off. Model-part header (pulls LibTorch).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/prompt_builder.hpp"
#include "data/schema.hpp"
#include "data/schema_serializer.hpp"
#include "data/spider_dataset.hpp"
#include "gen/generation.hpp"
#include "nn/checkpoint.hpp"
#include "sql/postprocess.hpp"
#include "sql/sandbox.hpp"
#include "sql/schema_linking.hpp"
#include "text/chat_template.hpp"
#include "text/tfidf.hpp"
#include "text/tokenizer.hpp"

namespace t2sql {
class SpiderCorpus;
}

namespace t2sql::gen {

enum class SchemaLinkingMode { kNone, kLexical, kModel };
enum class FewShotSource { kQuestion, kSchemaAndQuestion };

struct InferenceOptions {
  // generation
  int64_t max_new_tokens = 256;
  int64_t num_beams = 1;
  double timeout_seconds = 120.0;  // per question, generation wall clock (all rounds)
  // prompt
  SchemaFormat schema_format = SchemaFormat::kCreateTable;
  int sample_rows = 3;
  PromptLayout layout;  // chat roles, and whether the question also precedes the schema
  std::string chat_format;  // "" = recognized from tokenizer_config.json, else plain
  // post-processing
  bool postprocess = true;
  bool fix_columns = false;
  // retrieval-augmented few-shot
  int few_shot = 0;  // examples (0 = off; the reference uses 3)
  FewShotSource few_shot_source = FewShotSource::kQuestion;
  bool few_shot_same_database = false;
  // schema linking
  SchemaLinkingMode schema_linking = SchemaLinkingMode::kNone;
  // rectification
  bool self_correction = false;  // the reference's second pass
  int repair_rounds = 0;         // execution-driven re-prompts on an error or an empty result
  // constrained decoding and execution guidance
  bool constrained = false;
  int64_t constrained_top_k = 8;
  bool execution_guided = false;  // pick the first beam / candidate that runs (and has rows)
};

// Names used by flags and config keys: "none|lexical|model", "question|schema".
SchemaLinkingMode parse_schema_linking_mode(const std::string& name);
const char* schema_linking_mode_name(SchemaLinkingMode mode);
FewShotSource parse_few_shot_source(const std::string& name);

// Reads a YAML (or JSON) mapping of option names (max_new_tokens, num_beams, few_shot,
// schema_linking, ...) onto `options`. Unknown keys and bad values are errors naming the key and file.
void apply_inference_config(const std::filesystem::path& path, InferenceOptions& options);
// A model folder may carry its prompt options (schema_format, roles, ...) in this file; ask,
// predict and demo apply it before --config and the flags.
inline constexpr const char* kModelInferenceConfig = nn::kInferenceSettingsFile;
// The options as a JSON object (recorded with predictions).
std::string inference_options_json(const InferenceOptions& options);

// One database the pipeline answers questions on.
struct DatabaseContext {
  std::string db_id;
  Schema schema;  // with sample rows
  SchemaNames names;
  std::vector<std::pair<std::string, std::string>> foreign_keys;  // (from table, to table)
  std::shared_ptr<SqlSandbox> sandbox;
  std::shared_ptr<ValueIndex> values;  // built on first lexical linking
};

// Opens a SQLite file (any database: the schema is introspected) under the sandbox.
DatabaseContext open_database_file(const std::filesystem::path& file, const std::string& db_id, int sample_rows,
                                   SandboxLimits limits = {});

// `spec` is a SQLite file (any path that exists, or ends in .sqlite/.db) or a Spider db_id under
// `spider_dir`/database. Throws Error(kNotFound) naming both possibilities when it is neither.
DatabaseContext open_database(const std::string& spec, const std::filesystem::path& spider_dir, int sample_rows,
                              SandboxLimits limits = {});

// One SQL the pipeline produced on the way.
struct Candidate {
  std::string stage;   // "greedy", "beam 2", "self-correction", "repair 1"
  std::string raw;     // model text
  std::string sql;     // after post-processing
  QueryStatus status = QueryStatus::kOk;
  std::string error;   // SQLite's message
  size_t rows = 0;
  int64_t tokens = 0;
  std::string finish_reason;
};

struct Prediction {
  std::string sql;  // the chosen query, one line
  QueryOutcome outcome;
  std::vector<Candidate> candidates;
  size_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double latency_seconds = 0.0;
  double generation_seconds = 0.0;
  double constrained_seconds = 0.0;  // inside the constrained-decoding processor
  std::vector<std::string> kept_tables;  // after schema linking (all tables when off)
  std::vector<std::string> few_shot_questions;
  int dropped_columns = 0;            // schema truncated to fit the context
  int schema_sample_rows = 0;
  std::vector<std::string> errors;    // problems met (timeouts, failed executions, ...)
  bool interrupted = false;
};

// A loaded model (weights, tokenizer, chat template) and the options.
class TextToSqlPipeline {
 public:
  // Loads `model_dir` (config.json, safetensors, tokenizer). Throws Error(kNotFound) when the
  // folder has no model.
  TextToSqlPipeline(const std::filesystem::path& model_dir, InferenceOptions options);
  ~TextToSqlPipeline();

  // Few-shot retrieval over `examples` (train questions); `schema_text(db_id)` gives the schema of
  // an example's database. Builds the TF-IDF index now; returns its build time in seconds.
  double set_few_shot_pool(std::vector<SpiderExample> examples, std::function<std::string(const std::string&)> schema_text);
  // The same over Spider's train split of `corpus` (which must outlive the pipeline), with schema
  // texts in this pipeline's prompt format. Does nothing when options().few_shot is 0.
  double use_spider_few_shot(SpiderCorpus& corpus);

  // Answers one question. Errors (thrown): an empty question. Everything the model gets wrong
  // comes back in the Prediction (errors, candidates), never as an exception.
  // `stop` (may be null) is polled during generation: set it to stop early (Ctrl-C).
  Prediction answer(DatabaseContext& database, const std::string& question, const std::atomic<bool>* stop = nullptr);

  const InferenceOptions& options() const { return options_; }
  const text::Tokenizer& tokenizer() const;
  int64_t context_length() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  InferenceOptions options_;
};

// The model folder to use: `requested` when given, else models/default. Throws Error(kNotFound) with
// how to get a model when there is none.
std::filesystem::path resolve_model_dir(const std::string& requested);

}  // namespace t2sql::gen
