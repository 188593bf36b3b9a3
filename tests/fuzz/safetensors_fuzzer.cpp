// libFuzzer target: the safetensors header parser must end every input in success or t2sql::Error
// (never a crash, a hang or an out-of-bounds read). Built by the `fuzz` preset (clang); the
// GoogleTest suite runs a seeded mutation loop of the same property on GCC builds
// (Safetensors.MutatedHeadersNeverCrash).
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
