// libFuzzer target for index_json_array (the structural index that lets `t2sql eval` parse only
// the tables.json entries it needs). Any input either indexes or throws t2sql::Error; when
// nlohmann accepts the input as a list, the index must agree with it element by element, and the
// key value found must be the element's own string "db_id" member.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/error.hpp"
#include "common/file_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<t2sql::JsonArrayElement> elements;
  bool indexed = true;
  try {
    elements = t2sql::index_json_array(text, "db_id", "fuzz.json");
  } catch (const t2sql::Error&) {
    indexed = false;
  }
  // nlohmann takes a NUL byte for the end of input and ignores what follows; the index does not.
  if (text.find('\0') != std::string_view::npos) return 0;
  const nlohmann::json whole = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (whole.is_discarded() || !whole.is_array()) return 0;
  if (!indexed || elements.size() != whole.size()) std::abort();
  for (size_t i = 0; i < elements.size(); ++i) {
    const nlohmann::json element = nlohmann::json::parse(elements[i].text, nullptr, false);
    if (element != whole[i]) std::abort();
    const bool has_id = whole[i].is_object() && whole[i].contains("db_id") && whole[i]["db_id"].is_string();
    if (has_id != elements[i].key_value.has_value()) std::abort();
    if (has_id && nlohmann::json::parse(*elements[i].key_value) != whole[i]["db_id"]) std::abort();
  }
  return 0;
}
