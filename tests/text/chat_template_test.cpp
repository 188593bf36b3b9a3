// Chat templates: native rendering equals @huggingface/jinja's rendering of the real templates.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "text/chat_template.hpp"

namespace t2sql::text {
namespace {

const nlohmann::json& fixtures() {
  static const nlohmann::json data =
      load_json_file(std::filesystem::path(T2SQL_TEST_FIXTURES) / "tokenizers" / "chat_templates.json");
  return data;
}

ChatTemplate template_for(const std::string& name) {
  auto recognized = recognize_chat_template(fixtures()["templates"][name].get<std::string>());
  EXPECT_TRUE(recognized.has_value()) << name;
  ChatTemplate t = recognized.value_or(ChatTemplate{});
  EXPECT_EQ(chat_format_name(t.format), name) << "recognized as the wrong format";
  if (name == "llama3") t.bos_token = "<|begin_of_text|>";
  if (name == "llama2" || name == "mistral") {
    t.bos_token = "<s>";
    t.eos_token = "</s>";
  }
  return t;
}

TEST(ChatTemplateTest, RendersLikeTheReferenceJinja) {
  size_t checked = 0;
  for (const auto& c : fixtures()["cases"]) {
    std::string name = c["template"].get<std::string>();
    std::vector<ChatMessage> messages;
    for (const auto& m : c["messages"]) messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    std::string rendered = render_chat(template_for(name), messages, c["add_generation_prompt"].get<bool>());
    EXPECT_EQ(rendered, c["rendered"].get<std::string>()) << name << " case " << c.dump();
    ++checked;
  }
  EXPECT_GE(checked, 60u);
}

TEST(ChatTemplateTest, ByNameAndUnknownNames) {
  EXPECT_EQ(chat_format_from_name("qwen3"), ChatFormat::kQwen3);
  EXPECT_THROW(chat_format_from_name("vicuna"), Error);
  EXPECT_FALSE(recognize_chat_template("{{ messages }}").has_value());
}

TEST(ChatTemplateTest, RefusesBadRoleSequences) {
  ChatTemplate mistral{ChatFormat::kMistral, "<s>", "</s>", false};
  EXPECT_THROW(render_chat(mistral, {{"system", "s"}, {"user", "u"}}, false), Error);
  EXPECT_THROW(render_chat(mistral, {{"user", "u"}, {"user", "v"}}, false), Error);
  ChatTemplate chatml{ChatFormat::kChatml, "", "", false};
  EXPECT_THROW(render_chat(chatml, {{"robot", "u"}}, false), Error);
}

TEST(ChatTemplateTest, PlainFormat) {
  ChatTemplate plain{ChatFormat::kPlain, "", "</s>", false};
  EXPECT_EQ(render_chat(plain, {{"system", "S"}, {"user", "Q"}}, true), "System: S\n\nUser: Q\n\nAssistant:");
}

}  // namespace
}  // namespace t2sql::text
