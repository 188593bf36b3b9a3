// How the model process (t2sql-model) keeps its freed memory. LibTorch's CPU tensors come straight
// from malloc, and glibc serves every block above its mmap threshold (32 MiB at most) with a fresh
// mmap and gives it back with munmap on free. Training allocates and frees the same large blocks
// every step (the attention scores of a batch of 1,024-token examples are hundreds of MiB per
// layer), so each step faults all those pages in again, zero-filled by the kernel: on the 2-core
// machine a 16 x 1,024 token step spent most of its time in the kernel (85,000 page faults a
// second).
#pragma once

namespace t2sql {

// Serves every block from the heap (no mmap) and keeps up to 2 GiB free at its top, so freed blocks
// are reused without page faults; the process keeps its peak heap until it exits, which is what a
// training or inference run needs anyway. Call once at startup, before the first large allocation. Returns
// false when the C library is not glibc or refused a setting (then nothing changed for the worse).
bool keep_freed_memory_for_reuse();

}  // namespace t2sql
