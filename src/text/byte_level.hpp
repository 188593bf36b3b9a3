// The GPT-2 byte <-> unicode table of byte-level BPE: every byte maps to one printable character
// (printable Latin-1 bytes to themselves, the others to U+0100 and up, in byte order), so that
// vocabulary entries are printable strings ("Ġ" is the space byte 0x20).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace t2sql::text {

// UTF-8 of the character that stands for `byte` in byte-level vocabularies.
const std::string& byte_to_unicode(unsigned char byte);

// The byte a character stands for, or nullopt when `code_point` is not in the table.
std::optional<unsigned char> unicode_to_byte(char32_t code_point);

// Maps every byte of `text` to its character: "a b" -> "aĠb".
std::string bytes_to_unicode_string(std::string_view text);

// Decodes the next UTF-8 character of valid UTF-8 `text` at `offset`; advances `offset`.
char32_t next_code_point(std::string_view text, size_t& offset);

// Appends the UTF-8 encoding of `code_point` to `out`.
void append_utf8(std::string& out, char32_t code_point);

}  // namespace t2sql::text
