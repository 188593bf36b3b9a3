// Fused kernels for the few-row products of decoding: y = x W^T (+ b) with x in float32 and W as
// stored (float32, or the compact bfloat16, float16, int8 per-row and 4-bit group-wise codes, read
// once and never materialized as float32). A decode step multiplies one row per sequence by every
// weight of the model, so its time is the weight memory streamed through the cores: the kernels
// read four weight rows at once, which streams float32 weights faster than OpenBLAS's sgemv on one
// row; fp32 weights stream twice (16-bit), four times (int8) or ~6.4 times (q4) the bytes.
//
// Exactness: a 16-bit weight converts to float32 exactly, so the products are those of the fp32
// computation over the upcast weight; only the summation order differs from a BLAS sgemv (float
// rounding, ~1e-7 relative). An int8 row computes (sum x * q) * scale, the dequantized product
// factored; a q4 weight is dequantized in registers ((code - 8) * group scale), as the dense path
// dequantizes it in memory.
#pragma once

#include <torch/torch.h>

namespace t2sql::nn {

// Rows of x up to which the fused path is used (decode steps, batches, short prompts); longer
// inputs convert the weight and use the BLAS product, which wins once the product is
// compute-bound rather than weight-bound.
inline constexpr int64_t kFusedLinearMaxRows = 32;

// True on CPUs with the vectorized kernels (AVX-512). Without them fused_linear_applies is false:
// there the BLAS product over a converted weight is faster than the portable loop.
bool fused_kernels_available();

// True when fused_linear handles this pair: x float32 with at most kFusedLinearMaxRows rows (all
// but the last dimension), weight (out, in) float32, bfloat16, float16 or int8 (then `scales` float32
// (out)) or q4 codes uint8 (out, in / 2) (then `scales` (out, in / group), group a multiple of 16;
// see docs/formats.md), CPU tensors, and no gradient to track.
bool fused_linear_applies(const torch::Tensor& x, const torch::Tensor& weight);

// x (..., in) float32; weight (out, in) or q4 codes (out, in / 2); scales as above for int8 and
// q4, undefined otherwise; bias (out) float32 or undefined. Returns (..., out) float32. Runs on LibTorch's
// intra-op threads, split over output rows; the portable loop where AVX-512 is missing.
torch::Tensor fused_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                           const torch::Tensor& bias);

// The portable kernel alone (the reference of the vectorized one in tests).
torch::Tensor fused_linear_portable(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                                    const torch::Tensor& bias);

}  // namespace t2sql::nn
