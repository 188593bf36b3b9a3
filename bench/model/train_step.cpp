// One process of the training-speed benchmark (bench/train_bench.py drives it): builds a Llama
// from a config.json with scratch weights, then times full fine-tuning optimizer steps (AdamW,
// clipping, completion-only loss) on fixed random batches through the trainer's own functions,
// and prints one JSON line: tokens/s over the timed steps and the peak RSS.
//
//   train_step CONFIG_JSON --batch B --seq T --completion C --steps N [--warmup W] [--threads K]
//
// Every sequence is T tokens; the loss is taken on its last C tokens (the answer), as in SFT.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/system_info.hpp"
#include "data/packing.hpp"
#include "nn/llama_config.hpp"
#include "nn/threads.hpp"
#include "train/sft_trainer.hpp"

using namespace t2sql;

int main(int argc, char** argv) try {
  nn::reexec_with_better_blas_core(argv);  // as t2sql-model does
  if (argc < 2) {
    std::fprintf(stderr, "usage: train_step CONFIG_JSON --batch B --seq T --completion C --steps N [--warmup W] [--threads K]\n");
    return 2;
  }
  int64_t batch = 8, seq = 256, completion = 32, steps = 5, warmup = 1, threads = 0;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    int64_t value = std::atoll(argv[i + 1]);
    if (flag == "--batch") batch = value;
    else if (flag == "--seq") seq = value;
    else if (flag == "--completion") completion = value;
    else if (flag == "--steps") steps = value;
    else if (flag == "--warmup") warmup = value;
    else if (flag == "--threads") threads = value;
    else fail(ErrorCode::kInvalidArgument, "unknown flag {}", flag);
  }
  if (threads > 0) torch::set_num_threads(static_cast<int>(threads));
  nn::LlamaConfig config = nn::parse_llama_config(nlohmann::json::parse(read_file(argv[1])), argv[1]);
  torch::manual_seed(0);
  nn::LlamaModel model(config);
  train::initialize_scratch_weights(model);
  train::SftConfig sft;
  sft.learning_rate = 1e-4;
  sft.weight_decay = 0.1;
  auto optimizer = train::make_adamw(model, sft);

  // Fixed random batches (the same ids the Python peer draws are not needed: cost does not depend
  // on the values).
  std::vector<PackedSequence> sequences(static_cast<size_t>(batch));
  for (auto& sequence : sequences) {
    auto ids = torch::randint(config.vocab_size, {seq}, torch::kInt64);
    for (int64_t t = 0; t < seq; ++t) {
      sequence.input_ids.push_back(static_cast<int32_t>(ids[t].item<int64_t>()));
      sequence.position_ids.push_back(static_cast<int32_t>(t));
      sequence.segment_ids.push_back(0);
      bool target = t >= seq - completion - 1 && t + 1 < seq;
      sequence.targets.push_back(target ? static_cast<int32_t>(ids[t + 1].item<int64_t>()) : kIgnoreIndex);
    }
    sequence.examples = 1;
  }
  std::vector<const PackedSequence*> pointers;
  for (const auto& sequence : sequences) pointers.push_back(&sequence);
  std::vector<train::MicroBatch> batches = {train::make_micro_batch(pointers)};

  for (int64_t i = 0; i < warmup; ++i) train::optimizer_step(model, *optimizer, batches, 1e-4, 1.0);
  auto start = std::chrono::steady_clock::now();
  double loss = 0;
  for (int64_t i = 0; i < steps; ++i) loss = train::optimizer_step(model, *optimizer, batches, 1e-4, 1.0).first;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int64_t parameters = 0;
  for (const auto& p : model->parameters()) parameters += p.numel();
  std::printf("{\"tokens_per_s\": %.1f, \"step_s\": %.4f, \"peak_rss_mb\": %.1f, \"params\": %lld, \"loss\": %.4f, \"threads\": %d}\n",
              static_cast<double>(batch * seq * steps) / seconds, seconds / static_cast<double>(steps),
              static_cast<double>(t2sql::peak_rss_bytes()) / (1024.0 * 1024.0), static_cast<long long>(parameters), loss, torch::get_num_threads());
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "error: %s\n", error.what());
  return 1;
}
