// CVHR detector after Hayano et al. 2011 (ACAT). See cvhr_detector.hpp for the steps and
// docs/report-schema.md for the parameters and how they relate to the paper.

#include "analysis/cvhr_detector.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <numeric>

namespace somna::analysis {
namespace {

// The RR series on a uniform grid, with a validity mask (false inside long beat gaps).
struct Grid {
  double hz = 2;
  std::vector<double> v;  // RR in ms
  std::vector<uint8_t> ok;
  double t(size_t i) const { return static_cast<double>(i) / hz; }
};

Grid to_grid(const dsp::RRSeries& rr, double duration_s, const CvhrParams& p) {
  Grid g;
  g.hz = p.grid_hz;
  const size_t n = static_cast<size_t>(std::max(0.0, std::floor(duration_s * p.grid_hz))) + 1;
  g.v.assign(n, 0.0);
  g.ok.assign(n, 0);
  const size_t m = std::min(rr.t_s.size(), rr.rr_s.size());
  if (m < 2) return g;
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    const double t = g.t(i);
    while (j + 1 < m && rr.t_s[j + 1] < t) ++j;
    if (j + 1 >= m || t < rr.t_s[j]) continue;
    const double t0 = rr.t_s[j], t1 = rr.t_s[j + 1];
    if (t1 - t0 > p.max_gap_s || t1 <= t0) continue;
    const double f = (t - t0) / (t1 - t0);
    g.v[i] = 1000.0 * (rr.rr_s[j] * (1 - f) + rr.rr_s[j + 1] * f);
    g.ok[i] = 1;
  }
  return g;
}

// Centred moving average over valid samples; valid where >= 60% of the window is.
Grid smooth(const Grid& g, double window_s) {
  Grid s = g;
  const size_t n = g.v.size();
  const long half = std::max(1L, std::lround(window_s * g.hz / 2));
  std::vector<double> cs(n + 1, 0.0), cn(n + 1, 0.0);
  for (size_t i = 0; i < n; ++i) {
    cs[i + 1] = cs[i] + (g.ok[i] ? g.v[i] : 0.0);
    cn[i + 1] = cn[i] + g.ok[i];
  }
  for (size_t i = 0; i < n; ++i) {
    const size_t a = static_cast<size_t>(std::max(0L, long(i) - half));
    const size_t b = std::min(n, i + size_t(half) + 1);
    const double cnt = cn[b] - cn[a];
    s.ok[i] = g.ok[i] && cnt >= 0.6 * double(b - a);
    s.v[i] = s.ok[i] ? (cs[b] - cs[a]) / cnt : 0.0;
  }
  return s;
}

double median_of(std::vector<double>& x) {
  const size_t k = x.size() / 2;
  std::nth_element(x.begin(), x.begin() + long(k), x.end());
  return x[k];
}

// Robust SD (1.4826 * MAD) of the smoothed series in blocks of block_s over a centred window,
// from every other grid sample (the smoothed series has no content that would need more).
std::vector<double> local_sd(const Grid& s, double window_s, double block_s) {
  const size_t n = s.v.size();
  const size_t block = std::max<size_t>(1, size_t(std::lround(block_s * s.hz)));
  const long half = std::lround(window_s * s.hz / 2);
  std::vector<double> out((n + block - 1) / block, 0.0);
  std::vector<double> buf;
  for (size_t b = 0; b < out.size(); ++b) {
    const long c = long(b * block + block / 2);
    buf.clear();
    for (long i = std::max(0L, c - half); i < std::min(long(n), c + half); i += 2) {
      if (s.ok[size_t(i)]) buf.push_back(s.v[size_t(i)]);
    }
    if (buf.size() < 10) continue;
    const double med = median_of(buf);
    for (double& x : buf) x = std::fabs(x - med);
    out[b] = 1.4826 * median_of(buf);
  }
  return out;
}

// is_min[i]: s[i] is valid and the lowest valid value within +-sep (ties: the first), by a
// sliding-window minimum (monotonic deque) instead of scanning each window.
std::vector<uint8_t> local_minima(const Grid& s, long sep) {
  const long n = long(s.v.size());
  std::vector<uint8_t> out(size_t(n), 0);
  std::deque<long> dq;  // indices of valid samples with increasing values
  long next = 0;        // next index to push
  for (long i = 0; i < n; ++i) {
    const long hi = std::min(n - 1, i + sep);
    for (; next <= hi; ++next) {
      if (!s.ok[size_t(next)]) continue;
      // Pop larger-or-equal from the back only when strictly larger, so the first of equal
      // values stays in front.
      while (!dq.empty() && s.v[size_t(dq.back())] > s.v[size_t(next)]) dq.pop_back();
      dq.push_back(next);
    }
    while (!dq.empty() && dq.front() < i - sep) dq.pop_front();
    if (s.ok[size_t(i)] && !dq.empty() && dq.front() == i) out[size_t(i)] = 1;
  }
  return out;
}

double pearson(const Grid& s, long a0, long b0, long len) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  for (long k = 0; k < len; ++k) {
    const double x = s.v[size_t(a0 + k)], y = s.v[size_t(b0 + k)];
    sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
  }
  const double n = double(len);
  const double va = saa - sa * sa / n, vb = sbb - sb * sb / n;
  if (va <= 1e-12 || vb <= 1e-12) return 0;
  return (sab - sa * sb / n) / std::sqrt(va * vb);
}

bool all_ok(const Grid& s, long a, long len) {
  if (a < 0 || a + len > long(s.v.size())) return false;
  for (long k = 0; k < len; ++k) {
    if (!s.ok[size_t(a + k)]) return false;
  }
  return true;
}

struct DipInternal {
  CvhrDip dip;
  long index = 0;
  double interval_s = 0;  // to the neighbour in its run
};

std::vector<DipInternal> find_dips(const NightInput& night, const CvhrParams& p) {
  const double duration =
      night.duration_s > 0 ? night.duration_s : (night.rr.t_s.empty() ? 0 : night.rr.t_s.back());
  const Grid g = to_grid(night.rr, duration, p);
  const Grid s = smooth(g, p.smooth_s);
  const double block_s = 60;
  const std::vector<double> sd = local_sd(s, p.local_window_s, block_s);
  const long n = long(s.v.size());
  const long sep = std::lround(p.min_separation_s * s.hz);
  const long sh = std::lround(p.shoulder_s * s.hz);

  auto minute_ok = [&](double t) {
    if (night.quality.empty()) return true;
    const size_t m = static_cast<size_t>(t / 60);
    return m >= night.quality.size() || night.quality[m].score >= p.min_quality;
  };

  const std::vector<uint8_t> is_min = local_minima(s, sep);
  std::vector<DipInternal> dips;
  for (long i = 0; i < n; ++i) {
    if (!is_min[size_t(i)]) continue;
    // Shoulders within the contiguous valid stretch.
    double lmax = s.v[size_t(i)], rmax = s.v[size_t(i)];
    for (long k = i - 1; k >= std::max(0L, i - sh) && s.ok[size_t(k)]; --k) {
      lmax = std::max(lmax, s.v[size_t(k)]);
    }
    for (long k = i + 1; k <= std::min(n - 1, i + sh) && s.ok[size_t(k)]; ++k) {
      rmax = std::max(rmax, s.v[size_t(k)]);
    }
    const double depth = std::min(lmax, rmax) - s.v[size_t(i)];
    if (depth <= 0) continue;
    const double half_level = s.v[size_t(i)] + depth / 2;
    long a = i, b = i;
    while (a - 1 >= 0 && s.ok[size_t(a - 1)] && s.v[size_t(a - 1)] <= half_level) --a;
    while (b + 1 < n && s.ok[size_t(b + 1)] && s.v[size_t(b + 1)] <= half_level) ++b;
    const double width = double(b - a + 1) / s.hz;
    const size_t blk = std::min(sd.size() - 1, size_t(double(i) / s.hz / block_s));
    const double threshold = std::max(p.min_depth_ms, p.depth_sd_factor * sd[blk]);
    if (depth < threshold || width < p.min_width_s || width > p.max_width_s) continue;
    if (!minute_ok(s.t(size_t(i)))) continue;
    DipInternal d;
    d.index = i;
    d.dip.t_s = s.t(size_t(i));
    d.dip.depth_ms = depth;
    d.dip.width_s = width;
    d.dip.threshold_ms = threshold;
    dips.push_back(d);
  }

  // Cycles cannot be shorter than min_interval_s: of two closer dips keep the deeper.
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t k = 0; k + 1 < dips.size(); ++k) {
      if (dips[k + 1].dip.t_s - dips[k].dip.t_s < p.min_interval_s) {
        dips.erase(dips.begin() +
                   long(dips[k].dip.depth_ms >= dips[k + 1].dip.depth_ms ? k + 1 : k));
        changed = true;
        break;
      }
    }
  }

  // Links between consecutive dips: periodic and auto-correlated.
  const size_t nd = dips.size();
  std::vector<uint8_t> link(nd > 0 ? nd - 1 : 0, 0);
  std::vector<double> link_r(link.size(), 0.0);
  for (size_t k = 0; k + 1 < nd; ++k) {
    const double dt = dips[k + 1].dip.t_s - dips[k].dip.t_s;
    if (dt < p.min_interval_s || dt > p.max_interval_s) continue;
    const long len = std::lround(dt * s.hz);
    const long a0 = dips[k].index - len / 2, b0 = dips[k + 1].index - len / 2;
    if (!all_ok(s, a0, len) || !all_ok(s, b0, len)) continue;
    link_r[k] = pearson(s, a0, b0, len);
    link[k] = link_r[k] >= p.min_correlation;
  }
  // Runs of linked dips.
  for (size_t k = 0; k < nd;) {
    size_t e = k;
    // dips k..e are one run: linked, with regular cycle lengths.
    while (e < link.size() && link[e]) {
      if (e > k) {
        const double prev = dips[e].dip.t_s - dips[e - 1].dip.t_s;
        const double next = dips[e + 1].dip.t_s - dips[e].dip.t_s;
        if (next > p.max_interval_ratio * prev || prev > p.max_interval_ratio * next) break;
      }
      ++e;
    }
    const size_t run = e - k + 1;
    for (size_t j = k; j <= e; ++j) {
      double best = 0;
      if (j > k) best = std::max(best, link_r[j - 1]);
      if (j < e) best = std::max(best, link_r[j]);
      dips[j].dip.correlation = best;
      dips[j].dip.cvhr = run >= static_cast<size_t>(std::max(1, p.min_run));
      dips[j].interval_s = j > k ? dips[j].dip.t_s - dips[j - 1].dip.t_s
                                 : (j < e ? dips[j + 1].dip.t_s - dips[j].dip.t_s : 0);
    }
    k = e + 1;
  }
  return dips;
}

}  // namespace

DetectorInfo CvhrDetector::info() const {
  DetectorInfo i;
  i.name = "cvhr-acat";
  i.kind = "training-free";
  i.version = "1";
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
  const size_t n_min =
      night.n_minutes > 0 ? night.n_minutes : static_cast<size_t>(std::ceil(duration / 60));
  MinuteScores out;
  out.p_apnea.assign(n_min, 0.f);
  out.logit.assign(n_min, 0.f);

  const std::vector<DipInternal> dips = find_dips(night, p);
  for (const DipInternal& d : dips) {
    if (!d.dip.cvhr) continue;
    // The apnea precedes its tachycardia: the event spans most of the cycle before the dip.
    const double cycle = std::clamp(d.interval_s, p.min_interval_s, 90.0);
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
  // Events per hour of analysable time (minutes whose quality passes).
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

}  // namespace somna::analysis
