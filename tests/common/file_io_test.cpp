#include "common/file_io.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/utf8.hpp"

namespace t2sql {
namespace {
namespace fs = std::filesystem;

// A fresh folder per test, removed when the test ends.
class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("t2sql-test-" + std::to_string(::getpid()))) {
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST(FileIo, MissingFileIsNotFound) {
  try {
    read_file("/nonexistent/t2sql/file.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/t2sql/file.json"), std::string::npos);
  }
}

TEST(FileIo, AtomicWriteReplacesWholeFile) {
  TempDir dir;
  fs::path file = dir.path() / "atomic.txt";
  write_file_atomic(file, "first version, long");
  write_file_atomic(file, "second");
  EXPECT_EQ(read_file(file), "second");
  for (const auto& entry : fs::directory_iterator(file.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << "temporary file left behind";
}

TEST(FileIo, MalformedJsonNamesLineAndColumn) {
  try {
    parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "broken.json");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kParse);
    std::string message = e.what();
    EXPECT_NE(message.find("broken.json"), std::string::npos) << message;
    EXPECT_NE(message.find("line 3"), std::string::npos) << message;
    EXPECT_NE(message.find("column 8"), std::string::npos) << message;
  }
}

TEST(FileIo, SplitLinesDropsCarriageReturns) {
  auto lines = split_lines("a\r\nb\n\nc");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "a");
  EXPECT_EQ(lines[2], "");
  EXPECT_EQ(lines[3], "c");
}

TEST(Utf8, FindsInvalidBytes) {
  EXPECT_FALSE(find_invalid_utf8("plain ascii, café, 日本語, 👩‍💻").has_value());
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(find_invalid_utf8("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(find_invalid_utf8("x\xed\xa0\x80"), 1u);     // surrogate
  EXPECT_EQ(find_invalid_utf8("\xe6\x97"), 0u);          // truncated
  EXPECT_EQ(sanitize_utf8("a\xffz"), "a\xEF\xBF\xBDz");
  EXPECT_THROW(require_utf8("\xff", "question"), Error);
}

}  // namespace
// Every element of the list is found, with the string value of its own "db_id" member only: a
// nested "db_id", a "db_id" that is a value, escaped quotes and brackets inside strings do not count.
TEST(JsonIndex, FindsElementsAndTheirKeyValue) {
  const std::string text = R"( [ {"a": [1, {"db_id": "nested"}], "db_id" : "first"},
    {"name": "db_id", "db_id": "say \"hi\" ]}"},
    {"db_id": 3}, [ "db_id", "x" ], "plain", {"db_id": "a", "db_id": null}, {"db\u005fid": "esc"} ] )";
  const std::vector<JsonArrayElement> elements = index_json_array(text, "db_id", "t.json");
  ASSERT_EQ(elements.size(), 7u);
  EXPECT_EQ(elements[0].text, R"({"a": [1, {"db_id": "nested"}], "db_id" : "first"})");
  ASSERT_TRUE(elements[0].key_value);
  EXPECT_EQ(*elements[0].key_value, "\"first\"");
  ASSERT_TRUE(elements[1].key_value);
  EXPECT_EQ(parse_json(*elements[1].key_value, "t").get<std::string>(), "say \"hi\" ]}");
  EXPECT_FALSE(elements[2].key_value);  // not a string
  EXPECT_FALSE(elements[3].key_value);  // not an object
  EXPECT_EQ(elements[4].text, "\"plain\"");
  EXPECT_FALSE(elements[5].key_value);  // the last of repeated keys counts, as in nlohmann
  ASSERT_TRUE(elements[6].key_value);   // an escaped key means what it decodes to
  EXPECT_EQ(*elements[6].key_value, "\"esc\"");
  for (const auto& element : elements) EXPECT_NO_THROW(parse_json(element.text, "t"));
  EXPECT_TRUE(index_json_array(" [ ] ", "db_id", "t").empty());
  EXPECT_EQ(index_json_array("\xEF\xBB\xBF[1]", "db_id", "t").size(), 1u);  // byte order mark
}

TEST(JsonIndex, BrokenStructureNamesTheFileAndPlace) {
  auto error_of = [](const std::string& text) {
    try {
      index_json_array(text, "db_id", "tables.json");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kParse);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(R"({"db_id": "x"})").find("expected a JSON list"), std::string::npos);
  EXPECT_NE(error_of("[{\"db_id\": \"x\"}, {\"db_id\": \"y").find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of(R"([{"db_id": "x"}, {"a": [1, 2}])").find("unexpected '}'"), std::string::npos);
  EXPECT_NE(error_of(R"([{"db_id": "x"})").find("the list is not closed"), std::string::npos);
  EXPECT_NE(error_of(R"([{"db_id": "x"},])").find("expected a value"), std::string::npos);
  EXPECT_NE(error_of("[1]\n[2]").find("line 2, column 1: unexpected text after the list"), std::string::npos);
  EXPECT_NE(error_of("").find("tables.json"), std::string::npos);
}

}  // namespace t2sql
