// A terminal progress bar for long work: count / total, rate, ETA and free-form fields
// (loss, lr, tokens/s). Draws on stderr only when stderr is a terminal (or when forced), at most
// ~10 times a second, so it costs nothing inside tight loops and never pollutes piped output.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace t2sql {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Advances by `n` items; `fields` is shown after the counters (e.g. "loss 1.23 lr 2e-4").
  void advance(int64_t n = 1, const std::string& fields = "");
  void set_fields(const std::string& fields);
  // Draws the final state and moves to a new line.
  void finish();

  int64_t done() const { return done_; }
  double elapsed_seconds() const;

  // Forces drawing on (tests, logs) or off regardless of the terminal.
  static void force_enabled(bool enabled);

 private:
  void draw(bool final);

  std::string label_;
  int64_t total_;
  int64_t done_ = 0;
  bool enabled_;
  bool finished_ = false;
  std::string fields_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

// Formats a duration in seconds as "1h02m", "3m05s" or "12.3s".
std::string format_duration(double seconds);

}  // namespace t2sql
