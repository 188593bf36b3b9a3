// Query results as a person or a script reads them: an aligned text table (ask, demo) and JSON.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstddef>
#include <string>

#include "sql/sandbox.hpp"

namespace t2sql {

// An aligned table with a header row; at most `max_rows` rows, then "(N more rows)". Cells are cut
// at `max_cell_chars` (on a UTF-8 boundary) and control characters are shown as spaces.
std::string format_result_table(const QueryResult& result, size_t max_rows = 20, size_t max_cell_chars = 40);

// {"columns": [...], "rows": [[...], ...]} with JSON numbers, strings and nulls (blobs as hex strings).
nlohmann::json result_to_json(const QueryResult& result);

}  // namespace t2sql
