#include "common/system_info.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace t2sql {
namespace {

TEST(SystemInfo, PeakRssGrowsWithTouchedMemoryAndNeverShrinks) {
  const uint64_t before = peak_rss_bytes();
  ASSERT_GT(before, 0u) << "VmHWM not readable";
  constexpr size_t kBytes = 64u << 20;
  {
    auto block = std::make_unique<char[]>(kBytes);
    std::memset(block.get(), 1, kBytes);  // touched pages count, reserved ones do not
    EXPECT_GE(peak_rss_bytes(), before + kBytes - (4u << 20));
  }
  EXPECT_GE(peak_rss_bytes(), before + kBytes - (4u << 20));  // a high-water mark
}

}  // namespace
}  // namespace t2sql
