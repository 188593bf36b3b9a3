// The only translation unit that includes sentencepiece headers (see spm_bridge.h for why).
#include "spm_bridge.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct t2sql_spm_model {
  sentencepiece::SentencePieceProcessor processor;
};

namespace {
void write_error(char* error, size_t capacity, const std::string& message) {
  if (error == nullptr || capacity == 0) return;
  size_t n = std::min(capacity - 1, message.size());
  std::memcpy(error, message.data(), n);
  error[n] = '\0';
}
long copy_out(const std::string& text, char* out, size_t capacity) {
  if (out != nullptr && text.size() <= capacity) std::memcpy(out, text.data(), text.size());
  return static_cast<long>(text.size());
}
}  // namespace

extern "C" {

int t2sql_spm_bridge_version(void) { return T2SQL_SPM_BRIDGE_VERSION; }

t2sql_spm_model* t2sql_spm_load(const char* bytes, size_t size, char* error, size_t error_capacity) {
  try {
    auto* model = new t2sql_spm_model;
    auto status = model->processor.LoadFromSerializedProto(std::string_view(bytes, size));
    if (!status.ok()) {
      write_error(error, error_capacity, status.ToString());
      delete model;
      return nullptr;
    }
    return model;
  } catch (const std::exception& e) {
    write_error(error, error_capacity, e.what());
    return nullptr;
  }
}

void t2sql_spm_free(t2sql_spm_model* model) { delete model; }

int t2sql_spm_piece_size(const t2sql_spm_model* model) { return model->processor.GetPieceSize(); }

int t2sql_spm_special_id(const t2sql_spm_model* model, int which) {
  switch (which) {
    case 0: return model->processor.bos_id();
    case 1: return model->processor.eos_id();
    case 2: return model->processor.pad_id();
    case 3: return model->processor.unk_id();
    default: return -1;
  }
}

int t2sql_spm_is(const t2sql_spm_model* model, int id, int kind) {
  if (id < 0 || id >= model->processor.GetPieceSize()) return 0;
  switch (kind) {
    case 0: return model->processor.IsControl(id);
    case 1: return model->processor.IsUnknown(id);
    case 2: return model->processor.IsByte(id);
    case 3: return model->processor.IsUnused(id);
    case 4: return !model->processor.IsControl(id) && !model->processor.IsUnknown(id) &&
                   !model->processor.IsByte(id) && !model->processor.IsUnused(id) &&
                   model->processor.GetScore(id) == 0.0f;
    default: return 0;
  }
}

float t2sql_spm_score(const t2sql_spm_model* model, int id) { return model->processor.GetScore(id); }

long t2sql_spm_encode(const t2sql_spm_model* model, const char* text, size_t size, int* ids, size_t capacity,
                      char* error, size_t error_capacity) {
  std::vector<int> pieces;
  auto status = model->processor.Encode(std::string_view(text, size), &pieces);
  if (!status.ok()) {
    write_error(error, error_capacity, status.ToString());
    return -1;
  }
  if (ids != nullptr && pieces.size() <= capacity) std::copy(pieces.begin(), pieces.end(), ids);
  return static_cast<long>(pieces.size());
}

long t2sql_spm_decode(const t2sql_spm_model* model, const int* ids, size_t count, char* out, size_t capacity,
                      char* error, size_t error_capacity) {
  std::string text;
  auto status = model->processor.Decode(std::vector<int>(ids, ids + count), &text);
  if (!status.ok()) {
    write_error(error, error_capacity, status.ToString());
    return -1;
  }
  return copy_out(text, out, capacity);
}

long t2sql_spm_id_to_piece(const t2sql_spm_model* model, int id, char* out, size_t capacity) {
  return copy_out(model->processor.IdToPiece(id), out, capacity);
}

int t2sql_spm_piece_to_id(const t2sql_spm_model* model, const char* piece, size_t size) {
  return model->processor.PieceToId(std::string_view(piece, size));
}

int t2sql_spm_train(const char* arguments, char* error, size_t error_capacity) {
  try {
    auto status = sentencepiece::SentencePieceTrainer::Train(arguments);
    if (!status.ok()) {
      write_error(error, error_capacity, status.ToString());
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    write_error(error, error_capacity, e.what());
    return 1;
  }
}

}  // extern "C"
