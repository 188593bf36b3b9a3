// Safetensors files (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}},
// then the raw tensor bytes. Files are memory-mapped, never copied; every header field is checked
// against the file before a byte of tensor data is handed out. No LibTorch here: the parser is
// shared with the fuzz target and tools that must stay light.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql::nn {

enum class TensorDtype { kF32, kF16, kBF16, kI64, kI32, kI8, kU8 };

// The safetensors spelling ("F32", "BF16", ...).
std::string_view dtype_name(TensorDtype dtype);
// Bytes per element.
std::size_t dtype_size(TensorDtype dtype);
// nullopt for a dtype this reader does not handle.
std::optional<TensorDtype> parse_dtype(std::string_view name);
// F32, F16 or BF16.
bool is_floating(TensorDtype dtype);
// Whether a tensor stored as `stored` can fill (load) or join (merge) one of `expected`: floating
// storages stand in for one another (values are converted), an integer one only for itself.
bool interchangeable_dtypes(TensorDtype stored, TensorDtype expected);

// One tensor as the header describes it; offsets are relative to the start of the data section.
struct TensorEntry {
  std::string name;
  TensorDtype dtype = TensorDtype::kF32;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // first byte in the data section
  uint64_t end = 0;    // one past the last byte
  int64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorEntry> tensors;  // in file (offset) order
  std::map<std::string, std::string> metadata;
  uint64_t data_offset = 0;  // where the data section starts in the file: 8 + header length
};

// Parses and validates a whole file image `file` (at least the 8-byte length, the header, and as
// many data bytes as the file holds). Checks: the length prefix fits the file, the header is a JSON
// object, every entry has a known dtype, a non-negative shape, offsets with begin <= end, a byte
// size equal to numel * dtype size, entries that tile the data section with no gap or overlap, and
// a data section that ends where the file ends. Throws Error(kCorrupt) naming `source` and the
// tensor at fault.
SafetensorsHeader parse_safetensors(std::string_view file, const std::string& source);

// A read-only tensor in a mapped file: `data` stays valid while its SafetensorsFile lives.
struct TensorView {
  const TensorEntry* entry = nullptr;
  const std::byte* data = nullptr;
  std::size_t size_bytes = 0;
};

// A memory-mapped safetensors file.
class SafetensorsFile {
 public:
  // Maps and validates `path`; kNotFound when missing, kCorrupt when malformed.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const SafetensorsHeader& header() const { return header_; }
  const std::filesystem::path& path() const { return path_; }
  // nullopt when the file has no tensor of that name.
  std::optional<TensorView> find(std::string_view name) const;
  // Tells the kernel the pages of `view` are no longer needed (after copying them out), so a load
  // does not hold the mapped file and the parameters in memory at once. The view stays readable
  // (pages are read again on access).
  void release(const TensorView& view) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  const std::byte* mapping_ = nullptr;
  std::size_t mapping_size_ = 0;
  SafetensorsHeader header_;
  std::map<std::string, std::size_t, std::less<>> index_;  // name -> position in header_.tensors
};

// The tensors of a checkpoint directory: `model.safetensors`, or the shards listed by
// `model.safetensors.index.json` ({"weight_map": {tensor: shard file}}).
class SafetensorsCheckpoint {
 public:
  // Opens `directory`/`stem`.safetensors or `directory`/`stem`.safetensors.index.json.
  static SafetensorsCheckpoint open(const std::filesystem::path& directory,
                                    const std::string& stem = "model");
  // Every tensor name across all shards, sorted.
  std::vector<std::string> names() const;
  std::optional<TensorView> find(std::string_view name) const;
  // SafetensorsFile::release for the file holding `name`.
  void release(std::string_view name) const;
  // The tensor or Error(kNotFound) naming it and the checkpoint.
  TensorView get(std::string_view name) const;
  // The file a tensor lives in (for error messages).
  std::string source_of(std::string_view name) const;
  std::string description() const { return description_; }

 private:
  std::vector<std::shared_ptr<SafetensorsFile>> files_;
  std::map<std::string, std::size_t, std::less<>> owner_;  // tensor name -> index in files_
  std::string description_;
};

// A tensor to write: `bytes` must hold numel(shape) * dtype_size(dtype) bytes.
struct TensorToWrite {
  std::string name;
  TensorDtype dtype = TensorDtype::kF32;
  std::vector<int64_t> shape;
  std::string_view bytes;
};

// Writes one safetensors file atomically (temp file + rename), tensors in the order given, header
// padded with spaces to a multiple of 8 bytes as the reference writer does.
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Writes `tensors` as shards of at most `max_shard_bytes` plus model.safetensors.index.json, or as a
// single `stem`.safetensors when they fit in one shard. Returns the files written.
std::vector<std::filesystem::path> write_safetensors_checkpoint(
    const std::filesystem::path& directory, const std::vector<TensorToWrite>& tensors,
    uint64_t max_shard_bytes, const std::map<std::string, std::string>& metadata = {},
    const std::string& stem = "model");

}  // namespace t2sql::nn
