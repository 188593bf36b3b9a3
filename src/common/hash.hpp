// FNV-1a 64: the one non-cryptographic hash of the project (checkpoint file checksums, seeds
// derived from names). Its value depends only on the bytes, so it is the same on every platform.
#pragma once

#include <cstdint>
#include <string_view>

namespace t2sql {

inline constexpr uint64_t kFnv1a64Offset = 1469598103934665603ULL;

// The hash of `bytes`, continuing from `state` (pass the previous result to hash a stream in chunks).
constexpr uint64_t fnv1a64(std::string_view bytes, uint64_t state = kFnv1a64Offset) {
  for (char c : bytes) state = (state ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return state;
}

}  // namespace t2sql
