#include "text/sentencepiece_tokenizer.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "text/sentencepiece_library.hpp"

namespace t2sql::text {
namespace {

class SentencePieceTokenizer : public Tokenizer {
 public:
  SentencePieceTokenizer(std::string_view bytes, std::string source) : model_(bytes, std::move(source)) {
    auto id_or_none = [](int id) -> std::optional<TokenId> {
      if (id < 0) return std::nullopt;
      return id;
    };
    settings_.bos_id = id_or_none(model_.bos_id());
    settings_.eos_id = id_or_none(model_.eos_id());
    settings_.pad_id = id_or_none(model_.pad_id());
    if (settings_.bos_id) settings_.bos_token = model_.id_to_piece(*settings_.bos_id);
    if (settings_.eos_id) settings_.eos_token = model_.id_to_piece(*settings_.eos_id);
  }

  std::vector<TokenId> encode(std::string_view text, bool add_special) const override {
    require_utf8(text, "text to tokenize");
    std::vector<int> pieces = model_.encode(text);
    std::vector<TokenId> ids;
    ids.reserve(pieces.size() + 2);
    if (add_special && settings_.add_bos && settings_.bos_id) ids.push_back(*settings_.bos_id);
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    if (add_special && settings_.add_eos && settings_.eos_id) ids.push_back(*settings_.eos_id);
    return ids;
  }

  // Runs of ordinary ids go through SentencePiece's decoder; special (control/unknown) tokens are
  // written as their piece text between runs, or dropped with skip_special.
  std::string decode_bytes(std::span<const TokenId> ids, bool skip_special) const override {
    std::string out;
    std::vector<int> run;
    auto flush = [&] {
      if (run.empty()) return;
      out += model_.decode(run);
      run.clear();
    };
    for (TokenId id : ids) {
      check_id(id);
      if (is_special(id)) {
        if (skip_special) continue;
        flush();
        out += model_.id_to_piece(id);
        continue;
      }
      run.push_back(id);
    }
    flush();
    return out;
  }

  std::string id_to_piece(TokenId id) const override {
    check_id(id);
    return model_.id_to_piece(id);
  }
  std::optional<TokenId> piece_to_id(std::string_view piece) const override {
    int id = model_.piece_to_id(piece);
    if (id == model_.unk_id() && model_.id_to_piece(id) != piece) return std::nullopt;
    return id;
  }
  size_t vocab_size() const override { return static_cast<size_t>(model_.piece_size()); }
  bool is_special(TokenId id) const override {
    return id >= 0 && id < model_.piece_size() && (model_.is_control(id) || model_.is_unknown(id));
  }
  std::string describe() const override { return fmt::format("SentencePiece model, {} ids", vocab_size()); }

 private:
  SentencePieceModel model_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece_bytes(std::string_view bytes, const std::string& source_name) {
  return std::make_unique<SentencePieceTokenizer>(bytes, source_name);
}

std::unique_ptr<Tokenizer> load_sentencepiece_file(const std::filesystem::path& path) {
  return load_sentencepiece_bytes(read_file(path), path.string());
}

}  // namespace t2sql::text
