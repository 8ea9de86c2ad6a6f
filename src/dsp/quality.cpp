// Per-minute signal quality: checks on the samples (gaps, flat line, saturation, high-frequency
// noise against the R amplitude) and on the beats (too few, implausible heart rate, irregular RR).
// The score is the lowest of the checks and the reason names that check, so later stages can
// abstain.

#include <algorithm>
#include <cmath>
#include <vector>

#include "dsp/beats.hpp"
#include "dsp/qrs_detector.hpp"

namespace somna::dsp {
namespace {

// Lowers the score; the reason names the worst check, except that a minute already found noisy
// keeps "noise" when the beats then look wrong too (the noise is the cause).
void lower(MinuteQuality& q, float score, const char* reason) {
  if (score < q.score) {
    q.score = std::max(0.0f, score);
    if (q.reason != "noise") q.reason = reason;
  }
}

float median_of(std::vector<float>& v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
  return v[v.size() / 2];
}

}  // namespace

std::vector<MinuteQuality> minute_quality(const io::Channel* ecg, const Beats& beats,
                                          size_t n_minutes) {
  std::vector<MinuteQuality> q(n_minutes);
  if (n_minutes == 0) return q;

  // Beats per minute and the record's typical RR (for "too few beats").
  std::vector<std::vector<size_t>> idx(n_minutes);
  for (size_t i = 0; i < beats.r_time_s.size(); ++i) {
    const double t = beats.r_time_s[i];
    if (!(t >= 0)) continue;
    const size_t mi = static_cast<size_t>(t / 60.0);
    if (mi < n_minutes) idx[mi].push_back(i);
  }
  std::vector<float> all_rr;
  for (size_t i = 1; i < beats.r_time_s.size(); ++i)
    all_rr.push_back(static_cast<float>(beats.r_time_s[i] - beats.r_time_s[i - 1]));
  const float typical_rr = all_rr.empty() ? 1.0f : std::clamp(median_of(all_rr), 0.3f, 2.0f);
  const float expected = 60.0f / typical_rr;
  const bool has_amp = beats.r_amp_mv.size() == beats.r_time_s.size();

  const double fs = ecg ? ecg->fs : 0;
  const int64_t ns = ecg ? static_cast<int64_t>(ecg->samples.size()) : 0;
  const double to_mv = ecg ? to_millivolts(ecg->units) : 1.0;
  std::vector<float> buf;
  for (size_t mi = 0; mi < n_minutes; ++mi) {
    MinuteQuality& mq = q[mi];
    float amp_med = 0;
    if (has_amp && !idx[mi].empty()) {
      buf.clear();
      for (size_t i : idx[mi]) buf.push_back(std::fabs(beats.r_amp_mv[i]));
      amp_med = median_of(buf);
    }
    if (ecg && fs > 0) {
      const int64_t a = static_cast<int64_t>(std::llround(mi * 60.0 * fs));
      const int64_t b = std::min(ns, static_cast<int64_t>(std::llround((mi + 1) * 60.0 * fs)));
      if (b - a < static_cast<int64_t>(fs)) {
        lower(mq, 0, "no signal");
        continue;
      }
      const float* x = ecg->samples.data();
      int64_t n_nan = 0;
      float mn = INFINITY, mx = -INFINITY;
      for (int64_t i = a; i < b; ++i) {
        const float v = x[i];
        if (!std::isfinite(v)) {
          ++n_nan;
          continue;
        }
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      const double n = static_cast<double>(b - a);
      if (n_nan > 0.5 * n) {
        lower(mq, 0, "gap");
        continue;
      }
      if (n_nan > 0) lower(mq, static_cast<float>(1.0 - n_nan / n), "gap");
      if ((mx - mn) * to_mv < 0.02) {
        lower(mq, 0, "flat line");
        continue;
      }
      int64_t at_rail = 0;
      const float eps = (mx - mn) * 1e-4f;
      for (int64_t i = a; i < b; ++i) at_rail += (x[i] >= mx - eps || x[i] <= mn + eps) ? 1 : 0;
      const double rail = at_rail / n;
      if (rail > 0.03) lower(mq, static_cast<float>(std::max(0.0, 1.0 - 5 * rail)), "saturation");
      // High-frequency noise: robust sigma from the median |second difference| (white noise:
      // variance 6 sigma^2), against the median R amplitude of the minute.
      buf.clear();
      const int64_t step = std::max<int64_t>(1, static_cast<int64_t>(fs / 128));
      for (int64_t i = a + 1; i + 1 < b; i += step) {
        const float d2 = x[i + 1] - 2 * x[i] + x[i - 1];
        if (std::isfinite(d2)) buf.push_back(std::fabs(d2));
      }
      const double sigma = median_of(buf) / (0.6745 * std::sqrt(6.0)) * to_mv;
      const double ref = amp_med > 0 ? amp_med : 0.5 * (mx - mn) * to_mv;
      if (sigma > 0) {
        const double snr = ref / sigma;
        if (snr < 3)
          lower(mq, 0.2f, "noise");
        else if (snr < 6)
          lower(mq, 0.6f, "noise");
      }
    }
    const size_t nb = idx[mi].size();
    const double covered =
        ecg && fs > 0
            ? std::min(60.0, ns / fs - mi * 60.0)
            : (beats.duration_s > 0 ? std::min(60.0, beats.duration_s - mi * 60.0) : 60.0);
    const double exp_here = expected * std::max(0.0, covered) / 60.0;
    if (nb < 2) {
      lower(mq, 0, "too few beats");
      continue;
    }
    if (nb < 0.5 * exp_here) lower(mq, static_cast<float>(nb / exp_here), "too few beats");
    buf.clear();
    for (size_t j = 1; j < nb; ++j)
      buf.push_back(
          static_cast<float>(beats.r_time_s[idx[mi][j]] - beats.r_time_s[idx[mi][j - 1]]));
    std::vector<float> rr = buf;
    const float rr_med = median_of(buf);
    const float hr = rr_med > 0 ? 60.0f / rr_med : 0.0f;
    if (hr < 25 || hr > 220) lower(mq, 0.1f, "implausible heart rate");
    // Irregular RR: many intervals far from the minute's median (false beats in artefact, missed
    // beats, or an arrhythmia such as atrial fibrillation: all make RR-based scoring unreliable).
    if (rr.size() >= 4 && rr_med > 0) {
      // A premature beat with its compensatory pause (short + long = two normal intervals) is
      // ectopy that clean_rr corrects, not a reason to distrust the minute.
      size_t off = 0;
      for (size_t i = 0; i < rr.size(); ++i) {
        if (std::fabs(rr[i] - rr_med) <= 0.3f * rr_med) continue;
        if (rr[i] < rr_med && i + 1 < rr.size() &&
            std::fabs(rr[i] + rr[i + 1] - 2 * rr_med) < 0.15f * rr_med) {
          ++i;
          continue;
        }
        ++off;
      }
      const float frac = static_cast<float>(off) / static_cast<float>(rr.size());
      if (frac > 0.05f) lower(mq, std::max(0.3f, 1.0f - 3.0f * frac), "irregular RR");
    }
  }
  return q;
}

}  // namespace somna::dsp
