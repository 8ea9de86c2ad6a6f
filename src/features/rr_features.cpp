// RR features for the networks (see rr_features.hpp).

#include "features/rr_features.hpp"

#include <algorithm>
#include <cmath>

#include "dsp/order_statistics.hpp"

namespace somna::features {

namespace {
// The quartiles of v (q1, median, q3), each the value at round(q (n - 1)) of the sorted values:
// the median selected over all of them, then q1 below it and q3 above it (the same values as
// three selections over all, in about two thirds of the work).
struct Quartiles {
  float q1 = 0, median = 0, q3 = 0;
};

Quartiles quartiles(std::vector<float> v) {
  if (v.empty()) return {};
  const auto at = [&](double q) {
    return std::min(v.size() - 1, static_cast<size_t>(q * double(v.size() - 1) + 0.5));
  };
  const size_t k1 = at(0.25), k2 = at(0.5), k3 = at(0.75);
  const auto it = [&](size_t k) { return v.begin() + static_cast<std::ptrdiff_t>(k); };
  Quartiles q;
  std::nth_element(v.begin(), it(k2), v.end());  // partitions v about the median
  q.median = v[k2];
  if (k1 < k2) std::nth_element(v.begin(), it(k1), it(k2));
  q.q1 = k1 < k2 ? v[k1] : q.median;
  if (k3 > k2) std::nth_element(it(k2 + 1), it(k3), v.end());
  q.q3 = k3 > k2 ? v[k3] : q.median;
  return q;
}

// x minus its moving median over `win` samples, the median evaluated every `step` samples and
// interpolated linearly (an exact per-sample median would cost ~30 ms a night).
void detrend_median(const float* x, size_t n, size_t win, float* out) {
  if (n == 0) return;
  const size_t step = std::max<size_t>(1, win / 30), half = win / 2;
  std::vector<size_t> at;
  std::vector<float> med;
  dsp::SlidingOrder window(x, n);
  for (size_t c = 0; c < n + step; c += step) {
    const size_t k = std::min(c, n - 1);
    window.move_to(k > half ? k - half : 0, std::min(n, k + half + 1));
    at.push_back(k);
    med.push_back(window.upper_median());
    if (k == n - 1) break;
  }
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    while (j + 1 < at.size() && at[j + 1] <= i) ++j;
    float m = med[j];
    if (j + 1 < at.size() && at[j + 1] > at[j]) {
      const float f = float(i - at[j]) / float(at[j + 1] - at[j]);
      m = med[j] * (1 - f) + med[j + 1] * f;
    }
    out[i] = std::clamp(x[i] - m, -6.f, 6.f);
  }
}

// Mean of x over a centred window of `win` samples, clipped at the ends (prefix sums, O(n)).
void moving_mean(const float* x, size_t n, size_t win, float* out) {
  std::vector<double> s(n + 1, 0);
  for (size_t i = 0; i < n; ++i) s[i + 1] = s[i] + x[i];
  const size_t half = win / 2;
  for (size_t i = 0; i < n; ++i) {
    const size_t a = i > half ? i - half : 0, b = std::min(n, i + half + 1);
    out[i] = float((s[b] - s[a]) / double(b - a));
  }
}

// The log amplitude of x's band between periods of `short_win` and `long_win` samples (its moving
// mean over the one minus that over the other: a band-pass of box filters), as the RMS over a
// centred window of `rms_win` samples.
void band_log_rms(const float* x, size_t n, size_t short_win, size_t long_win, size_t rms_win,
                  float* out) {
  std::vector<float> fast(n), slow(n);
  moving_mean(x, n, short_win, fast.data());
  moving_mean(x, n, long_win, slow.data());
  for (size_t i = 0; i < n; ++i) fast[i] = (fast[i] - slow[i]) * (fast[i] - slow[i]);
  moving_mean(fast.data(), n, rms_win, out);
  for (size_t i = 0; i < n; ++i) out[i] = std::clamp(0.5f * std::log(out[i] + 1e-4f), -6.f, 6.f);
}

// Standard deviation of x over a centred window of `win` samples (prefix sums, O(n)).
void moving_sd(const float* x, size_t n, size_t win, float* out) {
  std::vector<double> s(n + 1, 0), ss(n + 1, 0);
  for (size_t i = 0; i < n; ++i) s[i + 1] = s[i] + x[i], ss[i + 1] = ss[i] + double(x[i]) * x[i];
  const size_t half = win / 2;
  for (size_t i = 0; i < n; ++i) {
    const size_t a = i > half ? i - half : 0, b = std::min(n, i + half + 1);
    const double c = double(b - a), m = (s[b] - s[a]) / c;
    out[i] = std::min(6.f, float(std::sqrt(std::max(0.0, (ss[b] - ss[a]) / c - m * m))));
  }
}
}  // namespace

std::vector<std::string> rr_channel_names(int channels) {
  static const std::vector<std::string> all = {"rr_z",   "corrected", "rr_detr",
                                               "rr_var", "vlf_power", "cvhr"};
  return {all.begin(), all.begin() + std::clamp(channels, 0, kMaxRRChannels)};
}

NightFeatures rr_features(const dsp::RRSeries& rr, size_t n_minutes, const RRFeatureSpec& spec,
                          const std::vector<TimeSpan>& cvhr) {
  NightFeatures f;
  f.n_minutes = n_minutes;
  const size_t per_min = static_cast<size_t>(std::lround(60.0 * spec.fs));
  f.n_samples = n_minutes * per_min;
  f.values.assign(static_cast<size_t>(spec.channels) * f.n_samples, 0.f);
  const size_t n = std::min(rr.t_s.size(), rr.rr_s.size());
  if (n < 2 || f.n_samples == 0) return f;

  std::vector<float> v(rr.rr_s.begin(), rr.rr_s.begin() + static_cast<long>(n));
  const Quartiles quart = quartiles(v);
  const float q1 = quart.q1, q3 = quart.q3, med = quart.median;
  const float iqr = std::max(q3 - q1, 0.01f);
  const float lo = q1 - float(spec.clip_iqr) * iqr, hi = q3 + float(spec.clip_iqr) * iqr;
  double s = 0, ss = 0;
  for (float& x : v) {
    x = std::clamp(x, lo, hi);
    s += x;
    ss += double(x) * x;
  }
  const double mean = s / double(n);
  const double sd = std::max(std::sqrt(std::max(0.0, ss / double(n) - mean * mean)), 0.005);
  f.rr_median = med, f.rr_mean = float(mean), f.rr_std = float(sd);

  std::vector<double> t(rr.t_s.begin(), rr.t_s.begin() + static_cast<long>(n));
  const double t1 = double(f.n_samples) / spec.fs;
  const dsp::UniformSeries u = dsp::resample(t, v, spec.fs, 0.0, t1);
  for (size_t i = 0; i < f.n_samples && i < u.value.size(); ++i) {
    f.values[i] = std::clamp(float((u.value[i] - mean) / sd), -6.f, 6.f);
  }
  if (spec.channels >= 2) {
    // Corrected fraction: each replaced interval spreads over +-2 s around its beat.
    float* c = f.values.data() + f.n_samples;
    for (size_t i = 0; i < n && i < rr.corrected.size(); ++i) {
      if (!rr.corrected[i]) continue;
      const long a = std::max(0L, long(std::floor((t[i] - 2.0) * spec.fs)));
      const long b = std::min(long(f.n_samples), long(std::ceil((t[i] + 2.0) * spec.fs)));
      for (long k = a; k < b; ++k) c[k] = 1.f;
    }
    // No beat at all in a stretch (gap > 4 s) is also marked.
    for (size_t i = 1; i < n; ++i) {
      if (t[i] - t[i - 1] <= 4.0) continue;
      const long a = std::max(0L, long(t[i - 1] * spec.fs));
      const long b = std::min(long(f.n_samples), long(std::ceil(t[i] * spec.fs)));
      for (long k = a; k < b; ++k) c[k] = 1.f;
    }
    const long first = std::min(long(f.n_samples), long(t.front() * spec.fs));
    for (long k = 0; k < first; ++k) c[k] = 1.f;
    for (size_t k = std::max<size_t>(0, size_t(t.back() * spec.fs)); k < f.n_samples; ++k)
      c[k] = 1.f;
  }
  if (spec.channels >= 3) {
    const size_t win = std::max<size_t>(3, size_t(std::lround(spec.detrend_s * spec.fs)));
    detrend_median(f.values.data(), f.n_samples, win, f.values.data() + 2 * f.n_samples);
  }
  if (spec.channels >= 4) {
    const size_t win = std::max<size_t>(3, size_t(std::lround(spec.var_s * spec.fs)));
    moving_sd(f.values.data(), f.n_samples, win, f.values.data() + 3 * f.n_samples);
  }
  if (spec.channels >= 5) {
    const auto samples = [&](double s) {
      return std::max<size_t>(3, size_t(std::lround(s * spec.fs)));
    };
    band_log_rms(f.values.data(), f.n_samples, samples(25), samples(100), samples(120),
                 f.values.data() + 4 * f.n_samples);
  }
  if (spec.channels >= kCvhrChannels) {
    float* c = f.values.data() + 5 * f.n_samples;
    for (const TimeSpan& e : cvhr) {
      const long a = std::max(0L, long(std::floor(e.start_s * spec.fs)));
      const long b = std::min(long(f.n_samples), long(std::ceil(e.end_s * spec.fs)));
      for (long k = a; k < b; ++k) c[k] = 1.f;
    }
  }
  return f;
}

}  // namespace somna::features
