#include "sql/result_format.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace t2sql {
namespace {

QueryResult sample() {
  QueryResult result;
  result.columns = {"name", "age"};
  result.rows = {{std::string("Joe Sharp"), int64_t{52}}, {std::string("Timbaland"), std::monostate{}},
                 {std::string("a\nb"), 2.5}};
  return result;
}

TEST(ResultFormat, AlignedTableWithRowCount) {
  std::string table = format_result_table(sample());
  EXPECT_EQ(table,
            "name      | age\n"
            "----------+-----\n"
            "Joe Sharp | 52\n"
            "Timbaland | NULL\n"
            "a b       | 2.5\n"
            "3 rows\n");
}

TEST(ResultFormat, CutsRowsAndLongCells) {
  QueryResult result = sample();
  std::string table = format_result_table(result, 1, 5);
  EXPECT_NE(table.find("Joe …"), std::string::npos) << table;
  EXPECT_NE(table.find("(2 more rows)"), std::string::npos);
  EXPECT_NE(table.find("3 rows"), std::string::npos);
}

TEST(ResultFormat, JsonKeepsTypes) {
  nlohmann::json json = result_to_json(sample());
  EXPECT_EQ(json["columns"][1], "age");
  EXPECT_EQ(json["rows"][0][1], 52);
  EXPECT_TRUE(json["rows"][1][1].is_null());
  EXPECT_DOUBLE_EQ(json["rows"][2][1].get<double>(), 2.5);
}

}  // namespace
}  // namespace t2sql
