#include "gen/text_to_sql.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "common/error.hpp"
#include "common/paths.hpp"
#include "common/yaml_keys.hpp"
#include "common/utf8.hpp"
#include "data/spider_corpus.hpp"
#include "gen/constrained_decoding.hpp"
#include "gen/text_generation.hpp"
#include "nn/checkpoint.hpp"

namespace t2sql::gen {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The reference pipeline's schema-linking prompt (REFERENCE-PIPELINE.md, "Schema linking").
constexpr const char* kLinkingSystem =
    "You will be given a SQL schema and a question in natural language.\n"
    "Return the whole tables that are necessary to answer the question in SQL format, and don't answer the question.\n";
constexpr const char* kLinkingInstruction =
    "Give me the CREATE statements amongst the previous ones that are necessary to generate the SQL to answer the question.\n";
// The reference pipeline's self-correction suffix.
constexpr const char* kSelfCorrection =
    "\nCorrect the SQL query above if necessary. You can look for issues in the table names, column names, or the query "
    "itself.\nSELECT ";

SchemaNames names_of(const Schema& schema) {
  SchemaNames names;
  for (const auto& table : schema.tables) {
    SchemaNames::Table entry{table.name, {}};
    for (const auto& column : table.columns) entry.columns.push_back(column.name);
    names.tables.push_back(std::move(entry));
  }
  return names;
}

// `schema` restricted to `tables` (names, any case), keys between kept tables only.
Schema sub_schema(const Schema& schema, const std::vector<std::string>& tables) {
  Schema result;
  result.db_id = schema.db_id;
  auto kept = [&](const std::string& name) {
    return std::any_of(tables.begin(), tables.end(), [&](const std::string& t) { return ascii_lower(t) == ascii_lower(name); });
  };
  for (const auto& table : schema.tables) {
    if (kept(table.name)) result.tables.push_back(table);
  }
  for (const auto& key : schema.foreign_keys) {
    if (kept(key.from_table) && kept(key.to_table)) result.foreign_keys.push_back(key);
  }
  return result;
}

std::vector<text::ChatMessage> to_text_messages(const std::vector<ChatMessage>& messages) {
  std::vector<text::ChatMessage> result;
  for (const auto& message : messages) result.push_back({message.role, message.content});
  return result;
}

std::string trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

}  // namespace

SchemaLinkingMode parse_schema_linking_mode(const std::string& name) {
  if (name == "none") return SchemaLinkingMode::kNone;
  if (name == "lexical") return SchemaLinkingMode::kLexical;
  if (name == "model") return SchemaLinkingMode::kModel;
  fail(ErrorCode::kInvalidArgument, "unknown schema linking '{}' (expected none, lexical or model)", name);
}

const char* schema_linking_mode_name(SchemaLinkingMode mode) {
  switch (mode) {
    case SchemaLinkingMode::kNone: return "none";
    case SchemaLinkingMode::kLexical: return "lexical";
    case SchemaLinkingMode::kModel: return "model";
  }
  return "none";
}

FewShotSource parse_few_shot_source(const std::string& name) {
  if (name == "question") return FewShotSource::kQuestion;
  if (name == "schema") return FewShotSource::kSchemaAndQuestion;
  fail(ErrorCode::kInvalidArgument, "unknown few-shot source '{}' (expected question or schema)", name);
}

void apply_inference_config(const std::filesystem::path& path, InferenceOptions& options) {
  if (!std::filesystem::exists(path)) fail(ErrorCode::kNotFound, "config file {} does not exist", path.string());
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& error) {
    fail(ErrorCode::kParse, "{}:{}:{}: {}", path.string(), error.mark.line + 1, error.mark.column + 1, error.msg);
  }
  if (!root.IsMap()) fail(ErrorCode::kParse, "{}: expected a mapping of option names to values", path.string());
  reject_duplicate_keys(root, path.string());
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>();
    const YAML::Node& value = entry.second;
    try {
      if (key == "max_new_tokens") options.max_new_tokens = value.as<int64_t>();
      else if (key == "num_beams") options.num_beams = value.as<int64_t>();
      else if (key == "timeout_seconds") options.timeout_seconds = value.as<double>();
      else if (key == "schema_format") options.schema_format = parse_schema_format(value.as<std::string>());
      else if (key == "sample_rows") options.sample_rows = value.as<int>();
      else if (key == "roles") options.layout.roles = parse_conversation_roles(value.as<std::string>());
      else if (key == "question_first") options.layout.question_first = value.as<bool>();
      else if (key == "chat_format") options.chat_format = value.as<std::string>();
      else if (key == "postprocess") options.postprocess = value.as<bool>();
      else if (key == "fix_columns") options.fix_columns = value.as<bool>();
      else if (key == "few_shot") options.few_shot = value.as<int>();
      else if (key == "few_shot_source") options.few_shot_source = parse_few_shot_source(value.as<std::string>());
      else if (key == "few_shot_same_database") options.few_shot_same_database = value.as<bool>();
      else if (key == "schema_linking") options.schema_linking = parse_schema_linking_mode(value.as<std::string>());
      else if (key == "self_correction") options.self_correction = value.as<bool>();
      else if (key == "repair_rounds") options.repair_rounds = value.as<int>();
      else if (key == "constrained") options.constrained = value.as<bool>();
      else if (key == "constrained_top_k") options.constrained_top_k = value.as<int64_t>();
      else if (key == "execution_guided") options.execution_guided = value.as<bool>();
      else fail(ErrorCode::kInvalidArgument, "{}: unknown option '{}'", path.string(), key);
    } catch (const YAML::Exception& error) {
      fail(ErrorCode::kParse, "{}:{}: bad value for '{}': {}", path.string(), value.Mark().line + 1, key, error.msg);
    }
  }
}

std::string inference_options_json(const InferenceOptions& options) {
  nlohmann::json json = {
      {"max_new_tokens", options.max_new_tokens},
      {"num_beams", options.num_beams},
      {"timeout_seconds", options.timeout_seconds},
      {"schema_format", schema_format_name(options.schema_format)},
      {"sample_rows", options.sample_rows},
      {"roles", conversation_roles_name(options.layout.roles)},
      {"question_first", options.layout.question_first},
      {"chat_format", options.chat_format},
      {"postprocess", options.postprocess},
      {"fix_columns", options.fix_columns},
      {"few_shot", options.few_shot},
      {"few_shot_source", options.few_shot_source == FewShotSource::kQuestion ? "question" : "schema"},
      {"few_shot_same_database", options.few_shot_same_database},
      {"schema_linking", schema_linking_mode_name(options.schema_linking)},
      {"self_correction", options.self_correction},
      {"repair_rounds", options.repair_rounds},
      {"constrained", options.constrained},
      {"constrained_top_k", options.constrained_top_k},
      {"execution_guided", options.execution_guided},
  };
  return json.dump();
}

DatabaseContext open_database_file(const std::filesystem::path& file, const std::string& db_id, int sample_rows,
                                   SandboxLimits limits) {
  DatabaseContext context;
  context.db_id = db_id;
  context.sandbox = std::make_shared<SqlSandbox>(file, limits);
  context.schema = introspect_sqlite_file(*context.sandbox, db_id, sample_rows);
  if (context.schema.tables.empty()) fail(ErrorCode::kInvalidArgument, "database {} has no tables", file.string());
  context.names = names_of(context.schema);
  for (const auto& key : context.schema.foreign_keys) context.foreign_keys.emplace_back(key.from_table, key.to_table);
  return context;
}

DatabaseContext open_database(const std::string& spec, const std::filesystem::path& spider_dir, int sample_rows,
                              SandboxLimits limits) {
  if (spec.empty()) fail(ErrorCode::kInvalidArgument, "no database given (--db ID or --db FILE.sqlite)");
  std::filesystem::path file(spec);
  auto extension = file.extension().string();
  if (std::filesystem::is_regular_file(file) || extension == ".sqlite" || extension == ".db" || extension == ".sqlite3") {
    if (!std::filesystem::exists(file)) fail(ErrorCode::kNotFound, "database file {} does not exist", spec);
    return open_database_file(file, file.stem().string(), sample_rows, limits);
  }
  std::filesystem::path spider_file = spider_database_file(spider_dir / "database", spec);
  if (!std::filesystem::exists(spider_file)) {
    fail(ErrorCode::kNotFound, "unknown database '{}': not a file, and not a Spider db_id ({} does not exist)", spec,
         spider_file.string());
  }
  return open_database_file(spider_file, spec, sample_rows, limits);
}

std::filesystem::path resolve_model_dir(const std::string& requested) {
  std::filesystem::path dir = requested.empty() ? default_model_dir() : std::filesystem::path(requested);
  if (!std::filesystem::exists(dir / "config.json")) {
    if (requested.empty()) {
      fail(ErrorCode::kNotFound,
           "no model: {} has no config.json. Train the default model (t2sql train sft --config ...; see docs/default_model.md) "
           "or pass --model DIR with a Hugging Face Llama-family folder (config.json, model.safetensors, tokenizer.json)",
           dir.string());
    }
    fail(ErrorCode::kNotFound, "no model in {}: config.json is missing", dir.string());
  }
  return dir;
}

struct TextToSqlPipeline::Impl {
  nn::LlamaModel model{nullptr};
  std::unique_ptr<text::Tokenizer> tokenizer;
  text::ChatTemplate chat_template;
  std::vector<int64_t> stop_ids;
  // few-shot pool
  std::vector<SpiderExample> pool;
  std::function<std::string(const std::string&)> pool_schema_text;
  std::unique_ptr<TfidfIndex> index;

  struct Generated {
    std::vector<GenerationResult> results;  // one (greedy) or one with hypotheses (beams)
    double constrained_seconds = 0.0;
    bool timed_out = false;
  };

  std::vector<int64_t> encode_prompt(const std::string& text) const {
    std::vector<text::TokenId> ids = tokenizer->encode(text, false);
    const auto& settings = tokenizer->settings();
    std::vector<int64_t> result;
    if (settings.add_bos && settings.bos_id && (ids.empty() || ids.front() != *settings.bos_id) &&
        (settings.bos_token.empty() || text.rfind(settings.bos_token, 0) != 0)) {
      result.push_back(*settings.bos_id);
    }
    result.insert(result.end(), ids.begin(), ids.end());
    return result;
  }

  size_t count_tokens(std::string_view text) const { return tokenizer->encode(text, false).size(); }

  std::string render(const std::vector<ChatMessage>& messages) const {
    return text::render_chat(chat_template, to_text_messages(messages), true);
  }

  // Runs the model on one prompt. `constrain_to`: the schema whose names constrained decoding
  // allows (null: unconstrained). Stops early on the deadline or the stop flag.
  Generated run(const std::vector<int64_t>& prompt, const InferenceOptions& options, int64_t max_new_tokens,
                const SchemaNames* constrain_to, Clock::time_point deadline, const std::atomic<bool>* stop) {
    GenerationConfig config;
    int64_t room = model->config().max_position_embeddings - static_cast<int64_t>(prompt.size());
    if (room <= 0) fail(ErrorCode::kInvalidArgument, "the prompt ({} tokens) fills the model's context of {} tokens",
                        prompt.size(), model->config().max_position_embeddings);
    config.max_new_tokens = std::min(max_new_tokens, room);
    config.num_beams = options.num_beams;
    config.stop_token_ids = stop_ids;
    if (options.num_beams == 1) config.stop_strings = {";"};
    config.pad_token_id = tokenizer->settings().pad_id.value_or(0);
    GenerationHooks hooks;
    hooks.detokenize = [this](const std::vector<int64_t>& ids) {
      std::vector<text::TokenId> narrow(ids.begin(), ids.end());
      return tokenizer->decode(narrow, true);
    };
    Generated generated;
    hooks.on_token = [&](std::size_t, int64_t) {
      if ((stop != nullptr && stop->load()) || Clock::now() > deadline) {
        generated.timed_out = true;
        return false;
      }
      return true;
    };
    std::unique_ptr<ConstrainedSqlDecoder> decoder;
    if (constrain_to != nullptr) {
      decoder = std::make_unique<ConstrainedSqlDecoder>(*tokenizer, *constrain_to, "SELECT", std::vector<size_t>{prompt.size()},
                                                        stop_ids,
                                                        // Greedy keeps the best survivor only: stop at the first.
                                                        ConstrainedDecodingOptions{options.constrained_top_k, 4, config.num_beams == 1 ? 1 : 0});
      hooks.logits_processor = decoder->processor();
    }
    generated.results = generate(model, {prompt}, config, hooks);
    if (decoder) generated.constrained_seconds = decoder->stats().seconds;
    return generated;
  }

  std::string decode(const std::vector<int64_t>& tokens) const { return decode_until_stop(*tokenizer, tokens, stop_ids); }
};

TextToSqlPipeline::TextToSqlPipeline(const std::filesystem::path& model_dir, InferenceOptions options)
    : impl_(std::make_unique<Impl>()), options_(std::move(options)) {
  if (options_.max_new_tokens < 1) fail(ErrorCode::kInvalidArgument, "max_new_tokens must be >= 1");
  if (options_.num_beams < 1) fail(ErrorCode::kInvalidArgument, "num_beams must be >= 1");
  if (options_.repair_rounds < 0) fail(ErrorCode::kInvalidArgument, "repair_rounds must be >= 0");
  if (options_.few_shot < 0) fail(ErrorCode::kInvalidArgument, "few_shot must be >= 0");
  if (!std::filesystem::exists(model_dir / "config.json")) fail(ErrorCode::kNotFound, "no model in {}", model_dir.string());
  nn::LoadOptions load;
  load.keep_16bit_weights = true;  // decoding streams the weights: 16-bit ones stay half the bytes
  impl_->model = nn::load_llama_model(model_dir, load);
  impl_->model->eval();
  impl_->tokenizer = text::load_tokenizer(model_dir);
  const auto& settings = impl_->tokenizer->settings();
  if (static_cast<int64_t>(impl_->tokenizer->vocab_size()) > impl_->model->config().vocab_size) {
    fail(ErrorCode::kCorrupt, "{}: the tokenizer has {} ids but the model only {}", model_dir.string(),
         impl_->tokenizer->vocab_size(), impl_->model->config().vocab_size);
  }
  if (!options_.chat_format.empty()) {
    impl_->chat_template = {text::chat_format_from_name(options_.chat_format), settings.bos_token, settings.eos_token, false};
  } else if (auto recognized = text::recognize_chat_template(settings.chat_template)) {
    impl_->chat_template = *recognized;
    impl_->chat_template.bos_token = settings.bos_token;
    impl_->chat_template.eos_token = settings.eos_token;
  } else {
    impl_->chat_template = {text::ChatFormat::kPlain, settings.bos_token, settings.eos_token, false};
  }
  if (settings.eos_id) impl_->stop_ids.push_back(*settings.eos_id);
  for (const char* piece : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<|endoftext|>", "</s>"}) {
    if (auto id = impl_->tokenizer->piece_to_id(piece)) {
      if (std::find(impl_->stop_ids.begin(), impl_->stop_ids.end(), *id) == impl_->stop_ids.end()) impl_->stop_ids.push_back(*id);
    }
  }
}

TextToSqlPipeline::~TextToSqlPipeline() = default;

const text::Tokenizer& TextToSqlPipeline::tokenizer() const { return *impl_->tokenizer; }
int64_t TextToSqlPipeline::context_length() const { return impl_->model->config().max_position_embeddings; }

double TextToSqlPipeline::set_few_shot_pool(std::vector<SpiderExample> examples,
                                            std::function<std::string(const std::string&)> schema_text) {
  auto start = Clock::now();
  impl_->pool = std::move(examples);
  impl_->pool_schema_text = std::move(schema_text);
  std::vector<std::string> documents;
  for (const auto& example : impl_->pool) {
    documents.push_back(options_.few_shot_source == FewShotSource::kQuestion
                            ? example.question
                            : user_message(impl_->pool_schema_text(example.db_id), example.question, options_.layout.question_first));
  }
  impl_->index = std::make_unique<TfidfIndex>(documents);
  return seconds_since(start);
}

double TextToSqlPipeline::use_spider_few_shot(SpiderCorpus& corpus) {
  if (options_.few_shot <= 0) return 0.0;
  PromptOptions prompt;
  prompt.schema_format = options_.schema_format;
  prompt.sample_rows = options_.sample_rows;
  prompt.layout = options_.layout;
  const auto& train = corpus.examples(SpiderSplit::kTrain);
  return set_few_shot_pool(train, [&corpus, prompt](const std::string& db_id) {
    return corpus.schema_text(db_id, SpiderSplit::kTrain, prompt);
  });
}

Prediction TextToSqlPipeline::answer(DatabaseContext& database, const std::string& question, const std::atomic<bool>* stop) {
  auto start = Clock::now();
  auto deadline = start + std::chrono::microseconds(static_cast<int64_t>(options_.timeout_seconds * 1e6));
  require_utf8(question, "the question");
  if (trim(question).empty()) fail(ErrorCode::kInvalidArgument, "the question is empty");
  Prediction prediction;
  Impl& impl = *impl_;

  // 1. Schema linking.
  const Schema* schema = &database.schema;
  Schema linked;
  std::set<std::string> linked_columns;  // kept first when the schema must be cut
  if (options_.schema_linking == SchemaLinkingMode::kLexical) {
    if (!database.values) database.values = std::make_shared<ValueIndex>(ValueIndex::build(*database.sandbox, database.names));
    SchemaLinkingResult links = link_schema(question, database.names, database.foreign_keys, database.values.get());
    linked = sub_schema(database.schema, links.kept_tables);
    linked_columns = links.linked_columns;
    schema = &linked;
  } else if (options_.schema_linking == SchemaLinkingMode::kModel) {
    SerializeOptions serialize{options_.schema_format, options_.sample_rows, 100, {}, {}};
    serialize.budget.max_tokens = static_cast<size_t>(std::max<int64_t>(64, context_length() - 512));
    serialize.budget.count_tokens = [&](std::string_view text) { return impl.count_tokens(text); };
    std::string full = serialize_schema(database.schema, serialize).text;
    std::vector<ChatMessage> messages = {{"system", kLinkingSystem}, {"user", full + "\n" + kLinkingInstruction}};
    if (options_.layout.roles != ConversationRoles::kSystemUserAssistant) messages = {{"user", std::string(kLinkingSystem) + "\n" + messages[1].content}};
    InferenceOptions greedy = options_;
    greedy.num_beams = 1;
    Impl::Generated generated = impl.run(impl.encode_prompt(impl.render(messages)), greedy, 256, nullptr, deadline, stop);
    std::string answer = impl.decode(generated.results[0].tokens);
    std::vector<std::string> tables;
    static const std::regex create(R"(create\s+table\s+(?:if\s+not\s+exists\s+)?["`\[]?([A-Za-z0-9_ ]+?)["`\]]?\s*\()",
                                   std::regex::icase);
    for (auto it = std::sregex_iterator(answer.begin(), answer.end(), create); it != std::sregex_iterator(); ++it) {
      std::string name = trim((*it)[1].str());
      if (database.schema.find_table(name) != nullptr) tables.push_back(name);
    }
    if (!tables.empty()) {
      linked = sub_schema(database.schema, tables);
      schema = &linked;
    } else {
      prediction.errors.push_back("model schema linking named no table of the schema; the whole schema is used");
    }
  }
  for (const auto& table : schema->tables) prediction.kept_tables.push_back(table.name);
  SchemaNames names = names_of(*schema);

  // 2. Few-shot examples.
  std::vector<FewShotExample> few_shot;
  if (options_.few_shot > 0 && impl.index) {
    std::string query = question;
    if (options_.few_shot_source == FewShotSource::kSchemaAndQuestion) {
      query = user_message(serialize_schema(*schema, {options_.schema_format, options_.sample_rows, 100, {}, {}}).text, question, options_.layout.question_first);
    }
    std::string question_key = trim(question);
    auto hits = impl.index->search(query, static_cast<size_t>(options_.few_shot), [&](int64_t document) {
      const SpiderExample& example = impl.pool[static_cast<size_t>(document)];
      if (trim(example.question) == question_key) return false;  // never the question itself
      return !options_.few_shot_same_database || example.db_id == database.db_id;
    });
    for (const auto& hit : hits) {
      const SpiderExample& example = impl.pool[static_cast<size_t>(hit.document)];
      few_shot.push_back({impl.pool_schema_text(example.db_id), example.question, example.query});
      prediction.few_shot_questions.push_back(example.question);
    }
  }

  // 3. The prompt, with the schema cut to fit the context (rows first, then unlinked columns).
  auto build = [&](const std::string& schema_text, const std::string& note) {
    return impl.render(build_prompt(schema_text + note, question, options_.layout, few_shot));
  };
  size_t base_tokens = impl.count_tokens(build("", ""));
  int64_t room = context_length() - options_.max_new_tokens - static_cast<int64_t>(base_tokens) - 16;
  if (room <= 0 && !few_shot.empty()) {
    prediction.errors.push_back("few-shot examples dropped: they do not fit the context");
    few_shot.clear();
    prediction.few_shot_questions.clear();
    base_tokens = impl.count_tokens(build("", ""));
    room = context_length() - options_.max_new_tokens - static_cast<int64_t>(base_tokens) - 16;
  }
  if (room <= 0) fail(ErrorCode::kInvalidArgument, "the model's context ({} tokens) cannot hold the prompt and {} new tokens",
                      context_length(), options_.max_new_tokens);
  SerializeOptions serialize{options_.schema_format, options_.sample_rows, 100, {}, {}};
  serialize.budget.max_tokens = static_cast<size_t>(room);
  serialize.linked_columns = linked_columns;
  serialize.budget.count_tokens = [&](std::string_view text) { return impl.count_tokens(text); };
  SerializedSchema serialized = serialize_schema(*schema, serialize);
  if (!serialized.fits) fail(ErrorCode::kInvalidArgument, "the schema of {} does not fit the model's context of {} tokens even without sample rows and non-key columns",
                             database.db_id, context_length());
  prediction.dropped_columns = static_cast<int>(serialized.dropped_columns);
  prediction.schema_sample_rows = serialized.sample_rows;
  std::string prompt_text = build(serialized.text, "");
  std::vector<int64_t> prompt = impl.encode_prompt(prompt_text);
  prediction.prompt_tokens = prompt.size();

  // 4. Generate, post-process and execute candidates.
  std::vector<QueryOutcome> outcomes;
  auto add_candidate = [&](const std::string& stage, const GenerationResult& result, const std::vector<int64_t>& tokens) {
    Candidate candidate;
    candidate.stage = stage;
    candidate.raw = impl.decode(tokens);
    candidate.tokens = static_cast<int64_t>(tokens.size());
    candidate.finish_reason = std::string(finish_reason_name(result.finish_reason));
    PostprocessOptions post;
    if (options_.postprocess) {
      post.fix_columns = options_.fix_columns;
    } else {
      // Still one line that starts with the prompt's SELECT, so it can be run and scored.
      post.cut_at_semicolon = post.fix_tables = false;
    }
    std::string text = options_.postprocess ? candidate.raw : "SELECT " + trim(candidate.raw);
    candidate.sql = postprocess_sql(text, names, post).sql;
    QueryOutcome outcome = database.sandbox->run(candidate.sql);
    candidate.status = outcome.status;
    candidate.error = outcome.error;
    candidate.rows = outcome.result.rows.size();
    prediction.candidates.push_back(std::move(candidate));
    outcomes.push_back(std::move(outcome));
  };
  auto generate_from = [&](const std::vector<int64_t>& ids, const std::string& stage) {
    auto generation_start = Clock::now();
    Impl::Generated generated = impl.run(ids, options_, options_.max_new_tokens, options_.constrained ? &names : nullptr, deadline, stop);
    prediction.generation_seconds += seconds_since(generation_start);
    prediction.constrained_seconds += generated.constrained_seconds;
    const GenerationResult& result = generated.results[0];
    prediction.generated_tokens += static_cast<int64_t>(result.tokens.size());
    if (generated.timed_out) {
      if (stop != nullptr && stop->load()) prediction.interrupted = true;
      else prediction.errors.push_back(fmt::format("{}: generation stopped at the {:.0f}s time limit", stage, options_.timeout_seconds));
    }
    if (result.hypotheses.size() > 1) {
      for (size_t i = 0; i < result.hypotheses.size(); ++i) add_candidate(fmt::format("beam {}", i + 1), result, result.hypotheses[i]);
    } else {
      add_candidate(stage, result, result.tokens);
    }
    return result;
  };
  generate_from(prompt, "greedy");
  if (options_.num_beams > 1) prediction.candidates[0].stage = "beam 1";

  // 5a. Self-correction: the first answer and the reference's instruction, then the second answer.
  if (options_.self_correction && !prediction.interrupted) {
    std::vector<int64_t> second = impl.encode_prompt(prompt_text + prediction.candidates[0].raw + kSelfCorrection);
    size_t before = prediction.candidates.size();
    generate_from(second, "self-correction");
    for (size_t i = before; i < prediction.candidates.size(); ++i) prediction.candidates[i].stage = "self-correction";
  }
  // 5b. Execution-driven repair: re-prompt with SQLite's message (or "no rows") and the failed SQL.
  auto usable = [&](size_t i) { return outcomes[i].ok() && !outcomes[i].result.rows.empty(); };
  // The best candidate of the latest round is the one to repair (self-correction's when it ran).
  size_t round_start = 0;
  for (size_t i = 0; i < prediction.candidates.size(); ++i) {
    if (prediction.candidates[i].stage == "self-correction") {
      round_start = i;
      break;
    }
  }
  for (int round = 1; round <= options_.repair_rounds && !prediction.interrupted; ++round) {
    size_t last = round_start;
    bool any_usable = false;
    for (size_t i = 0; i < outcomes.size(); ++i) any_usable = any_usable || usable(i);
    if (any_usable || Clock::now() > deadline) break;
    const Candidate& failed = prediction.candidates[last];
    std::string problem = failed.status == QueryStatus::kOk ? "it returned no rows" : "SQLite error: " + failed.error;
    std::string note = "\n\n-- A previous answer to this question was:\n-- " + failed.sql + "\n-- It failed: " + problem +
                       "\n-- Write a corrected query.";
    std::vector<int64_t> repair = impl.encode_prompt(build(serialized.text, note));
    if (static_cast<int64_t>(repair.size()) >= context_length()) break;
    size_t before = prediction.candidates.size();
    round_start = before;
    generate_from(repair, "repair");
    for (size_t i = before; i < prediction.candidates.size(); ++i) prediction.candidates[i].stage = fmt::format("repair {}", round);
  }

  // 6. Choose.
  std::vector<size_t> preference;
  for (size_t i = 0; i < prediction.candidates.size(); ++i) {
    if (prediction.candidates[i].stage == "self-correction") preference.push_back(i);
  }
  for (size_t i = 0; i < prediction.candidates.size(); ++i) {
    if (prediction.candidates[i].stage != "self-correction") preference.push_back(i);
  }
  size_t chosen = preference.front();
  if (options_.execution_guided || options_.repair_rounds > 0) {
    auto first = [&](auto predicate) -> std::optional<size_t> {
      for (size_t i : preference) {
        if (predicate(i)) return i;
      }
      return std::nullopt;
    };
    if (auto with_rows = first(usable)) {
      chosen = *with_rows;
    } else if (auto runs = first([&](size_t i) { return outcomes[i].ok(); })) {
      chosen = *runs;
    }
  }
  prediction.sql = prediction.candidates[chosen].sql;
  prediction.outcome = std::move(outcomes[chosen]);
  if (!prediction.outcome.ok()) prediction.errors.push_back("execution: " + prediction.outcome.error);
  prediction.latency_seconds = seconds_since(start);
  return prediction;
}

}  // namespace t2sql::gen
