// The official Spider exact-set match (`evaluation.py`): hardness of a gold query, the rebuild
// steps that drop values and DISTINCT and map foreign-key columns, the ten partial components
// and exact match. Every function mirrors its official namesake, quirks included (see
// docs/eval.md).
#pragma once

#include <array>
#include <string_view>

#include "eval/foreign_keys.hpp"
#include "sql/spider_parser.hpp"
#include "sql/spider_sql.hpp"

namespace t2sql::eval {

enum class Hardness { kEasy = 0, kMedium = 1, kHard = 2, kExtra = 3 };
std::string_view hardness_name(Hardness hardness);

// `Evaluator.eval_hardness`, on the gold query as parsed (before any rebuild).
Hardness eval_hardness(const spider::SpiderSql& gold);

// The ten partial components, in the official print order.
inline constexpr std::array<std::string_view, 10> kPartialComponents = {
    "select", "select(no AGG)", "where", "where(no OP)", "group(no Having)",
    "group", "order", "and/or", "IUEN", "keywords"};

// One component of `Evaluator.partial_scores` (acc/rec/f1 are 0 or 1). For "and/or" the totals
// are stored as the official code assigns them (swapped on a mismatch).
struct ComponentScore {
  int acc = 0;
  int rec = 0;
  int f1 = 0;
  int label_total = 0;
  int pred_total = 0;
  bool operator==(const ComponentScore&) const = default;
};
using PartialScores = std::array<ComponentScore, 10>;

struct ExactMatchResult {
  bool exact = false;
  PartialScores partial;
};

// `build_valid_col_units` + `rebuild_sql_val` + `rebuild_sql_col`, in place, as the official loop
// applies them to both queries before scoring.
void rebuild_for_evaluation(spider::SpiderSql& sql, const spider::SpiderSchema& schema, const ForeignKeyMap& keys);

// `Evaluator.eval_exact_match(pred, label)` on rebuilt queries. Like the official code it
// consumes label's select list while counting (the label is not reusable afterwards).
ExactMatchResult eval_exact_match(const spider::SpiderSql& pred, spider::SpiderSql& label);

}  // namespace t2sql::eval
