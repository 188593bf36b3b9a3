// Merging fine-tuned checkpoints of one architecture into one checkpoint (`t2sql merge`).
// linear: merged = sum_i w_i * theta_i, divided by sum_i w_i when normalize (a weighted mean;
// with equal weights, the "model soup" of several fine-tunes of one starting point).
// Every tensor is combined in float32, whatever the storage dtype (mergekit combines in the
// recipe's dtype), and stored as the recipe's out_dtype or else as the first model stores it.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <vector>

#include "merge/merge_config.hpp"

namespace t2sql::merge {

// sum_i weights[i] * tensors[i] in float32, divided by sum(weights) when `normalize`. The tensors
// must share one shape. Error(kInvalidArgument) when normalizing by a sum of zero.
torch::Tensor linear_combination(const std::vector<torch::Tensor>& tensors, const std::vector<double>& weights,
                                 bool normalize);

struct MergeReport {
  int64_t tensors = 0;        // tensors written
  int64_t parameters = 0;     // elements across them
  uint64_t output_bytes = 0;  // tensor bytes written
  int copied_files = 0;       // tokenizer and settings files taken from the tokenizer source
};

// Checks the recipe's models against each other (config.json equal but for torch_dtype and
// provenance fields, the same tensor names and shapes, identical tokenizer files, none quantized),
// then writes the merged checkpoint to `output`: config.json (from base_model, else the first
// model), model.safetensors, the tokenizer and settings files of the tokenizer source, and the
// recipe as merge_config.yaml. `output` must not be one of the inputs. A progress bar counts
// tensors when `progress`.
MergeReport merge_checkpoints(const MergeConfig& config, const std::filesystem::path& output, bool progress = true);

}  // namespace t2sql::merge
