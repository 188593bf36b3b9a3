#include "eval/paired_comparison.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.hpp"

namespace t2sql::eval {
namespace {

namespace fs = std::filesystem;

// Writes per-example lines in the layout of `t2sql eval --json` to a file of the test's own folder.
class PairedComparisonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("t2sql-paired-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  static std::string line(int index, const char* hardness, double exec, int exact, const char* db = "concert_singer") {
    return "{\"db_id\":\"" + std::string(db) + "\",\"exact\":" + std::to_string(exact) + ",\"exec\":" +
           std::to_string(exec) + ",\"hardness\":\"" + hardness + "\",\"line\":" + std::to_string(index) + "}\n";
  }
  fs::path dir_;
};

TEST(McNemar, ExactTwoSidedBinomialValues) {
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_NEAR(mcnemar_exact_p(10, 0), 2.0 / 1024.0, 1e-12);     // 2 * 0.5^10
  EXPECT_NEAR(mcnemar_exact_p(0, 10), 2.0 / 1024.0, 1e-12);     // symmetric
  EXPECT_NEAR(mcnemar_exact_p(5, 15), 0.0413895, 1e-6);          // 2 * P(X <= 5), X ~ B(20, 1/2)
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(7, 7), 1.0);                  // capped at 1
  EXPECT_NEAR(mcnemar_exact_p(400, 500), 0.000966, 2e-5);        // large n stays finite
}

TEST_F(PairedComparisonTest, CountsAgreementByHardnessAndOverall) {
  // 6 examples: easy both right, easy base only, medium new only, medium new only, hard neither,
  // extra both right; the files list them in different orders (pairing is by "line").
  const fs::path base = write("base.jsonl", line(1, "easy", 1, 1) + line(2, "easy", 1, 0) + line(3, "medium", 0, 0) +
                                                line(4, "medium", 0, 1) + line(5, "hard", 0, 0) + line(6, "extra", 1, 1));
  const fs::path candidate = write("new.jsonl", line(6, "extra", 1, 0) + line(5, "hard", 0, 1) + line(4, "medium", 1, 1) +
                                                   line(3, "medium", 1, 0) + line(2, "easy", 0, 0) + line(1, "easy", 1, 1));
  const auto counts = compare_eval_results(base, candidate, PairedMetric::kExec);
  ASSERT_EQ(counts.size(), 5u);
  EXPECT_EQ(counts[0].group, "easy");
  EXPECT_EQ(counts[0].both, 1);
  EXPECT_EQ(counts[0].base_only, 1);
  EXPECT_EQ(counts[1].group, "medium");
  EXPECT_EQ(counts[1].new_only, 2);
  EXPECT_EQ(counts[4].group, "all");
  EXPECT_EQ(counts[4].total, 6);
  EXPECT_EQ(counts[4].both, 2);
  EXPECT_EQ(counts[4].base_only, 1);
  EXPECT_EQ(counts[4].new_only, 2);
  EXPECT_NEAR(counts[4].base_accuracy(), 3.0 / 6, 1e-12);
  EXPECT_NEAR(counts[4].new_accuracy(), 4.0 / 6, 1e-12);
  EXPECT_NEAR(counts[4].difference(), 1.0 / 6, 1e-12);
  // 1.96 * sqrt(b + c - (c - b)^2 / n) / n
  EXPECT_NEAR(counts[4].interval_half_width(), 1.96 * std::sqrt(3.0 - 1.0 / 6) / 6, 1e-12);
  EXPECT_NEAR(counts[4].p_value(), 1.0, 1e-12);
  // The exact-match columns give other counts from the same files.
  const auto exact = compare_eval_results(base, candidate, PairedMetric::kExact);
  EXPECT_EQ(exact.back().base_only, 1);  // line 6
  EXPECT_EQ(exact.back().new_only, 1);   // line 5
  EXPECT_NE(format_comparison(counts, PairedMetric::kExec).find("medium"), std::string::npos);
  EXPECT_NE(comparison_to_json(counts, PairedMetric::kExec).find("\"new_only\": 2"), std::string::npos);
}

TEST_F(PairedComparisonTest, RefusesFilesThatAreNotTheSameGoldFile) {
  const fs::path base = write("base.jsonl", line(1, "easy", 1, 1) + line(2, "easy", 1, 0));
  auto message = [&](const std::string& other, PairedMetric metric = PairedMetric::kExec) {
    try {
      compare_eval_results(base, write("other.jsonl", other), metric);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(message(line(1, "easy", 1, 1)).find("has 2 examples and"), std::string::npos);
  EXPECT_NE(message(line(1, "easy", 1, 1) + line(3, "easy", 1, 1)).find("example 2 of"), std::string::npos);
  EXPECT_NE(message(line(1, "easy", 1, 1) + line(2, "easy", 1, 1, "pets_1")).find("not the same gold file"),
            std::string::npos);
  EXPECT_NE(message(line(1, "easy", 1, 1) + line(1, "easy", 1, 1)).find("appears twice"), std::string::npos);
  EXPECT_NE(message("{\"line\":1,\"exact\":1,\"hardness\":\"easy\",\"db_id\":\"x\"}\n").find("written with --etype all or exec"),
            std::string::npos);
  EXPECT_NE(message("{\"line\":\"1\",\"exec\":1,\"exact\":1,\"hardness\":\"easy\",\"db_id\":\"x\"}\n").find("must be an integer"),
            std::string::npos);
  EXPECT_NE(message("{not json\n").find("other.jsonl"), std::string::npos);
  EXPECT_NE(message("").find("no per-example results"), std::string::npos);
  EXPECT_NE(message("[1]\n").find("no \"line\" field"), std::string::npos);
}

}  // namespace
}  // namespace t2sql::eval
