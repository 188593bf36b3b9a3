#include "train/sft_dataset.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "common/error.hpp"
#include "common/file_io.hpp"

namespace t2sql::train {

std::vector<SftRecord> load_sft_records(const std::filesystem::path& path) {
  std::vector<SftRecord> records;
  for_each_jsonl_record(path, [&](const nlohmann::json& json, int line) {
    auto where = [&] { return fmt::format("{}:{}", path.string(), line); };
    if (!json.is_object()) fail(ErrorCode::kInvalidArgument, "{}: a record must be a JSON object", where());
    SftRecord record;
    record.line = line;
    if (!json.contains("prompt") || !json["prompt"].is_array() || json["prompt"].empty()) {
      fail(ErrorCode::kInvalidArgument, "{}: missing \"prompt\" (a list of {{role, content}} messages)", where());
    }
    for (const auto& message : json["prompt"]) {
      if (!message.is_object() || !message.contains("role") || !message.contains("content") ||
          !message["role"].is_string() || !message["content"].is_string()) {
        fail(ErrorCode::kInvalidArgument, "{}: every prompt message needs string \"role\" and \"content\"", where());
      }
      record.prompt.push_back({message["role"].get<std::string>(), message["content"].get<std::string>()});
    }
    const auto completion = json.find("completion");
    if (completion == json.end()) fail(ErrorCode::kInvalidArgument, "{}: missing \"completion\"", where());
    if (completion->is_string()) {
      record.completion = completion->get<std::string>();
    } else if (completion->is_array() && completion->size() == 1 && (*completion)[0].is_object() &&
               (*completion)[0].contains("content") && (*completion)[0]["content"].is_string()) {
      record.completion = (*completion)[0]["content"].get<std::string>();
    } else {
      fail(ErrorCode::kInvalidArgument, "{}: \"completion\" must be a string or one assistant message", where());
    }
    if (record.completion.empty()) fail(ErrorCode::kInvalidArgument, "{}: empty completion", where());
    if (json.contains("db_id") && json["db_id"].is_string()) record.db_id = json["db_id"].get<std::string>();
    records.push_back(std::move(record));
  });
  return records;
}

std::string render_prompt(const text::ChatTemplate& chat_template, const SftRecord& record) {
  return text::render_chat(chat_template, record.prompt, true);
}

std::vector<TokenizedExample> tokenize_records(const std::vector<SftRecord>& records, const text::Tokenizer& tokenizer,
                                               const text::ChatTemplate& chat_template) {
  std::vector<TokenizedExample> examples;
  examples.reserve(records.size());
  for (const SftRecord& record : records) {
    std::string prompt = render_prompt(chat_template, record);
    auto conversation = record.prompt;
    conversation.push_back({"assistant", record.completion});
    std::string full = text::render_chat(chat_template, conversation, false);
    if (full.compare(0, prompt.size(), prompt) != 0) {
      fail(ErrorCode::kInvalidArgument, "line {}: the chat template does not render the prompt as a prefix of the conversation",
           record.line);
    }
    TokenizedExample example;
    example.prompt = tokenizer.encode(prompt, true);
    example.completion = tokenizer.encode(std::string_view(full).substr(prompt.size()), false);
    examples.push_back(std::move(example));
  }
  return examples;
}

text::ChatTemplate resolve_chat_template(const std::string& name, const text::Tokenizer& tokenizer) {
  text::ChatTemplate result;
  if (!name.empty()) {
    result.format = text::chat_format_from_name(name);
  } else if (auto recognized = text::recognize_chat_template(tokenizer.settings().chat_template)) {
    result = *recognized;
  } else {
    result.format = text::ChatFormat::kPlain;
  }
  result.bos_token = tokenizer.settings().bos_token;
  result.eos_token = tokenizer.settings().eos_token;
  return result;
}

std::string gold_query(const SftRecord& record) { return "SELECT" + record.completion; }

std::string postprocess_prediction(const std::string& generated) {
  std::string text = generated.substr(0, generated.find(';'));
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  std::string head = text.substr(0, 6);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  if (head != "select") text = "SELECT " + text;
  return text;
}

}  // namespace t2sql::train
