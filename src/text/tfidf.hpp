// TF-IDF retrieval with scikit-learn's TfidfVectorizer defaults, so few-shot examples match the
// reference pipeline's choices:
//   - lower-case (Unicode), tokens = regex (?u)\b\w\w+\b (two or more word characters),
//   - tf = raw count, idf = ln((1 + n) / (1 + df)) + 1 (smooth_idf), each vector L2-normalised,
//   - similarity = cosine = dot product of the normalised vectors.
// Terms absent from the indexed corpus are ignored in queries, as sklearn's transform() does.
// Search walks an inverted index, so a query costs O(postings of its terms), not O(corpus).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace t2sql {

// Splits text into sklearn's default word tokens (lower-cased).
std::vector<std::string> tfidf_tokens(std::string_view text);

struct TfidfHit {
  int64_t document = 0;  // index in the indexed corpus
  double score = 0.0;    // cosine similarity in [0, 1]
};

class TfidfIndex {
 public:
  // Indexes `documents` (valid UTF-8). An empty corpus is allowed; searches then return nothing.
  explicit TfidfIndex(const std::vector<std::string>& documents);

  // The `k` most similar documents to `query`, best first; ties go to the lower document index.
  // `accept(document)` filters candidates (e.g. exclude the query's own example, keep one database);
  // documents with similarity 0 are never returned.
  std::vector<TfidfHit> search(std::string_view query, size_t k,
                               const std::function<bool(int64_t)>& accept = nullptr) const;

  size_t size() const { return document_count_; }
  size_t vocabulary_size() const { return idf_.size(); }
  // idf of a term, or 0 when the term is not in the vocabulary.
  double idf(const std::string& term) const;

 private:
  struct Posting {
    int32_t document;
    double weight;  // normalised tf-idf of the term in that document
  };
  std::unordered_map<std::string, int32_t> term_ids_;
  std::vector<double> idf_;                       // (terms)
  std::vector<std::vector<Posting>> postings_;    // (terms, documents containing the term)
  size_t document_count_ = 0;
};

}  // namespace t2sql
