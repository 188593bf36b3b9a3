// Conformance with the official Spider evaluator: every example of the reference sets
// (tests/fixtures/spider_eval, verdicts recorded from the unmodified official scripts) must get
// the same hardness, parse outcome, exact match, execution match and partial component scores,
// and the printed output must be byte-identical to the official stdout.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/file_io.hpp"
#include "common/paths.hpp"
#include "eval/evaluator.hpp"

namespace t2sql::eval {
namespace {
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(T2SQL_TEST_FIXTURES) / "spider_eval";

struct Reference {
  ExampleInput input;
  nlohmann::json record;
};

std::vector<Reference> load_references(const std::string& name) {
  std::vector<Reference> references;
  for_each_jsonl_record(kFixtures / name, [&](const nlohmann::json& record, int) {
    Reference reference;
    reference.input.gold = record.at("gold").get<std::string>();
    reference.input.pred = record.at("pred").get<std::string>();
    reference.input.db_id = record.at("db_id").get<std::string>();
    reference.record = record;
    references.push_back(std::move(reference));
  });
  return references;
}

// Compares every recorded field; returns the number of disagreeing examples and prints them.
int count_disagreements(const std::vector<Reference>& references, const std::vector<ExampleResult>& results,
                        std::map<std::string, int>& per_field) {
  int disagreeing = 0;
  for (size_t i = 0; i < references.size(); ++i) {
    const nlohmann::json& expected = references[i].record;
    const ExampleResult& actual = results[i];
    std::vector<std::string> fields;
    if (expected.at("hardness").get<std::string>() != hardness_name(actual.hardness)) fields.push_back("hardness");
    if (expected.at("pred_parse_ok").get<int>() != (actual.pred_parse_ok ? 1 : 0)) fields.push_back("pred_parse_ok");
    if (expected.at("exact_match").get<int>() != (actual.exact ? 1 : 0)) fields.push_back("exact_match");
    if (expected.at("exec_match").get<int>() != static_cast<int>(actual.exec)) fields.push_back("exec_match");
    for (size_t c = 0; c < kPartialComponents.size(); ++c) {
      const auto& component = expected.at("partial").at(std::string(kPartialComponents[c]));
      const ComponentScore& score = actual.partial[c];
      const ComponentScore want{component.at("acc").get<int>(), component.at("rec").get<int>(),
                                component.at("f1").get<int>(), component.at("label_total").get<int>(),
                                component.at("pred_total").get<int>()};
      if (!(want == score)) fields.push_back("partial." + std::string(kPartialComponents[c]));
    }
    if (fields.empty()) continue;
    ++disagreeing;
    std::string joined;
    for (const auto& field : fields) {
      ++per_field[field];
      joined += field + " ";
    }
    if (disagreeing <= 15)
      ADD_FAILURE() << "index " << expected.at("index") << " differs in: " << joined << "\n  gold: " << actual.gold
                    << "\n  pred: " << actual.pred << "\n  parse: " << actual.pred_parse_error
                    << "\n  exec reason: " << actual.exec_reason;
  }
  return disagreeing;
}

std::vector<ExampleResult> evaluate_references(const std::vector<Reference>& references) {
  EvalContext context(default_spider_dir() / "database", default_spider_dir() / "tables.json");
  std::vector<ExampleInput> inputs;
  for (const auto& reference : references) inputs.push_back(reference.input);
  return evaluate_all(inputs, context, EvalOptions{}, 2);
}

void check_set(const std::string& name, const std::string& stdout_file) {
  const auto references = load_references(name);
  ASSERT_FALSE(references.empty());
  const auto results = evaluate_references(references);
  std::map<std::string, int> per_field;
  const int disagreeing = count_disagreements(references, results, per_field);
  std::string summary;
  for (const auto& [field, count] : per_field) summary += field + "=" + std::to_string(count) + " ";
  std::printf("[conformance] %s: %zu/%zu examples agree on every field %s\n", name.c_str(),
              references.size() - static_cast<size_t>(disagreeing), references.size(), summary.c_str());
  EXPECT_EQ(disagreeing, 0) << summary;

  // The official stdout (file-level run: records with in_file_run = 1, in order).
  std::vector<ExampleResult> file_run;
  for (size_t i = 0; i < references.size(); ++i)
    if (references[i].record.value("in_file_run", 1) == 1) file_run.push_back(results[i]);
  const std::string expected = read_file(kFixtures / stdout_file);
  const std::string actual = format_report(file_run, EvalType::kAll, /*per_example_lines=*/true);
  EXPECT_EQ(actual, expected) << "printed output differs from the official stdout " << stdout_file;
}

// Test-suite execution (exec_eval.py, single database per db_id), with or without --plug-value.
void check_test_suite(const std::string& name, bool plug_value) {
  const char* field = plug_value ? "ts_exec_plug_value" : "ts_exec_no_plug";
  const auto references = load_references(name);
  EvalContext context(default_spider_dir() / "database", default_spider_dir() / "tables.json");
  std::vector<ExampleInput> inputs;
  for (const auto& reference : references) inputs.push_back(reference.input);
  EvalOptions options;
  options.etype = EvalType::kExec;
  options.exec_rule = ExecRule::kTestSuite;
  options.plug_value = plug_value;
  const auto results = evaluate_all(inputs, context, options, 2);
  int disagreeing = 0;
  for (size_t i = 0; i < references.size(); ++i) {
    const auto& expected = references[i].record.at(field);
    const int want = expected.is_null() ? 0 : expected.get<int>();  // null: the official code raised
    if (want == static_cast<int>(results[i].exec)) continue;
    if (++disagreeing <= 15)
      ADD_FAILURE() << "index " << i << " " << field << " " << want << " vs " << results[i].exec
                    << "\n  gold: " << results[i].gold << "\n  pred: " << results[i].pred
                    << "\n  reason: " << results[i].exec_reason;
  }
  std::printf("[conformance] %s %s: %zu/%zu agree\n", name.c_str(), field,
              references.size() - static_cast<size_t>(disagreeing), references.size());
  EXPECT_EQ(disagreeing, 0);
}

TEST(SpiderConformance, TestSuiteWithoutPlugValue) {
  check_test_suite("official_example.jsonl", false);
  check_test_suite("mutations.jsonl", false);
}

TEST(SpiderConformance, TestSuiteWithPlugValue) {
  check_test_suite("official_example.jsonl", true);
  check_test_suite("mutations.jsonl", true);
}

TEST(SpiderConformance, OfficialExamplePredictions) {
  check_set("official_example.jsonl", "official_example_stdout_etype_all.txt");
}

TEST(SpiderConformance, MutatedPredictions) { check_set("mutations.jsonl", "mutations_stdout_etype_all.txt"); }

}  // namespace
}  // namespace t2sql::eval
