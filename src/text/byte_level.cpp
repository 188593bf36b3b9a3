#include "text/byte_level.hpp"

#include <unordered_map>

namespace t2sql::text {
namespace {

struct ByteTable {
  std::array<std::string, 256> byte_to_text;
  std::array<char32_t, 256> byte_to_code_point{};
  std::unordered_map<char32_t, unsigned char> code_point_to_byte;
  ByteTable() {
    int next_extra = 0;
    for (int byte = 0; byte < 256; ++byte) {
      bool printable = (byte >= 33 && byte <= 126) || (byte >= 161 && byte <= 172) || (byte >= 174 && byte <= 255);
      char32_t code_point = printable ? char32_t(byte) : char32_t(256 + next_extra++);
      byte_to_code_point[byte] = code_point;
      append_utf8(byte_to_text[byte], code_point);
      code_point_to_byte[code_point] = static_cast<unsigned char>(byte);
    }
  }
};

const ByteTable& table() {
  static const ByteTable instance;
  return instance;
}

}  // namespace

const std::string& byte_to_unicode(unsigned char byte) { return table().byte_to_text[byte]; }

std::optional<unsigned char> unicode_to_byte(char32_t code_point) {
  const auto& map = table().code_point_to_byte;
  auto it = map.find(code_point);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

std::string bytes_to_unicode_string(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char byte : text) out += byte_to_unicode(byte);
  return out;
}

char32_t next_code_point(std::string_view text, size_t& offset) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(offset);
  if (lead < 0x80) {
    ++offset;
    return lead;
  }
  int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  char32_t code_point = lead & (0x7F >> length);
  for (int i = 1; i < length && offset + i < text.size(); ++i) code_point = (code_point << 6) | (byte(offset + i) & 0x3F);
  offset += length;
  return code_point;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace t2sql::text
