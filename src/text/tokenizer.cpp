#include "text/tokenizer.hpp"

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "text/hf_tokenizer.hpp"
#include "text/sentencepiece_tokenizer.hpp"

namespace t2sql::text {
namespace fs = std::filesystem;

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special) const {
  return sanitize_utf8(decode_bytes(ids, skip_special));
}

void Tokenizer::check_id(TokenId id) const {
  if (id < 0 || static_cast<size_t>(id) >= vocab_size()) {
    fail(ErrorCode::kInvalidArgument, "token id {} is outside the vocabulary (0..{})", id, vocab_size() - 1);
  }
}

namespace {

// tokenizer_config.json writes special tokens as "text" or {"content": "text", ...}.
std::optional<std::string> token_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string()) {
    return value["content"].get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

void apply_tokenizer_config(Tokenizer& tokenizer, const fs::path& config_path) {
  nlohmann::json config = load_json_file(config_path);
  if (!config.is_object()) fail(ErrorCode::kParse, "{}: expected a JSON object", config_path.string());
  TokenizerSettings& settings = tokenizer.mutable_settings();
  auto resolve = [&](const char* key, std::string& text, std::optional<TokenId>& id) {
    if (!config.contains(key)) return;
    if (config[key].is_null()) {
      text.clear();
      id.reset();
      return;
    }
    auto value = token_text(config[key]);
    if (!value) fail(ErrorCode::kParse, "{}: \"{}\" must be a string or an object with \"content\"", config_path.string(), key);
    auto found = tokenizer.piece_to_id(*value);
    if (!found) fail(ErrorCode::kParse, "{}: {} \"{}\" is not in the vocabulary", config_path.string(), key, *value);
    text = *value;
    id = found;
  };
  resolve("bos_token", settings.bos_token, settings.bos_id);
  resolve("eos_token", settings.eos_token, settings.eos_id);
  std::string pad_text;
  resolve("pad_token", pad_text, settings.pad_id);
  if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) settings.add_bos = config["add_bos_token"].get<bool>();
  if (config.contains("add_eos_token") && config["add_eos_token"].is_boolean()) settings.add_eos = config["add_eos_token"].get<bool>();
  if (config.contains("chat_template")) {
    const auto& chat = config["chat_template"];
    if (chat.is_string()) {
      settings.chat_template = chat.get<std::string>();
    } else if (chat.is_array()) {
      // The list form: [{"name": "default", "template": "..."}, ...]; take "default".
      for (const auto& entry : chat) {
        if (entry.is_object() && entry.value("name", std::string()) == "default" && entry.contains("template") &&
            entry["template"].is_string()) {
          settings.chat_template = entry["template"].get<std::string>();
        }
      }
    }
  }
}

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(ErrorCode::kNotFound, "tokenizer not found: {}", path.string());
  fs::path file = path;
  fs::path folder = path.parent_path();
  if (fs::is_directory(path, ec)) {
    folder = path;
    if (fs::exists(path / "tokenizer.json", ec)) file = path / "tokenizer.json";
    else if (fs::exists(path / "tokenizer.model", ec)) file = path / "tokenizer.model";
    else fail(ErrorCode::kNotFound, "{}: no tokenizer.json or tokenizer.model in this folder", path.string());
  }
  std::unique_ptr<Tokenizer> tokenizer;
  if (file.extension() == ".json") {
    tokenizer = load_hf_tokenizer_file(file);
  } else {
    // Anything else must be a SentencePiece model (its protobuf has no magic number to check).
    tokenizer = load_sentencepiece_file(file);
  }
  fs::path config = folder / "tokenizer_config.json";
  if (!folder.empty() && fs::exists(config, ec)) apply_tokenizer_config(*tokenizer, config);
  return tokenizer;
}

}  // namespace t2sql::text
