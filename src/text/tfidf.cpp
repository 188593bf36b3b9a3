#include "text/tfidf.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cmath>
#include <cwctype>
#include <locale>
#include <memory>
#include <mutex>

#include "common/error.hpp"
#include "common/utf8.hpp"

namespace t2sql {
namespace {

std::vector<char32_t> decode_code_points(std::string_view text) {
  std::vector<char32_t> codes;
  codes.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t length = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (i + length > text.size()) length = text.size() - i;
    char32_t code = length == 1 ? c : c & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < length; ++k) code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    codes.push_back(code);
    i += length;
  }
  return codes;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Python's str.lower(): per code point through the C.UTF-8 locale's wide ctype, plus the one
// context rule Python applies (capital sigma at the end of a word becomes final sigma).
std::string unicode_lower(std::string_view text) {
  static const std::locale utf8_locale = [] {
    try {
      return std::locale("C.UTF-8");
    } catch (const std::exception&) {
      return std::locale::classic();
    }
  }();
  const auto& ctype = std::use_facet<std::ctype<wchar_t>>(utf8_locale);
  const auto is_letter = [&](char32_t code) { return ctype.is(std::ctype_base::alpha, static_cast<wchar_t>(code)); };
  const std::vector<char32_t> codes = decode_code_points(text);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < codes.size(); ++i) {
    char32_t code = codes[i];
    char32_t lower;
    if (code == U'\u03A3' && i > 0 && is_letter(codes[i - 1]) && (i + 1 == codes.size() || !is_letter(codes[i + 1]))) {
      lower = U'\u03C2';
    } else if (code < 0x80) {
      lower = (code >= 'A' && code <= 'Z') ? code + 32 : code;
    } else {
      lower = static_cast<char32_t>(ctype.tolower(static_cast<wchar_t>(code)));
    }
    append_utf8(out, lower);
  }
  return out;
}

// sklearn's default token_pattern, with Unicode word characters.
struct TokenPattern {
  pcre2_code* code = nullptr;
  TokenPattern() {
    int error = 0;
    PCRE2_SIZE offset = 0;
    code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(R"(\b\w\w+\b)"), PCRE2_ZERO_TERMINATED,
                         PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (code == nullptr) fail(ErrorCode::kInternal, "cannot compile the TF-IDF token pattern");
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  }
  ~TokenPattern() { pcre2_code_free(code); }
};

const TokenPattern& token_pattern() {
  static const TokenPattern pattern;
  return pattern;
}

}  // namespace

std::vector<std::string> tfidf_tokens(std::string_view text) {
  const std::string lowered = unicode_lower(sanitize_utf8(text));
  const pcre2_code* code = token_pattern().code;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(code, nullptr), pcre2_match_data_free);
  std::vector<std::string> tokens;
  PCRE2_SIZE start = 0;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(lowered.data());
  while (start <= lowered.size()) {
    int rc = pcre2_match(code, subject, lowered.size(), start, 0, match.get(), nullptr);
    if (rc < 0) break;
    PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    tokens.emplace_back(lowered.substr(ovector[0], ovector[1] - ovector[0]));
    start = ovector[1] > ovector[0] ? ovector[1] : ovector[1] + 1;
  }
  return tokens;
}

TfidfIndex::TfidfIndex(const std::vector<std::string>& documents) : document_count_(documents.size()) {
  // Pass 1: term counts per document, document frequencies.
  std::vector<std::vector<std::pair<int32_t, int32_t>>> counts(documents.size());  // (doc, (term, tf))
  std::vector<int32_t> document_frequency;
  for (size_t d = 0; d < documents.size(); ++d) {
    std::unordered_map<int32_t, int32_t> tf;
    for (std::string& token : tfidf_tokens(documents[d])) {
      auto [it, inserted] = term_ids_.try_emplace(std::move(token), static_cast<int32_t>(term_ids_.size()));
      if (inserted) document_frequency.push_back(0);
      ++tf[it->second];
    }
    for (auto [term, n] : tf) ++document_frequency[term];
    counts[d].assign(tf.begin(), tf.end());
  }
  const double n = static_cast<double>(documents.size());
  idf_.resize(document_frequency.size());
  for (size_t t = 0; t < idf_.size(); ++t) idf_[t] = std::log((1.0 + n) / (1.0 + document_frequency[t])) + 1.0;
  // Pass 2: normalised weights into the inverted index.
  postings_.resize(idf_.size());
  for (size_t d = 0; d < counts.size(); ++d) {
    double norm = 0;
    for (auto [term, tf] : counts[d]) norm += std::pow(tf * idf_[term], 2);
    norm = std::sqrt(norm);
    if (norm == 0) continue;
    for (auto [term, tf] : counts[d])
      postings_[term].push_back({static_cast<int32_t>(d), tf * idf_[term] / norm});
  }
}

double TfidfIndex::idf(const std::string& term) const {
  auto it = term_ids_.find(term);
  return it == term_ids_.end() ? 0.0 : idf_[it->second];
}

std::vector<TfidfHit> TfidfIndex::search(std::string_view query, size_t k,
                                         const std::function<bool(int64_t)>& accept) const {
  std::unordered_map<int32_t, double> query_tf;
  for (const std::string& token : tfidf_tokens(query)) {
    auto it = term_ids_.find(token);
    if (it != term_ids_.end()) query_tf[it->second] += 1.0;
  }
  double norm = 0;
  for (auto& [term, tf] : query_tf) {
    tf *= idf_[term];
    norm += tf * tf;
  }
  if (norm == 0 || k == 0) return {};
  norm = std::sqrt(norm);
  std::unordered_map<int32_t, double> scores;
  for (auto [term, weight] : query_tf)
    for (const Posting& posting : postings_[term]) scores[posting.document] += weight / norm * posting.weight;
  std::vector<TfidfHit> hits;
  hits.reserve(scores.size());
  for (auto [document, score] : scores)
    if (score > 0 && (!accept || accept(document))) hits.push_back({document, score});
  auto better = [](const TfidfHit& a, const TfidfHit& b) {
    return a.score != b.score ? a.score > b.score : a.document < b.document;
  };
  if (hits.size() > k) {
    std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(k), hits.end(), better);
    hits.resize(k);
  } else {
    std::sort(hits.begin(), hits.end(), better);
  }
  return hits;
}

}  // namespace t2sql
