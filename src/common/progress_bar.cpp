// See progress_bar.hpp.

#include "common/progress_bar.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace somna {

namespace {
constexpr int kWidth = 30;
}

ProgressBar::ProgressBar(bool enabled, std::string label)
    : enabled_(enabled), label_(std::move(label)) {}

ProgressBar::~ProgressBar() {
  done();
}

void ProgressBar::set(double fraction, const std::string& status) {
  if (!enabled_ || finished_) return;
  const int pct = static_cast<int>(std::lround(100 * std::clamp(fraction, 0.0, 1.0)));
  const int filled = pct * kWidth / 100;
  std::string line = fmt::format("{}{}[{}{}] {:3d}% {:<12}", label_, label_.empty() ? "" : " ",
                                 std::string(size_t(filled), '#'),
                                 std::string(size_t(kWidth - filled), ' '), pct, status);
  if (line == shown_) return;
  std::cerr << '\r' << line << std::flush;
  shown_ = std::move(line);
}

void ProgressBar::done() {
  if (!enabled_ || finished_) return;
  set(1.0, "done");
  std::cerr << "\n";
  finished_ = true;
}

void ProgressBar::finish(const std::string& line) {
  if (!enabled_ || finished_) return;
  // Pad over what the bar drew, so that no tail of it stays on the line.
  const size_t pad = shown_.size() > line.size() ? shown_.size() - line.size() : 0;
  std::cerr << '\r' << line << std::string(pad, ' ') << "\n";
  finished_ = true;
}

}  // namespace somna
