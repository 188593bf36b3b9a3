#include "data/prompt_builder.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace t2sql {
namespace {

const std::string kReferenceSystem =
    "You are a helpful assistant who answers questions about database tables by responding with "
    "SQL queries.\n"
    "Users will provide you with a set of tables represented as CREATE TABLE statements followed "
    "by INSERT statements "
    "containing information about the data types contained in each of the tables.\n"
    "Then users will ask a question.\n"
    "Answer the user question by writing a SQL statement with the help of the provided SQL tables.";

TEST(PromptBuilder, UserMessageMatchesTheReferenceByteForByte) {
  EXPECT_EQ(user_message("CREATE TABLE t (a int);", "How many?"),
            "Here is the schema of the tables you will be working with:\nCREATE TABLE t (a "
            "int);\n\n-- How many? \nSELECT");
}

TEST(PromptBuilder, SystemUserAssistantHasThreeTurns) {
  auto messages = build_conversation("S", "Q?", "SELECT count(*) FROM singer",
                                     ConversationRoles::kSystemUserAssistant);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0], (ChatMessage{"system", kReferenceSystem}));
  EXPECT_EQ(messages[1].role, "user");
  EXPECT_EQ(messages[1].content,
            "Here is the schema of the tables you will be working with:\nS\n\n-- Q? \nSELECT");
  EXPECT_EQ(messages[2], (ChatMessage{"assistant", " count(*) FROM singer"}));
}

TEST(PromptBuilder, UserAssistantFoldsTheSystemTextWithANewline) {
  auto messages = build_prompt("S", "Q?", ConversationRoles::kUserAssistant);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].role, "user");
  EXPECT_EQ(messages[0].content, kReferenceSystem + "\n" + user_message("S", "Q?"));
}

TEST(PromptBuilder, UserRolesKeepOnlyTheUserTurnWithoutInstructions) {
  auto messages = build_conversation("S", "Q?", "SELECT 1", ConversationRoles::kUserOnly);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], (ChatMessage{"user", user_message("S", "Q?")}));
  EXPECT_EQ(messages[1], (ChatMessage{"assistant", " 1"}));
  EXPECT_EQ(parse_conversation_roles("user"), ConversationRoles::kUserOnly);
  EXPECT_STREQ(conversation_roles_name(ConversationRoles::kUserOnly), "user");
}

TEST(PromptBuilder, CompletionDropsTheFirstSelectInAnyCase) {
  EXPECT_EQ(completion_from_gold("SELECT name FROM t"), " name FROM t");
  EXPECT_EQ(completion_from_gold("select a FROM (SELECT b FROM t)"), " a FROM (SELECT b FROM t)");
  EXPECT_EQ(completion_from_gold("  Select x"), " x");  // what precedes the keyword goes too
  EXPECT_EQ(completion_from_gold("UPDATE t SET a = 1"),
            "UPDATE t SET a = 1");  // no SELECT: kept whole
}

TEST(PromptBuilder, FewShotFollowsTheReferenceRagLayout) {
  std::vector<FewShotExample> shots = {{"S1", "Q1", "SELECT a FROM t1"},
                                       {"S2", "Q2", "select b from t2"}};
  auto messages = build_prompt("S", "Q", ConversationRoles::kSystemUserAssistant, shots);
  ASSERT_EQ(messages.size(), 2u);
  const std::string expected =
      "Here are a few examples of tables, user input in natural language, and the expected query "
      "in SQL:\n"
      "\n\n\nS1\n\n-- Q1 \nSELECT a FROM t1\n\n\n"
      "\n\n\nS2\n\n-- Q2 \nSELECT b from t2\n\n\n"
      "\n\n\nS\n\n-- Q \nSELECT\n\n";
  EXPECT_EQ(messages[1].content, expected);
  auto folded = build_prompt("S", "Q", ConversationRoles::kUserAssistant, shots);
  ASSERT_EQ(folded.size(), 1u);
  EXPECT_EQ(folded[0].content, kReferenceSystem + "\n" + expected);
}

TEST(PromptBuilder, QuestionFirstAlsoStatesTheQuestionBeforeTheSchema) {
  EXPECT_EQ(user_message("S", "How many?", true),
            "-- How many?\nHere is the schema of the tables you will be working with:\nS\n\n-- How "
            "many? \nSELECT");
  auto messages = build_conversation("S", "Q?", "SELECT 1", {ConversationRoles::kUserOnly, true});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], (ChatMessage{"user", user_message("S", "Q?", true)}));
  // Few-shot examples take the same layout as the question they precede.
  std::vector<FewShotExample> shots = {{"S1", "Q1", "SELECT a FROM t1"}};
  auto few = build_prompt("S", "Q", {ConversationRoles::kUserOnly, true}, shots);
  ASSERT_EQ(few.size(), 1u);
  EXPECT_EQ(few[0].content,
            "Here are a few examples of tables, user input in natural language, and the expected query "
            "in SQL:\n"
            "-- Q1\n\n\n\nS1\n\n-- Q1 \nSELECT a FROM t1\n\n\n"
            "-- Q\n\n\n\nS\n\n-- Q \nSELECT\n\n");
}

TEST(PromptBuilder, RolesParseAndRefuseUnknownNames) {
  EXPECT_EQ(parse_conversation_roles("user-assistant"), ConversationRoles::kUserAssistant);
  EXPECT_EQ(parse_conversation_roles("sys-user-assistant"),
            ConversationRoles::kSystemUserAssistant);
  try {
    parse_conversation_roles("assistant-only");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("assistant-only"), std::string::npos);
  }
}

}  // namespace
}  // namespace t2sql
