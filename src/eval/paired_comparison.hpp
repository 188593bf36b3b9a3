// Paired comparison of two evaluations of the same gold file (`t2sql compare`). On Spider dev a
// model at 15% EX has a standard error of about 1.1 points, so two models a point apart can be
// the same model; what tells them apart is how many examples each gets right that the other gets
// wrong. McNemar's exact test on those two counts (a two-sided binomial test with p = 1/2) says
// how often a difference at least that large comes from chance alone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace t2sql::eval {

enum class PairedMetric { kExec, kExact };

struct PairedCounts {
  std::string group;       // hardness level, or "all"
  int64_t total = 0;
  int64_t both = 0;        // right in both runs
  int64_t base_only = 0;   // right in the base run only
  int64_t new_only = 0;    // right in the new run only
  double base_accuracy() const { return total ? static_cast<double>(both + base_only) / total : 0.0; }
  double new_accuracy() const { return total ? static_cast<double>(both + new_only) / total : 0.0; }
  // The new run's accuracy minus the base run's, and the half-width of its 95% interval (normal
  // approximation for paired proportions).
  double difference() const;
  double interval_half_width() const;
  // McNemar's exact two-sided p-value on (base_only, new_only).
  double p_value() const;
};

// Per hardness (easy, medium, hard, extra, then "all"), groups without examples left out.
std::vector<PairedCounts> compare_eval_results(const std::filesystem::path& base,
                                               const std::filesystem::path& candidate, PairedMetric metric);

// Two-sided exact binomial test of k successes against n - k at p = 1/2: min(1, 2 P(X <= min)).
double mcnemar_exact_p(int64_t base_only, int64_t new_only);

std::string format_comparison(const std::vector<PairedCounts>& counts, PairedMetric metric);
std::string comparison_to_json(const std::vector<PairedCounts>& counts, PairedMetric metric);

}  // namespace t2sql::eval
