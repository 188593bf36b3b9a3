// Thread settings for the model part: LibTorch's intra-op pool and OpenBLAS's own pool.
#pragma once

#include <string>

namespace t2sql::nn {

// Sets LibTorch's intra-op threads to `threads` (0: every core; Debian's LibTorch otherwise starts
// with 1 here) and OpenBLAS's pool to the same count, so the two pools never exceed the cores
// together (LibTorch calls BLAS outside its parallel regions). Returns the count applied.
// Error(kInvalidArgument) for a negative count.
int configure_threads(int threads);

// OpenBLAS picks its kernels once, when it loads, from the CPU's family and model numbers. Under
// virtual machines that hide them it falls back to the SSE3 "Prescott" kernels even on AVX-512
// hardware, which makes every matrix product 1.5-2x slower. Returns the OPENBLAS_CORETYPE value
// that fits this CPU when the loaded OpenBLAS chose an older kernel set than the CPU supports
// ("SkylakeX" for AVX-512, "Haswell" for AVX2 + FMA), or an empty string when its choice is fine,
// OPENBLAS_CORETYPE is already set, or the BLAS is not OpenBLAS.
std::string better_blas_core();

// Re-executes this program with OPENBLAS_CORETYPE set when better_blas_core() names one, so the
// new process loads OpenBLAS with the right kernels (the variable is read only at load time).
// The `t2sql` front sets the variable itself before starting t2sql-model, which saves this second
// LibTorch load; this covers t2sql-model started directly.
// Returns only when no re-execution is needed or it failed (then the program goes on as is).
void reexec_with_better_blas_core(char** argv);

}  // namespace t2sql::nn
