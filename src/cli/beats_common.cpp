// See beats_common.hpp.

#include "cli/beats_common.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "common/error.hpp"

namespace somna::cli {

io::Channel read_ecg_channel(const std::string& path, const std::string& channel, double csv_fs,
                             std::string* record_name) {
  io::ReadOptions ro;
  ro.fs = csv_fs;
  ro.channel = channel;  // the readers keep only that channel
  io::Record rec = io::read_record(path, ro);
  if (rec.channels.empty()) throw Error(path, "the record has no signals");
  const size_t idx = rec.channels.size() == 1 ? 0 : io::choose_channel(rec, channel, path);
  if (record_name) *record_name = rec.name;
  return std::move(rec.channels.at(idx));
}

ProgressBar::ProgressBar(bool enabled, std::string label)
    : enabled_(enabled), label_(std::move(label)) {}

ProgressBar::~ProgressBar() {
  done();
}

void ProgressBar::set(double fraction, const std::string& stage) {
  if (!enabled_ || finished_) return;
  const int pct = static_cast<int>(std::lround(100 * std::clamp(fraction, 0.0, 1.0)));
  if (pct == shown_) return;
  shown_ = pct;
  const int width = 30, filled = pct * width / 100;
  std::cerr << fmt::format("\r{} [{}{}] {:3d}% {:<12}", label_, std::string(filled, '#'),
                           std::string(width - filled, ' '), pct, stage)
            << std::flush;
}

void ProgressBar::done() {
  if (!enabled_ || finished_) return;
  set(1.0, "done");
  std::cerr << "\n";
  finished_ = true;
}

}  // namespace somna::cli
