#include "nn/threads.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <string_view>
#include <thread>

#include "common/error.hpp"
#include "common/system_info.hpp"

namespace t2sql::nn {

int configure_threads(int threads) {
  if (threads < 0) fail(ErrorCode::kInvalidArgument, "--threads must be >= 0, got {}", threads);
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(threads);
  // OpenBLAS is loaded through LibTorch; look its setter up at run time so a build against
  // another BLAS still links.
  using SetThreads = void (*)(int);
  if (auto set_blas_threads = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set_blas_threads(threads);
  }
  return threads;
}

std::string better_blas_core() {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return "";
  using CoreName = char* (*)();
  auto core_name = reinterpret_cast<CoreName>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (core_name == nullptr) return "";
  std::string_view chosen = core_name();
  // Kernel sets without AVX2 that OpenBLAS falls back to when it cannot identify the CPU.
  constexpr std::array<std::string_view, 10> kOld = {"Prescott", "Core2",  "Penryn", "Dunnington", "Nehalem",
                                                     "Katmai",   "Coppermine", "Northwood", "Atom", "Banias"};
  bool old = false;
  for (auto name : kOld) old = old || chosen == name;
  if (!old) return "";
  return blas_core_for_cpu();
}

void reexec_with_better_blas_core(char** argv) {
  std::string core = better_blas_core();
  if (core.empty()) return;
  if (::setenv("OPENBLAS_CORETYPE", core.c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  ::unsetenv("OPENBLAS_CORETYPE");  // exec failed: carry on with the kernels already loaded
}

}  // namespace t2sql::nn
