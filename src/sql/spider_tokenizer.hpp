// The tokenizer of the official Spider `process_sql.py` (`tokenize`), reproduced rule for rule:
//  1. every ' becomes ", and each pair of " (taken from the end) is replaced by a placeholder so a
//     quoted value stays one token (an odd number of quotes fails: "Unexpected quote");
//  2. the rest is split by NLTK's word tokenizer (NLTKWordTokenizer of NLTK 3.8, the rules that can
//     fire on quote-free text: punctuation padding, final period, commas/colons not before a
//     digit, brackets, "--", "cannot"/"gonna"-style contractions), each token lower-cased;
//  3. placeholders are replaced by the original quoted text (original case, " quotes);
//  4. "!", ">", "<" followed by a "=" token are merged into "!=", ">=", "<=".
// Note what NLTK does NOT split: "=" and "-" are never padded, so `a=1` is one token, exactly as
// the official evaluator sees it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace t2sql::spider {

// Tokens of `query` as official `tokenize(query)` returns them. Throws Error(kParse) with
// "AssertionError: Unexpected quote" when the quotes are unbalanced.
std::vector<std::string> tokenize(std::string_view query);

// NLTKWordTokenizer().tokenize(text) for text without quote characters (step 2 above, without
// lower-casing). Exposed for tests.
std::vector<std::string> nltk_word_tokenize(std::string_view text);

// Python's str.lower() for the scripts t2sql meets (ASCII, Latin-1, Latin Extended-A, Greek,
// Cyrillic); other code points are left as they are.
std::string python_lower(std::string_view text);

// Python's str.strip(): removes leading and trailing Unicode whitespace.
std::string python_strip(std::string_view text);

}  // namespace t2sql::spider
