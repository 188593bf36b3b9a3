// TF-IDF retrieval against scikit-learn's TfidfVectorizer (tools/tfidf/make_fixture.py): same
// tokens, same idf, same top-5 neighbours and cosine scores for 100 dev questions over the 7,000
// train questions.
#include "text/tfidf.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/file_io.hpp"

namespace t2sql {
namespace {

nlohmann::json expected() { return load_json_file(std::string(T2SQL_TEST_FIXTURES) + "/tfidf/expected.json"); }

std::vector<std::string> questions(const std::string& file) {
  std::vector<std::string> out;
  for (const auto& example : load_json_file(std::string(T2SQL_TEST_SOURCE_DIR) + "/data/spider/" + file))
    out.push_back(example.at("question").get<std::string>());
  return out;
}

TEST(Tfidf, TokensMatchSklearnAnalyzer) {
  const nlohmann::json reference = expected();  // keep the document alive while iterating it
  for (const auto& item : reference.at("tokens")) {
    EXPECT_EQ(tfidf_tokens(item.at("text").get<std::string>()), item.at("tokens").get<std::vector<std::string>>())
        << item.at("text");
  }
}

TEST(Tfidf, NeighboursAndScoresMatchSklearn) {
  const nlohmann::json reference = expected();
  const TfidfIndex index(questions("train_spider.json"));
  EXPECT_EQ(index.vocabulary_size(), reference.at("vocabulary_size").get<size_t>());
  for (const auto& [term, idf] : reference.at("idf").items()) EXPECT_NEAR(index.idf(term), idf.get<double>(), 1e-9) << term;
  const std::vector<std::string> dev = questions("dev.json");
  for (const auto& result : reference.at("results")) {
    const int query = result.at("query").get<int>();
    const auto hits = index.search(dev[query], 5);
    const auto& top = result.at("top");
    ASSERT_EQ(hits.size(), top.size()) << dev[query];
    for (size_t i = 0; i < hits.size(); ++i) {
      EXPECT_NEAR(hits[i].score, top[i][1].get<double>(), 1e-6) << dev[query] << " rank " << i;
      // Equal scores may order differently only if sklearn's scores tie at float precision.
      if (i + 1 < hits.size() && std::abs(top[i][1].get<double>() - top[i + 1][1].get<double>()) > 1e-6) {
        EXPECT_EQ(hits[i].document, top[i][0].get<int64_t>()) << dev[query] << " rank " << i;
      }
    }
  }
}

TEST(Tfidf, FilterExcludesDocuments) {
  const TfidfIndex index({"how many singers", "how many singers are there", "list the stadiums"});
  auto all = index.search("how many singers", 3);
  ASSERT_EQ(all.size(), 2u);  // the third shares no term
  EXPECT_EQ(all[0].document, 0);
  EXPECT_NEAR(all[0].score, 1.0, 1e-12);
  auto others = index.search("how many singers", 3, [](int64_t d) { return d != 0; });
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].document, 1);
}

TEST(Tfidf, EmptyInputsReturnNothing) {
  const TfidfIndex empty({});
  EXPECT_TRUE(empty.search("anything", 3).empty());
  const TfidfIndex index({"a b c", "singers"});  // one-letter words are not tokens
  EXPECT_TRUE(index.search("a b", 3).empty());
  EXPECT_TRUE(index.search("unknown words only", 3).empty());
  EXPECT_TRUE(index.search("singers", 0).empty());
  EXPECT_EQ(index.search("\xff\xfe singers", 1).size(), 1u);  // invalid UTF-8 is sanitised, not fatal
}

}  // namespace
}  // namespace t2sql
