#include "train/training_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "common/error.hpp"
#include "common/hash.hpp"
#include "common/file_io.hpp"

namespace fs = std::filesystem;

namespace t2sql::train {
namespace {

constexpr const char* kManifest = "manifest.json";
constexpr const char* kStagingPrefix = ".staging-checkpoint-";

std::optional<int64_t> checkpoint_step(const std::string& name) {
  const std::string prefix = "checkpoint-";
  if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return std::nullopt;
  int64_t step = 0;
  for (char c : name.substr(prefix.size())) {
    if (c < '0' || c > '9') return std::nullopt;
    step = step * 10 + (c - '0');
  }
  return step;
}

}  // namespace

std::string file_checksum(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, "cannot read {}", path.string());
  uint64_t hash = kFnv1a64Offset;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash = fnv1a64(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())), hash);
  }
  return fmt::format("{:016x}", hash);
}

fs::path begin_checkpoint(const fs::path& output_dir, int64_t step) {
  fs::path staging = output_dir / (kStagingPrefix + std::to_string(step));
  std::error_code ec;
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) fail(ErrorCode::kIo, "cannot create {}: {}", staging.string(), ec.message());
  return staging;
}

fs::path commit_checkpoint(const fs::path& output_dir, const fs::path& staging, int64_t step) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& entry : fs::directory_iterator(staging)) {
    if (!entry.is_regular_file() || entry.path().filename() == kManifest) continue;
    files[entry.path().filename().string()] = {{"size", fs::file_size(entry.path())},
                                               {"fnv1a64", file_checksum(entry.path())}};
  }
  nlohmann::json manifest = {{"step", step}, {"files", files}};
  write_file_atomic(staging / kManifest, manifest.dump(2) + "\n");
  fs::path final_path = output_dir / ("checkpoint-" + std::to_string(step));
  std::error_code ec;
  fs::remove_all(final_path, ec);
  fs::rename(staging, final_path, ec);
  if (ec) fail(ErrorCode::kIo, "cannot rename {} to {}: {}", staging.string(), final_path.string(), ec.message());
  return final_path;
}

void verify_checkpoint(const fs::path& checkpoint) {
  fs::path manifest_path = checkpoint / kManifest;
  if (!fs::exists(manifest_path)) {
    fail(ErrorCode::kCorrupt, "checkpoint {} is incomplete: no {} (an interrupted save?)", checkpoint.string(), kManifest);
  }
  nlohmann::json manifest;
  try {
    manifest = load_json_file(manifest_path);
  } catch (const Error& e) {
    fail(ErrorCode::kCorrupt, "checkpoint {}: unreadable manifest: {}", checkpoint.string(), e.what());
  }
  if (!manifest.is_object() || !manifest.contains("files") || !manifest["files"].is_object()) {
    fail(ErrorCode::kCorrupt, "checkpoint {}: {} has no \"files\" object", checkpoint.string(), kManifest);
  }
  for (const auto& [name, info] : manifest["files"].items()) {
    fs::path file = checkpoint / name;
    if (!fs::exists(file)) fail(ErrorCode::kCorrupt, "checkpoint {}: file {} is missing", checkpoint.string(), name);
    if (!info.is_object() || !info.contains("size") || !info.contains("fnv1a64")) {
      fail(ErrorCode::kCorrupt, "checkpoint {}: manifest entry {} is malformed", checkpoint.string(), name);
    }
    uint64_t size = fs::file_size(file);
    if (size != info["size"].get<uint64_t>()) {
      fail(ErrorCode::kCorrupt, "checkpoint {}: file {} has {} bytes, the manifest says {}", checkpoint.string(), name,
           size, info["size"].get<uint64_t>());
    }
    if (file_checksum(file) != info["fnv1a64"].get<std::string>()) {
      fail(ErrorCode::kCorrupt, "checkpoint {}: file {} does not match its checksum", checkpoint.string(), name);
    }
  }
}

std::vector<std::pair<int64_t, fs::path>> list_checkpoints(const fs::path& output_dir) {
  std::vector<std::pair<int64_t, fs::path>> result;
  std::error_code ec;
  if (!fs::is_directory(output_dir, ec)) return result;
  for (const auto& entry : fs::directory_iterator(output_dir)) {
    if (!entry.is_directory()) continue;
    if (auto step = checkpoint_step(entry.path().filename().string())) result.emplace_back(*step, entry.path());
  }
  std::sort(result.begin(), result.end());
  return result;
}

std::optional<fs::path> latest_checkpoint(const fs::path& output_dir) {
  auto all = list_checkpoints(output_dir);
  if (all.empty()) return std::nullopt;
  return all.back().second;
}

void prune_checkpoints(const fs::path& output_dir, int64_t limit) {
  std::error_code ec;
  if (fs::is_directory(output_dir, ec)) {
    for (const auto& entry : fs::directory_iterator(output_dir)) {
      if (entry.path().filename().string().rfind(kStagingPrefix, 0) == 0) fs::remove_all(entry.path(), ec);
    }
  }
  if (limit <= 0) return;
  auto all = list_checkpoints(output_dir);
  for (size_t i = 0; i + static_cast<size_t>(limit) < all.size(); ++i) fs::remove_all(all[i].second, ec);
}

}  // namespace t2sql::train
