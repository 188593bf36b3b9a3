#include "common/host_memory.hpp"

#include <limits>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace t2sql {

bool keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
  // M_MMAP_MAX 0: no block is mmap'd (a thread arena that cannot hold a block falls back to the
  // main heap); M_TRIM_THRESHOLD: up to 2 GiB free at the top of the heap is kept (the largest
  // value mallopt takes); M_TOP_PAD: the heap grows 256 MiB at a time.
  return mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max()) == 1 &&
         mallopt(M_TOP_PAD, 256 << 20) == 1;
#else
  return false;
#endif
}

}  // namespace t2sql
