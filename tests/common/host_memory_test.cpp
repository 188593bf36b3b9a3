#include "common/host_memory.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace t2sql {
namespace {

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

// Allocates, fills and frees `bytes`; the barrier keeps the compiler from dropping the pair.
void fill_and_free(size_t bytes) {
  char* block = static_cast<char*>(std::malloc(bytes));
  if (block == nullptr) std::_Exit(3);
  std::memset(block, 1, bytes);
  asm volatile("" : : "r"(block) : "memory");
  std::free(block);
}

#if defined(__SANITIZE_ADDRESS__)
#define T2SQL_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define T2SQL_UNDER_ASAN 1
#endif
#endif

#if defined(__GLIBC__)
// The settings are process-wide and would change what later tests of this binary see (a freed
// block stays in the heap, so a new allocation no longer raises the peak RSS), so they are made
// and checked in a fresh process: the death-test child re-runs this test alone.
TEST(HostMemory, FreedLargeBlocksAreReusedWithoutPageFaults) {
#if defined(T2SQL_UNDER_ASAN)
  GTEST_SKIP() << "ASan replaces malloc; glibc's settings do not apply";
#endif
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        if (!keep_freed_memory_for_reuse()) std::_Exit(2);
        constexpr size_t kBytes = size_t{128} << 20;  // 32,768 pages of 4 KiB
        fill_and_free(kBytes);                        // the first time the pages are new
        const long before = minor_faults();
        for (int round = 0; round < 4; ++round) fill_and_free(kBytes);
        // glibc's default would mmap and munmap the block each round: 4 x 32,768 faults.
        const long faults = minor_faults() - before;
        std::fprintf(stderr, "%ld minor faults\n", faults);
        std::_Exit(faults < 2000 ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "minor faults");
}
#endif

}  // namespace
}  // namespace t2sql
