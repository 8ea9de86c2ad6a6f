// CVHR detector: ACAT of Hayano et al. 2011. See cvhr_detector.hpp for the steps and
// docs/report-schema.md for the parameters and where they come from.

#include "analysis/cvhr_detector.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "analysis/night_input.hpp"

namespace somna::analysis {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Median of the values of v in [a, b) (copied into buf).
double window_median(const std::vector<double>& v, size_t a, size_t b, std::vector<double>& buf) {
  buf.assign(v.begin() + long(a), v.begin() + long(b));
  const size_t k = buf.size() / 2;
  std::nth_element(buf.begin(), buf.begin() + long(k), buf.end());
  return buf[k];
}

// Median of the window [i - half, i + half] (clipped) for every i, by a sorted copy of the window
// updated by one removal and one insertion per step (small windows: plain shifting).
std::vector<double> running_median(const std::vector<double>& v, size_t half) {
  const size_t n = v.size();
  std::vector<double> out(n), sorted(2 * half + 2);
  size_t len = 0;         // values in sorted
  size_t lo = 0, hi = 0;  // window [lo, hi) now in sorted
  for (size_t i = 0; i < n; ++i) {
    const size_t a = i > half ? i - half : 0, b = std::min(n, i + half + 1);
    for (; lo < a; ++lo) {  // remove v[lo]
      size_t k = 0;
      while (k + 1 < len && sorted[k] != v[lo]) ++k;
      for (; k + 1 < len; ++k) sorted[k] = sorted[k + 1];
      --len;
    }
    for (; hi < b; ++hi) {  // insert v[hi]
      size_t k = len++;
      for (; k > 0 && sorted[k - 1] > v[hi]; --k) sorted[k] = sorted[k - 1];
      sorted[k] = v[hi];
    }
    out[i] = sorted[len / 2];
  }
  return out;
}

// The k first values of v in the order `before` (e.g. the k smallest, ascending), by insertion
// into a short sorted array: one comparison for most values when k is small.
template <class Before>
void extreme_k(const std::vector<double>& v, size_t k, std::vector<double>& out, Before before) {
  out.clear();
  if (k == 0) return;
  for (double x : v) {
    if (out.size() == k && !before(x, out.back())) continue;
    if (out.size() < k) out.push_back(x);
    size_t j = out.size() - 1;
    for (; j > 0 && before(x, out[j - 1]); --j) out[j] = out[j - 1];
    out[j] = x;
  }
}

// Step 1: (time of the beat ending the interval, RR in ms) of the intervals kept.
struct RRPoints {
  std::vector<double> t, rr;
};

RRPoints prepare_rr(const NightInput& night, const CvhrParams& p) {
  RRPoints out;
  std::vector<double> buf;
  // Beat times that are finite and increasing (anything else cannot be an interval).
  std::vector<double> beats;
  beats.reserve(night.beats.r_time_s.size());
  for (double t : night.beats.r_time_s) {
    if (std::isfinite(t) && (beats.empty() || t > beats.back())) beats.push_back(t);
  }
  if (beats.size() >= 3) {
    // Raw intervals, then missed beats filled: an interval close to k times the typical one
    // (k = 2..4, within 15%) is k intervals (QRS detectors and sqrs miss beats; dropping the long
    // interval instead would leave a hole of 2-4 beats). Typical: the median of the 64 intervals
    // around the block of 32 the interval is in.
    std::vector<double> rr(beats.size() - 1);
    for (size_t i = 1; i < beats.size(); ++i) rr[i - 1] = 1000.0 * (beats[i] - beats[i - 1]);
    constexpr size_t kBlock = 32, kAround = 16;
    std::vector<double> block_ref((rr.size() + kBlock - 1) / kBlock);
    for (size_t b = 0; b < block_ref.size(); ++b) {
      const size_t a0 = b * kBlock > kAround ? b * kBlock - kAround : 0;
      const size_t b0 = std::min(rr.size(), (b + 1) * kBlock + kAround);
      block_ref[b] = window_median(rr, a0, b0, buf);
    }
    std::vector<double> t, v;
    t.reserve(rr.size() + rr.size() / 8);
    v.reserve(t.capacity());
    for (size_t i = 0; i < rr.size(); ++i) {
      const double ref = block_ref[i / kBlock];
      const double k = ref > 0 ? std::round(rr[i] / ref) : 1;
      if (k >= 2 && k <= 4 && std::fabs(rr[i] / ref - k) < 0.15 * k) {
        for (int j = 1; j <= int(k); ++j) {
          t.push_back(beats[i] + rr[i] / 1000.0 * j / k);
          v.push_back(rr[i] / k);
        }
      } else {
        t.push_back(beats[i + 1]);
        v.push_back(rr[i]);
      }
    }
    // Outliers (ectopic beats, artefacts) dropped: outside bounds or > 20% from the 11-beat
    // median.
    out.t.reserve(v.size());
    out.rr.reserve(v.size());
    const std::vector<double> med11 = running_median(v, 5);
    for (size_t i = 0; i < v.size(); ++i) {
      if (!(v[i] >= p.min_rr_ms && v[i] <= p.max_rr_ms)) continue;
      const double med = med11[i];
      if (std::fabs(v[i] - med) > p.outlier_rel * med) continue;
      out.t.push_back(t[i]);
      out.rr.push_back(v[i]);
    }
    return out;
  }
  // Only an RR series (already cleaned): its intervals that were not replaced.
  const dsp::RRSeries& s = night.rr;
  const size_t m = std::min(s.t_s.size(), s.rr_s.size());
  for (size_t i = 0; i < m; ++i) {
    if (i < s.corrected.size() && s.corrected[i]) continue;
    const double v = 1000.0 * s.rr_s[i];
    if (!(v >= p.min_rr_ms && v <= p.max_rr_ms)) continue;
    out.t.push_back(s.t_s[i]);
    out.rr.push_back(v);
  }
  return out;
}

// 1 Hz grid (sample i at t = i s), NaN in gaps and in minutes of low quality.
std::vector<double> to_grid(const RRPoints& rr, double duration_s, const NightInput& night,
                            const CvhrParams& p) {
  const size_t n = static_cast<size_t>(std::max(0.0, std::floor(duration_s))) + 1;
  std::vector<double> y(n, kNaN);
  const size_t m = rr.t.size();
  if (m < 2) return y;
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = double(i);
    while (j + 1 < m && rr.t[j + 1] < t) ++j;
    if (j + 1 >= m || t < rr.t[j]) continue;
    const double t0 = rr.t[j], t1 = rr.t[j + 1];
    if (t1 - t0 > p.max_gap_s || t1 <= t0) continue;
    const double f = (t - t0) / (t1 - t0);
    y[i] = rr.rr[j] * (1 - f) + rr.rr[j + 1] * f;
  }
  if (!night.quality.empty()) {
    for (size_t mi = 0; mi < night.quality.size(); ++mi) {
      if (night.quality[mi].score >= p.min_quality) continue;
      for (size_t i = mi * 60; i < std::min(n, mi * 60 + 60); ++i) y[i] = kNaN;
    }
  }
  return y;
}

// Step 2: quadratic Savitzky-Golay smoothing; NaN where the window holds a NaN.
std::vector<double> smooth(const std::vector<double>& y, int h) {
  const size_t n = y.size();
  std::vector<double> s(n, kNaN);
  if (h < 1) return y;
  const double m = 2.0 * h + 1;
  std::vector<double> w(size_t(2 * h + 1));
  for (int k = -h; k <= h; ++k) {
    w[size_t(k + h)] = 3 * (3 * m * m - 7 - 20.0 * k * k) / (4 * m * (m * m - 4));
  }
  size_t last_nan = std::numeric_limits<size_t>::max();  // last NaN index seen (or none)
  const size_t width = size_t(2 * h + 1);
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan(y[i])) last_nan = i;
    if (i + 1 < width) continue;
    if (last_nan != std::numeric_limits<size_t>::max() && last_nan + width > i) continue;
    const size_t a = i + 1 - width;
    double acc = 0;
    for (size_t k = 0; k < width; ++k) acc += w[k] * y[a + k];
    s[a + size_t(h)] = acc;
  }
  return s;
}

double pearson(const double* a, const double* b, size_t len) {
  double sa = 0, sb = 0;
  for (size_t k = 0; k < len; ++k) sa += a[k], sb += b[k];
  const double ma = sa / double(len), mb = sb / double(len);
  double sab = 0, saa = 0, sbb = 0;
  for (size_t k = 0; k < len; ++k) {
    const double x = a[k] - ma, y = b[k] - mb;
    sab += x * y, saa += x * x, sbb += y * y;
  }
  if (saa <= 1e-12 || sbb <= 1e-12) return kNaN;
  return sab / std::sqrt(saa * sbb);
}

struct DipInternal {
  CvhrDip dip;
  long index = 0;
  double cycle_s = 0;  // interval to the neighbouring dip in its periodic run
};

std::vector<DipInternal> find_dips(const NightInput& night, const CvhrParams& p) {
  const double duration =
      night.duration_s > 0 ? night.duration_s : (night.rr.t_s.empty() ? 0 : night.rr.t_s.back());
  const RRPoints rr = prepare_rr(night, p);
  std::vector<DipInternal> dips;
  if (rr.t.size() < 200) return dips;  // too short for a night
  const std::vector<double> y = to_grid(rr, duration, night, p);
  const std::vector<double> s = smooth(y, p.smooth_half_width);
  const long n = long(s.size());

  // Step 3: local minima and maxima of the smoothed series.
  std::vector<long> mins, maxs;
  for (long i = 1; i + 1 < n; ++i) {
    const double a = s[size_t(i - 1)], b = s[size_t(i)], c = s[size_t(i + 1)];
    if (std::isnan(a) || std::isnan(b) || std::isnan(c)) continue;
    if (b < a && b <= c) {
      mins.push_back(i);
    } else if (b > a && b >= c) {
      maxs.push_back(i);
    }
  }
  std::vector<double> env, lowest, highest;
  size_t mx = 0;
  const long env_half = std::lround(p.envelope_half_s);
  for (long m : mins) {
    while (mx < maxs.size() && maxs[mx] < m) ++mx;
    if (mx == 0 || mx >= maxs.size()) continue;
    const long l = maxs[mx - 1], r = maxs[mx];
    const double width = double(r - l);
    if (width < p.min_width_s || width > p.max_width_s) continue;
    bool gap = false;
    for (long k = l; k <= r && !gap; ++k) gap = std::isnan(s[size_t(k)]);
    if (gap) continue;
    const double depth = std::min(s[size_t(l)], s[size_t(r)]) - s[size_t(m)];
    if (!(depth / width > p.min_depth_per_width)) continue;
    // Step 4: adaptive threshold from the 5th-95th percentile range of the RR around the dip.
    env.clear();
    for (long k = std::max(0L, m - env_half); k <= std::min(n - 1, m + env_half); ++k) {
      if (!std::isnan(y[size_t(k)])) env.push_back(y[size_t(k)]);
    }
    if (env.size() < 10) continue;
    // Percentiles with linear interpolation between order statistics (as numpy's default); the
    // order statistics needed are among the few lowest and highest of the ~130 values.
    const size_t ne = env.size();
    const double pos5 = 0.05 * double(ne - 1), pos95 = 0.95 * double(ne - 1);
    const size_t k_lo = size_t(pos5) + 2, k_hi = ne - size_t(pos95);  // order stats needed
    extreme_k(env, std::min(ne, k_lo), lowest, std::less<double>());
    extreme_k(env, std::min(ne, k_hi), highest, std::greater<double>());
    auto order_stat = [&](size_t r) {  // r-th smallest, 0-based
      return r < lowest.size() ? lowest[r] : highest[ne - 1 - r];
    };
    auto pct = [&](double pos) {
      const size_t lo = size_t(pos), hi = std::min(lo + 1, ne - 1);
      return order_stat(lo) + (order_stat(hi) - order_stat(lo)) * (pos - double(lo));
    };
    const double range = pct(pos95) - pct(pos5);
    const double threshold = p.min_relative_depth * range;
    if (!(range > 0) || depth < threshold) continue;
    DipInternal d;
    d.index = m;
    d.dip.t_s = double(m);
    d.dip.depth_ms = depth;
    d.dip.width_s = width;
    d.dip.threshold_ms = threshold;
    dips.push_back(d);
  }

  // Step 5: waveform auto-correlation with the 2 preceding and 2 following dips.
  const long mh = std::lround(p.morphology_half_s);
  const size_t len = size_t(2 * mh + 1);
  auto segment = [&](size_t i) -> const double* {
    const long a = dips[i].index - mh;
    if (a < 0 || a + long(len) > n) return nullptr;
    for (size_t k = 0; k < len; ++k) {
      if (std::isnan(s[size_t(a) + k])) return nullptr;
    }
    return s.data() + a;
  };
  std::vector<const double*> seg(dips.size());
  for (size_t i = 0; i < dips.size(); ++i) seg[i] = segment(i);
  const long nd = long(dips.size());
  std::vector<uint8_t> correlated(dips.size(), 0);
  for (long i = 0; i < nd; ++i) {
    if (!seg[size_t(i)]) continue;
    double sum = 0;
    int cnt = 0;
    for (long j : {i - 2, i - 1, i + 1, i + 2}) {
      if (j < 0 || j >= nd || !seg[size_t(j)]) continue;
      const double r = pearson(seg[size_t(i)], seg[size_t(j)], len);
      if (std::isnan(r)) continue;
      sum += r, ++cnt;
    }
    if (cnt < 2) continue;
    dips[size_t(i)].dip.correlation = sum / cnt;
    correlated[size_t(i)] = sum / cnt > p.min_morphology_r;
  }

  // Step 6: periodicity of a run of 4 consecutive dips that contains the dip.
  auto t = [&](long i) { return dips[size_t(i)].dip.t_s; };
  for (long i = 0; i < nd; ++i) {
    if (!correlated[size_t(i)]) continue;
    for (long st = std::max(0L, i - 3); st <= i && st + 3 < nd; ++st) {
      double L[3], mean = 0;
      bool in_range = true;
      for (int k = 0; k < 3; ++k) {
        L[k] = t(st + k + 1) - t(st + k);
        in_range = in_range && L[k] >= p.min_cycle_s && L[k] <= p.max_cycle_s;
        mean += L[k] / 3;
      }
      if (!in_range) continue;
      const double eq = (3 - 2 * L[0] / mean) * (3 - 2 * L[1] / mean) * (3 - 2 * L[2] / mean);
      if (eq > p.min_equivalence) {
        DipInternal& d = dips[size_t(i)];
        d.dip.cvhr = true;
        d.cycle_s = i > st ? t(i) - t(i - 1) : t(i + 1) - t(i);
        break;
      }
    }
  }
  return dips;
}

}  // namespace

DetectorInfo CvhrDetector::info() const {
  DetectorInfo i;
  i.name = "cvhr-acat";
  i.kind = "training-free";
  i.version = "2";
  i.threshold = 0.5;
  return i;
}

std::vector<CvhrDip> CvhrDetector::dips(const NightInput& night) const {
  std::vector<CvhrDip> out;
  for (const DipInternal& d : find_dips(night, params_)) out.push_back(d.dip);
  return out;
}

MinuteScores CvhrDetector::score(const NightInput& night) const {
  const CvhrParams& p = params_;
  const double duration =
      night.duration_s > 0 ? night.duration_s : (night.rr.t_s.empty() ? 0 : night.rr.t_s.back());
  const size_t n_min = night.n_minutes > 0 ? night.n_minutes : night_minutes(duration);
  MinuteScores out;
  out.p_apnea.assign(n_min, 0.f);
  out.logit.assign(n_min, 0.f);

  for (const DipInternal& d : find_dips(night, p)) {
    if (!d.dip.cvhr) continue;
    // The apnea precedes its tachycardia: the event spans most of the cycle before the dip.
    const double cycle = std::clamp(d.cycle_s, p.min_cycle_s, 90.0);
    Event e;
    e.start_s = std::max(0.0, d.dip.t_s - 0.75 * cycle);
    e.end_s = d.dip.t_s;
    e.score = static_cast<float>(d.dip.correlation);
    out.events.push_back(e);
  }
  // Minute coverage by the union of events.
  std::vector<double> cover(n_min, 0.0);
  double run_a = -1, run_b = -1;
  auto flush = [&]() {
    if (run_b <= run_a) return;
    for (size_t m = size_t(run_a / 60); m < n_min && double(m) * 60 < run_b; ++m) {
      cover[m] += std::min(run_b, double(m) * 60 + 60) - std::max(run_a, double(m) * 60);
    }
  };
  for (const Event& e : out.events) {
    if (e.start_s > run_b) {
      flush();
      run_a = e.start_s, run_b = e.end_s;
    } else {
      run_b = std::max(run_b, e.end_s);
    }
  }
  flush();
  for (size_t m = 0; m < n_min; ++m) {
    const double p_m = 1 - std::exp(-p.coverage_gain * std::min(1.0, cover[m] / 60));
    const double pc = std::clamp(p_m, 1e-3, 1 - 1e-3);
    out.p_apnea[m] = static_cast<float>(p_m);
    out.logit[m] = static_cast<float>(std::log(pc / (1 - pc)));
  }
  // CVHR per hour of analysable time (minutes whose quality passes): Fcv.
  double analysable_s = 0;
  for (size_t m = 0; m < n_min; ++m) {
    const bool ok = night.quality.empty() || m >= night.quality.size() ||
                    night.quality[m].score >= p.min_quality;
    if (ok) analysable_s += std::min(60.0, std::max(0.0, duration - double(m) * 60));
  }
  if (analysable_s > 0) {
    out.events_per_hour = double(out.events.size()) / (analysable_s / 3600);
  }
  return out;
}

std::vector<features::TimeSpan> cvhr_spans(const NightInput& night) {
  std::vector<features::TimeSpan> out;
  for (const Event& e : CvhrDetector().score(night).events) out.push_back({e.start_s, e.end_s});
  return out;
}

}  // namespace somna::analysis
