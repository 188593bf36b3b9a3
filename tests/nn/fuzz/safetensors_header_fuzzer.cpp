// libFuzzer entry point for the safetensors header parser (clang only):
//   clang++ -std=c++20 -fsanitize=fuzzer,address -Isrc tests/nn/fuzz/safetensors_header_fuzzer.cpp \
//     src/nn/safetensors.cpp src/common/error.cpp src/common/file_io.cpp -lfmt -o safetensors_fuzzer
// The parser must end every input in success or t2sql::Error. The GoogleTest suite runs a seeded
// mutation loop of the same property on GCC builds (Safetensors.MutatedHeadersNeverCrash).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "nn/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    t2sql::nn::parse_safetensors(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const t2sql::Error&) {
  }
  return 0;
}
