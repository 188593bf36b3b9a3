// Chat templates of the model families, rendered natively (no Jinja engine): the output equals the
// reference Jinja rendering of the families' own templates (tests/fixtures/tokenizers/
// chat_templates.json, rendered by @huggingface/jinja).
//   llama3   <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\n{content|trim}<|eot_id|>
//   qwen3    ChatML with Qwen3's empty <think> block on the final assistant turn
//   chatml   <|im_start|>role\n{content}<|im_end|>\n
//   llama2   <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s>
//   mistral  <s>[INST] {user} [/INST]{assistant}</s>   (no system role)
//   plain    "System: ...\n\nUser: ...\n\nAssistant: ..." for models trained without a template
// A template is chosen by name or recognized in tokenizer_config.json's chat_template by its
// distinctive substrings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql::text {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

enum class ChatFormat { kLlama3, kQwen3, kChatml, kLlama2, kMistral, kPlain };

struct ChatTemplate {
  ChatFormat format = ChatFormat::kPlain;
  std::string bos_token;  // text of BOS, used by llama3/llama2/mistral
  std::string eos_token;  // text of EOS, used by llama2/mistral/plain
  // Some Llama-3 tokenizer_config.json templates append the assistant header unconditionally.
  bool always_generation_prompt = false;
};

// "llama3", "qwen3", "chatml", "llama2", "mistral", "plain"; Error(kInvalidArgument) otherwise.
ChatFormat chat_format_from_name(std::string_view name);
std::string_view chat_format_name(ChatFormat format);

// Recognizes a Jinja chat template; nullopt when it is none of the known ones.
std::optional<ChatTemplate> recognize_chat_template(std::string_view jinja_source);

// Renders `messages`; add_generation_prompt appends the assistant's opening. Errors
// (kInvalidArgument): an unknown role, a system message where the format has none (mistral) or
// not first, roles not alternating user/assistant where the format requires it (llama2, mistral).
std::string render_chat(const ChatTemplate& chat_template, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt);

}  // namespace t2sql::text
