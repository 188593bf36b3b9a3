#include "train/sft_trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <fstream>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/paths.hpp"
#include "common/progress.hpp"
#include "common/svg_chart.hpp"
#include "data/sft_prep.hpp"
#include "eval/evaluator.hpp"
#include "gen/generation.hpp"
#include "gen/text_to_sql.hpp"
#include "gen/text_generation.hpp"
#include "nn/checkpoint.hpp"
#include "nn/depth_expansion.hpp"
#include "nn/width_expansion.hpp"
#include "nn/llama_config.hpp"
#include "nn/lora.hpp"
#include "nn/safetensors.hpp"
#include "text/tokenizer.hpp"
#include "train/lr_schedule.hpp"
#include "train/sft_dataset.hpp"
#include "train/training_checkpoint.hpp"
#include "train/vocabulary_transfer.hpp"

namespace fs = std::filesystem;

namespace t2sql::train {
namespace {

std::atomic<bool> g_interrupted{false};
void stop_training_on_sigint(int) { g_interrupted = true; }

// Installs the SIGINT handler for the duration of a run.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = false;
    previous_ = std::signal(SIGINT, stop_training_on_sigint);
  }
  ~InterruptGuard() { std::signal(SIGINT, previous_); }

 private:
  void (*previous_)(int) = nullptr;
};

std::vector<std::pair<std::string, torch::Tensor>> trainable_parameters(nn::LlamaModel& model) {
  std::vector<std::pair<std::string, torch::Tensor>> result;
  for (const auto& item : model->named_parameters()) {
    if (item.value().requires_grad()) result.emplace_back(item.key(), item.value());
  }
  return result;
}

// Optimizer steps an epoch takes with this many packed sequences.
int64_t steps_for(size_t sequences, const SftConfig& config) {
  int64_t per_step = config.per_device_train_batch_size * config.gradient_accumulation_steps;
  return (static_cast<int64_t>(sequences) + per_step - 1) / per_step;
}

// The micro-batches of one optimizer step: sequences [first, first + bs * accum) of the epoch.
std::vector<MicroBatch> step_batches(const std::vector<PackedSequence>& sequences, int64_t step_in_epoch,
                                     const SftConfig& config) {
  std::vector<MicroBatch> batches;
  size_t per_step = static_cast<size_t>(config.per_device_train_batch_size * config.gradient_accumulation_steps);
  size_t first = static_cast<size_t>(step_in_epoch) * per_step;
  size_t end = std::min(sequences.size(), first + per_step);
  for (size_t start = first; start < end; start += static_cast<size_t>(config.per_device_train_batch_size)) {
    std::vector<const PackedSequence*> group;
    for (size_t i = start; i < std::min(end, start + static_cast<size_t>(config.per_device_train_batch_size)); ++i) {
      group.push_back(&sequences[i]);
    }
    batches.push_back(make_micro_batch(group));
  }
  return batches;
}

void save_trainable(nn::LlamaModel& model, const fs::path& path) {
  nn::TensorWriteList list;
  for (const auto& [name, tensor] : trainable_parameters(model)) list.add(name, tensor.detach(), nn::TensorDtype::kF32);
  nn::write_safetensors(path, list.items());
}

void load_trainable(nn::LlamaModel& model, const fs::path& path) {
  auto file = nn::SafetensorsFile::open(path);
  torch::NoGradGuard no_grad;
  auto parameters = trainable_parameters(model);
  if (file->header().tensors.size() != parameters.size()) {
    fail(ErrorCode::kCorrupt, "{}: {} tensors, the model trains {} (another model or LoRA setting?)", path.string(),
         file->header().tensors.size(), parameters.size());
  }
  for (auto& [name, tensor] : parameters) {
    auto view = file->find(name);
    if (!view) fail(ErrorCode::kCorrupt, "{}: no tensor {}", path.string(), name);
    auto stored = nn::tensor_from_view(*view);
    if (stored.sizes() != tensor.sizes()) {
      fail(ErrorCode::kCorrupt, "{}: tensor {} has shape {}, the model has {}", path.string(), name,
           fmt::format("{}", fmt::join(stored.sizes(), "x")), fmt::format("{}", fmt::join(tensor.sizes(), "x")));
    }
    tensor.copy_(stored);
  }
}

std::string rng_state_bytes() {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  auto state = generator.get_state().contiguous();
  return std::string(reinterpret_cast<const char*>(state.data_ptr<uint8_t>()), static_cast<size_t>(state.numel()));
}

void set_rng_state_bytes(const std::string& bytes) {
  auto generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  auto state = torch::empty({static_cast<int64_t>(bytes.size())}, torch::kUInt8);
  std::memcpy(state.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  generator.set_state(state);
}

struct RunState {
  int64_t global_step = 0;
  int64_t tokens_seen = 0;
};

fs::path save_checkpoint(nn::LlamaModel& model, torch::optim::AdamW& optimizer, const SftConfig& config,
                         const RunState& state, int64_t total_steps) {
  fs::path output_dir = config.output_dir;
  fs::path staging = begin_checkpoint(output_dir, state.global_step);
  save_trainable(model, staging / "trainable.safetensors");
  torch::save(optimizer, (staging / "optimizer.pt").string());
  write_file_atomic(staging / "rng_state.bin", rng_state_bytes());
  nlohmann::json trainer_state = {{"global_step", state.global_step},
                                  {"tokens_seen", state.tokens_seen},
                                  {"total_steps", total_steps},
                                  {"config", sft_config_to_json(config)}};
  write_file_atomic(staging / "trainer_state.json", trainer_state.dump(2) + "\n");
  fs::path final_path = commit_checkpoint(output_dir, staging, state.global_step);
  prune_checkpoints(output_dir, config.save_total_limit);
  return final_path;
}

RunState load_checkpoint(nn::LlamaModel& model, torch::optim::AdamW& optimizer, const fs::path& checkpoint,
                         int64_t total_steps) {
  verify_checkpoint(checkpoint);
  auto trainer_state = load_json_file(checkpoint / "trainer_state.json");
  RunState state;
  state.global_step = trainer_state.at("global_step").get<int64_t>();
  state.tokens_seen = trainer_state.at("tokens_seen").get<int64_t>();
  int64_t saved_total = trainer_state.at("total_steps").get<int64_t>();
  if (saved_total != total_steps) {
    fail(ErrorCode::kInvalidArgument, "checkpoint {} belongs to a run of {} steps; this config gives {} (data or "
         "batch settings changed?)", checkpoint.string(), saved_total, total_steps);
  }
  load_trainable(model, checkpoint / "trainable.safetensors");
  torch::load(optimizer, (checkpoint / "optimizer.pt").string());
  set_rng_state_bytes(read_file(checkpoint / "rng_state.bin"));
  return state;
}

// metrics.jsonl: keeps the lines of steps <= `up_to_step` (a resumed run rewrites what follows).
void truncate_metrics(const fs::path& path, int64_t up_to_step) {
  if (!fs::exists(path)) return;
  std::string kept;
  for (const std::string& line : split_lines(read_file(path))) {
    if (line.empty()) continue;
    auto json = parse_json(line, path.string());
    if (json.value("step", int64_t{0}) <= up_to_step) kept += line + "\n";
  }
  write_file_atomic(path, kept);
}

void append_metrics(const fs::path& path, const nlohmann::json& record) {
  std::ofstream out(path, std::ios::app);
  out << record.dump() << "\n";
  if (!out) fail(ErrorCode::kIo, "cannot append to {}", path.string());
}

// Draws loss.svg, learning_rate.svg and dev_accuracy.svg from metrics.jsonl.
void draw_curves(const fs::path& output_dir) {
  fs::path path = output_dir / "metrics.jsonl";
  if (!fs::exists(path)) return;
  LineSeries train_loss{"train loss", {}, {}}, eval_loss{"eval loss", {}, {}}, lr{"learning rate", {}, {}};
  LineSeries exec{"execution accuracy", {}, {}}, exact{"exact match", {}, {}};
  for (const std::string& line : split_lines(read_file(path))) {
    if (line.empty()) continue;
    auto json = parse_json(line, path.string());
    double step = json.value("step", 0.0);
    auto add = [&](LineSeries& series, const char* key) {
      if (json.contains(key) && json[key].is_number()) {
        series.x.push_back(step);
        series.y.push_back(json[key].get<double>());
      }
    };
    add(train_loss, "loss");
    add(eval_loss, "eval_loss");
    add(lr, "learning_rate");
    add(exec, "eval_execution_accuracy");
    add(exact, "eval_exact_match");
  }
  LineChart loss_chart{"Loss", "step", "cross-entropy per completion token", {train_loss}, false};
  if (!eval_loss.x.empty()) loss_chart.series.push_back(eval_loss);
  write_file_atomic(output_dir / "loss.svg", render_svg(loss_chart));
  write_file_atomic(output_dir / "learning_rate.svg", render_svg(LineChart{"Learning rate", "step", "lr", {lr}, false}));
  if (!exec.x.empty()) {
    write_file_atomic(output_dir / "dev_accuracy.svg",
                      render_svg(LineChart{"Dev subset accuracy", "step", "fraction", {exec, exact}, false}));
  }
}

std::vector<size_t> spread_indices(size_t total, int64_t wanted) {
  std::vector<size_t> indices;
  size_t n = std::min(total, static_cast<size_t>(std::max<int64_t>(wanted, 0)));
  for (size_t i = 0; i < n; ++i) indices.push_back(i * total / n);
  return indices;
}

// Everything evaluation needs, built once.
struct Evaluation {
  std::vector<SftRecord> records;
  std::vector<PackedSequence> loss_sequences;
  std::vector<size_t> exec_indices;
  std::unique_ptr<eval::EvalContext> context;
};

nlohmann::json evaluate(nn::LlamaModel& model, Evaluation& evaluation, const text::Tokenizer& tokenizer,
                        const text::ChatTemplate& chat_template, const SftConfig& config) {
  torch::NoGradGuard no_grad;
  model->eval();
  nlohmann::json result;
  double loss_sum = 0;
  int64_t targets = 0;
  for (size_t i = 0; i < evaluation.loss_sequences.size(); i += static_cast<size_t>(config.per_device_train_batch_size)) {
    std::vector<const PackedSequence*> group;
    for (size_t j = i; j < std::min(evaluation.loss_sequences.size(), i + static_cast<size_t>(config.per_device_train_batch_size)); ++j) {
      group.push_back(&evaluation.loss_sequences[j]);
    }
    auto batch = make_micro_batch(group);
    loss_sum += summed_token_loss(model, batch).item<double>();
    targets += batch.target_tokens;
  }
  if (targets > 0) result["eval_loss"] = loss_sum / static_cast<double>(targets);
  if (!evaluation.exec_indices.empty() && evaluation.context) {
    gen::GenerationConfig generation;
    generation.max_new_tokens = config.eval_max_new_tokens;
    if (auto eos = tokenizer.settings().eos_id) generation.stop_token_ids.push_back(*eos);
    generation.pad_token_id = tokenizer.settings().pad_id.value_or(0);
    double exec_sum = 0, exact_sum = 0;
    int64_t counted = 0;
    const size_t batch_size = 8;
    for (size_t i = 0; i < evaluation.exec_indices.size(); i += batch_size) {
      std::vector<std::vector<int64_t>> prompts;
      std::vector<const SftRecord*> records;
      for (size_t j = i; j < std::min(evaluation.exec_indices.size(), i + batch_size); ++j) {
        const SftRecord& record = evaluation.records[evaluation.exec_indices[j]];
        auto ids = tokenizer.encode(render_prompt(chat_template, record), true);
        if (static_cast<int64_t>(ids.size()) + config.eval_max_new_tokens > model->config().max_position_embeddings) continue;
        prompts.emplace_back(ids.begin(), ids.end());
        records.push_back(&record);
      }
      if (prompts.empty()) continue;
      auto outputs = gen::generate(model, prompts, generation);
      for (size_t k = 0; k < outputs.size(); ++k) {
        std::string prediction =
            postprocess_prediction(gen::decode_until_stop(tokenizer, outputs[k].tokens, generation.stop_token_ids));
        ++counted;
        try {
          auto verdict = eval::evaluate_example({gold_query(*records[k]), records[k]->db_id, prediction},
                                                *evaluation.context, {});
          exec_sum += verdict.exec;
          exact_sum += verdict.exact ? 1.0 : 0.0;
        } catch (const Error&) {
          // A gold query the official parser rejects scores nothing either way.
        }
      }
    }
    if (counted > 0) {
      result["eval_execution_accuracy"] = exec_sum / static_cast<double>(counted);
      result["eval_exact_match"] = exact_sum / static_cast<double>(counted);
      result["eval_examples"] = counted;
    }
  }
  model->train();
  return result;
}

void copy_tokenizer_files(const fs::path& tokenizer, const fs::path& destination) {
  if (fs::is_directory(tokenizer)) {
    nn::copy_model_files(tokenizer, destination, nn::kTokenizerFiles);
  } else if (fs::exists(tokenizer)) {
    std::error_code ec;
    std::string name = tokenizer.extension() == ".model" ? "tokenizer.model" : "tokenizer.json";
    fs::copy_file(tokenizer, destination / name, fs::copy_options::overwrite_existing, ec);
    if (ec) fail(ErrorCode::kIo, "cannot copy the tokenizer into {}: {}", destination.string(), ec.message());
    const char* const config[] = {"tokenizer_config.json"};
    nn::copy_model_files(tokenizer.parent_path(), destination, config);
  }
}

// A model folder's inference.yaml says how its prompts are written (schema format, chat roles);
// a model fine-tuned from it was trained on the same prompts, so its final folder carries the file
// on (with its generation defaults). Without it, predict would prompt the new model in the default
// format it never saw.
void copy_inference_settings(const std::string& source_model, const fs::path& destination) {
  if (source_model.empty() || source_model == "scratch") return;
  nn::copy_model_files(source_model, destination, nn::kModelSettingFiles);
}

}  // namespace

std::vector<PackedSequence> epoch_sequences(const std::vector<TokenizedExample>& examples, const SftConfig& config,
                                            const PackingOptions& packing, int64_t epoch, PackingStats* stats) {
  auto order = seeded_permutation(examples.size(), config.seed + static_cast<uint64_t>(epoch));
  std::vector<TokenizedExample> shuffled;
  shuffled.reserve(examples.size());
  for (size_t index : order) shuffled.push_back(examples[index]);
  auto sequences = pack_examples(shuffled, packing, stats);
  if (config.group_by_length && !packing.packing) {
    // Each run of 50 micro-batches sorted longest first: batches of similar lengths, still in a
    // seeded random order at the scale of the epoch.
    size_t megabatch = static_cast<size_t>(std::max<int64_t>(1, config.per_device_train_batch_size)) * 50;
    for (size_t start = 0; start < sequences.size(); start += megabatch) {
      auto end = sequences.begin() + static_cast<std::ptrdiff_t>(std::min(sequences.size(), start + megabatch));
      std::stable_sort(sequences.begin() + static_cast<std::ptrdiff_t>(start), end,
                       [](const PackedSequence& a, const PackedSequence& b) { return a.input_ids.size() > b.input_ids.size(); });
    }
  }
  return sequences;
}

MicroBatch make_micro_batch(const std::vector<const PackedSequence*>& sequences) {
  MicroBatch batch;
  int64_t rows = static_cast<int64_t>(sequences.size());
  int64_t length = 0;
  for (const auto* sequence : sequences) length = std::max<int64_t>(length, static_cast<int64_t>(sequence->input_ids.size()));
  batch.input_ids = torch::zeros({rows, length}, torch::kInt64);
  batch.targets = torch::full({rows, length}, kIgnoreIndex, torch::kInt64);
  batch.position_ids = torch::zeros({rows, length}, torch::kInt64);
  batch.segment_ids = torch::full({rows, length}, -1, torch::kInt64);
  auto input = batch.input_ids.accessor<int64_t, 2>();
  auto targets = batch.targets.accessor<int64_t, 2>();
  auto positions = batch.position_ids.accessor<int64_t, 2>();
  auto segments = batch.segment_ids.accessor<int64_t, 2>();
  for (int64_t r = 0; r < rows; ++r) {
    const PackedSequence& sequence = *sequences[static_cast<size_t>(r)];
    for (size_t t = 0; t < sequence.input_ids.size(); ++t) {
      auto c = static_cast<int64_t>(t);
      input[r][c] = sequence.input_ids[t];
      targets[r][c] = sequence.targets[t];
      positions[r][c] = sequence.position_ids[t];
      segments[r][c] = sequence.segment_ids[t];
      if (sequence.targets[t] != kIgnoreIndex) ++batch.target_tokens;
    }
    batch.tokens += static_cast<int64_t>(sequence.input_ids.size());
  }
  return batch;
}

torch::Tensor summed_token_loss(nn::LlamaModel& model, const MicroBatch& batch) {
  // Batches are built on the CPU; the model may live on a GPU (`device`). A no-op on the CPU.
  const auto device = model->model->embed_tokens->weight.device();
  auto hidden = model->hidden_states(batch.input_ids.to(device), {}, batch.position_ids.to(device), nullptr,
                                     batch.segment_ids.to(device));
  auto flat_targets = batch.targets.to(device).reshape({-1});
  auto keep = flat_targets.ne(kIgnoreIndex).nonzero().squeeze(1);
  if (keep.numel() == 0) return hidden.sum() * 0.0;
  // Logits only where a loss is taken: the vocabulary projection is most of a small model's cost.
  auto selected = hidden.reshape({-1, hidden.size(-1)}).index_select(0, keep);
  auto logits = model->logits_from_hidden(selected).to(torch::kFloat32);
  return torch::nn::functional::cross_entropy(
      logits, flat_targets.index_select(0, keep),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

std::unique_ptr<torch::optim::AdamW> make_adamw(nn::LlamaModel& model, const SftConfig& config) {
  std::vector<torch::Tensor> decay, no_decay;
  for (const auto& [name, tensor] : trainable_parameters(model)) (tensor.dim() >= 2 ? decay : no_decay).push_back(tensor);
  if (decay.empty() && no_decay.empty()) fail(ErrorCode::kInvalidArgument, "the model has no trainable parameter");
  auto options = [&](double weight_decay) {
    return std::make_unique<torch::optim::AdamWOptions>(torch::optim::AdamWOptions(config.learning_rate)
                                                            .betas({config.adam_beta1, config.adam_beta2})
                                                            .eps(config.adam_epsilon)
                                                            .weight_decay(weight_decay));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (!decay.empty()) groups.emplace_back(decay, options(config.weight_decay));
  if (!no_decay.empty()) groups.emplace_back(no_decay, options(0.0));
  return std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(config.learning_rate));
}

std::pair<double, double> optimizer_step(nn::LlamaModel& model, torch::optim::AdamW& optimizer,
                                         const std::vector<MicroBatch>& micro_batches, double lr,
                                         double max_grad_norm) {
  optimizer.zero_grad();
  int64_t total_targets = 0;
  for (const auto& batch : micro_batches) total_targets += batch.target_tokens;
  double denominator = static_cast<double>(std::max<int64_t>(total_targets, 1));
  double loss_sum = 0;
  for (const auto& batch : micro_batches) {
    auto loss = summed_token_loss(model, batch);
    (loss / denominator).backward();
    loss_sum += loss.item<double>();
  }
  std::vector<torch::Tensor> parameters;
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) parameters.push_back(p);
  }
  double grad_norm;
  if (max_grad_norm > 0) {
    grad_norm = torch::nn::utils::clip_grad_norm_(parameters, max_grad_norm);
  } else {
    double squares = 0;
    for (auto& p : parameters)
      if (p.grad().defined()) squares += p.grad().pow(2).sum().item<double>();
    grad_norm = std::sqrt(squares);
  }
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  optimizer.step();
  return {loss_sum / denominator, grad_norm};
}

// The `device` key as a LibTorch device; a GPU that this build or machine lacks is an error
// naming what is missing, never a silent fall-back to the CPU.
torch::Device training_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (name == "auto" && !cuda) return torch::kCPU;
  if (!cuda) {
    fail(ErrorCode::kUnsupported, "device {}: LibTorch sees no CUDA GPU (a CPU-only LibTorch build, or no GPU and "
         "driver on this machine); use device: cpu", name);
  }
  torch::Device device = name == "auto" ? torch::Device(torch::kCUDA, 0) : torch::Device(name);
  const auto count = static_cast<int64_t>(torch::cuda::device_count());
  if (device.has_index() && device.index() >= count) {
    fail(ErrorCode::kInvalidArgument, "device {}: this machine has {} CUDA GPU(s)", name, count);
  }
  // Tensor cores for fp32 matrix products (TF32), as PyTorch's set_float32_matmul_precision("high").
  at::globalContext().setFloat32MatmulPrecision("high");
  return device;
}

void initialize_scratch_weights(nn::LlamaModel& model, double std) {
  torch::NoGradGuard no_grad;
  for (auto& item : model->named_parameters()) {
    auto& tensor = item.value();
    const std::string& name = item.key();
    if (tensor.dim() >= 2) {
      tensor.normal_(0.0, std);
    } else if (name.find("norm") != std::string::npos) {
      tensor.fill_(1.0);
    } else {
      tensor.zero_();
    }
  }
}

SftResult run_sft(const SftConfig& config, const SftHooks& hooks) {
  validate_sft_config(config);
  if (config.threads > 0) torch::set_num_threads(static_cast<int>(config.threads));
  const bool scratch = config.model == "scratch";
  std::string tokenizer_path = config.tokenizer.empty() ? config.model : config.tokenizer;
  if (scratch && config.tokenizer.empty()) fail(ErrorCode::kInvalidArgument, "model \"scratch\" needs a tokenizer");
  auto tokenizer = text::load_tokenizer(tokenizer_path);
  auto chat_template = resolve_chat_template(config.chat_template, *tokenizer);

  // Data.
  auto records = load_sft_records(config.train_file);
  if (records.empty()) fail(ErrorCode::kInvalidArgument, "{}: no records", config.train_file);
  auto examples = tokenize_records(records, *tokenizer, chat_template);

  // Model.
  torch::manual_seed(config.seed);
  nn::LlamaModel model{nullptr};
  if (scratch) {
    nlohmann::json architecture = config.architecture;
    if (!architecture.contains("model_type")) architecture["model_type"] = "llama";
    if (!architecture.contains("vocab_size")) architecture["vocab_size"] = tokenizer->vocab_size();
    if (tokenizer->settings().bos_id) architecture["bos_token_id"] = *tokenizer->settings().bos_id;
    if (tokenizer->settings().eos_id) architecture["eos_token_id"] = *tokenizer->settings().eos_id;
    model = nn::LlamaModel(nn::parse_llama_config(architecture, "architecture"));
    initialize_scratch_weights(model);
  } else {
    model = nn::load_llama_model(config.model);
    if (config.block_expansion_every > 0) {
      const int64_t before = model->config().num_hidden_layers;
      model = nn::expand_depth(model, config.block_expansion_every);
      fmt::print(stderr, "block expansion: {} -> {} layers (a zero-output copy after every {})\n", before,
                 model->config().num_hidden_layers, config.block_expansion_every);
    }
    if (config.expand_hidden_size || config.expand_intermediate_size || config.expand_head_dim) {
      const nn::LlamaConfig before = model->config();
      model = nn::expand_width(model, {config.expand_hidden_size, config.expand_intermediate_size, config.expand_head_dim},
                               config.seed);
      const nn::LlamaConfig& after = model->config();
      fmt::print(stderr, "width expansion: hidden {} -> {}, intermediate {} -> {}, head_dim {} -> {} ({} -> {} parameters)\n",
                 before.hidden_size, after.hidden_size, before.intermediate_size, after.intermediate_size,
                 before.head_dim, after.head_dim, before.parameter_count(), after.parameter_count());
    }
  }
  if (config.vocabulary_transfer) {
    auto model_tokenizer = text::load_tokenizer(config.model);
    VocabularyTransferStats moved;
    model = transfer_vocabulary(model, *model_tokenizer, *tokenizer, &moved);
    fmt::print(stderr,
               "vocabulary transfer: {} -> {} ids ({} same piece, {} same piece after a word-start marker, {} from the old "
               "encoding, {} mean of all)\n",
               model_tokenizer->vocab_size(), tokenizer->vocab_size(), moved.same_piece, moved.marked_piece,
               moved.from_encoding, moved.mean_of_all);
  }
  if (static_cast<int64_t>(tokenizer->vocab_size()) > model->config().vocab_size) {
    fail(ErrorCode::kInvalidArgument, "tokenizer {} has {} ids, the model's vocabulary only {}", tokenizer_path,
         tokenizer->vocab_size(), model->config().vocab_size);
  }
  const bool use_lora = config.use_lora && !scratch;
  nn::LoraConfig lora_config;
  if (use_lora) {
    lora_config.r = config.lora.r;
    lora_config.alpha = config.lora.alpha;
    lora_config.dropout = config.lora.dropout;
    lora_config.target_modules = config.lora.target_modules;
    nn::add_lora_adapters(model, lora_config);
  }
  model->set_dropout(config.hidden_dropout, config.attention_dropout);
  const torch::Device device = training_device(config.device);
  model->to(device);  // before the optimizer, which holds the parameters
  if (!device.is_cpu()) fmt::print(stderr, "training on {}\n", device.str());
  model->train();

  PackingOptions packing;
  packing.max_length = static_cast<size_t>(std::min(config.max_seq_length, model->config().max_position_embeddings));
  packing.packing = config.packing;
  packing.completion_only = config.completion_only_loss;
  PackingStats stats;
  auto sequences = epoch_sequences(examples, config, packing, 0, &stats);
  int64_t epoch0_steps = steps_for(sequences.size(), config);
  int64_t total_steps = config.max_steps > 0 ? config.max_steps
                                             : static_cast<int64_t>(std::ceil(config.num_train_epochs * static_cast<double>(epoch0_steps)));
  if (stats.truncated_examples > 0) {
    fmt::print(stderr, "note: {} of {} examples are longer than max_seq_length {} and were truncated\n",
               stats.truncated_examples, stats.examples, packing.max_length);
  }

  LearningRateSchedule schedule(parse_schedule_type(config.lr_scheduler_type), config.learning_rate, total_steps,
                                config.warmup_ratio);
  auto optimizer = make_adamw(model, config);

  // Evaluation data.
  Evaluation evaluation;
  const text::Tokenizer& tokenizer_ref = *tokenizer;
  if (!config.eval_file.empty()) {
    evaluation.records = load_sft_records(config.eval_file);
    std::vector<SftRecord> loss_records;
    for (size_t index : spread_indices(evaluation.records.size(), 256)) loss_records.push_back(evaluation.records[index]);
    evaluation.loss_sequences = pack_examples(tokenize_records(loss_records, tokenizer_ref, chat_template), packing);
    if (config.eval_exec_examples > 0) {
      evaluation.exec_indices = spread_indices(evaluation.records.size(), config.eval_exec_examples);
      fs::path spider = config.spider_dir.empty() ? default_spider_dir() : fs::path(config.spider_dir);
      evaluation.context = std::make_unique<eval::EvalContext>(spider / "database", spider / "tables.json");
    }
  }

  // Output folder, resume.
  fs::path output_dir = config.output_dir;
  fs::create_directories(output_dir);
  fs::path metrics_path = output_dir / "metrics.jsonl";
  RunState state;
  SftResult result;
  result.total_steps = total_steps;
  if (!config.resume_from_checkpoint.empty() && config.resume_from_checkpoint != "false") {
    fs::path checkpoint;
    if (config.resume_from_checkpoint == "latest" || config.resume_from_checkpoint == "true") {
      auto latest = latest_checkpoint(output_dir);
      if (!latest) fail(ErrorCode::kNotFound, "resume_from_checkpoint: no checkpoint in {}", output_dir.string());
      checkpoint = *latest;
    } else {
      checkpoint = config.resume_from_checkpoint;
    }
    state = load_checkpoint(model, *optimizer, checkpoint, total_steps);
    truncate_metrics(metrics_path, state.global_step);
    result.last_checkpoint = checkpoint;
    fmt::print(stderr, "resumed from {} at step {} of {}\n", checkpoint.string(), state.global_step, total_steps);
  } else {
    write_file_atomic(metrics_path, "");
    prune_checkpoints(output_dir, 0);
  }
  write_file_atomic(output_dir / "sft_config.json", sft_config_to_json(config).dump(2) + "\n");

  // Locate the resumed step's epoch.
  int64_t epoch = 0, epoch_first_step = 0;
  int64_t epoch_steps = epoch0_steps;
  while (state.global_step >= epoch_first_step + epoch_steps) {
    epoch_first_step += epoch_steps;
    ++epoch;
    sequences = epoch_sequences(examples, config, packing, epoch, nullptr);
    epoch_steps = steps_for(sequences.size(), config);
  }

  // The trained model (full) or adapter (LoRA) in output_dir/final, loadable by the rest of t2sql.
  auto export_final = [&] {
    fs::path final_dir = output_dir / "final";
    fs::create_directories(final_dir);
    if (use_lora) {
      nn::save_lora_adapter(model, lora_config, final_dir, config.model, config.bf16);
    } else {
      nn::save_llama_model(model, final_dir, config.bf16 ? nn::TensorDtype::kBF16 : nn::TensorDtype::kF32);
      copy_tokenizer_files(tokenizer_path, final_dir);
    }
    copy_inference_settings(config.model, final_dir);
    result.final_model = final_dir;
  };

  InterruptGuard interrupt_guard;
  auto started = std::chrono::steady_clock::now();
  ProgressBar bar("train", total_steps, config.progress);
  bar.advance(state.global_step);
  double window_loss = 0;
  int64_t window_steps = 0, window_tokens = 0;
  auto window_start = std::chrono::steady_clock::now();
  while (state.global_step < total_steps) {
    if (state.global_step >= epoch_first_step + epoch_steps) {
      epoch_first_step += epoch_steps;
      ++epoch;
      sequences = epoch_sequences(examples, config, packing, epoch, nullptr);
      epoch_steps = steps_for(sequences.size(), config);
    }
    auto batches = step_batches(sequences, state.global_step - epoch_first_step, config);
    double lr = schedule.lr_at(state.global_step);
    auto [loss, grad_norm] = optimizer_step(model, *optimizer, batches, lr, config.max_grad_norm);
    if (!std::isfinite(loss) || !std::isfinite(grad_norm)) {
      auto latest = latest_checkpoint(output_dir);
      fail(ErrorCode::kInternal, "loss is {} at step {} (grad norm {}); training stopped, the last good checkpoint is {}",
           loss, state.global_step + 1, grad_norm, latest ? latest->string() : std::string("none"));
    }
    ++state.global_step;
    int64_t step_tokens = 0;
    for (const auto& batch : batches) step_tokens += batch.tokens;
    state.tokens_seen += step_tokens;
    result.step_losses.push_back(loss);
    window_loss += loss;
    ++window_steps;
    window_tokens += step_tokens;
    double window_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
    double tokens_per_second = window_seconds > 0 ? static_cast<double>(window_tokens) / window_seconds : 0.0;
    bar.advance(1, fmt::format("loss {:.4f} lr {:.2e} {:.0f} tok/s", loss, lr, tokens_per_second));
    if (state.global_step % config.logging_steps == 0 || state.global_step == total_steps) {
      double fractional_epoch = static_cast<double>(epoch) +
                                static_cast<double>(state.global_step - epoch_first_step) / static_cast<double>(epoch_steps);
      append_metrics(metrics_path, {{"step", state.global_step},
                                    {"epoch", fractional_epoch},
                                    {"loss", window_loss / static_cast<double>(window_steps)},
                                    {"learning_rate", lr},
                                    {"grad_norm", grad_norm},
                                    {"tokens_per_second", tokens_per_second},
                                    {"tokens_seen", state.tokens_seen},
                                    {"elapsed_seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}});
      window_loss = 0;
      window_steps = 0;
      window_tokens = 0;
      window_start = std::chrono::steady_clock::now();
    }
    bool last = state.global_step == total_steps;
    if (!config.eval_file.empty() && ((config.eval_steps > 0 && state.global_step % config.eval_steps == 0) || last)) {
      auto scores = evaluate(model, evaluation, tokenizer_ref, chat_template, config);
      scores["step"] = state.global_step;
      append_metrics(metrics_path, scores);
      window_start = std::chrono::steady_clock::now();
    }
    if ((config.save_steps > 0 && state.global_step % config.save_steps == 0) || last) {
      result.last_checkpoint = save_checkpoint(model, *optimizer, config, state, total_steps);
      draw_curves(output_dir);
    }
    std::string stop;
    if (g_interrupted) stop = "interrupted";
    if (hooks.after_step && !hooks.after_step(state.global_step, loss)) stop = "stopped by the caller";
    if (config.max_train_minutes > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() > config.max_train_minutes * 60) {
      stop = "time budget reached";
    }
    if (!stop.empty() && !last) {
      result.last_checkpoint = save_checkpoint(model, *optimizer, config, state, total_steps);
      draw_curves(output_dir);
      // A time budget ends a run on purpose: leave a usable model too (resuming continues).
      if (stop == "time budget reached") export_final();
      result.steps_done = state.global_step;
      result.stop_reason = stop;
      bar.finish();
      fmt::print(stderr, "{} at step {}: saved {} (resume with resume_from_checkpoint: latest)\n", stop,
                 state.global_step, result.last_checkpoint.string());
      return result;
    }
  }
  bar.finish();
  draw_curves(output_dir);
  export_final();
  result.steps_done = state.global_step;
  result.finished = true;
  return result;
}

}  // namespace t2sql::train
