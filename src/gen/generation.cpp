#include "gen/generation.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "common/error.hpp"

namespace t2sql::gen {

std::string_view finish_reason_name(FinishReason reason) {
  switch (reason) {
    case FinishReason::kLength: return "length";
    case FinishReason::kStopToken: return "stop_token";
    case FinishReason::kStopString: return "stop_string";
    case FinishReason::kCallback: return "callback";
  }
  return "?";
}

namespace {

constexpr float kNegativeInfinity = -std::numeric_limits<float>::infinity();

void validate(const nn::LlamaModel& model, const std::vector<std::vector<int64_t>>& prompts,
              const GenerationConfig& config, const GenerationHooks& hooks) {
  const auto& model_config = model->config();
  if (config.max_new_tokens < 0) fail(ErrorCode::kInvalidArgument, "max_new_tokens must be >= 0");
  if (config.temperature < 0) fail(ErrorCode::kInvalidArgument, "temperature must be >= 0, got {}", config.temperature);
  if (config.top_k < 0) fail(ErrorCode::kInvalidArgument, "top_k must be >= 0, got {}", config.top_k);
  if (!(config.top_p > 0 && config.top_p <= 1)) fail(ErrorCode::kInvalidArgument, "top_p must be in (0, 1], got {}", config.top_p);
  if (config.repetition_penalty <= 0) fail(ErrorCode::kInvalidArgument, "repetition_penalty must be > 0");
  if (config.num_beams < 1) fail(ErrorCode::kInvalidArgument, "num_beams must be >= 1, got {}", config.num_beams);
  if (!config.stop_strings.empty() && !hooks.detokenize) {
    fail(ErrorCode::kInvalidArgument, "stop strings need a detokenizer");
  }
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    if (prompts[i].empty()) fail(ErrorCode::kInvalidArgument, "prompt {} is empty", i);
    if (static_cast<int64_t>(prompts[i].size()) >= model_config.max_position_embeddings) {
      fail(ErrorCode::kInvalidArgument, "prompt {} has {} tokens: it fills the model context of {}", i,
           prompts[i].size(), model_config.max_position_embeddings);
    }
    for (int64_t id : prompts[i]) {
      if (id < 0 || id >= model_config.vocab_size) {
        fail(ErrorCode::kInvalidArgument, "prompt {}: token id {} is outside the vocabulary [0, {})", i, id,
             model_config.vocab_size);
      }
    }
  }
}

// transformers' RepetitionPenaltyLogitsProcessor on one row.
void apply_repetition_penalty(float* logits, const std::vector<int64_t>& ids, double penalty) {
  if (penalty == 1.0) return;
  std::set<int64_t> seen(ids.begin(), ids.end());
  for (int64_t id : seen) {
    float& value = logits[id];
    value = value < 0 ? static_cast<float>(value * penalty) : static_cast<float>(value / penalty);
  }
}

// Temperature, then top-k, then top-p (TopPLogitsWarper: drop the low tail whose cumulative
// probability is <= 1 - top_p, always keeping the most likely token). logits (rows, vocab).
torch::Tensor warp(torch::Tensor logits, const GenerationConfig& config) {
  if (config.temperature != 1.0) logits = logits / config.temperature;
  if (config.top_k > 0 && config.top_k < logits.size(-1)) {
    auto kth = std::get<0>(torch::topk(logits, config.top_k, -1)).narrow(-1, config.top_k - 1, 1);
    logits = logits.masked_fill(logits < kth, kNegativeInfinity);
  }
  if (config.top_p < 1.0) {
    auto [sorted, order] = torch::sort(logits, /*dim=*/-1, /*descending=*/false);
    auto cumulative = sorted.softmax(-1).cumsum(-1);
    auto remove_sorted = cumulative <= (1.0 - config.top_p);
    remove_sorted.narrow(-1, remove_sorted.size(-1) - 1, 1).fill_(false);
    auto remove = remove_sorted.scatter(-1, order, remove_sorted);
    logits = logits.masked_fill(remove, kNegativeInfinity);
  }
  return logits;
}

bool contains(const std::vector<int64_t>& ids, int64_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// True when the decoded tail of `generated` holds a stop string.
bool hits_stop_string(const std::vector<int64_t>& generated, const GenerationConfig& config,
                      const GenerationHooks& hooks) {
  if (config.stop_strings.empty()) return false;
  std::size_t longest = 0;
  for (const auto& stop : config.stop_strings) longest = std::max(longest, stop.size());
  // Every token decodes to at least one byte, so the last `longest + 4` tokens cover any stop
  // string that the newest token completed (+4 for partial UTF-8 sequences).
  std::size_t tail = std::min(generated.size(), longest + 4);
  std::string text = hooks.detokenize(std::vector<int64_t>(generated.end() - static_cast<std::ptrdiff_t>(tail), generated.end()));
  for (const auto& stop : config.stop_strings) {
    if (!stop.empty() && text.find(stop) != std::string::npos) return true;
  }
  return false;
}

std::vector<GenerationResult> generate_batch(nn::LlamaModel& model,
                                             const std::vector<std::vector<int64_t>>& prompts,
                                             const GenerationConfig& config, const GenerationHooks& hooks) {
  int64_t batch = static_cast<int64_t>(prompts.size());
  int64_t longest = 0;
  for (const auto& prompt : prompts) longest = std::max<int64_t>(longest, prompt.size());
  int64_t budget = std::min(config.max_new_tokens, model->config().max_position_embeddings - longest);
  auto device = model->model->embed_tokens->weight.device();

  // Left padding: real tokens end at the same column, so the next token is always the last one.
  auto ids = torch::full({batch, longest}, config.pad_token_id, torch::kInt64);
  auto mask = torch::zeros({batch, longest}, torch::kInt64);
  for (int64_t row = 0; row < batch; ++row) {
    int64_t offset = longest - static_cast<int64_t>(prompts[row].size());
    for (std::size_t i = 0; i < prompts[row].size(); ++i) ids[row][offset + static_cast<int64_t>(i)] = prompts[row][i];
    mask[row].narrow(0, offset, static_cast<int64_t>(prompts[row].size())).fill_(1);
  }
  bool padded = mask.min().item<int64_t>() == 0;
  ids = ids.to(device);
  mask = mask.to(device);

  std::vector<GenerationResult> results(batch);
  std::vector<std::vector<int64_t>> sequences = prompts;  // prompt + generated, for processors
  std::vector<bool> finished(batch, false);
  auto generator = at::make_generator<at::CPUGeneratorImpl>(config.seed);
  nn::KvCache cache;
  auto logits = model->forward(ids, padded ? mask : torch::Tensor(), {}, &cache, 1);

  for (int64_t step = 0; step < budget; ++step) {
    auto next = logits.select(1, -1).to(torch::kCPU, torch::kFloat32).contiguous();  // (B, V)
    auto log_probs = torch::log_softmax(next, -1);
    int64_t vocab = next.size(1);
    for (int64_t row = 0; row < batch; ++row) {
      if (finished[row]) continue;
      float* row_logits = next[row].data_ptr<float>();
      apply_repetition_penalty(row_logits, sequences[row], config.repetition_penalty);
      if (hooks.logits_processor) hooks.logits_processor(static_cast<std::size_t>(row), sequences[row], row_logits, vocab);
    }
    torch::Tensor chosen;
    if (config.temperature == 0.0) {
      chosen = next.argmax(-1);
    } else {
      auto probabilities = torch::softmax(warp(next, config), -1);
      chosen = torch::multinomial(probabilities, 1, false, generator).squeeze(1);
    }
    auto tokens = torch::full({batch, 1}, config.pad_token_id, torch::kInt64);
    bool any_running = false;
    for (int64_t row = 0; row < batch; ++row) {
      if (finished[row]) continue;
      int64_t token = chosen[row].item<int64_t>();
      float raw = log_probs[row][token].item<float>();
      if (std::isinf(next[row][token].item<float>()) && next[row][token].item<float>() < 0) {
        fail(ErrorCode::kInvalidArgument, "sequence {}: the logits processor forbade every token", row);
      }
      tokens[row][0] = token;
      auto& result = results[row];
      result.tokens.push_back(token);
      result.score += raw;
      sequences[row].push_back(token);
      if (contains(config.stop_token_ids, token)) {
        result.finish_reason = FinishReason::kStopToken;
        finished[row] = true;
      } else if (hits_stop_string(result.tokens, config, hooks)) {
        result.finish_reason = FinishReason::kStopString;
        finished[row] = true;
      }
      if (hooks.on_token && !hooks.on_token(static_cast<std::size_t>(row), token) && !finished[row]) {
        result.finish_reason = FinishReason::kCallback;
        finished[row] = true;
      }
      any_running = any_running || !finished[row];
    }
    if (!any_running || step + 1 == budget) break;
    if (padded) mask = torch::cat({mask, torch::ones({batch, 1}, mask.options())}, 1);
    logits = model->forward(tokens.to(device), padded ? mask : torch::Tensor(), {}, &cache, 1);
  }
  return results;
}

// One finished beam hypothesis.
struct Hypothesis {
  double score;
  std::vector<int64_t> tokens;
  FinishReason reason;
};

// transformers' BeamHypotheses: keeps the best num_beams finished hypotheses.
class BeamHypotheses {
 public:
  BeamHypotheses(int64_t num_beams, double length_penalty, bool early_stopping)
      : num_beams_(num_beams), length_penalty_(length_penalty), early_stopping_(early_stopping) {}

  void add(std::vector<int64_t> tokens, double sum_log_probs, int64_t generated_length, FinishReason reason) {
    double score = sum_log_probs / std::pow(static_cast<double>(generated_length), length_penalty_);
    if (static_cast<int64_t>(beams_.size()) < num_beams_ || score > worst_score_) {
      beams_.push_back({score, std::move(tokens), reason});
      if (static_cast<int64_t>(beams_.size()) > num_beams_) {
        auto worst = std::min_element(beams_.begin(), beams_.end(),
                                      [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
        beams_.erase(worst);
        worst_score_ = std::min_element(beams_.begin(), beams_.end(), [](const Hypothesis& a, const Hypothesis& b) {
                         return a.score < b.score;
                       })->score;
      } else {
        worst_score_ = std::min(score, worst_score_);
      }
    }
  }

  // Whether no running beam can beat the finished ones (early_stopping=False heuristic of HF).
  bool is_done(double best_sum_log_probs, int64_t generated_length) const {
    if (static_cast<int64_t>(beams_.size()) < num_beams_) return false;
    if (early_stopping_) return true;
    double highest = best_sum_log_probs / std::pow(static_cast<double>(generated_length), length_penalty_);
    return worst_score_ >= highest;
  }

  bool empty() const { return beams_.empty(); }
  const Hypothesis& best() const {
    return *std::max_element(beams_.begin(), beams_.end(),
                             [](const Hypothesis& a, const Hypothesis& b) { return a.score < b.score; });
  }
  // The hypotheses, best first (stable: the first of equal scores, as best() picks).
  std::vector<Hypothesis> sorted() const {
    std::vector<Hypothesis> result = beams_;
    std::stable_sort(result.begin(), result.end(), [](const Hypothesis& a, const Hypothesis& b) { return a.score > b.score; });
    return result;
  }

 private:
  int64_t num_beams_;
  double length_penalty_;
  bool early_stopping_;
  double worst_score_ = 1e9;
  std::vector<Hypothesis> beams_;
};

GenerationResult beam_search(nn::LlamaModel& model, const std::vector<int64_t>& prompt, std::size_t sequence,
                             const GenerationConfig& config, const GenerationHooks& hooks) {
  int64_t beams = config.num_beams;
  int64_t prompt_length = static_cast<int64_t>(prompt.size());
  int64_t budget = std::min(config.max_new_tokens, model->config().max_position_embeddings - prompt_length);
  auto device = model->model->embed_tokens->weight.device();
  if (budget == 0) return {};
  auto input = torch::tensor(prompt, torch::kInt64).unsqueeze(0).expand({beams, prompt_length}).contiguous();
  nn::KvCache cache;
  auto logits = model->forward(input.to(device), {}, {}, &cache, 1);
  // Only the first beam is live at the start, so the first step does not pick duplicates.
  std::vector<double> beam_scores(beams, -1e9);
  beam_scores[0] = 0.0;
  std::vector<std::vector<int64_t>> generated(beams);
  BeamHypotheses hypotheses(beams, config.length_penalty, config.early_stopping);
  bool done = false;
  for (int64_t step = 0; step < budget; ++step) {
    int64_t length = step + 1;  // generated length including the token chosen now
    auto scores = torch::log_softmax(logits.select(1, -1).to(torch::kCPU, torch::kFloat32), -1).contiguous();
    int64_t vocab = scores.size(1);
    for (int64_t b = 0; b < beams; ++b) {
      std::vector<int64_t> ids = prompt;
      ids.insert(ids.end(), generated[b].begin(), generated[b].end());
      float* row = scores[b].data_ptr<float>();
      apply_repetition_penalty(row, ids, config.repetition_penalty);
      if (hooks.logits_processor) hooks.logits_processor(sequence, ids, row, vocab);
    }
    auto totals = scores.to(torch::kFloat64) + torch::tensor(beam_scores, torch::kFloat64).unsqueeze(1);
    auto [top_values, top_indices] = torch::topk(totals.view({-1}), std::min<int64_t>(2 * beams, totals.numel()));
    std::vector<int64_t> next_beam;
    std::vector<int64_t> next_token;
    std::vector<double> next_score;
    for (int64_t rank = 0; rank < top_values.size(0) && static_cast<int64_t>(next_beam.size()) < beams; ++rank) {
      double value = top_values[rank].item<double>();
      if (!std::isfinite(value)) break;  // sorted: everything after is forbidden too
      int64_t index = top_indices[rank].item<int64_t>();
      int64_t beam = index / vocab;
      int64_t token = index % vocab;
      if (contains(config.stop_token_ids, token)) {
        if (rank >= beams) continue;  // HF: a stop token below the top num_beams is ignored
        auto tokens = generated[beam];
        tokens.push_back(token);
        hypotheses.add(std::move(tokens), value, length, FinishReason::kStopToken);
      } else {
        next_beam.push_back(beam);
        next_token.push_back(token);
        next_score.push_back(value);
      }
    }
    // A logits processor (constrained decoding) can leave fewer allowed continuations than beams.
    // Then every beam has finished or been cut off: stop. Or some have: the missing beams become
    // dead copies scored -inf, which keep the shapes and never win.
    if (next_beam.empty()) {
      done = true;
      break;
    }
    while (static_cast<int64_t>(next_beam.size()) < beams) {
      next_beam.push_back(next_beam.front());
      next_token.push_back(next_token.front());
      next_score.push_back(-std::numeric_limits<double>::infinity());
    }
    done = hypotheses.is_done(top_values.max().item<double>(), length);
    std::vector<std::vector<int64_t>> reordered(beams);
    for (int64_t b = 0; b < beams; ++b) {
      reordered[b] = generated[next_beam[b]];
      reordered[b].push_back(next_token[b]);
    }
    generated = std::move(reordered);
    beam_scores = next_score;
    if (done || step + 1 == budget) break;
    auto rows = torch::tensor(next_beam, torch::kInt64).to(device);
    cache.select_rows(rows);
    logits = model->forward(torch::tensor(next_token, torch::kInt64).unsqueeze(1).to(device), {}, {}, &cache, 1);
  }
  if (!done || hypotheses.empty()) {
    for (int64_t b = 0; b < beams; ++b) {
      if (!std::isfinite(beam_scores[b]) && !hypotheses.empty()) continue;  // a dead beam
      hypotheses.add(generated[b], beam_scores[b], static_cast<int64_t>(generated[b].size()), FinishReason::kLength);
    }
  }
  const Hypothesis& best = hypotheses.best();
  GenerationResult result{best.tokens, best.reason, best.score, {}, {}};
  for (const Hypothesis& hypothesis : hypotheses.sorted()) {
    result.hypotheses.push_back(hypothesis.tokens);
    result.hypothesis_scores.push_back(hypothesis.score);
  }
  if (hooks.on_token) {
    for (std::size_t i = 0; i < result.tokens.size(); ++i) {
      if (!hooks.on_token(sequence, result.tokens[i])) {
        result.tokens.resize(i + 1);
        result.finish_reason = FinishReason::kCallback;
        break;
      }
    }
  }
  return result;
}

}  // namespace

std::vector<GenerationResult> generate(nn::LlamaModel& model, const std::vector<std::vector<int64_t>>& prompts,
                                       const GenerationConfig& config, const GenerationHooks& hooks) {
  validate(model, prompts, config, hooks);
  if (prompts.empty()) return {};
  // Inference mode, not just no-grad: tensors made here skip version counters and autograd
  // dispatch, which is most of a small model's per-token cost. Nothing made here escapes as a
  // tensor (results are id vectors), so no inference tensor can reach a later backward pass.
  c10::InferenceMode inference_mode;
  if (config.num_beams > 1) {
    std::vector<GenerationResult> results;
    for (std::size_t i = 0; i < prompts.size(); ++i) results.push_back(beam_search(model, prompts[i], i, config, hooks));
    return results;
  }
  if (config.max_new_tokens == 0) return std::vector<GenerationResult>(prompts.size());
  return generate_batch(model, prompts, config, hooks);
}

}  // namespace t2sql::gen
