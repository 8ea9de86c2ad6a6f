#pragma once
// Beat-by-beat comparison of detected beats against reference beats, in the manner of ANSI/AAMI
// EC57 (WFDB's bxb): a test beat within the matching window (150 ms) of a reference beat is a true
// positive, an unmatched reference beat a false negative, an unmatched test beat a false
// positive. Each beat is matched at most once, to its nearest counterpart.

#include <cstddef>
#include <vector>

namespace somna::eval {

struct BeatMatchOptions {
  double window_s = 0.15;  // largest |test - reference| of a match
  double skip_s = 0;       // beats before this time are ignored (EC57: the first 5 minutes)
  double end_s = -1;       // beats at or after this time are ignored (< 0: none)
};

struct BeatMatch {
  size_t tp = 0, fn = 0, fp = 0;
  double sum_abs_err_s = 0;  // sum of |test - reference| over the matches
  // Sensitivity TP/(TP+FN) and positive predictivity TP/(TP+FP), in percent (100 when undefined).
  double se() const { return tp + fn ? 100.0 * tp / (tp + fn) : 100.0; }
  double ppv() const { return tp + fp ? 100.0 * tp / (tp + fp) : 100.0; }
  double mean_abs_err_s() const { return tp ? sum_abs_err_s / tp : 0.0; }
  BeatMatch& operator+=(const BeatMatch& o);
};

// reference and test: beat times in seconds, increasing. Pure function.
BeatMatch compare_beats(const std::vector<double>& reference, const std::vector<double>& test,
                        const BeatMatchOptions& options = {});

}  // namespace somna::eval
