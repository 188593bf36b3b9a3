#include "nn/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"

namespace t2sql::nn {

std::string_view dtype_name(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::kF32: return "F32";
    case TensorDtype::kF16: return "F16";
    case TensorDtype::kBF16: return "BF16";
    case TensorDtype::kI64: return "I64";
    case TensorDtype::kI32: return "I32";
    case TensorDtype::kI8: return "I8";
    case TensorDtype::kU8: return "U8";
  }
  return "?";
}

bool is_floating(TensorDtype dtype) {
  return dtype == TensorDtype::kF32 || dtype == TensorDtype::kF16 || dtype == TensorDtype::kBF16;
}

bool interchangeable_dtypes(TensorDtype stored, TensorDtype expected) {
  return is_floating(stored) ? is_floating(expected) : stored == expected;
}

std::size_t dtype_size(TensorDtype dtype) {
  switch (dtype) {
    case TensorDtype::kF32: return 4;
    case TensorDtype::kF16: return 2;
    case TensorDtype::kBF16: return 2;
    case TensorDtype::kI64: return 8;
    case TensorDtype::kI32: return 4;
    case TensorDtype::kI8: return 1;
    case TensorDtype::kU8: return 1;
  }
  return 0;
}

std::optional<TensorDtype> parse_dtype(std::string_view name) {
  for (TensorDtype dtype : {TensorDtype::kF32, TensorDtype::kF16, TensorDtype::kBF16,
                            TensorDtype::kI64, TensorDtype::kI32, TensorDtype::kI8,
                            TensorDtype::kU8}) {
    if (dtype_name(dtype) == name) return dtype;
  }
  return std::nullopt;
}

int64_t TensorEntry::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

namespace {

// Largest header we accept: the reference implementation's limit (100 MB).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

uint64_t read_le64(std::string_view bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

TensorEntry parse_entry(const std::string& name, const nlohmann::json& spec,
                        const std::string& source) {
  if (!spec.is_object()) fail(ErrorCode::kCorrupt, "{}: tensor '{}': entry is not an object", source, name);
  TensorEntry entry;
  entry.name = name;
  auto dtype_it = spec.find("dtype");
  if (dtype_it == spec.end() || !dtype_it->is_string()) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}': missing string field 'dtype'", source, name);
  }
  auto dtype = parse_dtype(dtype_it->get<std::string>());
  if (!dtype) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}': unsupported dtype '{}' (F32, F16, BF16, I64, I32, I8, U8)",
         source, name, dtype_it->get<std::string>());
  }
  entry.dtype = *dtype;
  auto shape_it = spec.find("shape");
  if (shape_it == spec.end() || !shape_it->is_array()) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}': missing array field 'shape'", source, name);
  }
  // numel is bounded by the file size below; guard the product against overflow first.
  uint64_t numel = 1;
  for (const auto& dim : *shape_it) {
    if (!dim.is_number_unsigned()) {
      fail(ErrorCode::kCorrupt, "{}: tensor '{}': shape holds a non-integer or negative dimension", source, name);
    }
    uint64_t value = dim.get<uint64_t>();
    if (value > (uint64_t{1} << 48) || (value != 0 && numel > (uint64_t{1} << 48) / value)) {
      fail(ErrorCode::kCorrupt, "{}: tensor '{}': shape is too large", source, name);
    }
    numel *= value;
    entry.shape.push_back(static_cast<int64_t>(value));
  }
  auto offsets_it = spec.find("data_offsets");
  if (offsets_it == spec.end() || !offsets_it->is_array() || offsets_it->size() != 2 ||
      !(*offsets_it)[0].is_number_unsigned() || !(*offsets_it)[1].is_number_unsigned()) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}': 'data_offsets' must be two non-negative integers",
         source, name);
  }
  entry.begin = (*offsets_it)[0].get<uint64_t>();
  entry.end = (*offsets_it)[1].get<uint64_t>();
  if (entry.begin > entry.end) {
    fail(ErrorCode::kCorrupt, "{}: tensor '{}': data_offsets [{}, {}] end before they begin", source,
         name, entry.begin, entry.end);
  }
  if (entry.end - entry.begin != numel * dtype_size(entry.dtype)) {
    fail(ErrorCode::kCorrupt,
         "{}: tensor '{}': data_offsets [{}, {}] span {} bytes but shape and dtype {} need {}",
         source, name, entry.begin, entry.end, entry.end - entry.begin, dtype_name(entry.dtype),
         numel * dtype_size(entry.dtype));
  }
  return entry;
}

}  // namespace

SafetensorsHeader parse_safetensors(std::string_view file, const std::string& source) {
  if (file.size() < 8) {
    fail(ErrorCode::kCorrupt, "{}: truncated safetensors file ({} bytes, need at least 8)", source,
         file.size());
  }
  uint64_t header_size = read_le64(file);
  if (header_size > kMaxHeaderBytes) {
    fail(ErrorCode::kCorrupt, "{}: header length {} exceeds the {} byte limit", source, header_size,
         kMaxHeaderBytes);
  }
  if (header_size > file.size() - 8) {
    fail(ErrorCode::kCorrupt, "{}: header length {} runs past the end of the file ({} bytes)",
         source, header_size, file.size());
  }
  std::string_view header_text = file.substr(8, header_size);
  if (header_text.empty() || header_text.front() != '{') {
    fail(ErrorCode::kCorrupt, "{}: header does not start with a JSON object", source);
  }
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorCode::kCorrupt, "{}: header is not valid JSON: {}", source, e.what());
  }
  if (!header.is_object()) fail(ErrorCode::kCorrupt, "{}: header is not a JSON object", source);

  SafetensorsHeader result;
  result.data_offset = 8 + header_size;
  for (const auto& [name, spec] : header.items()) {
    if (name == "__metadata__") {
      if (!spec.is_object()) fail(ErrorCode::kCorrupt, "{}: '__metadata__' is not an object", source);
      for (const auto& [key, value] : spec.items()) {
        if (!value.is_string()) {
          fail(ErrorCode::kCorrupt, "{}: '__metadata__' value for '{}' is not a string", source, key);
        }
        result.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    result.tensors.push_back(parse_entry(name, spec, source));
  }
  std::sort(result.tensors.begin(), result.tensors.end(),
            [](const TensorEntry& a, const TensorEntry& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  // The entries must tile the data section exactly: no hole, no overlap (as the reference checks).
  uint64_t expected_begin = 0;
  for (const TensorEntry& entry : result.tensors) {
    if (entry.begin != expected_begin) {
      fail(ErrorCode::kCorrupt,
           "{}: tensor '{}': data_offsets begin at {} but the previous tensor ends at {} "
           "(overlap or gap)",
           source, entry.name, entry.begin, expected_begin);
    }
    expected_begin = entry.end;
  }
  uint64_t data_size = file.size() - result.data_offset;
  if (expected_begin != data_size) {
    std::string last = result.tensors.empty() ? "(none)" : result.tensors.back().name;
    fail(ErrorCode::kCorrupt,
         "{}: tensors end at data byte {} (last tensor '{}') but the data section holds {} bytes "
         "(truncated or trailing bytes)",
         source, expected_begin, last, data_size);
  }
  return result;
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, "{}: cannot open: {}",
         path.string(), std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    fail(ErrorCode::kIo, "{}: cannot stat: {}", path.string(), std::strerror(saved));
  }
  file->mapping_size_ = static_cast<std::size_t>(info.st_size);
  if (file->mapping_size_ > 0) {
    void* mapped = ::mmap(nullptr, file->mapping_size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapped == MAP_FAILED) {
      int saved = errno;
      ::close(fd);
      fail(ErrorCode::kIo, "{}: cannot map: {}", path.string(), std::strerror(saved));
    }
    file->mapping_ = static_cast<const std::byte*>(mapped);
  }
  ::close(fd);
  file->header_ = parse_safetensors(
      std::string_view(reinterpret_cast<const char*>(file->mapping_), file->mapping_size_),
      path.string());
  for (std::size_t i = 0; i < file->header_.tensors.size(); ++i) {
    file->index_.emplace(file->header_.tensors[i].name, i);
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(const_cast<std::byte*>(mapping_), mapping_size_);
}

std::optional<TensorView> SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(name);
  if (it == index_.end()) return std::nullopt;
  const TensorEntry& entry = header_.tensors[it->second];
  return TensorView{&entry, mapping_ + header_.data_offset + entry.begin, entry.end - entry.begin};
}

void SafetensorsFile::release(const TensorView& view) const {
  static const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto begin = (reinterpret_cast<uintptr_t>(view.data) + page - 1) / page * page;
  auto end = (reinterpret_cast<uintptr_t>(view.data) + view.size_bytes) / page * page;
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void SafetensorsCheckpoint::release(std::string_view name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) return;
  if (auto view = files_[it->second]->find(name)) files_[it->second]->release(*view);
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::filesystem::path& directory,
                                                  const std::string& stem) {
  SafetensorsCheckpoint checkpoint;
  auto single = directory / (stem + ".safetensors");
  auto index_path = directory / (stem + ".safetensors.index.json");
  if (std::filesystem::exists(single)) {
    checkpoint.files_.push_back(SafetensorsFile::open(single));
    for (const auto& entry : checkpoint.files_[0]->header().tensors) checkpoint.owner_[entry.name] = 0;
    checkpoint.description_ = single.string();
    return checkpoint;
  }
  if (!std::filesystem::exists(index_path)) {
    fail(ErrorCode::kNotFound, "{}: no {}.safetensors or {}.safetensors.index.json", directory.string(),
         stem, stem);
  }
  checkpoint.description_ = index_path.string();
  nlohmann::json index = load_json_file(index_path);
  auto map_it = index.find("weight_map");
  if (!index.is_object() || map_it == index.end() || !map_it->is_object()) {
    fail(ErrorCode::kParse, "{}: missing object field 'weight_map'", index_path.string());
  }
  std::map<std::string, std::size_t> shard_position;
  for (const auto& [tensor, shard] : map_it->items()) {
    if (!shard.is_string()) {
      fail(ErrorCode::kParse, "{}: weight_map entry '{}' is not a file name", index_path.string(), tensor);
    }
    std::string shard_name = shard.get<std::string>();
    if (shard_name.find('/') != std::string::npos || shard_name == "..") {
      fail(ErrorCode::kParse, "{}: weight_map entry '{}' names a path outside the checkpoint: '{}'",
           index_path.string(), tensor, shard_name);
    }
    auto [it, inserted] = shard_position.emplace(shard_name, checkpoint.files_.size());
    if (inserted) checkpoint.files_.push_back(SafetensorsFile::open(directory / shard_name));
    if (!checkpoint.files_[it->second]->find(tensor)) {
      fail(ErrorCode::kCorrupt, "{}: tensor '{}' is mapped to {} which does not hold it",
           index_path.string(), tensor, shard_name);
    }
    checkpoint.owner_[tensor] = it->second;
  }
  return checkpoint;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> result;
  for (const auto& [name, position] : owner_) result.push_back(name);
  return result;
}

std::optional<TensorView> SafetensorsCheckpoint::find(std::string_view name) const {
  auto it = owner_.find(name);
  if (it == owner_.end()) return std::nullopt;
  return files_[it->second]->find(name);
}

TensorView SafetensorsCheckpoint::get(std::string_view name) const {
  auto view = find(name);
  if (!view) fail(ErrorCode::kNotFound, "{}: missing tensor '{}'", description_, name);
  return *view;
}

std::string SafetensorsCheckpoint::source_of(std::string_view name) const {
  auto it = owner_.find(name);
  return it == owner_.end() ? description_ : files_[it->second]->path().string();
}

namespace {

std::string header_json(const std::vector<const TensorToWrite*>& tensors,
                        const std::map<std::string, std::string>& metadata) {
  // nlohmann's ordered_json keeps insertion order, so offsets read in file order.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorToWrite* tensor : tensors) {
    uint64_t numel = 1;
    for (int64_t dim : tensor->shape) numel *= static_cast<uint64_t>(dim);
    uint64_t size = numel * dtype_size(tensor->dtype);
    if (size != tensor->bytes.size()) {
      fail(ErrorCode::kInternal, "tensor '{}': {} bytes given, shape and dtype need {}", tensor->name,
           tensor->bytes.size(), size);
    }
    header[tensor->name] = {{"dtype", dtype_name(tensor->dtype)},
                            {"shape", tensor->shape},
                            {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

void write_file(const std::filesystem::path& path, const std::vector<const TensorToWrite*>& tensors,
                const std::map<std::string, std::string>& metadata) {
  std::string header = header_json(tensors, metadata);
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) fail(ErrorCode::kIo, "{}: cannot create", temporary.string());
    char length[8];
    uint64_t size = header.size();
    for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((size >> (8 * i)) & 0xff);
    out.write(length, 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (const TensorToWrite* tensor : tensors) {
      out.write(tensor->bytes.data(), static_cast<std::streamsize>(tensor->bytes.size()));
    }
    out.flush();
    if (!out) fail(ErrorCode::kIo, "{}: write failed", temporary.string());
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) fail(ErrorCode::kIo, "{}: cannot rename into place: {}", path.string(), error.message());
}

}  // namespace

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorToWrite>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  std::vector<const TensorToWrite*> pointers;
  for (const auto& tensor : tensors) pointers.push_back(&tensor);
  write_file(path, pointers, metadata);
}

std::vector<std::filesystem::path> write_safetensors_checkpoint(
    const std::filesystem::path& directory, const std::vector<TensorToWrite>& tensors,
    uint64_t max_shard_bytes, const std::map<std::string, std::string>& metadata,
    const std::string& stem) {
  std::filesystem::create_directories(directory);
  std::vector<std::vector<const TensorToWrite*>> shards(1);
  uint64_t shard_bytes = 0;
  uint64_t total_bytes = 0;
  for (const auto& tensor : tensors) {
    if (!shards.back().empty() && shard_bytes + tensor.bytes.size() > max_shard_bytes) {
      shards.emplace_back();
      shard_bytes = 0;
    }
    shards.back().push_back(&tensor);
    shard_bytes += tensor.bytes.size();
    total_bytes += tensor.bytes.size();
  }
  std::vector<std::filesystem::path> written;
  if (shards.size() == 1) {
    written.push_back(directory / (stem + ".safetensors"));
    write_file(written.back(), shards[0], metadata);
    std::filesystem::remove(directory / (stem + ".safetensors.index.json"));
    return written;
  }
  nlohmann::ordered_json weight_map = nlohmann::ordered_json::object();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    std::string name = fmt::format("{}-{:05d}-of-{:05d}.safetensors", stem, i + 1, shards.size());
    written.push_back(directory / name);
    write_file(written.back(), shards[i], metadata);
    for (const TensorToWrite* tensor : shards[i]) weight_map[tensor->name] = name;
  }
  nlohmann::ordered_json index = {{"metadata", {{"total_size", total_bytes}}},
                                  {"weight_map", weight_map}};
  written.push_back(directory / (stem + ".safetensors.index.json"));
  write_file_atomic(written.back(), index.dump(2) + "\n");
  std::filesystem::remove(directory / (stem + ".safetensors"));
  return written;
}

}  // namespace t2sql::nn
