// Depth expansion that keeps the model's function (block expansion, as in LLaMA Pro, Wu et al.
// 2024): after every `every` decoder layers a copy of the last of them is inserted whose
// residual-branch outputs (attention o_proj, MLP down_proj, or each Mixtral expert's w2) are zero.
// A zero branch adds nothing to the residual stream, so the expanded model gives exactly the
// logits of the original until training moves those projections; the copies start from trained
// weights rather than noise. Used by the trainer (`block_expansion_every`) to grow a trained model
// before continuing to train it.
#pragma once

#include "nn/llama_model.hpp"

namespace t2sql::nn {

// Returns the expanded model (num_hidden_layers + num_hidden_layers / every layers; float32 CPU,
// like the source's parameters). Errors: `every` < 1 or not dividing the layer count, or a
// quantized source (its codes cannot hold the zeroed copies' updates).
LlamaModel expand_depth(LlamaModel& source, int64_t every);

}  // namespace t2sql::nn
