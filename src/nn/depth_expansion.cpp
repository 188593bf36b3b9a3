#include "nn/depth_expansion.hpp"

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace t2sql::nn {

namespace {

constexpr std::string_view kLayers = "model.layers.";

// True for the projections whose output is added to the residual stream.
bool is_residual_output(std::string_view rest) {
  if (rest.starts_with("self_attn.o_proj.") || rest.starts_with("mlp.down_proj.")) return true;
  return rest.starts_with("block_sparse_moe.experts.") && rest.find(".w2.") != std::string_view::npos;
}

}  // namespace

LlamaModel expand_depth(LlamaModel& source, int64_t every) {
  const LlamaConfig& config = source->config();
  const int64_t layers = config.num_hidden_layers;
  if (every < 1 || layers % every != 0)
    fail(ErrorCode::kInvalidArgument, "block expansion: every = {} must be at least 1 and divide the {} layers", every, layers);
  if (config.quantization)
    fail(ErrorCode::kUnsupported, "block expansion needs a dense model, not a {} quantized one", config.quantization->type);
  LlamaConfig expanded_config = config;
  expanded_config.num_hidden_layers = layers + layers / every;
  LlamaModel expanded(expanded_config);

  // New layer index -> (source layer, zero its residual outputs).
  std::vector<std::pair<int64_t, bool>> origin;
  for (int64_t i = 0; i < layers; ++i) {
    origin.emplace_back(i, false);
    if ((i + 1) % every == 0) origin.emplace_back(i, true);
  }
  torch::NoGradGuard no_grad;
  auto source_parameters = source->named_parameters();
  for (auto& item : expanded->named_parameters()) {
    const std::string& name = item.key();
    torch::Tensor target = item.value();
    if (!name.starts_with(kLayers)) {
      target.copy_(source_parameters[name]);
      continue;
    }
    const size_t dot = name.find('.', kLayers.size());
    const int64_t index = std::stoll(name.substr(kLayers.size(), dot - kLayers.size()));
    const std::string rest = name.substr(dot + 1);
    const auto [from, zeroed] = origin.at(static_cast<size_t>(index));
    if (zeroed && is_residual_output(rest)) {
      target.zero_();
    } else {
      target.copy_(source_parameters[std::string(kLayers) + std::to_string(from) + "." + rest]);
    }
  }
  return expanded;
}

}  // namespace t2sql::nn
