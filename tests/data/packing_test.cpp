#include "data/packing.hpp"

#include <gtest/gtest.h>

#include "common/error.hpp"

namespace t2sql {
namespace {

TEST(Packing, CompletionOnlyTargetsAreShiftedAndNeverCrossExamples) {
  std::vector<TokenizedExample> examples = {{{1, 2, 3}, {4, 5}}, {{6, 7}, {8}}};
  PackingStats stats;
  auto sequences = pack_examples(examples, {.max_length = 16, .packing = true, .completion_only = true}, &stats);
  ASSERT_EQ(sequences.size(), 1u);
  const auto& s = sequences[0];
  EXPECT_EQ(s.input_ids, (std::vector<int32_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(s.position_ids, (std::vector<int32_t>{0, 1, 2, 3, 4, 0, 1, 2}));
  EXPECT_EQ(s.segment_ids, (std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 1}));
  // After "3" (last prompt token) predict 4, after 4 predict 5; 5 is the last of its example: no
  // target (never predict the next example's first token); then after 7 predict 8.
  EXPECT_EQ(s.targets, (std::vector<int32_t>{-100, -100, 4, 5, -100, -100, 8, -100}));
  EXPECT_EQ(stats.target_tokens, 3u);
  EXPECT_EQ(stats.examples, 2u);
}

TEST(Packing, FullLossTrainsOnPromptTokensToo) {
  auto sequences = pack_examples({{{1, 2}, {3}}}, {.max_length = 8, .packing = true, .completion_only = false});
  EXPECT_EQ(sequences[0].targets, (std::vector<int32_t>{2, 3, -100}));
}

TEST(Packing, StartsANewSequenceWhenTheNextExampleDoesNotFit) {
  std::vector<TokenizedExample> examples = {{{1, 2, 3}, {4}}, {{5, 6}, {7}}, {{8}, {9}}};
  auto sequences = pack_examples(examples, {.max_length = 6});
  ASSERT_EQ(sequences.size(), 2u);
  EXPECT_EQ(sequences[0].input_ids, (std::vector<int32_t>{1, 2, 3, 4}));
  EXPECT_EQ(sequences[1].input_ids, (std::vector<int32_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(sequences[1].examples, 2);
}

TEST(Packing, WithoutPackingEachExampleIsItsOwnSequence) {
  auto sequences = pack_examples({{{1}, {2}}, {{3}, {4}}}, {.max_length = 100, .packing = false});
  EXPECT_EQ(sequences.size(), 2u);
}

TEST(Packing, LongExamplesAreTruncatedAndCounted) {
  PackingStats stats;
  auto sequences = pack_examples({{{1, 2, 3, 4}, {5, 6}}}, {.max_length = 5}, &stats);
  EXPECT_EQ(stats.truncated_examples, 1u);
  EXPECT_EQ(sequences[0].input_ids, (std::vector<int32_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sequences[0].targets, (std::vector<int32_t>{-100, -100, -100, 5, -100}));
  EXPECT_THROW(pack_examples({}, {.max_length = 1}), Error);
}

}  // namespace
}  // namespace t2sql
