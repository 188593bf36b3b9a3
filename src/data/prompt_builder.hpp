// The prompt of the reference pipeline, reproduced byte for byte (docs/data.md quotes it):
//   system:    kSystemMessage
//   user:      "Here is the schema of the tables you will be working with:\n{schema}\n\n--
//   {question} \nSELECT" assistant: the gold query with its first "select" (any case) and
//   everything before it removed,
//              so "SELECT name FROM t" becomes " name FROM t" (the prompt already ends in SELECT).
// Roles: sys-user-assistant (three messages), user-assistant (system + "\n" + user in one turn) or
// user (the user turn alone, no instructions: for models trained from scratch, where the fixed
// system text only costs tokens).
// Few-shot (the reference RAG layout): the user turn becomes
//   "Here are a few examples of tables, user input in natural language, and the expected query in
//   SQL:\n"
//   + for each example: its user message + its answer + "\n\n\n"
//   + the current user message + "\n\n",
// and every "Here is the schema of the tables you will be working with:" is replaced by "\n\n".
// Question first (`PromptLayout::question_first`, not in the reference): the user turn also starts
// with "-- {question}\n" before the schema header. In a decoder every schema token then attends
// to the question, so a column's representation can already say whether the question names it;
// with the question only at the end, that linking must happen while the answer is written.
// Chat templates (rendering messages into one string) belong to the text module.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql {

extern const char* const kSystemMessage;
extern const char* const
    kSchemaHeader;  // "Here is the schema of the tables you will be working with:"
extern const char* const kFewShotHeader;  // "Here are a few examples of tables, ...:\n"

enum class ConversationRoles { kSystemUserAssistant, kUserAssistant, kUserOnly };

// "sys-user-assistant", "user-assistant" or "user"; throws Error(kInvalidArgument) otherwise.
ConversationRoles parse_conversation_roles(const std::string& name);
const char* conversation_roles_name(ConversationRoles roles);

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
  bool operator==(const ChatMessage&) const = default;
};

// How the turns are laid out: the chat roles, and whether the question also precedes the schema.
// Implicit from ConversationRoles: the reference layout with those roles.
struct PromptLayout {
  ConversationRoles roles = ConversationRoles::kSystemUserAssistant;
  bool question_first = false;
  PromptLayout(ConversationRoles roles_ = ConversationRoles::kSystemUserAssistant,  // NOLINT
               bool question_first_ = false)
      : roles(roles_), question_first(question_first_) {}
};

// One solved example shown before the question (retrieval picks them; see the text module).
struct FewShotExample {
  std::string schema;  // serialized schema of its database
  std::string question;
  std::string query;  // gold SQL
};

// The user message for one schema and question.
std::string user_message(std::string_view schema, std::string_view question, bool question_first = false);

// The training target: `query` without its first "select" (case-insensitive) and what precedes
// it. A query without "select" is returned whole.
std::string completion_from_gold(std::string_view query);

// The prompt turns (system and user, or the folded user turn), without the answer.
std::vector<ChatMessage> build_prompt(std::string_view schema, std::string_view question,
                                      PromptLayout layout,
                                      std::span<const FewShotExample> few_shot = {});

// The prompt plus the assistant turn holding completion_from_gold(query): one SFT conversation.
std::vector<ChatMessage> build_conversation(std::string_view schema, std::string_view question,
                                            std::string_view query, PromptLayout layout,
                                            std::span<const FewShotExample> few_shot = {});

}  // namespace t2sql
