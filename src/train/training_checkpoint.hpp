// Training checkpoints on disk: output_dir/checkpoint-<step>/ holding whatever files the trainer
// writes plus manifest.json (every file's size and FNV-1a 64 checksum), written last. A checkpoint
// is built in a hidden temporary folder and renamed into place, so a crash or a full disk never
// leaves a partial folder under a checkpoint name; a folder whose manifest is missing or whose
// files do not match it is reported by name and never loaded. No LibTorch here.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace t2sql::train {

// FNV-1a 64-bit hash of a file's bytes, as 16 lowercase hex digits.
std::string file_checksum(const std::filesystem::path& path);

// The hidden folder a checkpoint is written into before commit_checkpoint (emptied first).
std::filesystem::path begin_checkpoint(const std::filesystem::path& output_dir, int64_t step);

// Writes the manifest of every regular file in `staging`, then renames it to
// output_dir/checkpoint-<step> (replacing an older folder of that step). Returns the final path.
std::filesystem::path commit_checkpoint(const std::filesystem::path& output_dir, const std::filesystem::path& staging,
                                        int64_t step);

// Throws Error(kCorrupt) naming the checkpoint and the file when the manifest is missing or
// malformed, a listed file is missing, or its size or checksum differs.
void verify_checkpoint(const std::filesystem::path& checkpoint);

// checkpoint-<step> folders of output_dir, oldest step first (hidden staging folders excluded).
std::vector<std::pair<int64_t, std::filesystem::path>> list_checkpoints(const std::filesystem::path& output_dir);

// The checkpoint of the highest step, or nullopt when there is none.
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& output_dir);

// Deletes the oldest checkpoints so at most `limit` remain (0: keep all); also removes leftover
// staging folders of interrupted saves.
void prune_checkpoints(const std::filesystem::path& output_dir, int64_t limit);

}  // namespace t2sql::train
