// PCRE2 regular expressions for tokenizer.json patterns (Split pre-tokenizers, Replace normalizers).
// Patterns compile in UTF mode with Unicode properties (UCP), so \s, \p{L}, \p{N} mean what they
// mean in the Hugging Face tokenizers (Rust) and the JS references; JIT-compiled when the PCRE2
// build supports it. Matching is thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace t2sql::text {

class Pcre2Regex {
 public:
  // Compiles `pattern` (literal text when `literal`); a compile error throws Error(kParse) naming
  // `where` (e.g. "tokenizer.json pre_tokenizer Split") and the offset in the pattern.
  Pcre2Regex(std::string_view pattern, bool literal, std::string_view where);
  ~Pcre2Regex();
  Pcre2Regex(const Pcre2Regex&) = delete;
  Pcre2Regex& operator=(const Pcre2Regex&) = delete;

  // Calls on_match(begin, end) (byte offsets) for every non-overlapping, non-empty match in
  // `text`, left to right. `text` must be valid UTF-8 (the caller checked it once).
  void for_each_match(std::string_view text, const std::function<void(size_t, size_t)>& on_match) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  void* code_ = nullptr;  // pcre2_code_8*
};

}  // namespace t2sql::text
