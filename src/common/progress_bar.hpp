#pragma once
// The one terminal progress bar of Somna (beat detection, training epochs): a one-line bar on
// stderr, "LABEL [#####     ]  42% STATUS", redrawn only when what it shows changes, and ended
// either by done() (the bar at 100 %) or by finish(line), which replaces the bar with a summary
// line. A disabled bar writes nothing, so callers need no `if (progress)` of their own.

#include <string>

namespace somna {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled, std::string label = {});
  ~ProgressBar();  // done() unless finished
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // fraction in [0, 1] (clamped); status: a short text after the percentage (stage, loss...).
  void set(double fraction, const std::string& status = {});
  void done();                           // the bar at 100 % ("done"), then a new line
  void finish(const std::string& line);  // the bar replaced by `line`, then a new line

 private:
  bool enabled_;
  std::string label_;
  std::string shown_;  // the last line drawn
  bool finished_ = false;
};

}  // namespace somna
