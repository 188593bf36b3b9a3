#include "common/system_info.hpp"

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace t2sql {
namespace fs = std::filesystem;
namespace {
std::string classify(const std::string& path) {
  if (path.empty()) return "missing";
  if (path.find("openblas-pthread") != std::string::npos) return "openblas-pthread";
  if (path.find("openblas-openmp") != std::string::npos) return "openblas-openmp";
  if (path.find("openblas-serial") != std::string::npos) return "openblas-serial";
  if (path.find("openblas") != std::string::npos) return "openblas";
  if (path.find("/blas/") != std::string::npos) return "reference";
  return "other";
}
}  // namespace

BlasInfo system_blas() {
  for (const char* candidate : {"/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3",
                                "/usr/lib/libblas.so.3"}) {
    std::error_code ec;
    if (fs::exists(candidate, ec)) {
      std::string resolved = fs::canonical(candidate, ec).string();
      return {resolved, classify(resolved)};
    }
  }
  return {"", "missing"};
}

BlasInfo loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find("libblas.so") != std::string::npos || path.find("libopenblas") != std::string::npos) {
      return {path, classify(path)};
    }
  }
  return {"", "missing"};
}

uint64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "VmHWM:  1234 kB"
  }
  return 0;
}

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::string blas_core_for_cpu() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

}  // namespace t2sql
