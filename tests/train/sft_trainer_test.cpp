#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/paths.hpp"
#include "data/packing.hpp"
#include "gen/text_generation.hpp"
#include "gen/text_to_sql.hpp"
#include "nn/checkpoint.hpp"
#include "nn/llama_config.hpp"
#include "text/tokenizer.hpp"
#include "text/tokenizer_training.hpp"
#include "train/sft_dataset.hpp"
#include "train/sft_trainer.hpp"
#include "train/training_checkpoint.hpp"

namespace fs = std::filesystem;
using namespace t2sql;
using namespace t2sql::train;

namespace {

nn::LlamaConfig tiny_config() {
  nlohmann::json json = {{"model_type", "llama"}, {"vocab_size", 40}, {"hidden_size", 16},
                         {"intermediate_size", 24}, {"num_hidden_layers", 2}, {"num_attention_heads", 4},
                         {"num_key_value_heads", 2}, {"max_position_embeddings", 64}};
  return nn::parse_llama_config(json, "test");
}

nn::LlamaModel tiny_model(uint64_t seed) {
  torch::manual_seed(seed);
  nn::LlamaModel model(tiny_config());
  initialize_scratch_weights(model, 0.2);
  return model;
}

TokenizedExample example(std::vector<int32_t> prompt, std::vector<int32_t> completion) {
  return TokenizedExample{std::move(prompt), std::move(completion)};
}

fs::path fresh_dir(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("t2sql_train_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Packing: the logits of each example inside a packed row equal those of the example alone.
TEST(SftPacking, PackedSequenceGivesEachExamplesOwnLogits) {
  auto model = tiny_model(1);
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<TokenizedExample> examples = {example({1, 5, 6, 7}, {8, 9, 2}), example({1, 10, 11}, {12, 2}),
                                            example({1, 13}, {14, 15, 16, 2})};
  PackingOptions options;
  options.max_length = 64;
  auto packed = pack_examples(examples, options);
  ASSERT_EQ(packed.size(), 1u);
  auto batch = make_micro_batch({&packed[0]});
  auto hidden = model->hidden_states(batch.input_ids, {}, batch.position_ids, nullptr, batch.segment_ids);
  auto packed_logits = model->logits_from_hidden(hidden)[0];
  int64_t offset = 0;
  for (const auto& e : examples) {
    std::vector<int64_t> ids(e.prompt.begin(), e.prompt.end());
    ids.insert(ids.end(), e.completion.begin(), e.completion.end());
    auto alone = model->forward(torch::tensor(ids).unsqueeze(0))[0];
    auto slice = packed_logits.narrow(0, offset, static_cast<int64_t>(ids.size()));
    EXPECT_TRUE(torch::allclose(alone, slice, 1e-5, 1e-5)) << "example at offset " << offset;
    offset += static_cast<int64_t>(ids.size());
  }
  // Without the segment mask the later examples would see the earlier ones: the mask matters.
  auto leaky = model->forward(batch.input_ids, {}, batch.position_ids)[0];
  EXPECT_FALSE(torch::allclose(leaky.narrow(0, 7, 5), packed_logits.narrow(0, 7, 5), 1e-5, 1e-5));
}

// group_by_length: every example once per epoch, each run of 50 micro-batches longest first,
// the same order for the same epoch and another for the next.
TEST(SftDataset, GroupByLengthSortsWithinMegabatchesAndKeepsEveryExample) {
  std::vector<TokenizedExample> examples;
  for (int32_t i = 0; i < 230; ++i) examples.push_back(example(std::vector<int32_t>(static_cast<size_t>(1 + (i * 37) % 60), i), {i}));
  SftConfig config;
  config.per_device_train_batch_size = 2;
  config.group_by_length = true;
  PackingOptions packing;
  packing.max_length = 64;
  packing.packing = false;
  auto sequences = epoch_sequences(examples, config, packing, 0);
  ASSERT_EQ(sequences.size(), examples.size());
  std::multiset<int32_t> seen;
  for (const auto& sequence : sequences) seen.insert(sequence.input_ids.back());
  EXPECT_EQ(seen.size(), examples.size());
  EXPECT_EQ(*seen.begin(), 0);
  EXPECT_EQ(*seen.rbegin(), 229);
  for (size_t start = 0; start < sequences.size(); start += 100) {
    for (size_t i = start + 1; i < std::min(sequences.size(), start + 100); ++i)
      EXPECT_GE(sequences[i - 1].input_ids.size(), sequences[i].input_ids.size()) << i;
  }
  auto again = epoch_sequences(examples, config, packing, 0);
  auto next = epoch_sequences(examples, config, packing, 1);
  bool same = true, differs = false;
  for (size_t i = 0; i < sequences.size(); ++i) {
    same &= again[i].input_ids == sequences[i].input_ids;
    differs |= next[i].input_ids != sequences[i].input_ids;
  }
  EXPECT_TRUE(same);
  EXPECT_TRUE(differs);
  // Without the flag the order is the plain seeded shuffle (not sorted).
  config.group_by_length = false;
  auto plain = epoch_sequences(examples, config, packing, 0);
  bool sorted = true;
  for (size_t i = 1; i < 100; ++i) sorted &= plain[i - 1].input_ids.size() >= plain[i].input_ids.size();
  EXPECT_FALSE(sorted);
}

TEST(SftLoss, OnlyCompletionTokensCarryLoss) {
  auto model = tiny_model(2);
  PackingOptions options;
  options.max_length = 64;
  auto packed = pack_examples({example({1, 5, 6, 7}, {8, 2})}, options);
  auto batch = make_micro_batch({&packed[0]});
  EXPECT_EQ(batch.target_tokens, 2);  // predicting 8 and 2
  auto logits = model->forward(batch.input_ids)[0];
  auto log_probs = torch::log_softmax(logits, -1);
  double expected = -(log_probs[3][8].item<double>() + log_probs[4][2].item<double>());
  EXPECT_NEAR(summed_token_loss(model, batch).item<double>(), expected, 1e-4);
}

// One step of batch 2 equals two accumulated micro-batches of 1.
TEST(SftOptimizer, GradientAccumulationEqualsABiggerBatch) {
  std::vector<TokenizedExample> examples = {example({1, 5, 6, 7}, {8, 9, 2}), example({1, 10, 11, 3, 4}, {12, 2})};
  PackingOptions options;
  options.max_length = 8;  // one example per sequence
  auto sequences = pack_examples(examples, options);
  ASSERT_EQ(sequences.size(), 2u);
  SftConfig config;
  config.weight_decay = 0.01;
  auto big = tiny_model(3);
  auto accumulated = tiny_model(3);
  auto big_optimizer = make_adamw(big, config);
  auto accumulated_optimizer = make_adamw(accumulated, config);
  auto [big_loss, big_norm] = optimizer_step(big, *big_optimizer, {make_micro_batch({&sequences[0], &sequences[1]})}, 1e-2, 0.3);
  auto [acc_loss, acc_norm] = optimizer_step(accumulated, *accumulated_optimizer,
                                             {make_micro_batch({&sequences[0]}), make_micro_batch({&sequences[1]})}, 1e-2, 0.3);
  EXPECT_NEAR(big_loss, acc_loss, 1e-5);
  EXPECT_NEAR(big_norm, acc_norm, 1e-4);
  auto a = big->named_parameters();
  auto b = accumulated->named_parameters();
  for (const auto& item : a) {
    // The gradients the step used are the same, up to float rounding of the tensor's largest terms.
    const torch::Tensor& grad = item.value().grad();
    const double scale = grad.abs().max().item<double>();
    EXPECT_TRUE(torch::allclose(grad, b[item.key()].grad(), 1e-4, 1e-5 * scale + 1e-12)) << item.key();
    // So are the weights, within 1% of a step (lr 1e-2): AdamW's first step is lr * g / (|g| + eps),
    // and for a gradient near eps (1e-8, where the sum cancels) a rounding difference of 1e-10,
    // which FMA kernels give and SSE kernels do not, moves the update by up to ~2e-3 of a step.
    EXPECT_TRUE(torch::allclose(item.value(), b[item.key()], 1e-5, 1e-4)) << item.key();
  }
}

TEST(SftOptimizer, ClippingBoundsTheUpdateAndReportsTheNormBeforeClipping) {
  auto model = tiny_model(4);
  PackingOptions options;
  options.max_length = 64;
  auto packed = pack_examples({example({1, 5, 6}, {7, 8, 2})}, options);
  SftConfig config;
  auto optimizer = make_adamw(model, config);
  auto [loss, norm] = optimizer_step(model, *optimizer, {make_micro_batch({&packed[0]})}, 1e-3, 1e-3);
  EXPECT_GT(norm, 1e-3);  // the unclipped norm is reported
  double clipped = 0;
  for (const auto& p : model->parameters()) clipped += p.grad().pow(2).sum().item<double>();
  EXPECT_NEAR(std::sqrt(clipped), 1e-3, 1e-5);
  EXPECT_TRUE(std::isfinite(loss));
}

TEST(SftDataset, RecordsNeedACompletionAndPostprocessingCutsAtSemicolon) {
  fs::path dir = fresh_dir("records");
  std::ofstream(dir / "bad.jsonl") << R"({"prompt":[{"role":"user","content":"q"}],"db_id":"x"})" << "\n";
  try {
    load_sft_records(dir / "bad.jsonl");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(postprocess_prediction(" name FROM singer; DROP"), "SELECT name FROM singer");
  EXPECT_EQ(postprocess_prediction("select 1"), "select 1");
}

TEST(SftDataset, GeneratedTextEndsBeforeTheStopToken) {
  // The default model's tokenizer keeps <|im_end|> as a user-defined piece: decode() would return
  // it, and "SELECT count(*) FROM singer<|im_end|>" fails to execute.
  auto tokenizer = text::load_tokenizer(default_model_dir());
  const int64_t eos = tokenizer->settings().eos_id.value();
  const std::vector<text::TokenId> answer = tokenizer->encode(" count(*) FROM singer", false);
  std::vector<int64_t> ids(answer.begin(), answer.end());
  ids.push_back(eos);
  EXPECT_NE(tokenizer->decode(std::vector<text::TokenId>(ids.begin(), ids.end()), true).find("<|im_end|>"),
            std::string::npos);
  const std::vector<int64_t> stops{eos};
  EXPECT_EQ(postprocess_prediction(gen::decode_until_stop(*tokenizer, ids, stops)), "SELECT count(*) FROM singer");
  ids.push_back(tokenizer->encode(" junk", false).front());
  EXPECT_EQ(postprocess_prediction(gen::decode_until_stop(*tokenizer, ids, stops)), "SELECT count(*) FROM singer");
  EXPECT_EQ(gen::decode_until_stop(*tokenizer, {}, stops), "");
}

TEST(TrainingCheckpoint, CorruptOrPartialCheckpointsAreNamed) {
  fs::path dir = fresh_dir("checkpoints");
  for (int64_t step : {1, 2, 3}) {
    auto staging = begin_checkpoint(dir, step);
    std::ofstream(staging / "weights.bin") << "weights of step " << step;
    commit_checkpoint(dir, staging, step);
  }
  EXPECT_NO_THROW(verify_checkpoint(dir / "checkpoint-3"));
  prune_checkpoints(dir, 2);
  EXPECT_FALSE(fs::exists(dir / "checkpoint-1"));
  EXPECT_EQ(*latest_checkpoint(dir), dir / "checkpoint-3");
  // A flipped byte.
  {
    std::fstream file(dir / "checkpoint-3" / "weights.bin", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(0);
    file.put('W');
  }
  try {
    verify_checkpoint(dir / "checkpoint-3");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("weights.bin"), std::string::npos) << e.what();
  }
  // A save that died before its manifest is never a checkpoint; a folder without one is refused.
  begin_checkpoint(dir, 4);
  EXPECT_EQ(*latest_checkpoint(dir), dir / "checkpoint-3");
  fs::remove(dir / "checkpoint-2" / "manifest.json");
  EXPECT_THROW(verify_checkpoint(dir / "checkpoint-2"), Error);
}

// A tiny run from scratch: interrupted at step 3 and resumed, it reproduces the uninterrupted
// loss curve.
class SftRun : public ::testing::Test {
 protected:
  SftConfig config(const fs::path& dir) {
    fs::path data = dir / "train.jsonl";
    std::ofstream out(data);
    const char* questions[] = {"How many singers?", "List names.", "Count the cars.", "Oldest person?",
                               "Average age?", "Names of cities?"};
    const char* answers[] = {" count(*) FROM singer", " name FROM singer", " count(*) FROM cars",
                             " name FROM people ORDER BY age DESC LIMIT 1", " avg(age) FROM people", " name FROM city"};
    for (int i = 0; i < 6; ++i) {
      nlohmann::json record = {{"prompt", {{{"role", "user"}, {"content", questions[i]}}}},
                               {"completion", {{{"role", "assistant"}, {"content", answers[i]}}}}};
      out << record.dump() << "\n";
    }
    out.close();
    SftConfig c;
    c.model = "scratch";
    c.architecture = {{"hidden_size", 16}, {"intermediate_size", 32}, {"num_hidden_layers", 1},
                      {"num_attention_heads", 2}, {"num_key_value_heads", 1}, {"max_position_embeddings", 128}};
    c.tokenizer = fs::path(T2SQL_TEST_FIXTURES) / "models" / "text_to_sql_tiny";
    c.chat_template = "plain";
    c.train_file = data.string();
    c.max_seq_length = 128;
    c.per_device_train_batch_size = 1;
    c.gradient_accumulation_steps = 1;
    c.learning_rate = 1e-2;
    c.max_steps = 6;
    c.logging_steps = 1;
    c.save_steps = 2;
    c.save_total_limit = 2;
    c.progress = false;
    c.output_dir = (dir / "run").string();
    c.threads = 1;
    return c;
  }

  // A one-step model trained from scratch into dir/scratch, as the source of a fine-tuning run;
  // returns its final folder.
  fs::path scratch_source(const fs::path& dir) {
    SftConfig scratch = config(dir);
    scratch.max_steps = 1;
    scratch.output_dir = (dir / "scratch").string();
    run_sft(scratch);
    return fs::path(scratch.output_dir) / "final";
  }

  // The loss curve of `c` stopped after `stop_after` steps and resumed from its latest checkpoint.
  std::vector<double> interrupted_and_resumed_curve(SftConfig c, int64_t stop_after) {
    SftHooks hooks;
    hooks.after_step = [stop_after](int64_t step, double) { return step < stop_after; };
    auto first = run_sft(c, hooks);
    EXPECT_FALSE(first.finished);
    EXPECT_EQ(first.steps_done, stop_after);
    c.resume_from_checkpoint = "latest";
    auto second = run_sft(c);
    EXPECT_TRUE(second.finished);
    std::vector<double> curve = first.step_losses;
    curve.insert(curve.end(), second.step_losses.begin(), second.step_losses.end());
    return curve;
  }

  // A run of config(dir) that fine-tunes `source` for `steps` steps into dir/name.
  SftConfig fine_tuning(const fs::path& dir, const fs::path& source, int64_t steps, const std::string& name) {
    SftConfig c = config(dir);
    c.model = source.string();
    c.architecture = nlohmann::json::object();
    c.max_steps = steps;
    c.output_dir = (dir / name).string();
    return c;
  }
};

TEST_F(SftRun, InterruptedAndResumedRunReproducesTheLossCurve) {
  fs::path dir = fresh_dir("resume");
  SftConfig full = config(dir);
  full.output_dir = (dir / "full").string();
  auto reference = run_sft(full);
  ASSERT_TRUE(reference.finished);
  ASSERT_EQ(reference.step_losses.size(), 6u);
  EXPECT_LT(reference.step_losses.back(), reference.step_losses.front());
  EXPECT_TRUE(fs::exists(fs::path(full.output_dir) / "final" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(fs::path(full.output_dir) / "loss.svg"));
  EXPECT_TRUE(fs::exists(fs::path(full.output_dir) / "metrics.jsonl"));

  SftConfig interrupted = config(dir);
  std::vector<double> curve = interrupted_and_resumed_curve(interrupted, 3);
  ASSERT_EQ(curve.size(), reference.step_losses.size());
  for (size_t i = 0; i < curve.size(); ++i) EXPECT_NEAR(curve[i], reference.step_losses[i], 1e-5) << "step " << i + 1;
  // metrics.jsonl of the resumed run holds each step once.
  int lines = 0;
  for (const auto& line : split_lines(read_file(fs::path(interrupted.output_dir) / "metrics.jsonl"))) lines += !line.empty();
  EXPECT_EQ(lines, 6);
}

// `device`: "auto" trains where LibTorch finds a GPU, else on the CPU; a GPU this build or machine
// lacks is refused by name. With a GPU, the loss curve follows the CPU's (fp32 with TF32 products).
TEST_F(SftRun, DeviceAutoFollowsTheCpuAndAMissingGpuIsNamed) {
  fs::path dir = fresh_dir("device");
  SftConfig cpu = config(dir);
  cpu.max_steps = 3;
  cpu.output_dir = (dir / "cpu").string();
  auto reference = run_sft(cpu);
  SftConfig automatic = cpu;
  automatic.device = "auto";
  automatic.output_dir = (dir / "auto").string();
  auto result = run_sft(automatic);
  ASSERT_EQ(result.step_losses.size(), reference.step_losses.size());
  for (size_t i = 0; i < reference.step_losses.size(); ++i) {
    EXPECT_NEAR(result.step_losses[i], reference.step_losses[i], torch::cuda::is_available() ? 2e-2 : 1e-9) << i;
  }
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(fs::exists(fs::path(automatic.output_dir) / "final" / "model.safetensors"));
    return;
  }
  SftConfig cuda = cpu;
  cuda.device = "cuda";
  cuda.output_dir = (dir / "cuda").string();
  try {
    run_sft(cuda);
    FAIL() << "a CUDA run without a GPU was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("device cuda: LibTorch sees no CUDA GPU"), std::string::npos) << e.what();
  }
}

TEST_F(SftRun, CorruptLatestCheckpointIsRefusedByName) {
  fs::path dir = fresh_dir("corrupt");
  SftConfig c = config(dir);
  c.max_steps = 2;
  run_sft(c);
  fs::path weights = fs::path(c.output_dir) / "checkpoint-2" / "trainable.safetensors";
  fs::resize_file(weights, fs::file_size(weights) - 4);
  c.resume_from_checkpoint = "latest";
  try {
    run_sft(c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCorrupt);
    EXPECT_NE(std::string(e.what()).find("trainable.safetensors"), std::string::npos) << e.what();
  }
}

TEST_F(SftRun, NonFiniteLossStopsAndKeepsTheLastGoodCheckpoint) {
  fs::path dir = fresh_dir("nan");
  SftConfig c = config(dir);
  c.learning_rate = 1e30;  // the first update blows the weights up
  c.max_grad_norm = 0;
  c.warmup_ratio = 0;
  c.lr_scheduler_type = "constant";
  c.max_steps = 4;
  c.save_steps = 1;
  try {
    run_sft(c);
    FAIL() << "expected the run to stop";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("loss is"), std::string::npos) << message;
    EXPECT_NE(message.find("checkpoint-1"), std::string::npos) << message;
  }
  EXPECT_NO_THROW(verify_checkpoint(fs::path(c.output_dir) / "checkpoint-1"));
  EXPECT_EQ(list_checkpoints(c.output_dir).size(), 1u);
}

TEST_F(SftRun, FineTunedModelKeepsTheSourceModelsPromptSettings) {
  fs::path dir = fresh_dir("settings");
  const fs::path source = scratch_source(dir);
  // A model trained from scratch has no prompt settings to carry on.
  EXPECT_FALSE(fs::exists(source / gen::kModelInferenceConfig));

  const std::string settings = "schema_format: compact\nroles: user\n";
  write_file_atomic(source / gen::kModelInferenceConfig, settings);
  SftConfig tuned = fine_tuning(dir, source, 1, "tuned");
  auto result = run_sft(tuned);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(read_file(fs::path(tuned.output_dir) / "final" / gen::kModelInferenceConfig), settings);
}

// block_expansion_every grows the loaded model before training; the final model has the new depth
// and loads like any other. Scratch runs refuse the key (they set their depth directly).
TEST_F(SftRun, BlockExpansionTrainsTheGrownModel) {
  fs::path dir = fresh_dir("expansion");
  const fs::path source = scratch_source(dir);
  const int64_t layers = nn::load_llama_config(source).num_hidden_layers;

  SftConfig grown = fine_tuning(dir, source, 2, "grown");
  grown.block_expansion_every = 1;
  grown.use_lora = false;  // full fine-tuning: final/ holds the whole grown model
  ASSERT_TRUE(run_sft(grown).finished);
  EXPECT_EQ(nn::load_llama_config(fs::path(grown.output_dir) / "final").num_hidden_layers, 2 * layers);
  EXPECT_NO_THROW(nn::load_llama_model(fs::path(grown.output_dir) / "final"));

  SftConfig refused = config(dir);
  refused.block_expansion_every = 1;
  EXPECT_THROW(run_sft(refused), Error);  // scratch
  refused = grown;
  refused.use_lora = true;
  EXPECT_THROW(run_sft(refused), Error);  // an adapter would not fit its base
}

// expand_* widen the loaded model before training; the final model has the new sizes and loads
// like any other. Scratch runs and LoRA refuse the keys.
TEST_F(SftRun, WidthExpansionTrainsTheWidenedModel) {
  fs::path dir = fresh_dir("widening");
  const fs::path source = scratch_source(dir);
  const nn::LlamaConfig before = nn::load_llama_config(source);

  SftConfig wide = fine_tuning(dir, source, 2, "wide");
  wide.expand_hidden_size = before.hidden_size * 2;
  wide.expand_head_dim = before.head_dim * 2;
  wide.use_lora = false;
  ASSERT_TRUE(run_sft(wide).finished);
  const nn::LlamaConfig after = nn::load_llama_config(fs::path(wide.output_dir) / "final");
  EXPECT_EQ(after.hidden_size, before.hidden_size * 2);
  EXPECT_EQ(after.head_dim, before.head_dim * 2);
  EXPECT_EQ(after.intermediate_size, before.intermediate_size);
  EXPECT_NO_THROW(nn::load_llama_model(fs::path(wide.output_dir) / "final"));

  SftConfig refused = config(dir);
  refused.expand_head_dim = before.head_dim * 2;
  EXPECT_THROW(run_sft(refused), Error);  // scratch
  refused = wide;
  refused.use_lora = true;
  EXPECT_THROW(run_sft(refused), Error);  // an adapter would not fit its base
}

// A widened run that is interrupted resumes onto the widened model (the expansion runs again before
// the checkpoint is loaded) and gives the loss curve of an uninterrupted one.
TEST_F(SftRun, WidenedRunResumesToTheSameLossCurve) {
  fs::path dir = fresh_dir("widening_resume");
  const fs::path source = scratch_source(dir);
  const nn::LlamaConfig before = nn::load_llama_config(source);
  auto widened = [&](const std::string& name) {
    SftConfig c = fine_tuning(dir, source, 4, name);
    c.use_lora = false;
    c.expand_head_dim = before.head_dim * 2;
    c.expand_intermediate_size = before.intermediate_size + 8;
    return c;
  };
  auto reference = run_sft(widened("full"));
  ASSERT_TRUE(reference.finished);
  ASSERT_EQ(reference.step_losses.size(), 4u);

  std::vector<double> curve = interrupted_and_resumed_curve(widened("interrupted"), 2);
  ASSERT_EQ(curve.size(), reference.step_losses.size());
  for (size_t i = 0; i < curve.size(); ++i) EXPECT_NEAR(curve[i], reference.step_losses[i], 1e-5) << "step " << i + 1;
}

// Dropout changes what a step sees (the loss curve differs from the same run without it), draws
// from the saved generator state (an interrupted run resumes to the same curve), and leaves the
// saved model a plain Llama checkpoint.
TEST_F(SftRun, DropoutRunDiffersFromThePlainRunAndResumesToTheSameCurve) {
  fs::path dir = fresh_dir("dropout");
  SftConfig plain = config(dir);
  plain.output_dir = (dir / "plain").string();
  auto without = run_sft(plain);
  auto dropped = [&](const std::string& name) {
    SftConfig c = config(dir);
    c.hidden_dropout = 0.3;
    c.attention_dropout = 0.3;
    c.output_dir = (dir / name).string();
    return c;
  };
  auto reference = run_sft(dropped("full"));
  ASSERT_TRUE(reference.finished);
  ASSERT_EQ(reference.step_losses.size(), without.step_losses.size());
  // Step 1 sees the same weights, so only the dropout masks can make its loss differ.
  EXPECT_GT(std::abs(reference.step_losses[0] - without.step_losses[0]), 1e-4);
  EXPECT_TRUE(fs::exists(fs::path(dropped("full").output_dir) / "final" / "model.safetensors"));

  std::vector<double> curve = interrupted_and_resumed_curve(dropped("interrupted"), 3);
  ASSERT_EQ(curve.size(), reference.step_losses.size());
  for (size_t i = 0; i < curve.size(); ++i) EXPECT_NEAR(curve[i], reference.step_losses[i], 1e-5) << "step " << i + 1;

  SftConfig refused = config(dir);
  refused.hidden_dropout = 1.0;
  try {
    run_sft(refused);
    ADD_FAILURE() << "hidden_dropout 1.0 was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("hidden_dropout"), std::string::npos) << error.what();
  }
}

// vocabulary_transfer moves the source model onto `tokenizer` before training: the final model has
// the new vocabulary and the new tokenizer beside it. Scratch runs and LoRA refuse the key.
TEST_F(SftRun, VocabularyTransferTrainsOnTheNewTokenizer) {
  fs::path dir = fresh_dir("vocabulary_transfer");
  const fs::path source = scratch_source(dir);
  {
    std::ofstream corpus(dir / "corpus.txt");
    for (int i = 0; i < 200; ++i) corpus << "SELECT count(*) FROM singer WHERE age > " << i << "\nHow many singers? List names.\n";
  }
  text::TokenizerTrainingOptions options;
  options.input = dir / "corpus.txt";
  options.output_prefix = dir / "separate";
  options.vocab_size = 330;
  options.whitespace_piece = true;
  const fs::path new_tokenizer = text::train_tokenizer(options);

  SftConfig moved = fine_tuning(dir, source, 2, "moved");
  moved.use_lora = false;
  moved.vocabulary_transfer = true;
  moved.tokenizer = new_tokenizer.string();
  ASSERT_TRUE(run_sft(moved).finished);
  const fs::path final_dir = fs::path(moved.output_dir) / "final";
  EXPECT_EQ(nn::load_llama_config(final_dir).vocab_size, 330);
  EXPECT_EQ(text::load_tokenizer(final_dir)->vocab_size(), 330u);
  EXPECT_NO_THROW(nn::load_llama_model(final_dir));

  SftConfig refused = moved;
  refused.use_lora = true;
  EXPECT_THROW(run_sft(refused), Error);  // the embeddings change
  refused = config(dir);
  refused.vocabulary_transfer = true;
  EXPECT_THROW(run_sft(refused), Error);  // scratch
}

}  // namespace
