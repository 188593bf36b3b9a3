#include "text/tokenizer_training.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "text/sentencepiece_library.hpp"

namespace t2sql::text {
namespace fs = std::filesystem;

std::vector<std::string> prep_field_texts(const nlohmann::json& record, const char* key, const std::string& where) {
  const auto field = record.find(key);
  if (field != record.end() && field->is_string()) return {field->get<std::string>()};
  if (field == record.end() || !field->is_array())
    fail(ErrorCode::kInvalidArgument, "{}: expected \"{}\" as a string or a list of messages", where, key);
  std::vector<std::string> texts;
  for (const auto& message : *field) {
    if (!message.is_object() || !message.contains("content") || !message["content"].is_string())
      fail(ErrorCode::kInvalidArgument, "{}: every \"{}\" message needs a string \"content\"", where, key);
    texts.push_back(message["content"].get<std::string>());
  }
  return texts;
}

fs::path train_tokenizer(const TokenizerTrainingOptions& options) {
  if (options.model_type != "bpe" && options.model_type != "unigram") {
    fail(ErrorCode::kInvalidArgument, "--model-type must be bpe or unigram, not \"{}\"", options.model_type);
  }
  if (options.vocab_size < 16) fail(ErrorCode::kInvalidArgument, "--vocab-size must be at least 16");
  if (options.threads < 1) fail(ErrorCode::kInvalidArgument, "--threads must be at least 1");
  std::error_code ec;
  if (!fs::exists(options.input, ec)) fail(ErrorCode::kNotFound, "training input not found: {}", options.input.string());
  for (const std::string& symbol : options.user_defined_symbols) {
    if (symbol.empty() || symbol.find_first_of(", \t\n") != std::string::npos) {
      fail(ErrorCode::kInvalidArgument, "user-defined symbol \"{}\" must be non-empty without spaces or commas", symbol);
    }
  }
  fs::path input = options.input;
  fs::path temporary;
  if (options.input_is_prep_jsonl) {
    // Every line of every prompt message and completion becomes one training sentence
    // (SentencePiece trains on lines and skips lines longer than max_sentence_length, so a whole
    // schema must not be one line). `prompt` is the message list `t2sql data prep` writes
    // ([{role, content}, ...]) or a plain string.
    std::string text;
    auto append_lines = [&](const std::string& value) {
      size_t start = 0;
      while (start <= value.size()) {
        size_t end = value.find('\n', start);
        if (end == std::string::npos) end = value.size();
        std::string_view line(value.data() + start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") != std::string_view::npos) {
          text += line;
          text += '\n';
        }
        start = end + 1;
      }
    };
    // `prompt` and `completion` are strings or message lists ([{role, content}, ...], the
    // conversational form `t2sql data prep` writes).
    for_each_jsonl_record(options.input, [&](const nlohmann::json& record, int line) {
      if (!record.is_object()) fail(ErrorCode::kInvalidArgument, "{}:{}: expected a JSON object", options.input.string(), line);
      const std::string where = fmt::format("{}:{}", options.input.string(), line);
      for (const char* key : {"prompt", "completion"})
        for (const std::string& content : prep_field_texts(record, key, where)) append_lines(content);
    });
    temporary = fs::path(options.output_prefix.string() + ".training.txt");
    write_file_atomic(temporary, text);
    input = temporary;
  } else {
    require_utf8(read_file(input), input.string());
  }
  std::string arguments = fmt::format(
      "--input={} --model_prefix={} --model_type={} --vocab_size={} --byte_fallback={} --num_threads={} "
      "--input_sentence_size=0 --shuffle_input_sentence=false --character_coverage=1.0 "
      "--minloglevel=2",
      input.string(), options.output_prefix.string(), options.model_type, options.vocab_size,
      options.byte_fallback ? "true" : "false", options.threads);
  std::vector<std::string> symbols = options.user_defined_symbols;
  // U+2581 is SentencePiece's visible form of a space; as a user-defined symbol it is matched
  // before the pieces are, so it always stands alone.
  if (options.whitespace_piece) symbols.push_back("\xE2\x96\x81");  // U+2581
  if (!symbols.empty()) {
    std::string joined;
    for (const std::string& symbol : symbols) joined += (joined.empty() ? "" : ",") + symbol;
    arguments += " --user_defined_symbols=" + joined;
  }
  try {
    train_sentencepiece(arguments);
  } catch (...) {
    if (!temporary.empty()) fs::remove(temporary, ec);
    throw;
  }
  if (!temporary.empty()) fs::remove(temporary, ec);
  return fs::path(options.output_prefix.string() + ".model");
}

}  // namespace t2sql::text
