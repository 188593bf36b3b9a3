#include "gen/constrained_decoding.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/error.hpp"

namespace t2sql::gen {

ConstrainedSqlDecoder::ConstrainedSqlDecoder(const text::Tokenizer& tokenizer, const SchemaNames& schema, std::string sql_prefix,
                                             std::vector<size_t> prompt_lengths, std::vector<int64_t> stop_token_ids,
                                             ConstrainedDecodingOptions options)
    : tokenizer_(tokenizer),
      checker_(schema),
      sql_prefix_(std::move(sql_prefix)),
      prompt_lengths_(std::move(prompt_lengths)),
      stop_token_ids_(std::move(stop_token_ids)),
      options_(options) {
  if (options_.top_k < 1) fail(ErrorCode::kInvalidArgument, "constrained decoding top-k must be >= 1, got {}", options_.top_k);
  if (options_.max_rounds < 1) fail(ErrorCode::kInvalidArgument, "constrained decoding rounds must be >= 1");
}

LogitsProcessor ConstrainedSqlDecoder::processor() {
  return [this](std::size_t sequence, const std::vector<int64_t>& ids, float* logits, int64_t vocab_size) {
    process(sequence, ids, logits, vocab_size);
  };
}

bool ConstrainedSqlDecoder::is_stop(int64_t token) const {
  return std::find(stop_token_ids_.begin(), stop_token_ids_.end(), token) != stop_token_ids_.end();
}

std::string ConstrainedSqlDecoder::continuation(const Anchor& anchor, std::vector<text::TokenId>& generated) const {
  if (!anchor.token) return tokenizer_.decode_bytes(generated, true);
  generated.insert(generated.begin(), *anchor.token);
  std::string whole = tokenizer_.decode_bytes(generated, true);
  generated.erase(generated.begin());
  if (whole.compare(0, anchor.text.size(), anchor.text) != 0) return tokenizer_.decode_bytes(generated, true);
  return whole.substr(anchor.text.size());
}

std::string ConstrainedSqlDecoder::candidate_text(const std::string& text, std::optional<text::TokenId> previous,
                                                  const std::string& previous_text, text::TokenId token, const Anchor& anchor,
                                                  std::vector<text::TokenId>& generated) const {
  if (previous) {
    std::string pair = tokenizer_.decode_bytes(std::vector<text::TokenId>{*previous, token}, true);
    if (pair.compare(0, previous_text.size(), previous_text) == 0) return text + pair.substr(previous_text.size());
  }
  generated.push_back(token);
  std::string whole = sql_prefix_ + continuation(anchor, generated);
  generated.pop_back();
  return whole;
}

namespace {

// Token ids of the `count` largest finite-or-not logits, best first (ties: lower id first), in one
// pass with a small heap instead of sorting the vocabulary.
std::vector<int64_t> top_tokens(const float* logits, int64_t vocab_size, int64_t count) {
  auto worse = [&](int64_t a, int64_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
  std::vector<int64_t> heap;  // min-heap under `worse`: the front is the weakest kept
  heap.reserve(static_cast<size_t>(count) + 1);
  for (int64_t token = 0; token < vocab_size; ++token) {
    if (static_cast<int64_t>(heap.size()) < count) {
      heap.push_back(token);
      std::push_heap(heap.begin(), heap.end(), worse);
    } else if (worse(token, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = token;
      std::push_heap(heap.begin(), heap.end(), worse);
    }
  }
  std::sort_heap(heap.begin(), heap.end(), worse);
  return heap;
}

}  // namespace

void ConstrainedSqlDecoder::process(std::size_t sequence, const std::vector<int64_t>& ids, float* logits, int64_t vocab_size) {
  auto start = std::chrono::steady_clock::now();
  ++stats_.steps;
  size_t prompt_length = sequence < prompt_lengths_.size() ? prompt_lengths_[sequence] : 0;
  std::vector<text::TokenId> generated;
  for (size_t i = std::min(prompt_length, ids.size()); i < ids.size(); ++i) generated.push_back(static_cast<text::TokenId>(ids[i]));
  Anchor anchor;
  for (size_t i = std::min(prompt_length, ids.size()); i > 0 && !anchor.token; --i) {
    auto token = static_cast<text::TokenId>(ids[i - 1]);
    if (!tokenizer_.is_special(token)) anchor.token = token;
  }
  // The anchor's own text, decoded once per step rather than once per candidate.
  if (anchor.token) anchor.text = tokenizer_.decode_bytes(std::vector<text::TokenId>{*anchor.token}, true);
  std::string text = sql_prefix_ + continuation(anchor, generated);
  // Whether stopping here is allowed: the query is complete once its last token is finished.
  PrefixVerdict now = checker_.check(text + " ");
  ++stats_.checks;
  // Candidates extend `text` by the text they add after the last token.
  std::optional<text::TokenId> previous = generated.empty() ? anchor.token : std::optional<text::TokenId>(generated.back());
  std::string previous_text;
  if (previous) previous_text = generated.empty() ? anchor.text : tokenizer_.decode_bytes(std::vector<text::TokenId>{*previous}, true);

  // Candidates by decreasing logit: only the first rounds * top_k are ever ranked.
  int64_t limit = std::min<int64_t>(vocab_size, options_.top_k * options_.max_rounds);
  std::vector<int64_t> order = top_tokens(logits, vocab_size, limit);
  std::vector<int64_t> allowed;
  bool enough = false;
  for (int64_t round = 0; round < options_.max_rounds && allowed.empty(); ++round) {
    int64_t begin = round * options_.top_k;
    int64_t end = std::min(limit, begin + options_.top_k);
    for (int64_t rank = begin; rank < end && !enough; ++rank) {
      int64_t token = order[static_cast<size_t>(rank)];
      if (!std::isfinite(logits[token])) continue;
      if (is_stop(token)) {
        if (now.complete) allowed.push_back(token);
      } else if (!tokenizer_.is_special(static_cast<text::TokenId>(token))) {
        std::string candidate = candidate_text(text, previous, previous_text, static_cast<text::TokenId>(token), anchor, generated);
        ++stats_.checks;
        if (checker_.check(candidate).viable) {
          allowed.push_back(token);
        } else {
          ++stats_.rejected;
        }
      }
      enough = options_.enough_viable > 0 && static_cast<int64_t>(allowed.size()) >= options_.enough_viable;
    }
  }
  if (allowed.empty()) {
    ++stats_.forced_stops;
    for (int64_t token : stop_token_ids_) {
      if (token >= 0 && token < vocab_size) allowed.push_back(token);
    }
    if (allowed.empty()) allowed.push_back(order[0]);
  }
  std::vector<float> kept(allowed.size());
  for (size_t i = 0; i < allowed.size(); ++i) kept[i] = logits[allowed[i]];
  std::fill(logits, logits + vocab_size, -std::numeric_limits<float>::infinity());
  for (size_t i = 0; i < allowed.size(); ++i) {
    // A stop token forced by the fallback may have had -inf itself; give it a usable score.
    logits[allowed[i]] = std::isfinite(kept[i]) ? kept[i] : 0.0f;
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace t2sql::gen
