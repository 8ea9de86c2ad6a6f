// HRV summary: time domain over kept intervals, LF/HF by Welch's method on the 2 Hz RR series.

#include "analysis/hrv.hpp"

#include <algorithm>
#include <cmath>

namespace somna::analysis {
namespace {

constexpr double kPi = 3.14159265358979323846;

bool kept(const std::vector<uint8_t>& keep, double t) {
  if (keep.empty()) return true;
  const size_t m = static_cast<size_t>(std::max(0.0, t) / 60);
  return m < keep.size() && keep[m];
}

}  // namespace

Fft::Fft(size_t n) : n_(n), wr_(n / 2), wi_(n / 2) {
  for (size_t j = 0; j < n / 2; ++j) {
    wr_[j] = std::cos(-2 * kPi * double(j) / double(n));
    wi_[j] = std::sin(-2 * kPi * double(j) / double(n));
  }
}

void Fft::transform(std::vector<double>& re, std::vector<double>& im) const {
  const size_t n = n_;
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(re[i], re[j]), std::swap(im[i], im[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    const size_t half = len / 2, stride = n / len;  // twiddle k of this stage: table k * stride
    for (size_t i = 0; i < n; i += len) {
      double* ra = re.data() + i;
      double* ia = im.data() + i;
      double* rb = ra + half;
      double* ib = ia + half;
      for (size_t k = 0; k < half; ++k) {
        const double cr = wr_[k * stride], ci = wi_[k * stride];
        const double xr = rb[k] * cr - ib[k] * ci, xi = rb[k] * ci + ib[k] * cr;
        rb[k] = ra[k] - xr, ib[k] = ia[k] - xi;
        ra[k] += xr, ia[k] += xi;
      }
    }
  }
}

HrvSummary hrv_summary(const dsp::RRSeries& rr, const std::vector<uint8_t>& keep_minute) {
  HrvSummary h;
  const size_t n = std::min(rr.t_s.size(), rr.rr_s.size());
  std::vector<double> vals;
  vals.reserve(n);
  double sum_sq_diff = 0;
  size_t n_diff = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!kept(keep_minute, rr.t_s[i])) continue;
    const bool corrected = i < rr.corrected.size() && rr.corrected[i];
    if (corrected) continue;
    vals.push_back(rr.rr_s[i]);
    if (i > 0 && kept(keep_minute, rr.t_s[i - 1]) &&
        !(i - 1 < rr.corrected.size() && rr.corrected[i - 1]) && rr.t_s[i] - rr.t_s[i - 1] < 3) {
      const double d = double(rr.rr_s[i]) - double(rr.rr_s[i - 1]);
      sum_sq_diff += d * d;
      ++n_diff;
    }
  }
  if (vals.size() < 2) return h;
  double mean = 0;
  for (double v : vals) mean += v;
  mean /= double(vals.size());
  double var = 0;
  for (double v : vals) var += (v - mean) * (v - mean);
  h.mean_hr_bpm = 60.0 / mean;
  h.sdnn_ms = 1000 * std::sqrt(var / double(vals.size() - 1));
  h.rmssd_ms = n_diff ? 1000 * std::sqrt(sum_sq_diff / double(n_diff)) : 0;

  // Min/max of the per-minute mean heart rate (robust to single odd beats).
  std::vector<double> minute_sum, minute_cnt;
  for (size_t i = 0; i < n; ++i) {
    if (!kept(keep_minute, rr.t_s[i])) continue;
    const size_t m = static_cast<size_t>(std::max(0.0, rr.t_s[i]) / 60);
    if (m >= minute_sum.size()) minute_sum.resize(m + 1, 0), minute_cnt.resize(m + 1, 0);
    minute_sum[m] += rr.rr_s[i], minute_cnt[m] += 1;
  }
  double lo = 1e9, hi = 0;
  for (size_t m = 0; m < minute_sum.size(); ++m) {
    if (minute_cnt[m] < 10) continue;
    const double hr = 60.0 / (minute_sum[m] / minute_cnt[m]);
    lo = std::min(lo, hr), hi = std::max(hi, hr);
  }
  if (hi > 0) h.min_hr_bpm = lo, h.max_hr_bpm = hi;

  // LF/HF: the RR series linearly interpolated at 2 Hz; Welch over segments fully kept.
  const double fs = 2;
  const size_t seg = 512;  // 256 s
  if (n < 2) return h;
  const double t0 = rr.t_s.front(), t1 = rr.t_s[n - 1];
  const size_t len = static_cast<size_t>((t1 - t0) * fs);
  if (len < seg) return h;
  std::vector<double> x(len);
  std::vector<uint8_t> ok(len);
  for (size_t i = 0, j = 0; i < len; ++i) {
    const double t = t0 + double(i) / fs;
    while (j + 1 < n && rr.t_s[j + 1] < t) ++j;
    if (j + 1 >= n) {
      x[i] = rr.rr_s[n - 1], ok[i] = 0;
      continue;
    }
    const double ta = rr.t_s[j], tb = rr.t_s[j + 1];
    const double f = tb > ta ? (t - ta) / (tb - ta) : 0;
    x[i] = rr.rr_s[j] * (1 - f) + rr.rr_s[j + 1] * f;
    ok[i] = (tb - ta) < 3 && kept(keep_minute, t);
  }
  std::vector<double> okc(len + 1, 0);
  for (size_t i = 0; i < len; ++i) okc[i + 1] = okc[i] + ok[i];
  std::vector<double> win(seg);
  for (size_t i = 0; i < seg; ++i) win[i] = 0.5 - 0.5 * std::cos(2 * kPi * double(i) / double(seg));
  std::vector<size_t> starts;  // the segments fully kept
  for (size_t a = 0; a + seg <= len; a += seg / 2)
    if (okc[a + seg] - okc[a] >= double(seg)) starts.push_back(a);
  // Each segment's mean removed and Hann-windowed into `out`.
  auto windowed = [&](size_t a, std::vector<double>& out) {
    double m = 0;
    for (size_t i = 0; i < seg; ++i) m += x[a + i];
    m /= double(seg);
    for (size_t i = 0; i < seg; ++i) out[i] = (x[a + i] - m) * win[i];
  };
  // Two real segments per complex transform, u in the real part and v in the imaginary: at bin k,
  // U = (Z[k] + conj Z[n - k]) / 2 and V = (Z[k] - conj Z[n - k]) / 2i.
  const Fft fft(seg);
  double lf = 0, hf = 0;
  std::vector<double> re(seg), im(seg);
  for (size_t s = 0; s < starts.size(); s += 2) {
    windowed(starts[s], re);
    if (s + 1 < starts.size())
      windowed(starts[s + 1], im);
    else
      std::fill(im.begin(), im.end(), 0.0);
    fft.transform(re, im);
    for (size_t k = 1; k < seg / 2; ++k) {
      const double f = double(k) * fs / double(seg);
      const bool in_lf = f >= 0.04 && f < 0.15, in_hf = f >= 0.15 && f < 0.40;
      if (!in_lf && !in_hf) continue;
      const double ur = 0.5 * (re[k] + re[seg - k]), ui = 0.5 * (im[k] - im[seg - k]);
      const double vr = 0.5 * (im[k] + im[seg - k]), vi = -0.5 * (re[k] - re[seg - k]);
      const double pw = ur * ur + ui * ui + vr * vr + vi * vi;
      (in_lf ? lf : hf) += pw;
    }
  }
  const size_t used = starts.size();
  if (used > 0 && hf > 0) h.lf_hf = lf / hf;
  return h;
}

}  // namespace somna::analysis
