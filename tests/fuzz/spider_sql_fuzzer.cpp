// libFuzzer target for everything that reads model-generated SQL text: the Spider tokenizer and
// parser of the evaluator (success or t2sql::Error), the constrained-decoding prefix checker and
// the post-processing (never throw). The schema is concert_singer's, so names resolve and the
// parser gets past the FROM clause.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.hpp"
#include "sql/postprocess.hpp"
#include "sql/spider_parser.hpp"
#include "sql/spider_tokenizer.hpp"
#include "sql/sql_prefix_checker.hpp"

namespace {

const std::vector<std::pair<std::string, std::vector<std::string>>> kTables = {
    {"stadium", {"stadium_id", "location", "name", "capacity", "highest", "lowest", "average"}},
    {"singer", {"singer_id", "name", "country", "song_name", "song_release_year", "age", "is_male"}},
    {"concert", {"concert_id", "concert_name", "theme", "stadium_id", "year"}},
    {"singer_in_concert", {"concert_id", "singer_id"}},
};

const t2sql::spider::SpiderSchema& spider_schema() {
  static const t2sql::spider::SpiderSchema schema = [] {
    std::vector<t2sql::spider::SpiderSchema::Table> tables;
    for (const auto& [name, columns] : kTables) tables.push_back({name, columns});
    return t2sql::spider::SpiderSchema(tables);
  }();
  return schema;
}

const t2sql::SchemaNames& schema_names() {
  static const t2sql::SchemaNames names = [] {
    t2sql::SchemaNames result;
    for (const auto& [name, columns] : kTables) result.tables.push_back({name, columns});
    return result;
  }();
  return names;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    t2sql::spider::parse_spider_sql(spider_schema(), text);
  } catch (const t2sql::Error&) {
  }
  try {
    t2sql::spider::tokenize(text);
  } catch (const t2sql::Error&) {
  }
  static const t2sql::SqlPrefixChecker checker(schema_names());
  checker.check(text);  // documented never to throw
  try {
    t2sql::postprocess_sql(text, schema_names());
  } catch (const t2sql::Error&) {
  }
  return 0;
}
