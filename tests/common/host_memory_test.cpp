#include "common/host_memory.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

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
  ASSERT_NE(block, nullptr);
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
TEST(HostMemory, FreedLargeBlocksAreReusedWithoutPageFaults) {
#if defined(T2SQL_UNDER_ASAN)
  GTEST_SKIP() << "ASan replaces malloc; glibc's settings do not apply";
#endif
  ASSERT_TRUE(keep_freed_memory_for_reuse());
  constexpr size_t kBytes = size_t{128} << 20;  // 32,768 pages of 4 KiB
  fill_and_free(kBytes);                        // the first time the pages are new
  const long before = minor_faults();
  for (int round = 0; round < 4; ++round) fill_and_free(kBytes);
  // glibc's default would mmap and munmap the block each round: 4 x 32,768 faults.
  EXPECT_LT(minor_faults() - before, 2000);
}
#endif

}  // namespace
}  // namespace t2sql
