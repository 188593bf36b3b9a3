// Width expansion that keeps the model's function: a trained Llama grows to a larger hidden size,
// MLP width or attention head size, and gives exactly the logits of the original until training
// moves the new weights. Used by the trainer (`expand_hidden_size`, `expand_intermediate_size`,
// `expand_head_dim`) to add capacity to a trained model instead of training a larger one from
// scratch.
//
// Every new unit is zero on one side and random on the other, so it contributes nothing at first
// yet receives a gradient (a unit zero on both sides, or a copy of an old one, never moves apart):
// - hidden size d -> D: the new residual dimensions start at zero (zero embedding columns, zero
//   rows of o_proj and down_proj); every projection reads them through random columns. RMSNorm
//   averages over D dimensions now, so its old weights are scaled by sqrt(d / D).
// - intermediate size f -> F: new gate/up rows are random, their down_proj columns zero.
// - head_dim h -> H (H a multiple of h): with transformers' rotate_half RoPE, pair i of the old
//   head turns at theta^(-2i/h), the frequency of pair i * H / h of the new one, so the old query
//   and key dimensions move there; the other pairs have zero query rows and random key rows. The
//   query rows are scaled by sqrt(H / h) to keep 1/sqrt(head_dim) scores unchanged. New value
//   dimensions are random with zero o_proj columns.
// RMSNorm's epsilon now meets a mean square scaled by d / D: the logits match to float rounding
// for activations far above epsilon (the usual case), not bit for bit.
#pragma once

#include <cstdint>

#include "nn/llama_model.hpp"

namespace t2sql::nn {

struct WidthTargets {
  int64_t hidden_size = 0;        // 0: unchanged
  int64_t intermediate_size = 0;  // 0: unchanged
  int64_t head_dim = 0;           // 0: unchanged
};

// Returns the widened model (float32 CPU). New random weights are drawn from a normal with the
// standard deviation of the tensor they extend, seeded by `seed`. Errors: a target below the
// current size, a head_dim that is not a multiple of the current one, a quantized or
// mixture-of-experts source.
LlamaModel expand_width(LlamaModel& source, const WidthTargets& targets, uint64_t seed);

}  // namespace t2sql::nn
