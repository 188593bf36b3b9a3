#include "common/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace t2sql {
namespace {
std::atomic<int> forced{-1};  // -1: decide from the terminal
}

void ProgressBar::force_enabled(bool enabled) { forced = enabled ? 1 : 0; }

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(total), start_(std::chrono::steady_clock::now()), last_draw_() {
  int f = forced.load();
  enabled_ = enabled && (f == 1 || (f == -1 && isatty(STDERR_FILENO)));
}

ProgressBar::~ProgressBar() {
  if (!finished_ && enabled_) finish();
}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::advance(int64_t n, const std::string& fields) {
  done_ += n;
  if (!fields.empty()) fields_ = fields;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100) && done_ < total_) return;
  last_draw_ = now;
  draw(false);
}

void ProgressBar::set_fields(const std::string& fields) { fields_ = fields; }

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

std::string format_duration(double seconds) {
  if (seconds < 0) seconds = 0;
  if (seconds < 60) return fmt::format("{:.1f}s", seconds);
  auto total = static_cast<int64_t>(seconds + 0.5);
  if (total < 3600) return fmt::format("{}m{:02d}s", total / 60, total % 60);
  return fmt::format("{}h{:02d}m", total / 3600, (total % 3600) / 60);
}

void ProgressBar::draw(bool final) {
  const double elapsed = elapsed_seconds();
  const double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  std::string bar;
  if (total_ > 0) {
    constexpr int kWidth = 24;
    int filled = static_cast<int>(kWidth * std::min<double>(1.0, static_cast<double>(done_) / total_));
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  }
  std::string eta;
  if (total_ > 0 && rate > 0 && !final) eta = " eta " + format_duration((total_ - done_) / rate);
  std::string counts = total_ > 0 ? fmt::format("{}/{}", done_, total_) : fmt::format("{}", done_);
  std::string line = fmt::format("\r{} {}{} {:.1f}/s {}{}{}{}", label_, bar, counts, rate, format_duration(elapsed), eta,
                                 fields_.empty() ? "" : " ", fields_);
  std::fputs(line.c_str(), stderr);
  std::fputs("\x1b[K", stderr);  // clear the rest of the line
  if (final) std::fputc('\n', stderr);
  std::fflush(stderr);
}

}  // namespace t2sql
