#include "text/streaming_decoder.hpp"

#include "common/utf8.hpp"

namespace t2sql::text {

size_t complete_utf8_prefix(std::string_view bytes) {
  // Look back at most 3 bytes for the lead byte of a sequence that is cut short.
  size_t n = bytes.size();
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    unsigned char c = static_cast<unsigned char>(bytes[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking for the lead
    size_t need = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 1;
    if (need > back) {
      // Cut short only if what is there so far could still become valid.
      std::string_view tail = bytes.substr(n - back);
      std::string probe(tail);
      // Complete it with the smallest continuation that keeps it valid and test.
      static const char* fillers[] = {"", "\x80", "\x80\x80", "\x80\x80\x80"};
      for (const char* second : {"\x80", "\x90", "\xA0"}) {
        std::string attempt = probe;
        if (attempt.size() == 1) attempt += second;
        attempt += fillers[need - attempt.size()];
        if (!find_invalid_utf8(attempt)) return n - back;
      }
    }
    return n;
  }
  return n;
}

std::string StreamingDecoder::push(TokenId id) {
  window_.push_back(id);
  std::string bytes = tokenizer_.decode_bytes(window_, skip_special_);
  if (bytes.size() < emitted_bytes_) {
    // The decoder changed text already printed (cannot happen for the supported decoders); print
    // nothing rather than something inconsistent, and resynchronise.
    emitted_bytes_ = bytes.size();
  }
  size_t complete = complete_utf8_prefix(bytes);
  if (complete < emitted_bytes_) complete = emitted_bytes_;
  std::string out = sanitize_utf8(std::string_view(bytes).substr(emitted_bytes_, complete - emitted_bytes_));
  emitted_bytes_ = complete;
  started_ = true;
  if (complete == bytes.size()) {
    // Everything printed: keep only the last token as context for the next one. When the window
    // starts the stream, its first decode may differ (e.g. a stripped leading space), so the
    // context is re-decoded with the same rule it will be decoded with next time.
    TokenId last = window_.back();
    window_.assign(1, last);
    context_tokens_ = 1;
    emitted_bytes_ = tokenizer_.decode_bytes(window_, skip_special_).size();
  }
  return out;
}

std::string StreamingDecoder::finish() {
  std::string bytes = tokenizer_.decode_bytes(window_, skip_special_);
  std::string out = emitted_bytes_ < bytes.size() ? sanitize_utf8(std::string_view(bytes).substr(emitted_bytes_)) : "";
  window_.clear();
  context_tokens_ = 0;
  emitted_bytes_ = 0;
  return out;
}

}  // namespace t2sql::text
