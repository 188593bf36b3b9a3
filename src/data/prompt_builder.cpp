#include "data/prompt_builder.hpp"

#include "common/error.hpp"

namespace t2sql {

const char* const kSystemMessage =
    "You are a helpful assistant who answers questions about database tables by responding with "
    "SQL queries.\n"
    "Users will provide you with a set of tables represented as CREATE TABLE statements followed "
    "by INSERT statements "
    "containing information about the data types contained in each of the tables.\n"
    "Then users will ask a question.\n"
    "Answer the user question by writing a SQL statement with the help of the provided SQL tables.";
const char* const kSchemaHeader = "Here is the schema of the tables you will be working with:";
const char* const kFewShotHeader =
    "Here are a few examples of tables, user input in natural language, and the expected query in "
    "SQL:\n";

ConversationRoles parse_conversation_roles(const std::string& name) {
  if (name == "sys-user-assistant") return ConversationRoles::kSystemUserAssistant;
  if (name == "user-assistant") return ConversationRoles::kUserAssistant;
  if (name == "user") return ConversationRoles::kUserOnly;
  fail(ErrorCode::kInvalidArgument,
       "unknown conversation roles '{}' (expected sys-user-assistant, user-assistant or user)", name);
}

const char* conversation_roles_name(ConversationRoles roles) {
  switch (roles) {
    case ConversationRoles::kUserAssistant: return "user-assistant";
    case ConversationRoles::kUserOnly: return "user";
    case ConversationRoles::kSystemUserAssistant: break;
  }
  return "sys-user-assistant";
}

std::string user_message(std::string_view schema, std::string_view question, bool question_first) {
  std::string out;
  out.reserve(schema.size() + 2 * question.size() + 96);
  if (question_first) {
    out += "-- ";
    out += question;
    out += '\n';
  }
  out += kSchemaHeader;
  out += '\n';
  out += schema;
  out += "\n\n-- ";
  out += question;
  out += " \nSELECT";
  return out;
}

std::string completion_from_gold(std::string_view query) {
  for (size_t i = 0; i + 6 <= query.size(); ++i) {
    bool match = true;
    for (size_t k = 0; k < 6 && match; ++k) {
      char c = query[i + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      match = c == "select"[k];
    }
    if (match) return std::string(query.substr(i + 6));
  }
  return std::string(query);
}

namespace {
void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}
}  // namespace

std::vector<ChatMessage> build_prompt(std::string_view schema, std::string_view question,
                                      PromptLayout layout,
                                      std::span<const FewShotExample> few_shot) {
  const ConversationRoles roles = layout.roles;
  std::string user = user_message(schema, question, layout.question_first);
  if (!few_shot.empty()) {
    std::string combined = kFewShotHeader;
    for (const FewShotExample& example : few_shot) {
      combined += user_message(example.schema, example.question, layout.question_first);
      combined += completion_from_gold(example.query);
      combined += "\n\n\n";
    }
    combined += user;
    combined += "\n\n";
    replace_all(combined, kSchemaHeader, "\n\n");
    user = std::move(combined);
  }
  if (roles == ConversationRoles::kUserOnly) return {ChatMessage{"user", std::move(user)}};
  if (roles == ConversationRoles::kUserAssistant)
    return {ChatMessage{"user", std::string(kSystemMessage) + "\n" + user}};
  return {ChatMessage{"system", kSystemMessage}, ChatMessage{"user", std::move(user)}};
}

std::vector<ChatMessage> build_conversation(std::string_view schema, std::string_view question,
                                            std::string_view query, PromptLayout layout,
                                            std::span<const FewShotExample> few_shot) {
  std::vector<ChatMessage> messages = build_prompt(schema, question, layout, few_shot);
  messages.push_back({"assistant", completion_from_gold(query)});
  return messages;
}

}  // namespace t2sql
