// Two-pointer beat matching (see beat_comparison.hpp): linear time in the number of beats.

#include "eval/beat_comparison.hpp"

#include <cmath>

namespace somna::eval {

BeatMatch& BeatMatch::operator+=(const BeatMatch& o) {
  tp += o.tp;
  fn += o.fn;
  fp += o.fp;
  sum_abs_err_s += o.sum_abs_err_s;
  return *this;
}

namespace {

std::vector<double> in_range(const std::vector<double>& v, const BeatMatchOptions& o) {
  std::vector<double> out;
  out.reserve(v.size());
  for (double t : v)
    if (std::isfinite(t) && t >= o.skip_s && (o.end_s < 0 || t < o.end_s)) out.push_back(t);
  return out;
}

}  // namespace

BeatMatch compare_beats(const std::vector<double>& reference, const std::vector<double>& test,
                        const BeatMatchOptions& options) {
  const std::vector<double> r = in_range(reference, options);
  const std::vector<double> t = in_range(test, options);
  const double w = options.window_s;
  BeatMatch m;
  size_t i = 0, j = 0;
  while (i < r.size() && j < t.size()) {
    const double dt = t[j] - r[i];
    if (dt < -w) {
      ++m.fp;
      ++j;
    } else if (dt > w) {
      ++m.fn;
      ++i;
    } else if (j + 1 < t.size() && std::fabs(t[j + 1] - r[i]) < std::fabs(dt)) {
      ++m.fp;  // the next test beat is nearer this reference beat
      ++j;
    } else if (i + 1 < r.size() && std::fabs(t[j] - r[i + 1]) < std::fabs(dt)) {
      ++m.fn;  // this test beat belongs to the next reference beat
      ++i;
    } else {
      ++m.tp;
      m.sum_abs_err_s += std::fabs(dt);
      ++i;
      ++j;
    }
  }
  m.fn += r.size() - i;
  m.fp += t.size() - j;
  return m;
}

}  // namespace somna::eval
