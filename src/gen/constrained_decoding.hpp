// Constrained decoding for SQL, PICARD-style: at each step, only the top-k tokens by logit are
// checked, and a token survives when the detokenized text (the SQL prefix the prompt ends with,
// e.g. "SELECT", plus everything generated, plus this token) can still become a valid query of
// the Spider grammar over this schema (SqlPrefixChecker). Every other token is masked out. A
// stop token is allowed only when the text is already a complete query. When none of the top-k
// survive, the next k are tried (up to `max_rounds` batches); when still none does, only the stop
// tokens stay allowed, so a model that writes garbage ends instead of wandering.
// Model-part header (uses the LogitsProcessor hook of generation.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gen/generation.hpp"
#include "sql/sql_prefix_checker.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::gen {

struct ConstrainedDecodingOptions {
  int64_t top_k = 8;      // candidates checked per step (per round)
  int64_t max_rounds = 4; // batches of top_k tried before falling back to stop tokens
  // Stop checking once this many candidates survived (0: check every candidate of the round).
  // Greedy decoding keeps only the best survivor, so 1 gives it the same tokens for fewer checks.
  int64_t enough_viable = 0;
};

struct ConstrainedDecodingStats {
  int64_t steps = 0;
  int64_t checks = 0;           // prefix checks run
  int64_t rejected = 0;         // candidates masked out after a check
  int64_t forced_stops = 0;     // steps where no candidate survived
  double seconds = 0.0;         // time spent inside the processor
};

class ConstrainedSqlDecoder {
 public:
  // `prompt_lengths[i]`: tokens of prompt i (what precedes the generated part of `ids`).
  // `sql_prefix`: text the prompt already ends with that belongs to the query ("SELECT").
  ConstrainedSqlDecoder(const text::Tokenizer& tokenizer, const SchemaNames& schema, std::string sql_prefix,
                        std::vector<size_t> prompt_lengths, std::vector<int64_t> stop_token_ids,
                        ConstrainedDecodingOptions options = {});

  // The hook to pass in GenerationHooks::logits_processor. Valid while this object lives.
  LogitsProcessor processor();

  const ConstrainedDecodingStats& stats() const { return stats_; }
  const SqlPrefixChecker& checker() const { return checker_; }

 private:
  void process(std::size_t sequence, const std::vector<int64_t>& ids, float* logits, int64_t vocab_size);
  bool is_stop(int64_t token) const;
  // The text of `generated` as it continues the prompt. SentencePiece drops the leading space of
  // the first piece of a decode ("▁count" alone is "count"), which would glue it to the prompt's
  // "SELECT"; decoding after an anchor (the prompt's last non-special token) and cutting the
  // anchor's own text keeps the space, for every tokenizer family.
  struct Anchor {
    std::optional<text::TokenId> token;
    std::string text;  // decode of `token` alone
  };
  std::string continuation(const Anchor& anchor, std::vector<text::TokenId>& generated) const;
  // The query text with `token` appended to `text` (the text so far). Decodes only the pair
  // (`previous`: the last generated token or the anchor, whose text is `previous_text`) and cuts
  // `previous_text`, instead of the whole answer per candidate; decodes everything when the pair
  // does not start with `previous_text`.
  std::string candidate_text(const std::string& text, std::optional<text::TokenId> previous,
                             const std::string& previous_text, text::TokenId token, const Anchor& anchor,
                             std::vector<text::TokenId>& generated) const;

  const text::Tokenizer& tokenizer_;
  SqlPrefixChecker checker_;
  std::string sql_prefix_;
  std::vector<size_t> prompt_lengths_;
  std::vector<int64_t> stop_token_ids_;
  ConstrainedDecodingOptions options_;
  ConstrainedDecodingStats stats_;
};

}  // namespace t2sql::gen
