// `t2sql tokenizer encode|decode|name-spelling|train`: look at what a tokenizer does with a prompt,
// and train a SentencePiece model. Flag parsing only; the work is in src/text/.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_registry.hpp"
#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "text/name_spelling.hpp"
#include "text/tokenizer.hpp"
#include "text/tokenizer_training.hpp"

namespace t2sql::cli {
namespace {

struct TokenizerFlags {
  std::string tokenizer;
  bool jsonl = false;
  bool add_special = false;
  bool pieces = false;
  bool skip_special = false;
  std::vector<std::string> inputs;
  text::TokenizerTrainingOptions training;
  std::string from_prep;
  std::string input_file;
  bool json = false;
};

std::string read_stdin() { return std::string(std::istreambuf_iterator<char>(std::cin), {}); }

void print_ids(const text::Tokenizer& tokenizer, const std::vector<text::TokenId>& ids, bool pieces) {
  if (pieces) {
    std::vector<std::string> shown;
    for (text::TokenId id : ids) shown.push_back(fmt::format("{}:{}", id, nlohmann::json(sanitize_utf8(tokenizer.id_to_piece(id))).dump()));
    fmt::print("{}\n", fmt::join(shown, " "));
  } else {
    fmt::print("{}\n", fmt::join(ids, " "));
  }
}

void run_encode(const TokenizerFlags& flags) {
  auto tokenizer = text::load_tokenizer(flags.tokenizer);
  if (flags.jsonl) {
    // One JSON string per line in, one line of ids per line out (blank lines give blank lines).
    std::vector<std::string> lines = split_lines(read_stdin());
    if (!lines.empty() && lines.back().empty()) lines.pop_back();
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].empty()) {
        fmt::print("\n");
        continue;
      }
      if (auto bad = find_invalid_utf8(lines[i])) fail(ErrorCode::kInvalidArgument, "stdin line {}: invalid UTF-8 at byte {}", i + 1, *bad);
      nlohmann::json value = parse_json(lines[i], fmt::format("stdin line {}", i + 1));
      if (!value.is_string()) fail(ErrorCode::kInvalidArgument, "stdin line {}: expected a JSON string", i + 1);
      print_ids(*tokenizer, tokenizer->encode(value.get<std::string>(), flags.add_special), flags.pieces);
    }
    return;
  }
  std::string text = flags.inputs.empty() ? read_stdin() : fmt::format("{}", fmt::join(flags.inputs, " "));
  if (auto bad = find_invalid_utf8(text)) fail(ErrorCode::kInvalidArgument, "input: invalid UTF-8 at byte {}", *bad);
  std::vector<text::TokenId> ids = tokenizer->encode(text, flags.add_special);
  print_ids(*tokenizer, ids, flags.pieces);
  std::cerr << fmt::format("{} tokens, {} bytes ({})\n", ids.size(), text.size(), tokenizer->describe());
}

std::vector<text::TokenId> parse_ids(const std::string& line, size_t line_number) {
  std::vector<text::TokenId> ids;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == ',')) ++pos;
    if (pos >= line.size()) break;
    size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != ',') ++end;
    std::string token = line.substr(pos, end - pos);
    try {
      size_t used = 0;
      long value = std::stol(token, &used);
      if (used != token.size() || value < 0 || value > (1L << 30)) throw std::invalid_argument(token);
      ids.push_back(static_cast<text::TokenId>(value));
    } catch (const std::exception&) {
      fail(ErrorCode::kInvalidArgument, "line {}: \"{}\" is not a token id", line_number, token);
    }
    pos = end;
  }
  return ids;
}

void run_decode(const TokenizerFlags& flags) {
  auto tokenizer = text::load_tokenizer(flags.tokenizer);
  if (!flags.inputs.empty()) {
    fmt::print("{}\n", tokenizer->decode(parse_ids(fmt::format("{}", fmt::join(flags.inputs, " ")), 1), flags.skip_special));
    return;
  }
  std::vector<std::string> lines = split_lines(read_stdin());
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string decoded = tokenizer->decode(parse_ids(lines[i], i + 1), flags.skip_special);
    if (flags.jsonl) fmt::print("{}\n", nlohmann::json(decoded).dump());
    else fmt::print("{}\n", decoded);
  }
}

// The text of a prep record's field, its messages one per line.
std::string record_text(const nlohmann::json& record, const char* key, const std::string& where) {
  return fmt::format("{}", fmt::join(text::prep_field_texts(record, key, where), "\n"));
}

void run_name_spelling(const TokenizerFlags& flags) {
  auto tokenizer = text::load_tokenizer(flags.tokenizer);
  std::vector<text::PromptAnswer> records;
  for_each_jsonl_record(flags.from_prep, [&](const nlohmann::json& record, int line) {
    const std::string where = fmt::format("{}:{}", flags.from_prep, line);
    if (!record.is_object()) fail(ErrorCode::kInvalidArgument, "{}: expected a JSON object", where);
    records.push_back({record_text(record, "prompt", where), record_text(record, "completion", where)});
  });
  const text::NameSpellingReport report = text::check_name_spelling(*tokenizer, records);
  auto percent = [](size_t part, size_t whole) { return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole); };
  if (flags.json) {
    nlohmann::json out = {{"records", report.records},
                          {"names", report.all.names},
                          {"respelled", report.all.respelled},
                          {"records_with_respelled", report.respelled_records.size()},
                          {"respelled_records", report.respelled_records}};
    for (const auto& [context, count] : report.by_context) out["by_context"][context] = {{"names", count.names}, {"respelled", count.respelled}};
    fmt::print("{}\n", out.dump(2));
    return;
  }
  fmt::print("{}: {} records, {} names of the prompt in the answers\n", flags.from_prep, report.records, report.all.names);
  fmt::print("{:<10} {:>8} {:>10} {:>8}\n", "after", "names", "respelled", "%");
  for (const auto& [context, count] : report.by_context)
    fmt::print("{:<10} {:>8} {:>10} {:>7.1f}%\n", context, count.names, count.respelled, percent(count.respelled, count.names));
  fmt::print("{:<10} {:>8} {:>10} {:>7.1f}%\n", "all", report.all.names, report.all.respelled, percent(report.all.respelled, report.all.names));
  fmt::print("records with a name spelled with other ids than in the prompt: {} of {} ({:.1f}%)\n",
             report.respelled_records.size(), report.records, percent(report.respelled_records.size(), report.records));
}

const CommandRegistrar registrar(40, [](CLI::App& app) {
  auto flags = std::make_shared<TokenizerFlags>();
  auto* tokenizer = app.add_subcommand("tokenizer", "encode / decode text with a tokenizer, train a SentencePiece model");
  tokenizer->require_subcommand(1);

  auto* encode = tokenizer->add_subcommand("encode", "text -> token ids (stdin or arguments)");
  encode->add_option("--tokenizer", flags->tokenizer, "tokenizer.json, SentencePiece .model, or a model folder")->required();
  encode->add_flag("--jsonl", flags->jsonl, "stdin: one JSON string per line; stdout: one line of ids per line");
  encode->add_flag("--add-special", flags->add_special, "add the tokenizer's special tokens (e.g. BOS)");
  encode->add_flag("--pieces", flags->pieces, "print id:\"piece\" pairs");
  encode->add_option("text", flags->inputs, "text to encode (default: all of stdin)");
  encode->callback([flags] { run_encode(*flags); });

  auto* decode = tokenizer->add_subcommand("decode", "token ids -> text (one line of ids per output line)");
  decode->add_option("--tokenizer", flags->tokenizer, "tokenizer.json, SentencePiece .model, or a model folder")->required();
  decode->add_flag("--jsonl", flags->jsonl, "print each decoded line as a JSON string");
  decode->add_flag("--skip-special", flags->skip_special, "leave special tokens out");
  decode->add_option("ids", flags->inputs, "ids to decode (default: lines of stdin)");
  decode->callback([flags] { run_decode(*flags); });

  auto* spelling = tokenizer->add_subcommand(
      "name-spelling", "how often the answers of prepared records spell a schema name with other ids than the prompt does");
  spelling->add_option("--tokenizer", flags->tokenizer, "tokenizer.json, SentencePiece .model, or a model folder")->required();
  spelling->add_option("--from-prep", flags->from_prep, "JSONL from `t2sql data prep` (prompt + completion)")->required();
  spelling->add_flag("--json", flags->json, "print the report as JSON (with the indices of the records concerned)");
  spelling->callback([flags] { run_name_spelling(*flags); });

  auto* train = tokenizer->add_subcommand("train", "train a SentencePiece model (writes PREFIX.model and PREFIX.vocab)");
  train->add_option("--input", flags->input_file, "UTF-8 text file, one sentence per line");
  train->add_option("--from-prep", flags->from_prep, "JSONL from `t2sql data prep` (prompt + completion)");
  train->add_option("--output", flags->training.output_prefix, "output prefix")->required();
  train->add_option("--model-type", flags->training.model_type, "bpe or unigram")->default_val("bpe");
  train->add_option("--vocab-size", flags->training.vocab_size, "vocabulary size")->default_val(8000);
  train->add_option("--byte-fallback", flags->training.byte_fallback, "byte fallback for unseen characters")->default_val(true);
  train->add_option("--user-defined-symbols", flags->training.user_defined_symbols, "pieces kept whole (comma separated)")
      ->delimiter(',');
  train->add_flag("--whitespace-piece", flags->training.whitespace_piece,
                  "a space is a piece of its own, so a word has the same pieces after a space, a dot or a bracket");
  train->add_option("--threads", flags->training.threads, "training threads (1 is deterministic)")->default_val(1);
  train->callback([flags] {
    if (flags->input_file.empty() == flags->from_prep.empty()) {
      fail(ErrorCode::kInvalidArgument, "give exactly one of --input and --from-prep");
    }
    flags->training.input = flags->input_file.empty() ? flags->from_prep : flags->input_file;
    flags->training.input_is_prep_jsonl = !flags->from_prep.empty();
    auto model = text::train_tokenizer(flags->training);
    auto tokenizer = text::load_tokenizer(model);
    fmt::print("wrote {} ({})\n", model.string(), tokenizer->describe());
  });
});

}  // namespace
}  // namespace t2sql::cli
