#include "train/vocabulary_transfer.hpp"

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace t2sql::train {
namespace {

constexpr std::string_view kSentencePieceSpace = "\xE2\x96\x81";  // U+2581
constexpr std::string_view kByteLevelSpace = "\xC4\xA0";          // U+0120, GPT-2's "Ġ"

// Rows of `old_table` whose average stands for piece `id` of `to` (rules 1-3), or empty.
std::vector<int64_t> source_rows(const text::Tokenizer& from, const text::Tokenizer& to, text::TokenId id,
                                 VocabularyTransferStats& stats) {
  const std::string piece = to.id_to_piece(id);
  if (auto same = from.piece_to_id(piece)) {
    ++stats.same_piece;
    return {*same};
  }
  for (std::string_view marker : {kSentencePieceSpace, kByteLevelSpace}) {
    if (piece.starts_with(marker)) continue;
    if (auto marked = from.piece_to_id(std::string(marker) + piece)) {
      ++stats.marked_piece;
      return {*marked};
    }
  }
  const text::TokenId single[] = {id};
  const std::string text = to.decode(single, false);
  if (text.empty()) return {};
  std::vector<int64_t> rows;
  for (text::TokenId old_id : from.encode(text, false)) rows.push_back(old_id);
  if (!rows.empty()) ++stats.from_encoding;
  return rows;
}

torch::Tensor transferred_table(const torch::Tensor& old_table, const std::vector<std::vector<int64_t>>& sources) {
  const torch::Tensor old = old_table.detach().to(torch::kFloat32);
  const torch::Tensor mean_of_all = old.mean(0);
  torch::Tensor table = torch::empty({static_cast<int64_t>(sources.size()), old.size(1)}, torch::kFloat32);
  for (size_t i = 0; i < sources.size(); ++i) {
    const auto& rows = sources[i];
    table[static_cast<int64_t>(i)] =
        rows.empty() ? mean_of_all : old.index_select(0, torch::tensor(rows, torch::kInt64)).mean(0);
  }
  return table;
}

}  // namespace

nn::LlamaModel transfer_vocabulary(nn::LlamaModel& model, const text::Tokenizer& from, const text::Tokenizer& to,
                                   VocabularyTransferStats* stats) {
  const nn::LlamaConfig& config = model->config();
  if (config.quantization) fail(ErrorCode::kUnsupported, "vocabulary transfer needs a dense model, not a quantized one");
  for (auto& [name, layer] : model->linear_layers()) {
    if (layer->has_lora()) fail(ErrorCode::kUnsupported, "vocabulary transfer needs a model without LoRA adapters ({} has one)", name);
  }
  if (static_cast<int64_t>(from.vocab_size()) > config.vocab_size) {
    fail(ErrorCode::kInvalidArgument, "the model's tokenizer has {} ids but the model only {} embeddings", from.vocab_size(),
         config.vocab_size);
  }
  VocabularyTransferStats counts;
  std::vector<std::vector<int64_t>> sources(to.vocab_size());
  for (size_t id = 0; id < sources.size(); ++id) {
    sources[id] = source_rows(from, to, static_cast<text::TokenId>(id), counts);
    if (sources[id].empty()) ++counts.mean_of_all;
  }

  nn::LlamaConfig moved = config;
  moved.vocab_size = static_cast<int64_t>(to.vocab_size());
  if (to.settings().bos_id) moved.bos_token_ids = {*to.settings().bos_id};
  if (to.settings().eos_id) moved.eos_token_ids = {*to.settings().eos_id};
  if (moved.original.is_object()) {
    if (to.settings().bos_id) moved.original["bos_token_id"] = *to.settings().bos_id;
    if (to.settings().eos_id) moved.original["eos_token_id"] = *to.settings().eos_id;
  }
  nn::LlamaModel result(moved);
  torch::NoGradGuard no_grad;
  auto old_parameters = model->named_parameters();
  for (auto& item : result->named_parameters()) {
    const std::string& name = item.key();
    const torch::Tensor& old = old_parameters[name];
    torch::Tensor value = name == "model.embed_tokens.weight" || name == "lm_head.weight" ? transferred_table(old, sources)
                                                                                          : old.detach().to(torch::kFloat32);
    item.value().copy_(value.to(item.value().scalar_type()));
  }
  if (stats != nullptr) *stats = counts;
  return result;
}

}  // namespace t2sql::train
