#include "nn/width_expansion.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace t2sql::nn {

namespace {

// Where each old index lands in the widened dimension.
using IndexMap = torch::Tensor;  // int64, one entry per old index

IndexMap identity_map(int64_t old_size) { return torch::arange(old_size, torch::kInt64); }

// Old head dimension k -> new one, per head: rotate_half pairs k and k + h/2 turn at
// theta^(-2k/h), which is the frequency of pair k * H/h of a head of size H.
IndexMap head_map(int64_t heads, int64_t old_dim, int64_t new_dim) {
  const int64_t ratio = new_dim / old_dim;
  const int64_t old_half = old_dim / 2;
  const int64_t new_half = new_dim / 2;
  std::vector<int64_t> map;
  map.reserve(static_cast<size_t>(heads * old_dim));
  for (int64_t head = 0; head < heads; ++head) {
    for (int64_t k = 0; k < old_dim; ++k) {
      const int64_t in_head = k < old_half ? k * ratio : new_half + (k - old_half) * ratio;
      map.push_back(head * new_dim + in_head);
    }
  }
  return torch::tensor(map, torch::kInt64);
}

// The entries of a widened tensor that are not copies of old ones: random (a normal with the old
// tensor's standard deviation) or zero.
enum class Fill { kRandom, kZero };

// A widened weight [out, in]: the old one, times `scale`, at rows x cols; the rest `rest`.
struct WeightPlan {
  IndexMap rows;
  IndexMap cols;
  double scale = 1.0;
  Fill rest = Fill::kRandom;
  bool zero_new_rows = false;  // rows not in `rows` are zero (queries of new RoPE pairs)
};

class Widener {
 public:
  explicit Widener(uint64_t seed) : generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {}

  torch::Tensor weight(const torch::Tensor& old, int64_t out, int64_t in, const WeightPlan& plan) {
    torch::Tensor widened = fresh(old, {out, in}, plan.rest);
    if (plan.zero_new_rows) {
      torch::Tensor keep = torch::zeros({out}, torch::kBool);
      keep.index_fill_(0, plan.rows, true);
      widened.index_put_({keep.logical_not()}, 0.0);
    }
    widened.index_put_({plan.rows.unsqueeze(1), plan.cols.unsqueeze(0)}, old * plan.scale);
    return widened;
  }

  // A bias or norm weight: old entries at `map` (scaled), the rest `fill_value`.
  static torch::Tensor vector(const torch::Tensor& old, int64_t size, const IndexMap& map, double scale,
                              double fill_value) {
    torch::Tensor widened = torch::full({size}, fill_value, old.options());
    widened.index_put_({map}, old * scale);
    return widened;
  }

 private:
  torch::Tensor fresh(const torch::Tensor& like, at::IntArrayRef sizes, Fill fill) {
    if (fill == Fill::kZero) return torch::zeros(sizes, like.options());
    const double std = like.numel() > 1 ? like.std().item<double>() : 0.02;
    return torch::normal(0.0, std > 0 ? std : 0.02, sizes, generator_, like.options());
  }

  at::Generator generator_;
};

void check_targets(const LlamaConfig& config, const WidthTargets& targets) {
  if (config.quantization)
    fail(ErrorCode::kUnsupported, "width expansion needs a dense model, not a {} quantized one", config.quantization->type);
  if (config.is_moe())
    fail(ErrorCode::kUnsupported, "width expansion of a mixture-of-experts model is not supported (its {} experts per layer)",
         config.num_local_experts);
  auto check = [](const char* name, int64_t target, int64_t current) {
    if (target != 0 && target < current)
      fail(ErrorCode::kInvalidArgument, "width expansion: {} {} is smaller than the model's {}", name, target, current);
  };
  check("hidden_size", targets.hidden_size, config.hidden_size);
  check("intermediate_size", targets.intermediate_size, config.intermediate_size);
  check("head_dim", targets.head_dim, config.head_dim);
  if (targets.head_dim != 0 && targets.head_dim % config.head_dim != 0)
    fail(ErrorCode::kInvalidArgument,
         "width expansion: head_dim {} must be a multiple of the model's {} (RoPE frequencies must carry over)",
         targets.head_dim, config.head_dim);
}

}  // namespace

LlamaModel expand_width(LlamaModel& source, const WidthTargets& targets, uint64_t seed) {
  const LlamaConfig& config = source->config();
  check_targets(config, targets);
  LlamaConfig wide = config;
  if (targets.hidden_size) wide.hidden_size = targets.hidden_size;
  if (targets.intermediate_size) wide.intermediate_size = targets.intermediate_size;
  if (targets.head_dim) wide.head_dim = targets.head_dim;
  LlamaModel widened(wide);

  const int64_t d = config.hidden_size, D = wide.hidden_size;
  const int64_t f = config.intermediate_size, F = wide.intermediate_size;
  const int64_t h = config.head_dim, H = wide.head_dim;
  const IndexMap hidden = identity_map(d);
  const IndexMap inner = identity_map(f);
  const IndexMap q_heads = head_map(config.num_attention_heads, h, H);
  const IndexMap kv_heads = head_map(config.num_key_value_heads, h, H);
  const double norm_scale = std::sqrt(static_cast<double>(d) / static_cast<double>(D));
  const double query_scale = std::sqrt(static_cast<double>(H) / static_cast<double>(h));

  Widener widener(seed);
  torch::NoGradGuard no_grad;
  auto old_parameters = source->named_parameters();
  for (auto& item : widened->named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor target = item.value();
    const torch::Tensor old = old_parameters[name].detach().to(torch::kFloat32);
    auto ends = [&](std::string_view suffix) { return std::string_view(name).ends_with(suffix); };
    const int64_t rows = target.size(0);
    const int64_t cols = target.dim() == 2 ? target.size(1) : 0;
    torch::Tensor value;
    if (ends("embed_tokens.weight")) {
      // New residual dimensions start at zero.
      value = widener.weight(old, rows, cols, {identity_map(rows), hidden, 1.0, Fill::kZero});
    } else if (ends("lm_head.weight")) {
      value = widener.weight(old, rows, cols, {identity_map(rows), hidden, 1.0, Fill::kRandom});
    } else if (ends("norm.weight") || ends("layernorm.weight")) {
      value = Widener::vector(old, D, hidden, norm_scale, norm_scale);
    } else if (ends("q_proj.weight")) {
      value = widener.weight(old, rows, cols, {q_heads, hidden, query_scale, Fill::kRandom, true});
    } else if (ends("q_proj.bias")) {
      value = Widener::vector(old, rows, q_heads, query_scale, 0.0);
    } else if (ends("k_proj.weight") || ends("v_proj.weight")) {
      value = widener.weight(old, rows, cols, {kv_heads, hidden, 1.0, Fill::kRandom});
    } else if (ends("k_proj.bias") || ends("v_proj.bias")) {
      value = Widener::vector(old, rows, kv_heads, 1.0, 0.0);
    } else if (ends("o_proj.weight")) {
      value = widener.weight(old, rows, cols, {hidden, q_heads, 1.0, Fill::kZero});
    } else if (ends("o_proj.bias") || ends("down_proj.bias")) {
      value = Widener::vector(old, D, hidden, 1.0, 0.0);
    } else if (ends("gate_proj.weight") || ends("up_proj.weight")) {
      value = widener.weight(old, rows, cols, {inner, hidden, 1.0, Fill::kRandom});
    } else if (ends("gate_proj.bias") || ends("up_proj.bias")) {
      value = Widener::vector(old, F, inner, 1.0, 0.0);
    } else if (ends("down_proj.weight")) {
      value = widener.weight(old, rows, cols, {hidden, inner, 1.0, Fill::kZero});
    } else {
      fail(ErrorCode::kUnsupported, "width expansion does not know how to widen parameter {}", name);
    }
    target.copy_(value.to(target.scalar_type()));
  }
  return widened;
}

}  // namespace t2sql::nn
