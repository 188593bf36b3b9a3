// One exception type for every failure t2sql reports to a user.
// The message names the file / line / field at fault; the CLI prints `error: <message>` and exits
// with a non-zero code derived from the ErrorCode.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace t2sql {

enum class ErrorCode {
  kInvalidArgument = 2,  // bad flag, bad value, unknown name
  kNotFound = 3,         // missing file, unknown db_id, unknown table
  kParse = 4,            // malformed JSON / YAML / SQL / tokenizer file
  kIo = 5,               // read or write failure
  kSql = 6,              // SQLite refused or failed
  kCorrupt = 7,          // checksum / header / shape mismatch in a file we wrote or load
  kUnsupported = 8,      // a valid input we do not handle (yet)
  kTimeout = 9,          // a time limit was hit
  kInternal = 10,        // a broken invariant: a bug in t2sql
};

std::string_view error_code_name(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Throws t2sql::Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(ErrorCode code, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(code, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace t2sql
