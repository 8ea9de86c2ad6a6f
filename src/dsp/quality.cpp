// Per-minute signal quality: checks on the samples (gaps, flat line, saturation, high-frequency
// noise against the R amplitude) and on the beats (too few, implausible heart rate, irregular RR).
// The score is the lowest of the checks and the reason names that check, so later stages can
// abstain.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/simd.hpp"
#include "dsp/beats.hpp"
#include "dsp/order_statistics.hpp"
#include "dsp/qrs_detector.hpp"
#include "dsp/sample_range.hpp"

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
  return v.empty() ? 0 : kth_smallest(v, v.size() / 2);
}

// Second pass over one minute: samples at the rails, and how many of the subsampled |second
// differences| are <= each of two levels. The median |second difference| (the element of rank
// n/2 of the n finite ones) exceeds a level exactly when at most n/2 of them are <= it, so the
// noise checks need these counts only — no buffer, no selection.
// The largest float <= v (so that, for a float d, d <= v exactly when d <= lower_float(v)).
float lower_float(double v) {
  float f = static_cast<float>(v);
  if (static_cast<double>(f) > v) f = std::nextafter(f, -INFINITY);
  return f;
}

struct SecondPass {
  int64_t at_rail = 0;
  int64_t n_d2 = 0;   // finite second differences
  int64_t le_lo = 0;  // of those, <= lo
  int64_t le_hi = 0;  // of those, <= hi
};

// The counts over [a, b), for every second difference (step 1) or every step-th: plain loops
// the compiler vectorises, built for AVX-512 and AVX2 too (SOMNA_VECTOR_CLONES; the counts are
// integers and each difference is computed alike in any width, so every build counts the same).
SOMNA_VECTOR_CLONES SecondPass second_pass_counts(const float* x, int64_t a, int64_t b,
                                                  int64_t step, float top, float bottom, float flo,
                                                  float fhi) {
  constexpr float big = std::numeric_limits<float>::max();
  int32_t rail = 0, n = 0, c_lo = 0, c_hi = 0;
  for (int64_t i = a; i < b; ++i) rail += (x[i] >= top) | (x[i] <= bottom);
  auto count = [&](int64_t k) {
    const float d2 = std::fabs(x[k + 1] - 2 * x[k] + x[k - 1]);
    const bool finite = d2 <= big;
    n += finite;
    c_lo += finite & (d2 <= flo);
    c_hi += finite & (d2 <= fhi);
  };
  if (step == 1) {
    for (int64_t k = a + 1; k + 1 < b; ++k) count(k);
  } else {
    for (int64_t k = a + 1; k + 1 < b; k += step) count(k);
  }
  SecondPass r;
  r.at_rail = rail, r.n_d2 = n, r.le_lo = c_lo, r.le_hi = c_hi;
  return r;
}

SecondPass second_pass(const float* x, int64_t a, int64_t b, float mn, float mx, int64_t step,
                       double lo, double hi) {
  const float eps = (mx - mn) * 1e-4f;
  // Levels as floats: d2 <= level (double) <=> d2 <= the largest float <= level.
  return second_pass_counts(x, a, b, step, mx - eps, mn + eps, lower_float(lo), lower_float(hi));
}

}  // namespace

std::vector<MinuteQuality> minute_quality(const io::Channel* ecg, const Beats& beats,
                                          size_t n_minutes) {
  std::vector<MinuteQuality> q(n_minutes);
  if (n_minutes == 0) return q;

  // Beats per minute (a counting sort into one flat array: beats of minute m are
  // order[first[m] .. first[m + 1]), in time order) and the record's typical RR.
  const size_t nbeats = beats.r_time_s.size();
  std::vector<size_t> first(n_minutes + 1, 0);
  for (size_t i = 0; i < nbeats; ++i) {
    const double t = beats.r_time_s[i];
    if (!(t >= 0)) continue;
    const size_t mi = static_cast<size_t>(t / 60.0);
    if (mi < n_minutes) ++first[mi + 1];
  }
  for (size_t m = 0; m < n_minutes; ++m) first[m + 1] += first[m];
  std::vector<size_t> order(first[n_minutes]);
  {
    std::vector<size_t> fill(first.begin(), first.end() - 1);
    for (size_t i = 0; i < nbeats; ++i) {
      const double t = beats.r_time_s[i];
      if (!(t >= 0)) continue;
      const size_t mi = static_cast<size_t>(t / 60.0);
      if (mi < n_minutes) order[fill[mi]++] = i;
    }
  }
  std::vector<float> buf;
  buf.reserve(nbeats);
  for (size_t i = 1; i < nbeats; ++i)
    buf.push_back(static_cast<float>(beats.r_time_s[i] - beats.r_time_s[i - 1]));
  const float typical_rr = buf.empty() ? 1.0f : std::clamp(median_of(buf), 0.3f, 2.0f);
  const float expected = 60.0f / typical_rr;
  const bool has_amp = beats.r_amp_mv.size() == nbeats;

  const double fs = ecg ? ecg->fs : 0;
  const int64_t ns = ecg ? static_cast<int64_t>(ecg->samples.size()) : 0;
  const double to_mv = ecg ? to_millivolts(ecg->units) : 1.0;
  // sigma = median|d2| / (0.6745 sqrt 6) * to_mv; the checks are ref / sigma < 3 and < 6.
  const double sigma_per_d2 = to_mv / (0.6745 * std::sqrt(6.0));
  std::vector<float> rr;
  for (size_t mi = 0; mi < n_minutes; ++mi) {
    MinuteQuality& mq = q[mi];
    const size_t* beat = order.data() + first[mi];
    const size_t nb = first[mi + 1] - first[mi];
    float amp_med = 0;
    if (has_amp && nb > 0) {
      buf.clear();
      for (size_t j = 0; j < nb; ++j) buf.push_back(std::fabs(beats.r_amp_mv[beat[j]]));
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
      const SampleRange range = sample_range(x + a, b - a);
      const int64_t n_nan = range.non_finite;
      const float mn = range.lo, mx = range.hi;
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
      // High-frequency noise: robust sigma from the median |second difference| (white noise:
      // variance 6 sigma^2), against the median R amplitude of the minute.
      const double ref = amp_med > 0 ? amp_med : 0.5 * (mx - mn) * to_mv;
      const int64_t step = std::max<int64_t>(1, static_cast<int64_t>(fs / 128));
      // snr < 6 <=> median|d2| > ref / 6 / sigma_per_d2; snr < 3 <=> > ref / 3 / sigma_per_d2.
      const double lo = ref / 6.0 / sigma_per_d2, hi = ref / 3.0 / sigma_per_d2;
      const SecondPass sp = second_pass(x, a, b, mn, mx, step, lo, hi);
      const double rail = sp.at_rail / n;
      if (rail > 0.03) lower(mq, static_cast<float>(std::max(0.0, 1.0 - 5 * rail)), "saturation");
      if (sp.n_d2 > 0) {
        const int64_t k = sp.n_d2 / 2;  // rank of the median
        if (sp.le_hi <= k)
          lower(mq, 0.2f, "noise");
        else if (sp.le_lo <= k)
          lower(mq, 0.6f, "noise");
      }
    }
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
    rr.clear();
    for (size_t j = 1; j < nb; ++j)
      rr.push_back(static_cast<float>(beats.r_time_s[beat[j]] - beats.r_time_s[beat[j - 1]]));
    buf.assign(rr.begin(), rr.end());
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
