#include "nn/threads.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>

#include "common/error.hpp"

namespace t2sql::nn {
namespace {

TEST(Threads, ConfigureAppliesTheCountAndZeroMeansEveryCore) {
  int before = at::get_num_threads();
  EXPECT_EQ(configure_threads(1), 1);
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_GE(configure_threads(0), 1);
  EXPECT_THROW(configure_threads(-1), Error);
  configure_threads(before);
}

TEST(Threads, BetterBlasCoreNamesAnAvxKernelSetOrNothing) {
  const char* saved = std::getenv("OPENBLAS_CORETYPE");
  std::string kept = saved != nullptr ? saved : "";
  ::unsetenv("OPENBLAS_CORETYPE");
  std::string core = better_blas_core();
  EXPECT_TRUE(core.empty() || core == "SkylakeX" || core == "Haswell") << core;
  // A user's own choice is never overridden.
  ::setenv("OPENBLAS_CORETYPE", "Prescott", 1);
  EXPECT_EQ(better_blas_core(), "");
  if (saved != nullptr) ::setenv("OPENBLAS_CORETYPE", kept.c_str(), 1);
  else ::unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace
}  // namespace t2sql::nn
