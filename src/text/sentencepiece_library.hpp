// SentencePiece through libt2sql_spm_bridge.so, opened on first use with
// dlmopen into its own link-map namespace so that libsentencepiece's embedded protobuf never meets
// LibTorch's (see text/spm_bridge/spm_bridge.h). Everything else in t2sql uses these classes,
// never sentencepiece headers. Errors are t2sql::Error naming the model source.
#pragma once

#include <string>
#include <string_view>
#include <vector>

struct t2sql_spm_model;

namespace t2sql::text {

class SentencePieceModel {
 public:
  // Loads a serialized ModelProto (.model file contents). Error(kParse) when it is not one.
  SentencePieceModel(std::string_view serialized, std::string source);
  ~SentencePieceModel();
  SentencePieceModel(const SentencePieceModel&) = delete;
  SentencePieceModel& operator=(const SentencePieceModel&) = delete;

  int piece_size() const;
  int bos_id() const;  // -1 when absent
  int eos_id() const;
  int pad_id() const;
  int unk_id() const;
  bool is_control(int id) const;
  bool is_unknown(int id) const;
  bool is_byte(int id) const;
  bool is_unused(int id) const;
  float score(int id) const;

  std::vector<int> encode(std::string_view text) const;
  std::string decode(const std::vector<int>& ids) const;
  std::string id_to_piece(int id) const;
  int piece_to_id(std::string_view piece) const;  // unk_id() when absent

  const std::string& source() const { return source_; }

 private:
  t2sql_spm_model* model_ = nullptr;
  std::string source_;
};

// SentencePieceTrainer::Train with its flag string; Error(kInvalidArgument) with the trainer's message.
void train_sentencepiece(const std::string& arguments);

}  // namespace t2sql::text
