#include "nn/gemv.hpp"

// GCC 12's AVX-512 intrinsics initialize results with the self-assignment idiom of
// _mm512_undefined_*, which -W(maybe-)uninitialized reports wherever they are inlined.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <ATen/Parallel.h>
#include <immintrin.h>

#include "common/error.hpp"

namespace t2sql::nn {

namespace {

enum Kind { kBF16 = 0, kF16 = 1, kI8 = 2 };

struct Problem {
  const float* x = nullptr;  // (rows, in)
  int64_t rows = 0, in = 0, out = 0;
  const void* weight = nullptr;  // (out, in)
  Kind kind = kBF16;
  const float* scales = nullptr;  // (out), int8 only
  const float* bias = nullptr;    // (out) or null
  float* y = nullptr;             // (rows, out)
};

float weight_value(const Problem& p, int64_t index) {
  switch (p.kind) {
    case kBF16:
      return static_cast<float>(static_cast<const c10::BFloat16*>(p.weight)[index]);
    case kF16:
      return static_cast<float>(static_cast<const c10::Half*>(p.weight)[index]);
    case kI8:
      return static_cast<float>(static_cast<const int8_t*>(p.weight)[index]);
  }
  return 0.0f;
}

// Output `n` of every row from a dot product already summed over the first `done` inputs.
void finish_output(const Problem& p, int64_t n, int64_t m, float sum, int64_t done) {
  const float* x = p.x + m * p.in;
  for (int64_t k = done; k < p.in; ++k) sum += x[k] * weight_value(p, n * p.in + k);
  if (p.kind == kI8) sum *= p.scales[n];
  if (p.bias) sum += p.bias[n];
  p.y[m * p.out + n] = sum;
}

void portable_block(const Problem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n)
    for (int64_t m = 0; m < p.rows; ++m) finish_output(p, n, m, 0.0f, 0);
}

#define T2SQL_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// 16 weights from `index` as float32 (exact for bf16 and f16, the int8 codes for int8).
template <int K>
T2SQL_AVX512 inline __m512 load16(const void* weight, int64_t index) {
  if constexpr (K == kBF16) {
    __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(weight) + index));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(raw), 16));
  } else if constexpr (K == kF16) {
    __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(static_cast<const uint16_t*>(weight) + index));
    return _mm512_cvtph_ps(raw);
  } else {
    __m128i raw = _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const int8_t*>(weight) + index));
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(raw));
  }
}

// Rows m0 .. m0 + M of output n (M a template parameter, so the accumulators stay in registers).
template <int K, int M>
T2SQL_AVX512 inline void avx512_dots(const Problem& p, int64_t n, int64_t m0) {
  const int64_t in = p.in, whole = in & ~int64_t{15};
  const float* x = p.x + m0 * in;
  __m512 acc[M];
  for (int m = 0; m < M; ++m) acc[m] = _mm512_setzero_ps();
  for (int64_t k = 0; k < whole; k += 16) {
    const __m512 w = load16<K>(p.weight, n * in + k);
    for (int m = 0; m < M; ++m) acc[m] = _mm512_fmadd_ps(_mm512_loadu_ps(x + m * in + k), w, acc[m]);
  }
  for (int m = 0; m < M; ++m) finish_output(p, n, m0 + m, _mm512_reduce_add_ps(acc[m]), whole);
}

// Outputs n0 .. n1 for every row: rows in chunks of 8 per weight row, so a weight row is read
// from memory once and from L1 for the following chunks.
template <int K>
T2SQL_AVX512 void avx512_rows(const Problem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n) {
    int64_t m0 = 0;
    for (; m0 + 8 <= p.rows; m0 += 8) avx512_dots<K, 8>(p, n, m0);
    switch (p.rows - m0) {
      case 1: avx512_dots<K, 1>(p, n, m0); break;
      case 2: avx512_dots<K, 2>(p, n, m0); break;
      case 3: avx512_dots<K, 3>(p, n, m0); break;
      case 4: avx512_dots<K, 4>(p, n, m0); break;
      case 5: avx512_dots<K, 5>(p, n, m0); break;
      case 6: avx512_dots<K, 6>(p, n, m0); break;
      case 7: avx512_dots<K, 7>(p, n, m0); break;
      default: break;
    }
  }
}

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

Kind kind_of(torch::ScalarType type) {
  switch (type) {
    case torch::kBFloat16: return kBF16;
    case torch::kHalf: return kF16;
    case torch::kChar: return kI8;
    default: fail(ErrorCode::kUnsupported, "fused linear: no kernel for {} weights", c10::toString(type));
  }
}

torch::Tensor run(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                  const torch::Tensor& bias, bool vectorized) {
  const int64_t in = weight.size(1), out = weight.size(0);
  if (x.size(-1) != in) fail(ErrorCode::kInvalidArgument, "fused linear: input width {} != weight width {}", x.size(-1), in);
  torch::Tensor x2 = x.reshape({-1, in}).contiguous();
  torch::Tensor w = weight.contiguous();
  Problem p;
  p.kind = kind_of(w.scalar_type());
  torch::Tensor s, b;
  if (p.kind == kI8) {
    if (!scales.defined() || scales.numel() != out) fail(ErrorCode::kInvalidArgument, "fused linear: int8 weights need {} scales", out);
    s = scales.to(torch::kFloat32).contiguous();
    p.scales = s.data_ptr<float>();
  }
  if (bias.defined()) {
    b = bias.to(torch::kFloat32).contiguous();
    p.bias = b.data_ptr<float>();
  }
  auto sizes = x.sizes().vec();
  sizes.back() = out;
  torch::Tensor y = torch::empty({x2.size(0), out}, torch::kFloat32);
  p.x = x2.data_ptr<float>();
  p.rows = x2.size(0);
  p.in = in;
  p.out = out;
  p.weight = w.data_ptr();
  p.y = y.data_ptr<float>();
  // Chunks of at least ~64 KiB of weights, so a thread's share outweighs its start.
  const int64_t grain = std::max<int64_t>(16, (int64_t{1} << 16) / std::max<int64_t>(1, in * w.element_size()));
  at::parallel_for(0, out, grain, [&](int64_t n0, int64_t n1) {
    if (!vectorized) return portable_block(p, n0, n1);
    switch (p.kind) {
      case kBF16: return avx512_rows<kBF16>(p, n0, n1);
      case kF16: return avx512_rows<kF16>(p, n0, n1);
      case kI8: return avx512_rows<kI8>(p, n0, n1);
    }
  });
  return y.view(sizes);
}

}  // namespace

bool fused_kernels_available() { return cpu_has_avx512(); }

bool fused_linear_applies(const torch::Tensor& x, const torch::Tensor& weight) {
  if (!cpu_has_avx512()) return false;
  if (!x.defined() || !weight.defined() || !x.device().is_cpu() || !weight.device().is_cpu()) return false;
  if (x.scalar_type() != torch::kFloat32 || weight.dim() != 2 || x.dim() < 1) return false;
  const auto type = weight.scalar_type();
  if (type != torch::kBFloat16 && type != torch::kHalf && type != torch::kChar) return false;
  if (x.size(-1) != weight.size(1) || x.numel() / std::max<int64_t>(1, x.size(-1)) > kFusedLinearMaxRows) return false;
  if (x.numel() == 0) return false;
  return !(torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad()));
}

torch::Tensor fused_linear(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                           const torch::Tensor& bias) {
  return run(x, weight, scales, bias, cpu_has_avx512());
}

torch::Tensor fused_linear_portable(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                                    const torch::Tensor& bias) {
  return run(x, weight, scales, bias, false);
}

}  // namespace t2sql::nn
