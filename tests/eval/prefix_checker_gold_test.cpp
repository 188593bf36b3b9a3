// Constrained decoding must never block a correct answer: every Spider gold query (dev, train,
// train_others) is a complete query for the prefix checker over its database's tables.json names,
// except one train query that joins a table its database does not have.
#include <gtest/gtest.h>

#include "data/spider_corpus.hpp"
#include "sql/sql_prefix_checker.hpp"

namespace t2sql {
namespace {

TEST(SqlPrefixCheckerOnGold, EverySpiderGoldQueryIsComplete) {
  SpiderCorpus corpus(std::filesystem::path(T2SQL_TEST_SOURCE_DIR) / "data/spider");
  std::map<std::string, SqlPrefixChecker> checkers;
  for (const auto& [db_id, schema] : corpus.table_schemas(SpiderSplit::kDev)) {
    SchemaNames names;
    for (const Table& table : schema.tables) {
      SchemaNames::Table entry{table.name, {}};
      for (const Column& column : table.columns) entry.columns.push_back(column.name);
      names.tables.push_back(std::move(entry));
    }
    checkers.emplace(db_id, SqlPrefixChecker(names));
  }
  size_t checked = 0, failed = 0;
  for (SpiderSplit split : {SpiderSplit::kDev, SpiderSplit::kTrain, SpiderSplit::kTrainOthers}) {
    for (const SpiderExample& example : corpus.examples(split)) {
      PrefixVerdict verdict = checkers.at(example.db_id).check(example.query + " ");
      ++checked;
      // Spider's own error: assets_maintenance has no table Ref_Company_Types.
      if (!verdict.complete && verdict.reason == "no table named 'Ref_Company_Types'") continue;
      if (!verdict.complete) {
        ++failed;
        ADD_FAILURE() << example.db_id << ": " << example.query << " -> " << verdict.reason;
        if (failed > 20) return;
      }
    }
  }
  EXPECT_EQ(checked, 1034u + 7000u + 1659u);
}

}  // namespace
}  // namespace t2sql
