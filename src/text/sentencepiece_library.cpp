#include "text/sentencepiece_library.hpp"

#include <dlfcn.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "common/error.hpp"
#include "common/paths.hpp"
#include "text/spm_bridge/spm_bridge.h"

namespace t2sql::text {
namespace {

// The bridge's functions, resolved once.
struct Bridge {
  decltype(&t2sql_spm_load) load = nullptr;
  decltype(&t2sql_spm_free) free = nullptr;
  decltype(&t2sql_spm_piece_size) piece_size = nullptr;
  decltype(&t2sql_spm_special_id) special_id = nullptr;
  decltype(&t2sql_spm_is) is = nullptr;
  decltype(&t2sql_spm_score) score = nullptr;
  decltype(&t2sql_spm_encode) encode = nullptr;
  decltype(&t2sql_spm_decode) decode = nullptr;
  decltype(&t2sql_spm_id_to_piece) id_to_piece = nullptr;
  decltype(&t2sql_spm_piece_to_id) piece_to_id = nullptr;
  decltype(&t2sql_spm_train) train = nullptr;
};

constexpr const char* kBridgeName = "libt2sql_spm_bridge.so";

// The bridge and everything it needs (libsentencepiece, its embedded protobuf, even its own
// libstdc++) load into a separate link-map namespace: nothing there can interpose on, or be
// interposed by, the symbols of this process (LibTorch's protobuf, copy-relocated std::cerr, ...).
// Only C types cross the boundary. Sanitizer builds (never linked with LibTorch) load it plainly,
// since the sanitizer runtimes cannot follow a second namespace.
void* open_bridge(const std::filesystem::path& path) {
#if defined(__SANITIZE_ADDRESS__)
  return dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
#else
  return dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
#endif
}

const Bridge& bridge() {
  static std::once_flag once;
  static Bridge functions;
  static std::string failure;
  std::call_once(once, [] {
    std::vector<std::filesystem::path> candidates;
    if (const char* env = std::getenv("T2SQL_SPM_BRIDGE"); env && *env) candidates.emplace_back(env);
    candidates.push_back(executable_dir() / kBridgeName);
    candidates.push_back(executable_dir().parent_path() / kBridgeName);
#ifdef T2SQL_SPM_BRIDGE_PATH
    candidates.emplace_back(T2SQL_SPM_BRIDGE_PATH);
#endif
    void* handle = nullptr;
    std::string errors;
    for (const auto& path : candidates) {
      std::error_code ec;
      if (!std::filesystem::exists(path, ec)) continue;
      handle = open_bridge(path);
      if (handle) break;
      errors += std::string(" ") + dlerror() + ";";
    }
    if (!handle) {
      failure = "SentencePiece support is not available: " + std::string(kBridgeName) +
                " was not found beside the executable or could not be opened." + errors;
      return;
    }
    auto resolve = [&](auto& slot, const char* name) {
      slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(dlsym(handle, name));
      if (!slot) failure = std::string("SentencePiece bridge lacks ") + name;
    };
    resolve(functions.load, "t2sql_spm_load");
    resolve(functions.free, "t2sql_spm_free");
    resolve(functions.piece_size, "t2sql_spm_piece_size");
    resolve(functions.special_id, "t2sql_spm_special_id");
    resolve(functions.is, "t2sql_spm_is");
    resolve(functions.score, "t2sql_spm_score");
    resolve(functions.encode, "t2sql_spm_encode");
    resolve(functions.decode, "t2sql_spm_decode");
    resolve(functions.id_to_piece, "t2sql_spm_id_to_piece");
    resolve(functions.piece_to_id, "t2sql_spm_piece_to_id");
    resolve(functions.train, "t2sql_spm_train");
  });
  if (!failure.empty()) throw Error(ErrorCode::kUnsupported, failure);
  return functions;
}

// Calls `fill(buffer, capacity)` that returns the size needed; grows and retries once.
template <typename T, typename Fill>
std::vector<T> grow_and_fill(size_t first_guess, Fill&& fill) {
  std::vector<T> buffer(std::max<size_t>(first_guess, 16));
  long needed = fill(buffer.data(), buffer.size());
  if (needed < 0) return {};
  if (static_cast<size_t>(needed) > buffer.size()) {
    buffer.resize(static_cast<size_t>(needed));
    needed = fill(buffer.data(), buffer.size());
  }
  buffer.resize(static_cast<size_t>(std::max<long>(0, needed)));
  return buffer;
}

}  // namespace

SentencePieceModel::SentencePieceModel(std::string_view serialized, std::string source) : source_(std::move(source)) {
  std::array<char, 512> error{};
  model_ = bridge().load(serialized.data(), serialized.size(), error.data(), error.size());
  if (!model_) fail(ErrorCode::kParse, "{}: not a SentencePiece model: {}", source_, error.data());
}

SentencePieceModel::~SentencePieceModel() {
  if (model_) bridge().free(model_);
}

int SentencePieceModel::piece_size() const { return bridge().piece_size(model_); }
int SentencePieceModel::bos_id() const { return bridge().special_id(model_, 0); }
int SentencePieceModel::eos_id() const { return bridge().special_id(model_, 1); }
int SentencePieceModel::pad_id() const { return bridge().special_id(model_, 2); }
int SentencePieceModel::unk_id() const { return bridge().special_id(model_, 3); }
bool SentencePieceModel::is_control(int id) const { return bridge().is(model_, id, 0) != 0; }
bool SentencePieceModel::is_unknown(int id) const { return bridge().is(model_, id, 1) != 0; }
bool SentencePieceModel::is_byte(int id) const { return bridge().is(model_, id, 2) != 0; }
bool SentencePieceModel::is_unused(int id) const { return bridge().is(model_, id, 3) != 0; }
float SentencePieceModel::score(int id) const { return bridge().score(model_, id); }

std::vector<int> SentencePieceModel::encode(std::string_view text) const {
  std::array<char, 512> error{};
  bool failed = false;
  auto ids = grow_and_fill<int>(text.size() + 8, [&](int* out, size_t capacity) {
    long n = bridge().encode(model_, text.data(), text.size(), out, capacity, error.data(), error.size());
    failed = n < 0;
    return n;
  });
  if (failed) fail(ErrorCode::kInternal, "{}: SentencePiece encode failed: {}", source_, error.data());
  return ids;
}

std::string SentencePieceModel::decode(const std::vector<int>& ids) const {
  std::array<char, 512> error{};
  bool failed = false;
  auto bytes = grow_and_fill<char>(ids.size() * 8 + 16, [&](char* out, size_t capacity) {
    long n = bridge().decode(model_, ids.data(), ids.size(), out, capacity, error.data(), error.size());
    failed = n < 0;
    return n;
  });
  if (failed) fail(ErrorCode::kInternal, "{}: SentencePiece decode failed: {}", source_, error.data());
  return std::string(bytes.begin(), bytes.end());
}

std::string SentencePieceModel::id_to_piece(int id) const {
  auto bytes = grow_and_fill<char>(32, [&](char* out, size_t capacity) {
    return bridge().id_to_piece(model_, id, out, capacity);
  });
  return std::string(bytes.begin(), bytes.end());
}

int SentencePieceModel::piece_to_id(std::string_view piece) const {
  return bridge().piece_to_id(model_, piece.data(), piece.size());
}

void train_sentencepiece(const std::string& arguments) {
  std::array<char, 1024> error{};
  if (bridge().train(arguments.c_str(), error.data(), error.size()) != 0)
    fail(ErrorCode::kInvalidArgument, "SentencePiece training failed: {}", error.data());
}

}  // namespace t2sql::text
