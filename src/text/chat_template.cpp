#include "text/chat_template.hpp"

#include "common/error.hpp"

namespace t2sql::text {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Jinja's trim / Python's strip() for the whitespace chat content holds.
std::string strip(std::string_view text, bool left = true, bool right = true) {
  size_t begin = 0, end = text.size();
  while (left && begin < end && is_space(text[begin])) ++begin;
  while (right && end > begin && is_space(text[end - 1])) --end;
  return std::string(text.substr(begin, end - begin));
}

std::string strip_char(std::string_view text, char c, bool left, bool right) {
  size_t begin = 0, end = text.size();
  while (left && begin < end && text[begin] == c) ++begin;
  while (right && end > begin && text[end - 1] == c) --end;
  return std::string(text.substr(begin, end - begin));
}

void check_roles(const std::vector<ChatMessage>& messages) {
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant") {
      fail(ErrorCode::kInvalidArgument, "chat message {}: unknown role \"{}\" (system, user, assistant)", i, role);
    }
  }
}

// llama2/mistral: after an optional system message, roles must go user, assistant, user, ...
void check_alternation(const std::vector<ChatMessage>& messages, size_t first, std::string_view format) {
  for (size_t i = first; i < messages.size(); ++i) {
    bool expect_user = (i - first) % 2 == 0;
    if ((messages[i].role == "user") != expect_user || messages[i].role == "system") {
      fail(ErrorCode::kInvalidArgument, "chat message {}: {} needs roles alternating user/assistant/user/...", i, format);
    }
  }
}

std::string render_llama3(const ChatTemplate& t, const std::vector<ChatMessage>& messages, bool generation) {
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i == 0) out += t.bos_token;
    out += "<|start_header_id|>" + messages[i].role + "<|end_header_id|>\n\n" + strip(messages[i].content) + "<|eot_id|>";
  }
  if (generation || t.always_generation_prompt) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string render_qwen3(const std::vector<ChatMessage>& messages, bool generation) {
  std::string out;
  if (!messages.empty() && messages[0].role == "system") out += "<|im_start|>system\n" + messages[0].content + "<|im_end|>\n";
  // The last user turn: assistant turns after it show their reasoning block.
  size_t last_query = messages.empty() ? 0 : messages.size() - 1;
  for (size_t i = messages.size(); i-- > 0;) {
    if (messages[i].role == "user") {
      last_query = i;
      break;
    }
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "user" || (m.role == "system" && i != 0)) {
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    } else if (m.role == "assistant") {
      std::string content = m.content, reasoning;
      size_t close = m.content.find("</think>");
      if (close != std::string::npos) {
        content = strip_char(m.content.substr(m.content.rfind("</think>") + 8), '\n', true, false);
        std::string before = strip_char(m.content.substr(0, close), '\n', false, true);
        size_t open = before.rfind("<think>");
        reasoning = strip_char(open == std::string::npos ? before : before.substr(open + 7), '\n', true, false);
      }
      bool last = i + 1 == messages.size();
      if (i > last_query && (last || !reasoning.empty())) {
        out += "<|im_start|>assistant\n<think>\n" + strip_char(reasoning, '\n', true, true) + "\n</think>\n\n" +
               strip_char(content, '\n', true, false);
      } else {
        out += "<|im_start|>assistant\n" + content;
      }
      out += "<|im_end|>\n";
    }
  }
  if (generation) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_chatml(const std::vector<ChatMessage>& messages, bool generation) {
  std::string out;
  for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (generation) out += "<|im_start|>assistant\n";
  return out;
}

std::string render_llama2(const ChatTemplate& t, const std::vector<ChatMessage>& messages) {
  size_t first = !messages.empty() && messages[0].role == "system" ? 1 : 0;
  check_alternation(messages, first, "the llama2 template");
  std::string out;
  for (size_t i = first; i < messages.size(); ++i) {
    std::string content = messages[i].content;
    if (i == first && first == 1) content = "<<SYS>>\n" + messages[0].content + "\n<</SYS>>\n\n" + content;
    if (messages[i].role == "user") out += t.bos_token + "[INST] " + strip(content) + " [/INST]";
    else out += " " + strip(content) + " " + t.eos_token;
  }
  return out;
}

std::string render_mistral(const ChatTemplate& t, const std::vector<ChatMessage>& messages) {
  check_alternation(messages, 0, "the mistral template (which has no system role)");
  std::string out = t.bos_token;
  for (const ChatMessage& m : messages) {
    if (m.role == "user") out += "[INST] " + m.content + " [/INST]";
    else out += m.content + t.eos_token;
  }
  return out;
}

std::string render_plain(const ChatTemplate& t, const std::vector<ChatMessage>& messages, bool generation) {
  std::string out;
  for (const ChatMessage& m : messages) {
    if (m.role == "system") out += "System: " + m.content + "\n\n";
    else if (m.role == "user") out += "User: " + m.content + "\n\n";
    else out += "Assistant: " + m.content + t.eos_token + "\n\n";
  }
  if (generation) out += "Assistant:";
  return out;
}

}  // namespace

ChatFormat chat_format_from_name(std::string_view name) {
  if (name == "llama3") return ChatFormat::kLlama3;
  if (name == "qwen3") return ChatFormat::kQwen3;
  if (name == "chatml") return ChatFormat::kChatml;
  if (name == "llama2") return ChatFormat::kLlama2;
  if (name == "mistral") return ChatFormat::kMistral;
  if (name == "plain") return ChatFormat::kPlain;
  fail(ErrorCode::kInvalidArgument, "unknown chat template \"{}\" (llama3, qwen3, chatml, llama2, mistral, plain)", name);
}

std::string_view chat_format_name(ChatFormat format) {
  switch (format) {
    case ChatFormat::kLlama3: return "llama3";
    case ChatFormat::kQwen3: return "qwen3";
    case ChatFormat::kChatml: return "chatml";
    case ChatFormat::kLlama2: return "llama2";
    case ChatFormat::kMistral: return "mistral";
    case ChatFormat::kPlain: return "plain";
  }
  return "plain";
}

std::optional<ChatTemplate> recognize_chat_template(std::string_view source) {
  auto has = [&](std::string_view needle) { return source.find(needle) != std::string_view::npos; };
  ChatTemplate t;
  if (has("<|start_header_id|>") && has("<|eot_id|>")) {
    t.format = ChatFormat::kLlama3;
    t.always_generation_prompt = !has("add_generation_prompt");
  } else if (has("<|im_start|>") && has("<think>") && has("reasoning_content")) {
    t.format = ChatFormat::kQwen3;
  } else if (has("<|im_start|>") && !has("You are Qwen") && !has("tools")) {
    t.format = ChatFormat::kChatml;
  } else if (has("<<SYS>>") && has("[INST]")) {
    t.format = ChatFormat::kLlama2;
  } else if (has("[INST]") && !has("<<SYS>>") && !has("system_message")) {
    t.format = ChatFormat::kMistral;
  } else {
    return std::nullopt;
  }
  return t;
}

std::string render_chat(const ChatTemplate& t, const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  check_roles(messages);
  for (size_t i = 1; i < messages.size(); ++i) {
    if (messages[i].role == "system" && t.format != ChatFormat::kQwen3 && t.format != ChatFormat::kChatml) {
      fail(ErrorCode::kInvalidArgument, "chat message {}: a system message must come first", i);
    }
  }
  switch (t.format) {
    case ChatFormat::kLlama3: return render_llama3(t, messages, add_generation_prompt);
    case ChatFormat::kQwen3: return render_qwen3(messages, add_generation_prompt);
    case ChatFormat::kChatml: return render_chatml(messages, add_generation_prompt);
    case ChatFormat::kLlama2: return render_llama2(t, messages);
    case ChatFormat::kMistral: return render_mistral(t, messages);
    case ChatFormat::kPlain: return render_plain(t, messages, add_generation_prompt);
  }
  return {};
}

}  // namespace t2sql::text
