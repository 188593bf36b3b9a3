// ASCII case folding for SQL identifiers and keywords, which SQLite compares case-insensitively
// for ASCII letters only (bytes >= 0x80 stay as they are, whatever the locale).
#pragma once

#include <string>
#include <string_view>

namespace t2sql {

std::string ascii_lower(std::string_view text);

}  // namespace t2sql
