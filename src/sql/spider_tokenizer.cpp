#include "sql/spider_tokenizer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <type_traits>
#include <unordered_map>

#include "common/error.hpp"

namespace t2sql::spider {
namespace {

// ---- UTF-8 <-> code points (Python works on code points; invalid bytes become U+FFFD) ----
std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    int length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t code = length == 1 ? byte : byte & (0x7F >> length);
    bool valid = true;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      code = (code << 6) | (next & 0x3F);
    }
    if (!valid) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(code);
    i += length;
  }
  return out;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_utf8(out, c);
  return out;
}

// Python's `\s` / str.split() whitespace.
bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == ' ' || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

// Python's `\d` (ASCII and the common Unicode decimal blocks).
bool is_digit(char32_t c) {
  return (c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9) ||
         (c >= 0x966 && c <= 0x96F) || (c >= 0xFF10 && c <= 0xFF19);
}

// Python's `\w`: letters, digits and '_'. Non-ASCII code points count as word characters unless
// they are in a punctuation, symbol or space block (an approximation that only matters for the
// "cannot"-style contraction boundaries).
bool is_word(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (c <= 0xBF) return c == 0xAA || c == 0xB2 || c == 0xB3 || c == 0xB5 || c == 0xB9 || c == 0xBA ||
                        (c >= 0xBC && c <= 0xBE);
  if (c == 0xD7 || c == 0xF7) return false;
  if (c >= 0x2000 && c <= 0x2BFF) return false;
  if (c >= 0x3000 && c <= 0x303F) return false;
  if (c >= 0xFF00 && c <= 0xFF0F) return false;
  return !is_space(c);
}

char32_t lower_code(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x137 && c % 2 == 0) return c + 1;
  if (c >= 0x139 && c <= 0x148 && c % 2 == 1) return c + 1;
  if (c >= 0x14A && c <= 0x177 && c % 2 == 0) return c + 1;
  if (c == 0x178) return 0xFF;
  if ((c == 0x179 || c == 0x17B || c == 0x17D)) return c + 1;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

using Text = std::u32string;

bool is_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}


// The passes below run on code points (std::u32string) or, for pure-ASCII input, where bytes and
// code points coincide, directly on the bytes (std::string): no decoding, a quarter of the memory.
bool in(char32_t c, std::u32string_view set) { return set.find(c) != std::u32string_view::npos; }

template <class S>
void append_ascii(S& out, std::string_view text) {
  for (char c : text) out.push_back(static_cast<typename S::value_type>(c));
}

// Pads every character of `set` with spaces: re.sub(r"[set]", r" \g<0> ", text).
template <class S>
S pad_chars(S text, std::u32string_view set) {
  std::array<bool, 128> ascii_member{};  // the common case without a search of `set` per character
  for (char32_t c : set)
    if (c < 128) ascii_member[c] = true;
  const auto member = [&](auto c) {
    const auto code = static_cast<char32_t>(c);
    return code < 128 ? ascii_member[code] : in(code, set);
  };
  if (std::none_of(text.begin(), text.end(), member)) return text;
  S out;
  out.reserve(text.size() + 16);
  for (auto c : text) {
    if (member(c)) {
      out.push_back(' ');
      out.push_back(c);
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The final-period rule: re.sub(r'([^\.])(\.)([<closers>]*)\s*$', <r"\1 \2 \3 " or r"\1 \2\3 ">).
// The pattern is anchored at the end, so only the leftmost position where it matches is rewritten.
template <class S>
S final_period(const S& text, std::u32string_view closers, bool space_before_closers) {
  const size_t n = text.size();
  for (size_t i = 0; i + 1 < n; ++i) {
    if (text[i] == '.' || text[i + 1] != '.') continue;
    size_t j = i + 2;
    while (j < n && in(static_cast<char32_t>(text[j]), closers)) ++j;
    size_t k = j;
    while (k < n && is_space(static_cast<char32_t>(text[k]))) ++k;
    if (k != n) continue;
    S out = text.substr(0, i + 1);
    append_ascii(out, " .");
    if (space_before_closers) out.push_back(' ');
    out += text.substr(i + 2, j - (i + 2));
    out.push_back(' ');
    return out;
  }
  return text;
}

// re.sub(r"([:,])([^\d])", r" \1 \2", text): a comma or colon not followed by a digit.
template <class S>
S pad_comma_colon(const S& text) {
  S out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    if ((text[i] == ':' || text[i] == ',') && i + 1 < text.size() && !is_digit(static_cast<char32_t>(text[i + 1]))) {
      out.push_back(' ');
      out.push_back(text[i]);
      out.push_back(' ');
      out.push_back(text[i + 1]);
      i += 2;
    } else {
      out.push_back(text[i]);
      ++i;
    }
  }
  // re.sub(r"([:,])$", r" \1 ", text): `$` matches at the end or before a final newline.
  const size_t n = out.size();
  size_t at = S::npos;
  if (n >= 1 && (out[n - 1] == ':' || out[n - 1] == ',')) at = n - 1;
  else if (n >= 2 && out[n - 1] == '\n' && (out[n - 2] == ':' || out[n - 2] == ',')) at = n - 2;
  if (at != S::npos) {
    const auto c = out[at];
    S padded = out.substr(0, at);
    padded.push_back(' ');
    padded.push_back(c);
    padded.push_back(' ');
    out = padded + out.substr(at + 1);
  }
  return out;
}

// re.sub(r"\.{2,}", r" \g<0> ", text)
template <class S>
S pad_ellipsis(const S& text) {
  S out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '.' && i + 1 < text.size() && text[i + 1] == '.') {
      size_t j = i;
      while (j < text.size() && text[j] == '.') ++j;
      out.push_back(' ');
      out += text.substr(i, j - i);
      out.push_back(' ');
      i = j;
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

// re.sub(r"([«“‘„]|[`]+)", r" \1 ", text)
template <class S>
S pad_starting_quotes(const S& text) {
  S out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '`') {
      size_t j = i;
      while (j < text.size() && text[j] == '`') ++j;
      out.push_back(' ');
      out += text.substr(i, j - i);
      out.push_back(' ');
      i = j;
    } else if (in(static_cast<char32_t>(text[i]), U"«“‘„")) {
      out.push_back(' ');
      out.push_back(text[i++]);
      out.push_back(' ');
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

template <class S>
bool equals_ignore_case(const S& text, size_t at, std::u32string_view word) {
  if (at + word.size() > text.size()) return false;
  for (size_t k = 0; k < word.size(); ++k)
    if (lower_code(static_cast<char32_t>(text[at + k])) != word[k]) return false;
  return true;
}

// The MacIntyre contractions without apostrophes: (?i)\b(first)(second)\b -> " \1 \2 "
// (for "wanna" the end is (?=\s) instead of \b).
template <class S>
S split_contraction(S text, std::u32string_view first, std::u32string_view second,
                       bool needs_following_space) {
  bool candidate = false;
  for (size_t i = 0; !candidate && i < text.size(); ++i) candidate = equals_ignore_case(text, i, first);
  if (!candidate) return text;
  S out;
  const size_t length = first.size() + second.size();
  size_t i = 0;
  while (i < text.size()) {
    const bool start_ok = i == 0 || !is_word(static_cast<char32_t>(text[i - 1]));
    if (start_ok && is_word(static_cast<char32_t>(text[i])) && equals_ignore_case(text, i, first) &&
        equals_ignore_case(text, i + first.size(), second)) {
      const size_t end = i + length;
      const bool end_ok = needs_following_space ? (end < text.size() && is_space(static_cast<char32_t>(text[end])))
                                                : (end == text.size() || !is_word(static_cast<char32_t>(text[end])));
      if (end_ok) {
        out.push_back(' ');
        out += text.substr(i, first.size());
        out.push_back(' ');
        out += text.substr(i + first.size(), second.size());
        out.push_back(' ');
        i = end;
        continue;
      }
    }
    out.push_back(text[i++]);
  }
  return out;
}

template <class S>
std::vector<std::string> split_whitespace(const S& text) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(static_cast<char32_t>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !is_space(static_cast<char32_t>(text[j]))) ++j;
    if (j > i) {
      if constexpr (std::is_same_v<S, std::string>) tokens.push_back(text.substr(i, j - i));
      else tokens.push_back(encode(std::u32string_view(text).substr(i, j - i)));
    }
    i = j;
  }
  return tokens;
}

}  // namespace

std::string python_lower(std::string_view text) {
  if (is_ascii(text)) {
    std::string out(text);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
  }
  Text codes = decode(text);
  for (char32_t& c : codes) c = lower_code(c);
  return encode(codes);
}

std::string python_strip(std::string_view text) {
  if (is_ascii(text)) {
    size_t begin = 0, end = text.size();
    while (begin < end && is_space(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && is_space(static_cast<unsigned char>(text[end - 1]))) --end;
    return std::string(text.substr(begin, end - begin));
  }
  const Text codes = decode(text);
  size_t begin = 0, end = codes.size();
  while (begin < end && is_space(codes[begin])) ++begin;
  while (end > begin && is_space(codes[end - 1])) --end;
  if (begin == 0 && end == codes.size()) return std::string(text);
  return encode(std::u32string_view(codes).substr(begin, end - begin));
}

namespace {

template <class S>
bool contains_any(const S& text, std::u32string_view set) {
  return std::any_of(text.begin(), text.end(), [&](auto c) { return in(static_cast<char32_t>(c), set); });
}

// Whether `word` occurs in `text` ignoring ASCII case: a cheap test before a contraction rule
// (the rules match ASCII letters only, so ASCII lowering decides it exactly).
template <class S>
bool contains_word_ignore_case(const S& lowered, std::u32string_view word) {
  const S needle(word.begin(), word.end());
  return lowered.find(needle) != S::npos;
}

template <class S>
std::vector<std::string> word_tokenize(S text) {
  // Every pass below is a regex substitution of NLTK's; a pass is skipped when the characters it
  // needs are absent (most queries have no quotes, ellipses or contractions).
  // STARTING_QUOTES (the rules for " and ' cannot fire: the caller removed all quotes).
  if (contains_any(text, U"`«“‘„")) text = pad_starting_quotes(text);
  // PUNCTUATION, in NLTK's order.
  const bool has_period = text.find('.') != S::npos;
  if (has_period) text = final_period(text, U"])}>\"'»”’ ", /*space_before_closers=*/true);
  if (contains_any(text, U":,")) text = pad_comma_colon(text);
  if (has_period) text = pad_ellipsis(text);
  text = pad_chars(std::move(text), U";@#$%&");
  if (has_period) text = final_period(text, U"])}>\"'", /*space_before_closers=*/false);
  text = pad_chars(std::move(text), U"?!");
  text = pad_chars(std::move(text), U"*");
  // PARENS_BRACKETS, DOUBLE_DASHES.
  text = pad_chars(std::move(text), U"][(){}<>");
  S dashed(1, ' ');
  dashed.reserve(text.size() + 2);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-' && i + 1 < text.size() && text[i + 1] == '-') {
      append_ascii(dashed, " -- ");
      ++i;
    } else {
      dashed.push_back(text[i]);
    }
  }
  dashed.push_back(' ');
  text = std::move(dashed);
  // ENDING_QUOTES that can fire without quotes, then CONTRACTIONS2 (the apostrophe-free ones).
  text = pad_chars(std::move(text), U"»”’");
  S lowered(text);
  for (auto& c : lowered)
    if (c >= 'A' && c <= 'Z') c = static_cast<typename S::value_type>(c + 32);
  static constexpr std::array<std::array<std::u32string_view, 3>, 6> kContractions{{
      {U"can", U"not", U"cannot"}, {U"gim", U"me", U"gimme"}, {U"gon", U"na", U"gonna"},
      {U"got", U"ta", U"gotta"}, {U"lem", U"me", U"lemme"}, {U"wan", U"na", U"wanna"}}};
  for (const auto& [first, second, whole] : kContractions)
    if (contains_word_ignore_case(lowered, whole))
      text = split_contraction(std::move(text), first, second, /*needs_following_space=*/first == U"wan");
  return split_whitespace(text);
}

}  // namespace

std::vector<std::string> nltk_word_tokenize(std::string_view input) {
  if (is_ascii(input)) return word_tokenize(std::string(input));
  return word_tokenize(decode(input));
}

namespace {

template <class S>
std::string to_utf8(const S& text) {
  if constexpr (std::is_same_v<S, std::string>) return text;
  else return encode(text);
}

// process_sql.tokenize up to the "=" merging, on bytes (ASCII input) or code points.
template <class S>
std::vector<std::string> tokenize_values_and_words(S text) {
  for (auto& c : text)
    if (c == '\'') c = '"';
  std::vector<size_t> quotes;
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '"') quotes.push_back(i);
  if (quotes.size() % 2 != 0) fail(ErrorCode::kParse, "AssertionError: Unexpected quote");

  // Replace each quoted value (pairs taken from the end, so earlier offsets stay valid).
  std::unordered_map<std::string, std::string> values;
  for (size_t i = quotes.size(); i >= 2; i -= 2) {
    const size_t first = quotes[i - 2], last = quotes[i - 1];
    std::string key = fmt::format("__val_{}_{}__", first, last);
    values.emplace(key, to_utf8(text.substr(first, last - first + 1)));
    S key_text(key.begin(), key.end());
    text = text.substr(0, first) + key_text + text.substr(last + 1);
  }

  std::vector<std::string> tokens = nltk_word_tokenize(to_utf8(text));
  for (std::string& token : tokens) {
    token = python_lower(token);
    if (auto found = values.find(token); found != values.end()) token = found->second;
  }
  return tokens;
}

}  // namespace

std::vector<std::string> tokenize(std::string_view query) {
  std::vector<std::string> tokens =
      is_ascii(query) ? tokenize_values_and_words(std::string(query)) : tokenize_values_and_words(decode(query));

  // Merge "!", ">", "<" with a following "=" (right to left, as the official loop does; the
  // official code reads toks[-1] for an "=" in first position, a Python negative index).
  std::vector<size_t> equals;
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] == "=") equals.push_back(i);
  for (auto it = equals.rbegin(); it != equals.rend(); ++it) {
    const size_t at = *it;
    const std::string& before = at == 0 ? tokens.back() : tokens[at - 1];
    if (before != "!" && before != ">" && before != "<") continue;
    std::string merged = before + "=";
    if (at == 0) {
      // toks[:-1] + [merged] + toks[1:]
      std::vector<std::string> rebuilt(tokens.begin(), tokens.end() - 1);
      rebuilt.push_back(merged);
      rebuilt.insert(rebuilt.end(), tokens.begin() + 1, tokens.end());
      tokens = std::move(rebuilt);
    } else {
      tokens.erase(tokens.begin() + static_cast<long>(at));
      tokens[at - 1] = merged;
    }
  }
  return tokens;
}

}  // namespace t2sql::spider
