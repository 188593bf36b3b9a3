// UTF-8 validation: user text (questions, SQL, files) must be valid UTF-8 before it reaches a
// tokenizer or a prompt; errors name the byte offset.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace t2sql {

// Returns the byte offset of the first invalid sequence, or nullopt when `text` is valid UTF-8.
std::optional<size_t> find_invalid_utf8(std::string_view text);

// Throws Error(kInvalidArgument) naming `what` and the offset when `text` is not valid UTF-8.
void require_utf8(std::string_view text, std::string_view what);

// Replaces every invalid sequence with U+FFFD.
std::string sanitize_utf8(std::string_view text);

}  // namespace t2sql
