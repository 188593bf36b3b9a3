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
}  // namespace t2sql
