#include "eval/paired_comparison.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/file_io.hpp"

namespace t2sql::eval {
namespace {

struct Verdict {
  std::string db_id;
  std::string hardness;
  bool right = false;
};

const char* metric_key(PairedMetric metric) { return metric == PairedMetric::kExec ? "exec" : "exact"; }

// The verdicts of one `t2sql eval --json` file, by its "line" field.
std::map<int64_t, Verdict> read_verdicts(const std::filesystem::path& path, PairedMetric metric) {
  std::map<int64_t, Verdict> verdicts;
  const char* key = metric_key(metric);
  for_each_jsonl_record(path, [&](const nlohmann::json& record, int line) {
    auto field = [&](const char* name) -> const nlohmann::json& {
      if (!record.is_object() || !record.contains(name))
        fail(ErrorCode::kParse, "{}:{}: no \"{}\" field (is this a `t2sql eval --json` file{}?)", path.string(), line,
             name, std::string_view(name) == "exec" ? " written with --etype all or exec" : "");
      return record.at(name);
    };
    const nlohmann::json& example = field("line");
    const nlohmann::json& score = field(key);
    if (!example.is_number_integer() || !score.is_number() || !field("hardness").is_string() ||
        !field("db_id").is_string())
      fail(ErrorCode::kParse, "{}:{}: \"line\" must be an integer, \"{}\" a number, \"hardness\" and \"db_id\" text",
           path.string(), line, key);
    Verdict verdict{field("db_id").get<std::string>(), field("hardness").get<std::string>(), score.get<double>() >= 1.0};
    if (!verdicts.emplace(example.get<int64_t>(), std::move(verdict)).second)
      fail(ErrorCode::kParse, "{}:{}: example {} appears twice", path.string(), line, example.get<int64_t>());
  });
  if (verdicts.empty()) fail(ErrorCode::kParse, "{}: no per-example results", path.string());
  return verdicts;
}

// log C(n, k)
double log_choose(int64_t n, int64_t k) {
  return std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(k) + 1) -
         std::lgamma(static_cast<double>(n - k) + 1);
}

}  // namespace

double mcnemar_exact_p(int64_t base_only, int64_t new_only) {
  const int64_t n = base_only + new_only;
  if (n == 0) return 1.0;
  const int64_t k = std::min(base_only, new_only);
  double tail = 0.0;
  for (int64_t i = 0; i <= k; ++i) tail += std::exp(log_choose(n, i) - static_cast<double>(n) * std::log(2.0));
  return std::min(1.0, 2.0 * tail);
}

double PairedCounts::difference() const { return new_accuracy() - base_accuracy(); }

double PairedCounts::interval_half_width() const {
  if (total == 0) return 0.0;
  const double n = static_cast<double>(total);
  const double discordant = static_cast<double>(base_only + new_only);
  const double d = static_cast<double>(new_only - base_only);
  return 1.96 * std::sqrt(std::max(0.0, discordant - d * d / n)) / n;
}

double PairedCounts::p_value() const { return mcnemar_exact_p(base_only, new_only); }

std::vector<PairedCounts> compare_eval_results(const std::filesystem::path& base,
                                               const std::filesystem::path& candidate, PairedMetric metric) {
  const std::map<int64_t, Verdict> a = read_verdicts(base, metric);
  const std::map<int64_t, Verdict> b = read_verdicts(candidate, metric);
  if (a.size() != b.size())
    fail(ErrorCode::kInvalidArgument, "{} has {} examples and {} has {}: compare evaluations of the same gold file",
         base.string(), a.size(), candidate.string(), b.size());
  static const char* kGroups[] = {"easy", "medium", "hard", "extra", "all"};
  std::vector<PairedCounts> counts;
  for (const char* group : kGroups) counts.push_back(PairedCounts{group});
  for (const auto& [line, left] : a) {
    auto found = b.find(line);
    if (found == b.end())
      fail(ErrorCode::kInvalidArgument, "example {} of {} is not in {}: compare evaluations of the same gold file",
           line, base.string(), candidate.string());
    const Verdict& right = found->second;
    if (left.db_id != right.db_id || left.hardness != right.hardness)
      fail(ErrorCode::kInvalidArgument, "example {} is on {} ({}) in {} but on {} ({}) in {}: not the same gold file",
           line, left.db_id, left.hardness, base.string(), right.db_id, right.hardness, candidate.string());
    for (PairedCounts& group : counts) {
      if (group.group != left.hardness && group.group != "all") continue;
      ++group.total;
      if (left.right && right.right) ++group.both;
      else if (left.right) ++group.base_only;
      else if (right.right) ++group.new_only;
    }
  }
  std::erase_if(counts, [](const PairedCounts& group) { return group.total == 0; });
  return counts;
}

std::string format_comparison(const std::vector<PairedCounts>& counts, PairedMetric metric) {
  std::string out = fmt::format("paired comparison of {} (new minus base), McNemar's exact test\n",
                                metric == PairedMetric::kExec ? "execution accuracy" : "exact-set match");
  out += fmt::format("{:<8} {:>6} {:>8} {:>8} {:>18} {:>10} {:>9} {:>8}\n", "", "count", "base", "new",
                     "difference (95%)", "base only", "new only", "p");
  for (const PairedCounts& group : counts)
    out += fmt::format("{:<8} {:>6} {:>7.1f}% {:>7.1f}% {:>+8.1f} ± {:<7.1f} {:>10} {:>9} {:>8.3f}\n", group.group,
                       group.total, 100 * group.base_accuracy(), 100 * group.new_accuracy(), 100 * group.difference(),
                       100 * group.interval_half_width(), group.base_only, group.new_only, group.p_value());
  return out;
}

std::string comparison_to_json(const std::vector<PairedCounts>& counts, PairedMetric metric) {
  nlohmann::json groups = nlohmann::json::array();
  for (const PairedCounts& group : counts)
    groups.push_back({{"group", group.group},
                      {"count", group.total},
                      {"base_accuracy", group.base_accuracy()},
                      {"new_accuracy", group.new_accuracy()},
                      {"difference", group.difference()},
                      {"interval_half_width", group.interval_half_width()},
                      {"both_right", group.both},
                      {"base_only", group.base_only},
                      {"new_only", group.new_only},
                      {"p_value", group.p_value()}});
  return nlohmann::json{{"metric", metric_key(metric)}, {"groups", groups}}.dump(2) + "\n";
}

}  // namespace t2sql::eval
