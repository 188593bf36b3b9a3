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

enum Kind { kF32 = 0, kBF16 = 1, kF16 = 2, kI8 = 3, kQ4 = 4 };

struct Problem {
  const float* x = nullptr;  // (rows, in)
  int64_t rows = 0, in = 0, out = 0;
  const void* weight = nullptr;  // (out, in); q4: (out, in / 2) bytes, two codes each
  Kind kind = kBF16;
  const float* scales = nullptr;  // int8: (out); q4: (out, in / group); else null
  int64_t group = 0;              // q4 group size (a multiple of 16)
  const float* bias = nullptr;    // (out) or null
  float* y = nullptr;             // (rows, out)
};

// The scale of q4 weight (n, k): one per group of `group` inputs of a row.
inline float q4_scale(const Problem& p, int64_t n, int64_t k) { return p.scales[n * (p.in / p.group) + k / p.group]; }

// Weight (n, k) as float32: q4 dequantized with its group's scale, int8 as its code (the row
// scale is applied to the finished sum).
float weight_value(const Problem& p, int64_t n, int64_t k) {
  const int64_t index = n * p.in + k;
  switch (p.kind) {
    case kF32:
      return static_cast<const float*>(p.weight)[index];
    case kBF16:
      return static_cast<float>(static_cast<const c10::BFloat16*>(p.weight)[index]);
    case kF16:
      return static_cast<float>(static_cast<const c10::Half*>(p.weight)[index]);
    case kI8:
      return static_cast<float>(static_cast<const int8_t*>(p.weight)[index]);
    case kQ4: {
      const uint8_t byte = static_cast<const uint8_t*>(p.weight)[index / 2];
      const int code = (k & 1) ? byte >> 4 : byte & 15;  // low nibble = even column
      return static_cast<float>(code - 8) * q4_scale(p, n, k);
    }
  }
  return 0.0f;
}

// Stores output n of row m from the complete dot product.
inline void store_output(const Problem& p, int64_t n, int64_t m, float sum) {
  if (p.kind == kI8) sum *= p.scales[n];
  if (p.bias) sum += p.bias[n];
  p.y[m * p.out + n] = sum;
}

// Output `n` of row m from a dot product already summed over the first `done` inputs.
void finish_output(const Problem& p, int64_t n, int64_t m, float sum, int64_t done) {
  const float* x = p.x + m * p.in;
  for (int64_t k = done; k < p.in; ++k) sum += x[k] * weight_value(p, n, k);
  store_output(p, n, m, sum);
}

void portable_block(const Problem& p, int64_t n0, int64_t n1) {
  for (int64_t n = n0; n < n1; ++n)
    for (int64_t m = 0; m < p.rows; ++m) finish_output(p, n, m, 0.0f, 0);
}

#define T2SQL_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

// Weights (n, k .. k + 15) as float32: exact for bf16 and f16, the codes for int8, dequantized
// for q4 (k is a multiple of 16 and a q4 group a multiple of 16, so one scale covers them).
template <int K>
T2SQL_AVX512 inline __m512 load16(const Problem& p, int64_t n, int64_t k) {
  const int64_t index = n * p.in + k;
  const void* weight = p.weight;
  if constexpr (K == kF32) {
    return _mm512_loadu_ps(static_cast<const float*>(weight) + index);
  } else if constexpr (K == kQ4) {
    // 8 bytes hold 16 codes, the even column in the low nibble: widen each byte to 16 bits and
    // put its high nibble in the upper byte, which lays the codes out in column order.
    const __m128i bytes = _mm_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(static_cast<const uint8_t*>(weight) + index / 2)));
    const __m128i codes = _mm_or_si128(_mm_and_si128(bytes, _mm_set1_epi16(0x0f)),
                                       _mm_slli_epi16(_mm_and_si128(bytes, _mm_set1_epi16(0xf0)), 4));
    const __m512 values = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(codes)), _mm512_set1_ps(8.0f));
    return _mm512_mul_ps(values, _mm512_set1_ps(q4_scale(p, n, k)));
  } else if constexpr (K == kBF16) {
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

// Outputs n0 .. n0 + N for rows m0 .. m0 + M, an N x M block of accumulators in registers: each
// weight load feeds M products and each input load N. N weight rows are N concurrent streams,
// which keeps more memory requests in flight than one row at a time (decode, M = 1, is bound by
// the weight bytes streamed). Software prefetching of the next block measured no faster than the
// hardware prefetcher (slower for 2048-wide rows), so there is none.
template <int K, int N, int M>
T2SQL_AVX512 inline void avx512_block(const Problem& p, int64_t n0, int64_t m0) {
  const int64_t in = p.in, whole = in & ~int64_t{15};
  const float* x = p.x + m0 * in;
  __m512 acc[N][M];
  for (int j = 0; j < N; ++j)
    for (int m = 0; m < M; ++m) acc[j][m] = _mm512_setzero_ps();
  for (int64_t k = 0; k < whole; k += 16) {
    __m512 w[N];
    for (int j = 0; j < N; ++j) w[j] = load16<K>(p, n0 + j, k);
    for (int m = 0; m < M; ++m) {
      const __m512 xv = _mm512_loadu_ps(x + m * in + k);
      for (int j = 0; j < N; ++j) acc[j][m] = _mm512_fmadd_ps(xv, w[j], acc[j][m]);
    }
  }
  for (int j = 0; j < N; ++j)
    for (int m = 0; m < M; ++m) {
      const float sum = _mm512_reduce_add_ps(acc[j][m]);
      if (whole == in) store_output(p, n0 + j, m0 + m, sum);
      else finish_output(p, n0 + j, m0 + m, sum, whole);
    }
}

// Every row for outputs n0 .. n0 + N, rows in chunks of 4: the block's weight rows are read from
// memory once and from L1 for the following chunks.
template <int K, int N>
T2SQL_AVX512 inline void avx512_outputs(const Problem& p, int64_t n0) {
  int64_t m0 = 0;
  for (; m0 + 4 <= p.rows; m0 += 4) avx512_block<K, N, 4>(p, n0, m0);
  switch (p.rows - m0) {
    case 1: avx512_block<K, N, 1>(p, n0, m0); break;
    case 2: avx512_block<K, N, 2>(p, n0, m0); break;
    case 3: avx512_block<K, N, 3>(p, n0, m0); break;
    default: break;
  }
}

// Outputs n0 .. n1 for every row, four weight rows at a time.
template <int K>
T2SQL_AVX512 void avx512_rows(const Problem& p, int64_t n0, int64_t n1) {
  int64_t n = n0;
  for (; n + 4 <= n1; n += 4) avx512_outputs<K, 4>(p, n);
  for (; n < n1; ++n) avx512_outputs<K, 1>(p, n);
}

bool cpu_has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

// Inputs per weight row: q4 stores two codes a byte.
int64_t input_width(const torch::Tensor& weight) {
  return weight.scalar_type() == torch::kByte ? 2 * weight.size(1) : weight.size(1);
}

Kind kind_of(torch::ScalarType type) {
  switch (type) {
    case torch::kFloat32: return kF32;
    case torch::kBFloat16: return kBF16;
    case torch::kHalf: return kF16;
    case torch::kChar: return kI8;
    case torch::kByte: return kQ4;
    default: fail(ErrorCode::kUnsupported, "fused linear: no kernel for {} weights", c10::toString(type));
  }
}

torch::Tensor run(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& scales,
                  const torch::Tensor& bias, bool vectorized) {
  Problem p;
  p.kind = kind_of(weight.scalar_type());
  const int64_t out = weight.size(0), in = input_width(weight);
  if (x.size(-1) != in) fail(ErrorCode::kInvalidArgument, "fused linear: input width {} != weight width {}", x.size(-1), in);
  torch::Tensor x2 = x.reshape({-1, in}).contiguous();
  torch::Tensor w = weight.contiguous();
  torch::Tensor s, b;
  if (p.kind == kI8) {
    if (!scales.defined() || scales.numel() != out) fail(ErrorCode::kInvalidArgument, "fused linear: int8 weights need {} scales", out);
    s = scales.to(torch::kFloat32).contiguous();
    p.scales = s.data_ptr<float>();
  } else if (p.kind == kQ4) {
    if (!scales.defined() || scales.dim() != 2 || scales.size(0) != out || scales.size(1) == 0 || in % scales.size(1) != 0 ||
        (in / scales.size(1)) % 16 != 0)
      fail(ErrorCode::kInvalidArgument, "fused linear: q4 weights need ({}, groups) scales with groups of a multiple of 16 inputs", out);
    s = scales.to(torch::kFloat32).contiguous();
    p.scales = s.data_ptr<float>();
    p.group = in / scales.size(1);
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
      case kF32: return avx512_rows<kF32>(p, n0, n1);
      case kBF16: return avx512_rows<kBF16>(p, n0, n1);
      case kF16: return avx512_rows<kF16>(p, n0, n1);
      case kI8: return avx512_rows<kI8>(p, n0, n1);
      case kQ4: return avx512_rows<kQ4>(p, n0, n1);
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
  if (type != torch::kFloat32 && type != torch::kBFloat16 && type != torch::kHalf && type != torch::kChar &&
      type != torch::kByte)
    return false;
  if (x.size(-1) != input_width(weight) || x.numel() / std::max<int64_t>(1, x.size(-1)) > kFusedLinearMaxRows) return false;
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
