#include "nn/threads.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <thread>

#include "common/error.hpp"

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

}  // namespace t2sql::nn
