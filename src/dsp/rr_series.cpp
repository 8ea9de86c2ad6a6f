// Beat series: beats from annotation files, RR intervals with ectopic/artefact cleaning against a
// running local median, amplitude and ECG-derived respiration (EDR) per beat. See beats.hpp.

#include <algorithm>
#include <cmath>
#include <vector>

#include "dsp/beats.hpp"
#include "dsp/order_statistics.hpp"

namespace somna::dsp {

size_t RRSeries::n_corrected() const {
  size_t c = 0;
  for (uint8_t v : corrected) c += v ? 1 : 0;
  return c;
}

Beats beats_from_annotations(const io::Annotations& annotations, double duration_s) {
  Beats b;
  b.source = "annotation";
  const auto dot = annotations.path.find_last_of('.');
  const auto slash = annotations.path.find_last_of("/\\");
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    b.source += ":" + annotations.path.substr(dot + 1);
  b.duration_s = duration_s;
  if (!(annotations.fs > 0)) return b;
  b.r_time_s.reserve(annotations.items.size());
  for (const io::Annotation& a : annotations.items) {
    if (!io::is_beat_code(a.code)) continue;
    const double t = static_cast<double>(a.sample) / annotations.fs;
    if (!b.r_time_s.empty() && t <= b.r_time_s.back()) continue;  // keep times increasing
    b.r_time_s.push_back(t);
  }
  if (b.duration_s <= 0 && !b.r_time_s.empty()) b.duration_s = b.r_time_s.back();
  return b;
}

namespace {

// Replaces flagged values by linear interpolation (in time) between the nearest unflagged ones;
// flat at the ends; untouched when no value is unflagged.
void interpolate_flagged(const std::vector<double>& t, std::vector<float>& v,
                         const std::vector<uint8_t>& bad) {
  const size_t n = v.size();
  size_t prev = n;  // last good index
  for (size_t i = 0; i < n;) {
    if (!bad[i]) {
      prev = i++;
      continue;
    }
    size_t next = i;
    while (next < n && bad[next]) ++next;
    for (size_t j = i; j < next; ++j) {
      if (prev < n && next < n) {
        const double w = (t[j] - t[prev]) / std::max(1e-12, t[next] - t[prev]);
        v[j] = static_cast<float>(v[prev] + w * (v[next] - v[prev]));
      } else if (prev < n) {
        v[j] = v[prev];
      } else if (next < n) {
        v[j] = v[next];
      }
    }
    i = next;
  }
}

}  // namespace

RRSeries clean_rr(const Beats& beats, const RRCleanOptions& options) {
  RRSeries s;
  const size_t nb = beats.r_time_s.size();
  if (nb < 2) return s;
  const size_t n = nb - 1;
  s.t_s.resize(n);
  s.rr_s.resize(n);
  for (size_t i = 0; i < n; ++i) {
    s.t_s[i] = beats.r_time_s[i + 1];
    s.rr_s[i] = static_cast<float>(beats.r_time_s[i + 1] - beats.r_time_s[i]);
  }
  const bool has_amp = beats.r_amp_mv.size() == nb;
  const bool has_area = beats.qrs_area.size() == nb;
  if (has_amp) s.amp_mv.assign(beats.r_amp_mv.begin() + 1, beats.r_amp_mv.end());
  if (has_area)
    s.edr.assign(beats.qrs_area.begin() + 1, beats.qrs_area.end());
  else if (has_amp)
    s.edr = s.amp_mv;

  // Flag: outside physiologic bounds, or too far from the local median of the 11 intervals
  // around (the median is robust to up to 5 bad ones: an ectopic beat makes 2).
  s.corrected.assign(n, 0);
  const size_t half = 5;
  SlidingOrder window(s.rr_s.data(), n);
  for (size_t i = 0; i < n; ++i) {
    const float rr = s.rr_s[i];
    window.move_to(i >= half ? i - half : 0, std::min(n, i + half + 1));
    const float m = window.median();
    const bool out_of_bounds = !(rr >= options.min_rr_s && rr <= options.max_rr_s);
    const bool jump = std::fabs(rr - m) > options.max_rel_change * m;
    s.corrected[i] = (out_of_bounds || jump) ? 1 : 0;
  }
  interpolate_flagged(s.t_s, s.rr_s, s.corrected);
  if (s.n_corrected() == n) {
    // Nothing to interpolate from: clamp into the physiologic bounds.
    for (float& rr : s.rr_s) rr = std::min(std::max(rr, options.min_rr_s), options.max_rr_s);
  }
  if (!s.amp_mv.empty()) interpolate_flagged(s.t_s, s.amp_mv, s.corrected);
  if (has_area && !s.edr.empty())
    interpolate_flagged(s.t_s, s.edr, s.corrected);
  else if (has_amp)
    s.edr = s.amp_mv;
  return s;
}

}  // namespace somna::dsp
