#include "gen/text_generation.hpp"

#include <algorithm>
#include <chrono>
#include <charconv>

#include "common/error.hpp"
#include "common/system_info.hpp"
#include "nn/checkpoint.hpp"
#include "nn/threads.hpp"
#include "text/streaming_decoder.hpp"
#include "text/tokenizer.hpp"

namespace t2sql::gen {

std::string decode_until_stop(const text::Tokenizer& tokenizer, std::span<const int64_t> ids,
                              std::span<const int64_t> stop_ids) {
  std::vector<text::TokenId> kept;
  for (int64_t id : ids) {
    if (std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end()) break;
    kept.push_back(static_cast<text::TokenId>(id));
  }
  return tokenizer.decode(kept, true);
}

std::vector<int64_t> parse_token_ids(const std::string& text) {
  std::vector<int64_t> ids;
  std::size_t position = 0;
  while (position < text.size()) {
    if (text[position] == ' ' || text[position] == ',' || text[position] == '\t' || text[position] == '\n') {
      ++position;
      continue;
    }
    std::size_t end = text.find_first_of(" ,\t\n", position);
    if (end == std::string::npos) end = text.size();
    std::string_view item(text.data() + position, end - position);
    int64_t value = 0;
    auto [ptr, error] = std::from_chars(item.data(), item.data() + item.size(), value);
    if (error != std::errc() || ptr != item.data() + item.size() || value < 0) {
      fail(ErrorCode::kInvalidArgument, "--ids: '{}' is not a token id", item);
    }
    ids.push_back(value);
    position = end;
  }
  if (ids.empty()) fail(ErrorCode::kInvalidArgument, "--ids: no token ids given");
  return ids;
}

namespace {

bool has_tokenizer(const std::filesystem::path& directory) {
  return std::filesystem::exists(directory / "tokenizer.json") || std::filesystem::exists(directory / "tokenizer.model");
}

}  // namespace

GenerationResult run_text_generation(const TextGenerationRequest& request, std::ostream& out,
                                     std::ostream* timings_out) {
  if (request.prompt.has_value() == request.ids.has_value()) {
    fail(ErrorCode::kInvalidArgument, "give exactly one of --prompt and --ids");
  }
  nn::configure_threads(request.threads);
  std::unique_ptr<text::Tokenizer> tokenizer;
  if (request.prompt || (!request.print_ids && has_tokenizer(request.model_directory)) ||
      !request.config.stop_strings.empty()) {
    if (!has_tokenizer(request.model_directory)) {
      fail(ErrorCode::kNotFound, "{}: no tokenizer.json or tokenizer.model (use --ids)", request.model_directory.string());
    }
    tokenizer = text::load_tokenizer(request.model_directory);
  }
  nn::LoadOptions load;
  load.keep_16bit_weights = true;  // decoding streams the weights: 16-bit ones stay half the bytes
  auto model = nn::load_llama_model(request.model_directory, load);
  std::vector<int64_t> prompt;
  if (request.prompt) {
    for (text::TokenId id : tokenizer->encode(*request.prompt, /*add_special=*/true)) prompt.push_back(id);
  } else {
    prompt = *request.ids;
  }
  GenerationConfig config = request.config;
  if (config.stop_token_ids.empty()) {
    config.stop_token_ids = model->config().eos_token_ids;
    if (tokenizer && tokenizer->settings().eos_id &&
        std::find(config.stop_token_ids.begin(), config.stop_token_ids.end(), *tokenizer->settings().eos_id) ==
            config.stop_token_ids.end()) {
      config.stop_token_ids.push_back(*tokenizer->settings().eos_id);
    }
  }
  GenerationHooks hooks;
  if (tokenizer) {
    hooks.detokenize = [&](const std::vector<int64_t>& ids) {
      std::vector<text::TokenId> narrow(ids.begin(), ids.end());
      return tokenizer->decode(narrow, /*skip_special=*/false);
    };
  }
  std::unique_ptr<text::StreamingDecoder> stream;
  if (!request.print_ids && tokenizer) {
    stream = std::make_unique<text::StreamingDecoder>(*tokenizer, /*skip_special=*/true);
    hooks.on_token = [&](std::size_t, int64_t token) {
      out << stream->push(static_cast<text::TokenId>(token)) << std::flush;
      return true;
    };
  }
  using Clock = std::chrono::steady_clock;
  Clock::time_point first_token;
  Clock::time_point last_token;
  int64_t generated = 0;
  if (request.timings) {
    auto inner = hooks.on_token;
    hooks.on_token = [&, inner](std::size_t sequence, int64_t token) {
      last_token = Clock::now();
      if (generated++ == 0) first_token = last_token;
      return inner ? inner(sequence, token) : true;
    };
  }
  auto start = Clock::now();
  auto results = generate(model, {prompt}, config, hooks);
  const GenerationResult& result = results.front();
  if (stream) {
    out << stream->finish() << "\n";
  } else {
    for (std::size_t i = 0; i < result.tokens.size(); ++i) out << (i ? " " : "") << result.tokens[i];
    out << "\n";
  }
  if (request.timings && timings_out != nullptr && generated > 0) {
    double prefill_seconds = std::chrono::duration<double>(first_token - start).count();
    double decode_seconds = std::chrono::duration<double>(last_token - first_token).count();
    *timings_out << fmt::format(
        "timings: prompt {} tokens, prefill {:.1f} tokens/s, decode {} tokens {:.2f} tokens/s "
        "({:.2f} ms/token), peak RSS {:.1f} MB\n",
        prompt.size(), static_cast<double>(prompt.size()) / prefill_seconds, generated - 1,
        decode_seconds > 0 ? static_cast<double>(generated - 1) / decode_seconds : 0.0,
        generated > 1 ? 1000.0 * decode_seconds / static_cast<double>(generated - 1) : 0.0,
        static_cast<double>(peak_rss_bytes()) / (1024.0 * 1024.0));
  }
  return result;
}

}  // namespace t2sql::gen
