// Edit distance and the nearest-name suggestion behind "did you mean ...?" errors.
#include "common/edit_distance.hpp"

#include <gtest/gtest.h>

namespace t2sql {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance("singers", "singer"), 1u);
  EXPECT_EQ(edit_distance("Singer", "singer"), 1u);  // bytes: case counts
  EXPECT_EQ(edit_distance("merge_method", "merge_method"), 0u);
}

TEST(EditDistance, IsSymmetric) {
  for (auto [a, b] : {std::pair{"weight", "wieght"}, std::pair{"normalize", "normalise"}, std::pair{"", "x"}}) {
    EXPECT_EQ(edit_distance(a, b), edit_distance(b, a)) << a << " / " << b;
  }
}

TEST(NearestName, PicksTheClosestAndTheFirstOnATie) {
  EXPECT_EQ(nearest_name("merge_methd", {"models", "merge_method", "dtype"}), "merge_method");
  EXPECT_EQ(nearest_name("ab", {"ax", "xb"}), "ax");
  EXPECT_EQ(nearest_name("anything", {}), "");
}

}  // namespace
}  // namespace t2sql
