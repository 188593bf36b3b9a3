// Thread settings for the model part: LibTorch's intra-op pool and OpenBLAS's own pool.
#pragma once

namespace t2sql::nn {

// Sets LibTorch's intra-op threads to `threads` (0: every core; Debian's LibTorch otherwise starts
// with 1 here) and OpenBLAS's pool to the same count, so the two pools never exceed the cores
// together (LibTorch calls BLAS outside its parallel regions). Returns the count applied.
// Error(kInvalidArgument) for a negative count.
int configure_threads(int threads);

}  // namespace t2sql::nn
