#include "text/hf_tokenizer.hpp"

#include <fmt/format.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <queue>
#include <unordered_map>

#include "common/error.hpp"
#include "common/file_io.hpp"
#include "common/utf8.hpp"
#include "text/byte_level.hpp"
#include "text/regex.hpp"

namespace t2sql::text {
namespace {

using nlohmann::json;

// ---- small JSON helpers: every error names the file and the field ----

std::string string_field(const json& object, const char* key, const std::string& where) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) fail(ErrorCode::kParse, "{}: missing string field \"{}\"", where, key);
  return it->get<std::string>();
}

bool bool_field(const json& object, const char* key, bool fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  return it->is_boolean() ? it->get<bool>() : fallback;
}

std::string type_of(const json& component, const std::string& where) {
  if (!component.is_object()) fail(ErrorCode::kParse, "{}: expected an object", where);
  return string_field(component, "type", where);
}

// A tokenizer.json pattern: {"Regex": "..."} or {"String": "..."}.
std::unique_ptr<Pcre2Regex> compile_pattern(const json& pattern, const std::string& where) {
  if (pattern.is_object() && pattern.contains("Regex") && pattern["Regex"].is_string()) {
    return std::make_unique<Pcre2Regex>(pattern["Regex"].get<std::string>(), false, where);
  }
  if (pattern.is_object() && pattern.contains("String") && pattern["String"].is_string()) {
    return std::make_unique<Pcre2Regex>(pattern["String"].get<std::string>(), true, where);
  }
  fail(ErrorCode::kParse, "{}: \"pattern\" must be {{\"Regex\": ...}} or {{\"String\": ...}}", where);
}

std::string replace_all(std::string_view text, const Pcre2Regex& regex, std::string_view content) {
  std::string out;
  size_t last = 0;
  regex.for_each_match(text, [&](size_t begin, size_t end) {
    out.append(text.substr(last, begin - last));
    out.append(content);
    last = end;
  });
  out.append(text.substr(last));
  return out;
}

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

bool is_unicode_whitespace(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// ---- normalizers ----

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string text) const = 0;
};

class UnicodeNormalizer : public Normalizer {
 public:
  UnicodeNormalizer(const std::string& form, const std::string& where) {
    UErrorCode status = U_ZERO_ERROR;
    if (form == "NFC") normalizer_ = icu::Normalizer2::getNFCInstance(status);
    else if (form == "NFD") normalizer_ = icu::Normalizer2::getNFDInstance(status);
    else if (form == "NFKC") normalizer_ = icu::Normalizer2::getNFKCInstance(status);
    else normalizer_ = icu::Normalizer2::getNFKDInstance(status);
    if (U_FAILURE(status)) fail(ErrorCode::kInternal, "{}: ICU cannot provide {}", where, form);
    composes_ascii_unchanged_ = true;  // every form leaves ASCII text as it is
  }
  std::string normalize(std::string text) const override {
    if (composes_ascii_unchanged_ && is_ascii(text)) return text;
    UErrorCode status = U_ZERO_ERROR;
    icu::UnicodeString source = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), int32_t(text.size())));
    icu::UnicodeString result = normalizer_->normalize(source, status);
    if (U_FAILURE(status)) fail(ErrorCode::kInternal, "Unicode normalization failed: {}", u_errorName(status));
    std::string out;
    result.toUTF8String(out);
    return out;
  }

 private:
  const icu::Normalizer2* normalizer_ = nullptr;
  bool composes_ascii_unchanged_ = false;
};

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string text) const override { return text.empty() ? text : prefix_ + text; }

 private:
  std::string prefix_;
};

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(std::unique_ptr<Pcre2Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::string normalize(std::string text) const override { return replace_all(text, *pattern_, content_); }

 private:
  std::unique_ptr<Pcre2Regex> pattern_;
  std::string content_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  std::string normalize(std::string text) const override {
    if (is_ascii(text)) {
      for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return text;
    }
    icu::UnicodeString source = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), int32_t(text.size())));
    source.toLower(icu::Locale::getRoot());
    std::string out;
    source.toUTF8String(out);
    return out;
  }
};

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end) {
        size_t next = begin;
        if (!is_unicode_whitespace(next_code_point(text, next))) break;
        begin = next;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        size_t probe = start;
        if (!is_unicode_whitespace(next_code_point(text, probe))) break;
        end = start;
      }
    }
    return text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(std::string text) const override {
    for (const auto& step : steps_) text = step->normalize(std::move(text));
    return text;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

std::unique_ptr<Normalizer> make_normalizer(const json& config, const std::string& where) {
  if (config.is_null()) return nullptr;
  std::string type = type_of(config, where);
  std::string here = where + " " + type;
  if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    return std::make_unique<UnicodeNormalizer>(type, here);
  }
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(string_field(config, "prepend", here));
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(compile_pattern(config.value("pattern", json()), here),
                                               string_field(config, "content", here));
  }
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Strip") {
    return std::make_unique<StripNormalizer>(bool_field(config, "strip_left", true), bool_field(config, "strip_right", true));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    const json& list = config.value("normalizers", json::array());
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto step = make_normalizer(list[i], fmt::format("{}.normalizers[{}]", here, i))) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  fail(ErrorCode::kUnsupported, "{}: unsupported normalizer type \"{}\" (supported: NFC, NFD, NFKC, NFKD, Prepend, "
       "Replace, Lowercase, Strip, Sequence)", where, type);
}

// ---- pre-tokenizers: each step splits every piece into smaller pieces ----

struct PreTokenizeContext {
  size_t section_index = 0;  // which added-token-free section of the input (Metaspace "first")
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void split(std::vector<std::string>& pieces, const PreTokenizeContext& context) const = 0;
};

enum class SplitBehavior { kIsolated, kRemoved, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Splits each piece around the matches of a pattern. `invert` is refused at load time.
class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(std::unique_ptr<Pcre2Regex> regex, SplitBehavior behavior)
      : regex_(std::move(regex)), behavior_(behavior) {}
  void split(std::vector<std::string>& pieces, const PreTokenizeContext&) const override {
    std::vector<std::string> out;
    for (const std::string& piece : pieces) {
      // (begin, end, is_match) spans covering the piece.
      std::vector<std::tuple<size_t, size_t, bool>> spans;
      size_t last = 0;
      regex_->for_each_match(piece, [&](size_t begin, size_t end) {
        if (begin > last) spans.emplace_back(last, begin, false);
        spans.emplace_back(begin, end, true);
        last = end;
      });
      if (last < piece.size()) spans.emplace_back(last, piece.size(), false);
      switch (behavior_) {
        case SplitBehavior::kIsolated:
          for (auto [b, e, m] : spans) out.push_back(piece.substr(b, e - b));
          break;
        case SplitBehavior::kRemoved:
          for (auto [b, e, m] : spans)
            if (!m) out.push_back(piece.substr(b, e - b));
          break;
        case SplitBehavior::kMergedWithPrevious: {
          std::string current;
          for (auto [b, e, m] : spans) {
            current += piece.substr(b, e - b);
            if (m) out.push_back(std::exchange(current, {}));
          }
          if (!current.empty()) out.push_back(current);
          break;
        }
        case SplitBehavior::kMergedWithNext: {
          std::string current;
          for (auto [b, e, m] : spans) {
            if (m && !current.empty()) out.push_back(std::exchange(current, {}));
            current += piece.substr(b, e - b);
          }
          if (!current.empty()) out.push_back(current);
          break;
        }
        case SplitBehavior::kContiguous: {
          std::string current;
          bool current_is_match = false;
          for (auto [b, e, m] : spans) {
            if (!current.empty() && m != current_is_match) out.push_back(std::exchange(current, {}));
            current += piece.substr(b, e - b);
            current_is_match = m;
          }
          if (!current.empty()) out.push_back(current);
          break;
        }
      }
    }
    pieces = std::move(out);
  }

 private:
  std::unique_ptr<Pcre2Regex> regex_;
  SplitBehavior behavior_;
};

// The GPT-2 pattern ByteLevel uses when use_regex is true.
constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// ByteLevel only splits (with the GPT-2 regex) and adds the prefix space here: the byte -> unicode
// mapping itself happens in the BPE model, which is equivalent and avoids a copy per word.
class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space) {
    if (use_regex) {
      split_ = std::make_unique<SplitPreTokenizer>(
          std::make_unique<Pcre2Regex>(kGpt2Pattern, false, "ByteLevel pre-tokenizer"), SplitBehavior::kIsolated);
    }
  }
  void split(std::vector<std::string>& pieces, const PreTokenizeContext& context) const override {
    if (add_prefix_space_) {
      for (std::string& piece : pieces)
        if (!piece.empty() && piece[0] != ' ') piece.insert(piece.begin(), ' ');
    }
    if (split_) split_->split(pieces, context);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<SplitPreTokenizer> split_;
};

enum class PrependScheme { kAlways, kFirst, kNever };

PrependScheme parse_prepend_scheme(const json& config, const std::string& where) {
  if (config.contains("prepend_scheme") && config["prepend_scheme"].is_string()) {
    std::string scheme = config["prepend_scheme"].get<std::string>();
    if (scheme == "always") return PrependScheme::kAlways;
    if (scheme == "first") return PrependScheme::kFirst;
    if (scheme == "never") return PrependScheme::kNever;
    fail(ErrorCode::kUnsupported, "{}: unknown prepend_scheme \"{}\"", where, scheme);
  }
  return bool_field(config, "add_prefix_space", true) ? PrependScheme::kAlways : PrependScheme::kNever;
}

// Metaspace: spaces become the replacement ("▁"), a leading one is prepended per the scheme, and
// with `split` each word keeps its leading "▁".
class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void split(std::vector<std::string>& pieces, const PreTokenizeContext& context) const override {
    std::vector<std::string> out;
    for (const std::string& piece : pieces) {
      std::string text;
      for (char c : piece) {
        if (c == ' ') text += replacement_;
        else text += c;
      }
      bool prepend = scheme_ == PrependScheme::kAlways || (scheme_ == PrependScheme::kFirst && context.section_index == 0);
      if (prepend && text.compare(0, replacement_.size(), replacement_) != 0) text = replacement_ + text;
      if (!split_) {
        out.push_back(std::move(text));
        continue;
      }
      size_t start = 0;
      for (size_t pos = text.find(replacement_, 1); pos != std::string::npos; pos = text.find(replacement_, pos + 1)) {
        if (pos > start) out.push_back(text.substr(start, pos - start));
        start = pos;
      }
      if (start < text.size()) out.push_back(text.substr(start));
    }
    pieces = std::move(out);
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void split(std::vector<std::string>& pieces, const PreTokenizeContext& context) const override {
    for (const auto& step : steps_) step->split(pieces, context);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

struct PreTokenizerInfo {
  bool byte_level = false;  // a ByteLevel step is present: BPE works on mapped bytes
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& config, const std::string& where, PreTokenizerInfo& info) {
  if (config.is_null()) return nullptr;
  std::string type = type_of(config, where);
  std::string here = where + " " + type;
  if (type == "Split") {
    if (bool_field(config, "invert", false)) fail(ErrorCode::kUnsupported, "{}: \"invert\": true is not supported", here);
    std::string behavior = config.value("behavior", std::string("Isolated"));
    SplitBehavior b;
    if (behavior == "Isolated") b = SplitBehavior::kIsolated;
    else if (behavior == "Removed") b = SplitBehavior::kRemoved;
    else if (behavior == "MergedWithPrevious") b = SplitBehavior::kMergedWithPrevious;
    else if (behavior == "MergedWithNext") b = SplitBehavior::kMergedWithNext;
    else if (behavior == "Contiguous") b = SplitBehavior::kContiguous;
    else fail(ErrorCode::kUnsupported, "{}: unsupported behavior \"{}\"", here, behavior);
    return std::make_unique<SplitPreTokenizer>(compile_pattern(config.value("pattern", json()), here), b);
  }
  if (type == "ByteLevel") {
    info.byte_level = true;
    return std::make_unique<ByteLevelPreTokenizer>(bool_field(config, "add_prefix_space", false),
                                                   bool_field(config, "use_regex", true));
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspacePreTokenizer>(config.value("replacement", std::string("\u2581")),
                                                   parse_prepend_scheme(config, here), bool_field(config, "split", true));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    const json& list = config.value("pretokenizers", json::array());
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto step = make_pre_tokenizer(list[i], fmt::format("{}.pretokenizers[{}]", here, i), info))
        steps.push_back(std::move(step));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  fail(ErrorCode::kUnsupported, "{}: unsupported pre_tokenizer type \"{}\" (supported: Split, ByteLevel, Metaspace, "
       "Sequence)", where, type);
}

// ---- decoders: each step rewrites the list of token strings ----

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode(std::vector<std::string>& tokens) const = 0;
};

class ByteLevelDecoder : public Decoder {
 public:
  void decode(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      std::string bytes;
      size_t offset = 0;
      while (offset < token.size()) {
        size_t start = offset;
        char32_t c = next_code_point(token, offset);
        if (auto byte = unicode_to_byte(c)) bytes += static_cast<char>(*byte);
        else bytes.append(token, start, offset - start);  // not a byte character: keep as is
      }
      token = std::move(bytes);
    }
  }
};

class ReplaceDecoder : public Decoder {
 public:
  ReplaceDecoder(std::unique_ptr<Pcre2Regex> pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = replace_all(token, *pattern_, content_);
  }

 private:
  std::unique_ptr<Pcre2Regex> pattern_;
  std::string content_;
};

// "<0x41>" -> the byte 0x41.
std::optional<unsigned char> parse_byte_token(std::string_view token) {
  if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>') return std::nullopt;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  int high = hex(token[3]), low = hex(token[4]);
  if (high < 0 || low < 0) return std::nullopt;
  return static_cast<unsigned char>(high * 16 + low);
}

// Byte tokens become their raw bytes; whether the bytes form valid UTF-8 is decided once, when
// Tokenizer::decode() sanitizes the whole text.
class ByteFallbackDecoder : public Decoder {
 public:
  void decode(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      if (auto byte = parse_byte_token(token)) token = std::string(1, static_cast<char>(*byte));
    }
  }
};

class FuseDecoder : public Decoder {
 public:
  void decode(std::vector<std::string>& tokens) const override {
    std::string all;
    for (const std::string& token : tokens) all += token;
    tokens.assign(1, std::move(all));
  }
};

// Removes up to `start` leading and `stop` trailing occurrences of `content` from each token.
class StripDecoder : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode(std::vector<std::string>& tokens) const override {
    if (content_.empty()) return;
    for (std::string& token : tokens) {
      for (size_t i = 0; i < start_ && token.compare(0, content_.size(), content_) == 0; ++i) token.erase(0, content_.size());
      for (size_t i = 0; i < stop_ && token.size() >= content_.size() &&
                         token.compare(token.size() - content_.size(), content_.size(), content_) == 0;
           ++i)
        token.resize(token.size() - content_.size());
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class MetaspaceDecoder : public Decoder {
 public:
  MetaspaceDecoder(std::string replacement, PrependScheme scheme) : replacement_(std::move(replacement)), scheme_(scheme) {}
  void decode(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string out;
      const std::string& token = tokens[i];
      for (size_t pos = 0; pos < token.size();) {
        if (token.compare(pos, replacement_.size(), replacement_) == 0) {
          out += ' ';
          pos += replacement_.size();
        } else {
          out += token[pos++];
        }
      }
      if (i == 0 && scheme_ != PrependScheme::kNever && !out.empty() && out[0] == ' ') out.erase(0, 1);
      tokens[i] = std::move(out);
    }
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
};

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

std::unique_ptr<Decoder> make_decoder(const json& config, const std::string& where) {
  if (config.is_null()) return nullptr;
  std::string type = type_of(config, where);
  std::string here = where + " " + type;
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Replace") {
    return std::make_unique<ReplaceDecoder>(compile_pattern(config.value("pattern", json()), here),
                                            string_field(config, "content", here));
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    return std::make_unique<StripDecoder>(string_field(config, "content", here), config.value("start", size_t{0}),
                                          config.value("stop", size_t{0}));
  }
  if (type == "Metaspace") {
    return std::make_unique<MetaspaceDecoder>(config.value("replacement", std::string("\u2581")),
                                              parse_prepend_scheme(config, here));
  }
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Decoder>> steps;
    const json& list = config.value("decoders", json::array());
    for (size_t i = 0; i < list.size(); ++i) {
      if (auto step = make_decoder(list[i], fmt::format("{}.decoders[{}]", here, i))) steps.push_back(std::move(step));
    }
    return std::make_unique<SequenceDecoder>(std::move(steps));
  }
  fail(ErrorCode::kUnsupported, "{}: unsupported decoder type \"{}\" (supported: ByteLevel, Replace, ByteFallback, "
       "Fuse, Strip, Metaspace, Sequence)", where, type);
}

// ---- added tokens ----

struct AddedToken {
  std::string content;
  TokenId id = 0;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

// Byte trie over added-token contents for leftmost-longest matching.
class AddedTokenMatcher {
 public:
  void add(const std::string& content, size_t token_index) {
    if (content.empty()) return;
    size_t node = 0;
    for (unsigned char byte : content) {
      auto it = nodes_[node].children.find(byte);
      if (it == nodes_[node].children.end()) {
        nodes_.emplace_back();
        it = nodes_[node].children.emplace(byte, nodes_.size() - 1).first;
      }
      node = it->second;
    }
    nodes_[node].token_index = static_cast<int>(token_index);
  }
  bool empty() const { return nodes_.size() == 1; }

  // Longest token starting at `offset`: (token index, length), or (-1, 0).
  std::pair<int, size_t> longest_at(std::string_view text, size_t offset) const {
    size_t node = 0;
    std::pair<int, size_t> best{-1, 0};
    for (size_t i = offset; i < text.size(); ++i) {
      auto it = nodes_[node].children.find(static_cast<unsigned char>(text[i]));
      if (it == nodes_[node].children.end()) break;
      node = it->second;
      if (nodes_[node].token_index >= 0) best = {nodes_[node].token_index, i + 1 - offset};
    }
    return best;
  }

 private:
  struct Node {
    std::map<unsigned char, size_t> children;
    int token_index = -1;
  };
  std::vector<Node> nodes_{1};
};

bool is_word_byte_before(std::string_view text, size_t offset) {
  if (offset == 0) return false;
  unsigned char c = static_cast<unsigned char>(text[offset - 1]);
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

bool is_word_byte_at(std::string_view text, size_t offset) {
  if (offset >= text.size()) return false;
  unsigned char c = static_cast<unsigned char>(text[offset]);
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

// A section of the input: plain text to tokenize, or one added token.
struct Section {
  std::string text;
  int added_token = -1;  // index into added tokens, or -1 for text
};

// Cuts the added tokens of `matcher` out of `text` (leftmost-longest), honouring lstrip, rstrip
// and single_word like the tokenizers library.
void split_on_added_tokens(std::string_view text, const AddedTokenMatcher& matcher,
                           const std::vector<AddedToken>& tokens, std::vector<Section>& out) {
  if (matcher.empty()) {
    if (!text.empty()) out.push_back({std::string(text), -1});
    return;
  }
  size_t text_start = 0;  // start of the pending plain text
  size_t offset = 0;
  while (offset < text.size()) {
    auto [index, length] = matcher.longest_at(text, offset);
    if (index < 0) {
      ++offset;
      continue;
    }
    const AddedToken& token = tokens[index];
    size_t begin = offset, end = offset + length;
    if (token.single_word && (is_word_byte_before(text, begin) || is_word_byte_at(text, end))) {
      ++offset;
      continue;
    }
    if (token.lstrip) {
      while (begin > text_start && std::isspace(static_cast<unsigned char>(text[begin - 1]))) --begin;
    }
    if (token.rstrip) {
      while (end < text.size() && std::isspace(static_cast<unsigned char>(text[end]))) ++end;
    }
    if (begin > text_start) out.push_back({std::string(text.substr(text_start, begin - text_start)), -1});
    out.push_back({token.content, index});
    text_start = offset = end;
  }
  if (text_start < text.size()) out.push_back({std::string(text.substr(text_start)), -1});
}

// ---- the tokenizer ----

struct MergeResult {
  int rank;
  TokenId merged;
};

// One entry of the BPE merge queue: the pair starting at symbol `left`.
struct MergeCandidate {
  int rank;
  int left;
  TokenId left_id, right_id;
  bool operator>(const MergeCandidate& other) const {
    return rank != other.rank ? rank > other.rank : left > other.left;
  }
};

struct TemplatePiece {
  bool is_sequence = false;
  std::vector<TokenId> ids;  // the special token's ids when !is_sequence
};

class HfTokenizer : public Tokenizer {
 public:
  HfTokenizer(const json& root, const std::string& source) : source_(source) {
    if (!root.is_object()) fail(ErrorCode::kParse, "{}: expected a JSON object", source);
    load_model(root.value("model", json()), source + " model");
    load_added_tokens(root.value("added_tokens", json::array()), source + " added_tokens");
    normalizer_ = make_normalizer(root.value("normalizer", json()), source + " normalizer");
    PreTokenizerInfo info;
    pre_tokenizer_ = make_pre_tokenizer(root.value("pre_tokenizer", json()), source + " pre_tokenizer", info);
    byte_level_ = info.byte_level;
    if (byte_level_) {
      for (int byte = 0; byte < 256; ++byte) {
        auto it = vocab_.find(byte_to_unicode(static_cast<unsigned char>(byte)));
        if (it == vocab_.end()) {
          fail(ErrorCode::kParse, "{}: byte-level vocabulary lacks the token for byte 0x{:02X}", source, byte);
        }
        byte_ids_[byte] = it->second;
      }
    }
    load_post_processor(root.value("post_processor", json()), source + " post_processor");
    decoder_ = make_decoder(root.value("decoder", json()), source + " decoder");
    if (root.contains("truncation") && !root["truncation"].is_null()) {
      fail(ErrorCode::kUnsupported, "{}: \"truncation\" is not supported (truncate ids instead)", source);
    }
  }

  std::vector<TokenId> encode(std::string_view text, bool add_special) const override {
    require_utf8(text, "text to tokenize");
    std::vector<Section> sections;
    split_on_added_tokens(text, raw_matcher_, added_, sections);
    std::vector<TokenId> ids;
    size_t text_section_index = 0;
    std::vector<Section> normalized_sections;
    for (size_t s = 0; s < sections.size(); ++s) {
      if (sections[s].added_token >= 0) {
        ids.push_back(added_[sections[s].added_token].id);
        continue;
      }
      std::string normalized = normalizer_ ? normalizer_->normalize(std::move(sections[s].text)) : std::move(sections[s].text);
      normalized_sections.clear();
      split_on_added_tokens(normalized, normalized_matcher_, added_, normalized_sections);
      for (Section& part : normalized_sections) {
        if (part.added_token >= 0) {
          ids.push_back(added_[part.added_token].id);
          continue;
        }
        PreTokenizeContext context{text_section_index};
        std::vector<std::string> words{std::move(part.text)};
        if (pre_tokenizer_) pre_tokenizer_->split(words, context);
        for (const std::string& word : words) encode_word(word, ids);
      }
      // Metaspace's "first" scheme counts sections of the original input, as the reference does.
      ++text_section_index;
    }
    if (add_special && has_template_) {
      std::vector<TokenId> with_special;
      for (const TemplatePiece& piece : template_single_) {
        if (piece.is_sequence) with_special.insert(with_special.end(), ids.begin(), ids.end());
        else with_special.insert(with_special.end(), piece.ids.begin(), piece.ids.end());
      }
      return with_special;
    }
    return ids;
  }

  std::string decode_bytes(std::span<const TokenId> ids, bool skip_special) const override {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (TokenId id : ids) {
      check_id(id);
      if (skip_special && is_special(id)) continue;
      tokens.push_back(pieces_[id]);
    }
    if (decoder_) decoder_->decode(tokens);
    std::string out;
    for (const std::string& token : tokens) out += token;
    return out;
  }

  std::string id_to_piece(TokenId id) const override {
    check_id(id);
    return pieces_[id];
  }

  std::optional<TokenId> piece_to_id(std::string_view piece) const override {
    auto it = vocab_.find(std::string(piece));
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
  }

  size_t vocab_size() const override { return pieces_.size(); }
  bool is_special(TokenId id) const override {
    return id >= 0 && static_cast<size_t>(id) < special_.size() && special_[id];
  }
  std::string describe() const override {
    return fmt::format("tokenizer.json BPE ({}), {} ids, {} merges, {} added tokens",
                       byte_level_ ? "byte-level" : (byte_fallback_ ? "byte fallback" : "characters"), pieces_.size(),
                       merges_.size(), added_.size());
  }

 private:
  void load_model(const json& model, const std::string& where) {
    if (!model.is_object()) fail(ErrorCode::kParse, "{}: missing \"model\" object", where);
    std::string type = model.value("type", std::string("BPE"));
    if (type != "BPE") {
      fail(ErrorCode::kUnsupported, "{}: unsupported model type \"{}\" (supported: BPE)", where, type);
    }
    if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"].get<double>() != 0.0) {
      fail(ErrorCode::kUnsupported, "{}: BPE \"dropout\" is not supported", where);
    }
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      if (model.contains(key) && model[key].is_string() && !model[key].get<std::string>().empty()) {
        fail(ErrorCode::kUnsupported, "{}: BPE \"{}\" is not supported", where, key);
      }
    }
    ignore_merges_ = bool_field(model, "ignore_merges", false);
    byte_fallback_ = bool_field(model, "byte_fallback", false);
    fuse_unk_ = bool_field(model, "fuse_unk", false);
    const json& vocab = model.value("vocab", json());
    if (!vocab.is_object()) fail(ErrorCode::kParse, "{}: \"vocab\" must be an object of token -> id", where);
    vocab_.reserve(vocab.size() * 2);
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!it.value().is_number_integer() || it.value().get<int64_t>() < 0 || it.value().get<int64_t>() > (1 << 30)) {
        fail(ErrorCode::kParse, "{}: vocab entry \"{}\" has no valid id", where, it.key());
      }
      TokenId id = it.value().get<TokenId>();
      if (static_cast<size_t>(id) >= pieces_.size()) pieces_.resize(id + 1);
      pieces_[id] = it.key();
      vocab_[it.key()] = id;
    }
    if (model.contains("unk_token") && model["unk_token"].is_string()) {
      auto it = vocab_.find(model["unk_token"].get<std::string>());
      if (it == vocab_.end()) fail(ErrorCode::kParse, "{}: unk_token \"{}\" is not in the vocab", where, model["unk_token"].get<std::string>());
      unk_id_ = it->second;
    }
    if (byte_fallback_) {
      for (int byte = 0; byte < 256; ++byte) {
        auto it = vocab_.find(fmt::format("<0x{:02X}>", byte));
        byte_fallback_ids_[byte] = it == vocab_.end() ? -1 : it->second;
      }
    }
    const json& merges = model.value("merges", json::array());
    if (!merges.is_array()) fail(ErrorCode::kParse, "{}: \"merges\" must be an array", where);
    merges_.reserve(merges.size() * 2);
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const json& merge = merges[rank];
      std::string left, right;
      if (merge.is_string()) {
        const std::string& text = merge.get_ref<const std::string&>();
        size_t space = text.find(' ');
        if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
          fail(ErrorCode::kParse, "{}: merges[{}] \"{}\" is not two tokens separated by one space", where, rank, text);
        }
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        left = merge[0].get<std::string>();
        right = merge[1].get<std::string>();
      } else {
        fail(ErrorCode::kParse, "{}: merges[{}] must be \"a b\" or [\"a\", \"b\"]", where, rank);
      }
      auto l = vocab_.find(left), r = vocab_.find(right), m = vocab_.find(left + right);
      if (l == vocab_.end() || r == vocab_.end() || m == vocab_.end()) {
        fail(ErrorCode::kParse, "{}: merges[{}] (\"{}\", \"{}\") uses a token missing from the vocab", where, rank, left, right);
      }
      // A pair listed twice keeps its last rank: the tokenizers library and the JS port both build
      // their merge map by inserting in file order, later entries overwriting earlier ones.
      merges_.insert_or_assign(pair_key(l->second, r->second), MergeResult{static_cast<int>(rank), m->second});
    }
  }

  void load_added_tokens(const json& list, const std::string& where) {
    if (!list.is_array()) fail(ErrorCode::kParse, "{}: must be an array", where);
    for (size_t i = 0; i < list.size(); ++i) {
      std::string here = fmt::format("{}[{}]", where, i);
      const json& entry = list[i];
      if (!entry.is_object() || !entry.contains("id") || !entry["id"].is_number_integer()) {
        fail(ErrorCode::kParse, "{}: needs an integer \"id\"", here);
      }
      AddedToken token;
      token.id = entry["id"].get<TokenId>();
      if (token.id < 0) fail(ErrorCode::kParse, "{}: negative id", here);
      token.content = string_field(entry, "content", here);
      token.special = bool_field(entry, "special", false);
      token.lstrip = bool_field(entry, "lstrip", false);
      token.rstrip = bool_field(entry, "rstrip", false);
      token.single_word = bool_field(entry, "single_word", false);
      token.normalized = bool_field(entry, "normalized", !token.special);
      if (static_cast<size_t>(token.id) >= pieces_.size()) pieces_.resize(token.id + 1);
      pieces_[token.id] = token.content;
      vocab_[token.content] = token.id;
      if (token.special) {
        if (special_.size() <= static_cast<size_t>(token.id)) special_.resize(token.id + 1, false);
        special_[token.id] = true;
      }
      (token.normalized ? normalized_matcher_ : raw_matcher_).add(token.content, added_.size());
      added_.push_back(std::move(token));
    }
  }

  void load_post_processor(const json& config, const std::string& where) {
    if (config.is_null()) return;
    std::string type = type_of(config, where);
    if (type == "ByteLevel") return;  // only offsets change; ids are untouched
    if (type == "Sequence") {
      const json& list = config.value("processors", json::array());
      for (size_t i = 0; i < list.size(); ++i) load_post_processor(list[i], fmt::format("{}.processors[{}]", where, i));
      return;
    }
    if (type == "TemplateProcessing") {
      if (has_template_) fail(ErrorCode::kUnsupported, "{}: more than one TemplateProcessing", where);
      has_template_ = true;
      const json& specials = config.value("special_tokens", json::object());
      const json& single = config.value("single", json::array());
      if (!single.is_array()) fail(ErrorCode::kParse, "{}: \"single\" must be an array", where);
      for (size_t i = 0; i < single.size(); ++i) {
        const json& item = single[i];
        std::string here = fmt::format("{} single[{}]", where, i);
        TemplatePiece piece;
        if (item.contains("Sequence")) {
          piece.is_sequence = true;
        } else if (item.contains("SpecialToken")) {
          std::string name = string_field(item["SpecialToken"], "id", here);
          if (!specials.contains(name)) fail(ErrorCode::kParse, "{}: special token \"{}\" not in special_tokens", here, name);
          const json& ids = specials[name].value("ids", json::array());
          for (const json& id : ids) {
            if (!id.is_number_integer()) fail(ErrorCode::kParse, "{}: ids of \"{}\" must be integers", here, name);
            piece.ids.push_back(id.get<TokenId>());
          }
        } else {
          fail(ErrorCode::kParse, "{}: expected \"Sequence\" or \"SpecialToken\"", here);
        }
        template_single_.push_back(std::move(piece));
      }
      return;
    }
    fail(ErrorCode::kUnsupported, "{}: unsupported post_processor type \"{}\" (supported: TemplateProcessing, "
         "ByteLevel, Sequence)", where, type);
  }

  static uint64_t pair_key(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }

  // Initial symbols of a word: one per byte (byte-level) or per character (with byte fallback or
  // unk for characters outside the vocabulary).
  void initial_symbols(const std::string& word, std::vector<TokenId>& symbols) const {
    if (byte_level_) {
      for (unsigned char byte : word) symbols.push_back(byte_ids_[byte]);
      return;
    }
    std::string character;
    for (size_t offset = 0; offset < word.size();) {
      size_t start = offset;
      next_code_point(word, offset);
      character.assign(word, start, offset - start);
      auto it = vocab_.find(character);
      if (it != vocab_.end()) {
        symbols.push_back(it->second);
      } else if (byte_fallback_ && std::all_of(character.begin(), character.end(), [&](char c) {
                   return byte_fallback_ids_[static_cast<unsigned char>(c)] >= 0;
                 })) {
        for (char c : character) symbols.push_back(-2 - byte_fallback_ids_[static_cast<unsigned char>(c)]);
      } else {
        if (!unk_id_) fail(ErrorCode::kInvalidArgument, "{}: character \"{}\" is not in the vocabulary and the model has no unk_token", source_, character);
        if (fuse_unk_ && !symbols.empty() && symbols.back() == -2 - *unk_id_) continue;
        symbols.push_back(-2 - *unk_id_);
      }
    }
  }

  void encode_word(const std::string& word, std::vector<TokenId>& ids) const {
    if (word.empty()) return;
    if (ignore_merges_) {
      auto it = vocab_.find(byte_level_ ? bytes_to_unicode_string(word) : word);
      if (it != vocab_.end()) {
        ids.push_back(it->second);
        return;
      }
    }
    if (word.size() < kCacheMaxWordBytes) {
      std::lock_guard lock(cache_mutex_);
      auto it = cache_.find(word);
      if (it != cache_.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    // Symbols: ids >= 0 may merge; -2 - id marks byte-fallback / unk tokens that never merge.
    std::vector<TokenId> symbols;
    symbols.reserve(word.size());
    initial_symbols(word, symbols);
    const int n = static_cast<int>(symbols.size());
    std::vector<int> prev(n), next(n);
    for (int i = 0; i < n; ++i) {
      prev[i] = i - 1;
      next[i] = i + 1 < n ? i + 1 : -1;
    }
    std::priority_queue<MergeCandidate, std::vector<MergeCandidate>, std::greater<>> queue;
    auto consider = [&](int left) {
      int right = next[left];
      if (left < 0 || right < 0 || symbols[left] < 0 || symbols[right] < 0) return;
      auto it = merges_.find(pair_key(symbols[left], symbols[right]));
      if (it != merges_.end()) queue.push({it->second.rank, left, symbols[left], symbols[right]});
    };
    for (int i = 0; i + 1 < n; ++i) consider(i);
    while (!queue.empty()) {
      MergeCandidate top = queue.top();
      queue.pop();
      int left = top.left;
      int right = next[left];
      // Stale entry: one side was merged away or changed since it was queued.
      if (symbols[left] != top.left_id || right < 0 || symbols[right] != top.right_id) continue;
      symbols[left] = merges_.at(pair_key(top.left_id, top.right_id)).merged;
      symbols[right] = std::numeric_limits<TokenId>::min();  // dead
      next[left] = next[right];
      if (next[left] >= 0) prev[next[left]] = left;
      if (prev[left] >= 0) consider(prev[left]);
      consider(left);
    }
    std::vector<TokenId> word_ids;
    for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) word_ids.push_back(symbols[i] >= 0 ? symbols[i] : -2 - symbols[i]);
    ids.insert(ids.end(), word_ids.begin(), word_ids.end());
    if (word.size() < kCacheMaxWordBytes) {
      std::lock_guard lock(cache_mutex_);
      if (cache_.size() >= kCacheMaxEntries) cache_.clear();
      cache_.emplace(word, std::move(word_ids));
    }
  }

  static constexpr size_t kCacheMaxWordBytes = 256;
  static constexpr size_t kCacheMaxEntries = 100000;

  std::string source_;
  std::vector<std::string> pieces_;                     // (vocab_size) id -> token string
  std::unordered_map<std::string, TokenId> vocab_;      // token string -> id, added tokens included
  std::unordered_map<uint64_t, MergeResult> merges_;    // (left id, right id) -> rank, merged id
  std::vector<bool> special_;                           // (vocab_size or less) id -> special flag
  std::vector<AddedToken> added_;
  AddedTokenMatcher raw_matcher_;                       // added tokens matched before normalization
  AddedTokenMatcher normalized_matcher_;                // added tokens matched after it
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Decoder> decoder_;
  bool byte_level_ = false;
  bool ignore_merges_ = false;
  bool byte_fallback_ = false;
  bool fuse_unk_ = false;
  std::optional<TokenId> unk_id_;
  std::array<TokenId, 256> byte_ids_{};                 // byte-level: byte -> id of its character
  std::array<TokenId, 256> byte_fallback_ids_{};        // byte fallback: byte -> id of <0xXX>
  bool has_template_ = false;
  std::vector<TemplatePiece> template_single_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<TokenId>> cache_;  // word -> ids
};

}  // namespace

std::unique_ptr<Tokenizer> load_hf_tokenizer_json(std::string_view json_text, const std::string& source_name) {
  json root = parse_json(json_text, source_name);
  return std::make_unique<HfTokenizer>(root, source_name);
}

std::unique_ptr<Tokenizer> load_hf_tokenizer_file(const std::filesystem::path& path) {
  return load_hf_tokenizer_json(read_file(path), path.string());
}

}  // namespace t2sql::text
