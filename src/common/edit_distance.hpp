// Edit (Levenshtein) distance and the nearest-name lookup that error messages use to suggest a
// valid key ("did you mean ...?") and that SQL post-processing uses to mend unknown names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace t2sql {

// Insertions, deletions and substitutions (each costing 1) that turn `a` into `b`, byte by byte.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` by edit_distance, the first one on a tie ("" when `candidates`
// is empty).
std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace t2sql
