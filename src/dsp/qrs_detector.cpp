// QRS detector after Pan & Tompkins (IEEE TBME 1985) with the search-back and T-wave rules of
// that paper, rebuilt for speed and for any sampling frequency:
//  1. block-average to a working rate of 100-200 Hz (the QRS energy band is 5-15 Hz);
//  2. zero-phase 5-15 Hz Butterworth band-pass (forward + backward biquads: no delay);
//  3. five-point centred derivative, squared, centred 150 ms moving-window integration;
//  4. candidate peaks of the integrated energy, at least 200 ms apart (refractory period);
//  5. adaptive signal/noise peak levels (SPKI/NPKI), threshold NPKI + 0.25 (SPKI - NPKI),
//     search-back at half threshold after 1.66 mean RR, T-wave rejection within 360 ms
//     (maximal slope below half the previous QRS's); an artefact cannot raise the signal level
//     by more than a bounded step, and levels decay during long silences;
//  6. windows where the detected peaks do not stand out from the other peaks (white noise,
//     lead off) are dropped;
//  7. each detection is moved to the extremum of the full-rate signal (polarity chosen for the
//     whole record, so inverted leads give R at the inverted peak), R amplitude and QRS area are
//     measured against the local baseline (PR segment).
// Every pass is a streaming loop over float arrays; nothing is allocated per sample.

#include "dsp/qrs_detector.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include "dsp/beats.hpp"
#include "dsp/filters.hpp"

namespace somna::dsp {
namespace {

thread_local double g_rejected_s = 0;

constexpr int kLanes = 4;

// The 5-15 Hz band-pass (high-pass then low-pass biquad, direct form I) over nw samples, as
// kLanes interleaved lanes: lane l filters the l-th quarter of the signal, starting `warm`
// samples before it (after it, backward) from zero state. The start transient decays below float
// precision within `warm` samples, so the output equals one pass over the whole signal, but four
// recursion chains advance at once (one SSE register each) instead of one: the pass is bound by
// the latency of that chain. input(lane, j) gives sample j (0 <= j < nw, called in order per
// lane); out may be the array input reads from (a lane reads a sample before any lane writes it
// as long as each quarter is longer than warm, which the caller's size check ensures).
template <bool Backward, typename Input>
void bandpass_lanes(const Biquad& hp, const Biquad& lp, Input&& input, float* out, int64_t nw,
                    int64_t warm) {
  const int lanes = nw >= 4 * kLanes * warm ? kLanes : 1;
  const int64_t block = (nw + lanes - 1) / lanes;
  auto index = [&](int l, int64_t t) {
    return Backward ? (l + 1) * block - 1 + warm - t : l * block - warm + t;
  };
#if defined(__SSE2__)
  const __m128 hb0 = _mm_set1_ps(hp.b0), hb1 = _mm_set1_ps(hp.b1), hb2 = _mm_set1_ps(hp.b2),
               ha1 = _mm_set1_ps(hp.a1), ha2 = _mm_set1_ps(hp.a2);
  const __m128 lb0 = _mm_set1_ps(lp.b0), lb1 = _mm_set1_ps(lp.b1), lb2 = _mm_set1_ps(lp.b2),
               la1 = _mm_set1_ps(lp.a1), la2 = _mm_set1_ps(lp.a2);
  __m128 hx1 = _mm_setzero_ps(), hx2 = hx1, hy1 = hx1, hy2 = hx1, lx1 = hx1, lx2 = hx1, ly1 = hx1,
         ly2 = hx1;
  auto step = [&](__m128 v) {
    const __m128 ph = _mm_sub_ps(
        _mm_add_ps(_mm_add_ps(_mm_mul_ps(hb0, v), _mm_mul_ps(hb1, hx1)), _mm_mul_ps(hb2, hx2)),
        _mm_mul_ps(ha2, hy2));
    const __m128 yh = _mm_sub_ps(ph, _mm_mul_ps(ha1, hy1));
    hx2 = hx1;
    hx1 = v;
    hy2 = hy1;
    hy1 = yh;
    const __m128 pl = _mm_sub_ps(
        _mm_add_ps(_mm_add_ps(_mm_mul_ps(lb0, yh), _mm_mul_ps(lb1, lx1)), _mm_mul_ps(lb2, lx2)),
        _mm_mul_ps(la2, ly2));
    const __m128 yl = _mm_sub_ps(pl, _mm_mul_ps(la1, ly1));
    lx2 = lx1;
    lx1 = yh;
    ly2 = ly1;
    ly1 = yl;
    return yl;
  };
  alignas(16) float in[kLanes], res[kLanes];
  // Checked steps (edges: indices outside [0, nw) read 0 and are not written).
  auto checked = [&](int64_t t) {
    for (int l = 0; l < kLanes; ++l) {
      const int64_t i = index(l, t);
      in[l] = (l < lanes && i >= 0 && i < nw) ? input(l, i) : 0.0f;
    }
    _mm_store_ps(res, step(_mm_load_ps(in)));
    if (t < warm) return;
    for (int l = 0; l < lanes; ++l) {
      const int64_t i = index(l, t);
      if (i >= 0 && i < nw) out[i] = res[l];
    }
  };
  // Steps where every lane's index is inside [0, nw) and past its warm-up.
  // Forward: index = l*block - warm + t; backward: (l+1)*block - 1 + warm - t.
  int64_t t_lo = warm, t_hi = block + warm;
  if (lanes == kLanes) {
    if (Backward)
      t_lo = std::max(t_lo, kLanes * block + warm - nw);
    else
      t_hi = std::min(t_hi, nw - (kLanes - 1) * block + warm);
  } else {
    t_hi = t_lo;  // one lane: all steps checked
  }
  t_hi = std::max(t_hi, t_lo);
  int64_t t = 0;
  for (; t < t_lo; ++t) checked(t);
  for (; t < t_hi; ++t) {
    const __m128 v = _mm_set_ps(input(3, index(3, t)), input(2, index(2, t)), input(1, index(1, t)),
                                input(0, index(0, t)));
    _mm_store_ps(res, step(v));
    out[index(0, t)] = res[0];
    out[index(1, t)] = res[1];
    out[index(2, t)] = res[2];
    out[index(3, t)] = res[3];
  }
  for (; t < block + warm; ++t) checked(t);
#else
  for (int l = 0; l < lanes; ++l) {
    float hx1 = 0, hx2 = 0, hy1 = 0, hy2 = 0, lx1 = 0, lx2 = 0, ly1 = 0, ly2 = 0;
    for (int64_t t = 0; t < block + warm; ++t) {
      const int64_t i = index(l, t);
      const float v = (i >= 0 && i < nw) ? input(l, i) : 0.0f;
      const float yh = (hp.b0 * v + hp.b1 * hx1 + hp.b2 * hx2 - hp.a2 * hy2) - hp.a1 * hy1;
      hx2 = hx1;
      hx1 = v;
      hy2 = hy1;
      hy1 = yh;
      const float yl = (lp.b0 * yh + lp.b1 * lx1 + lp.b2 * lx2 - lp.a2 * ly2) - lp.a1 * ly1;
      lx2 = lx1;
      lx1 = yh;
      ly2 = ly1;
      ly1 = yl;
      if (t >= warm && i >= 0 && i < nw) out[i] = yl;
    }
  }
#endif
}

// Mean detected peak over the 10th percentile of the integrated energy below which a 10 s window
// holds no ECG (measured: white noise 3.8-5.8; MIT-BIH 100 with white noise at 5 dB SNR >= 50,
// synthetic ECG at 180/min >= 90; see docs/beats.md).
constexpr double kNoiseRatio = 12.0;

struct Candidate {
  int64_t pos;  // working-rate index
  float val;    // integrated energy at the peak
  float slope;  // largest |derivative| within the integration window around it
  bool qrs;
};

}  // namespace

int detection_decimation(double fs) {
  if (!(fs >= 200)) return 1;
  return static_cast<int>(std::floor(fs / 100.0));
}

double to_millivolts(const std::string& units) {
  std::string u;
  for (char c : units) u += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (u == "uv" || u == "\xc2\xb5v" || u == "\xb5v" || u == "microvolt" || u == "microvolts")
    return 1e-3;
  if (u == "v" || u == "volt" || u == "volts") return 1e3;
  if (u == "nv") return 1e-6;
  return 1.0;
}

double last_rejected_seconds() {
  return g_rejected_s;
}

Beats detect_beats(const io::Channel& ecg, const DetectOptions& options) {
  g_rejected_s = 0;
  Beats out;
  out.source = "detector:somna-qrs";
  const double fs = ecg.fs;
  const int64_t n = static_cast<int64_t>(ecg.samples.size());
  out.duration_s = fs > 0 ? static_cast<double>(n) / fs : 0.0;
  if (!(fs >= 40) || !std::isfinite(fs) || n < static_cast<int64_t>(2 * fs)) return out;

  const float* raw = ecg.samples.data();
  const int k = detection_decimation(fs);
  const double fw = fs / k;
  const int64_t nw = n / k;

  // 1-2. Zero-phase 5-15 Hz band-pass: forward pass fused with the block average (gaps: hold
  //      the last finite value; offset removed), then backward pass in place, each as four
  //      interleaved lanes (see bandpass_lanes); then |centred five-point derivative|.
  const double f_lo = 5.0, f_hi = std::min(15.0, 0.45 * fw);
  const Biquad hp = butter_highpass(f_lo, fw), lp = butter_lowpass(f_hi, fw);
  const int64_t warm = std::max<int64_t>(16, std::llround(fw));  // 1 s: transient < 1e-9
  std::vector<float> x(static_cast<size_t>(nw));
  {
    float first = 0;
    for (int64_t i = 0; i < n; ++i)
      if (std::isfinite(raw[i])) {
        first = raw[i];
        break;
      }
    const float x0 = first, inv_k = 1.0f / static_cast<float>(k);
    float last[kLanes];
    std::fill(last, last + kLanes, x0);
    auto input = [&](int lane, int64_t j) {
      const float* p = raw + j * k;
      float s = 0, hold = last[lane];
      for (int q = 0; q < k; ++q) {
        const float v = p[q];
        hold = (v - v == 0.0f) ? v : hold;  // false for NaN and infinities
        s += hold;
      }
      last[lane] = hold;
      return s * inv_k - x0;
    };
    bandpass_lanes<false>(hp, lp, input, x.data(), nw, warm);
  }
  if (options.progress) options.progress(0.3);
  {
    const float* xr = x.data();
    bandpass_lanes<true>(
        hp, lp, [xr](int, int64_t j) { return xr[j]; }, x.data(), nw, warm);
  }
  // 3. |Centred five-point derivative| in place, shifted by two: x[c - 2] = |d[c]| (written
  //    once d[c] has read x[c - 2]; d is 0 at the two samples of each edge). Its maximum per
  //    block of hb samples is kept aside for the T-wave rule.
  const int64_t h = std::max<int64_t>(3, std::llround(0.075 * fw));
  const int64_t hb = std::max<int64_t>(1, h / 2);
  std::vector<float> block_max(static_cast<size_t>(nw / hb + 2), 0.0f);
  {
    float* xp = x.data();
    size_t bi = 0;
    int64_t cnt = 0;
    float bmax = 0;
    auto push = [&](float a) {
      bmax = std::max(bmax, a);
      if (++cnt == hb) {
        block_max[bi++] = bmax;
        bmax = 0;
        cnt = 0;
      }
    };
    for (int64_t c = 0; c < std::min<int64_t>(2, nw); ++c) push(0.0f);
    for (int64_t c = 2; c + 2 < nw; ++c) {
      const float a = std::fabs(2.0f * (xp[c + 1] - xp[c - 1]) + (xp[c + 2] - xp[c - 2]));
      xp[c - 2] = a;
      push(a);
    }
    for (int64_t c = std::max<int64_t>(2, nw - 2); c < nw; ++c) push(0.0f);
    if (cnt > 0) block_max[bi] = bmax;
  }
  // |d[i]| from the shifted array (0 outside [2, nw - 2)).
  auto dabs = [&x, nw](int64_t i) { return i >= 2 && i + 2 < nw ? x[i - 2] : 0.0f; };
  if (options.progress) options.progress(0.5);

  // 4. Centred moving-window integration of d^2 over 150 ms, in place (a ring keeps the squares
  //    that the window still needs), then candidate peaks of it: local maxima, merged within the
  //    200 ms refractory period (keeping the larger), each with the largest |d| around it.
  const int64_t refr = std::max<int64_t>(1, std::llround(0.2 * fw));
  float* m = x.data();
  {
    size_t ring_n = 1;
    while (ring_n < static_cast<size_t>(2 * h + 4)) ring_n <<= 1;
    const size_t mask = ring_n - 1;
    std::vector<float> ring(ring_n, 0.0f);
    float* r = ring.data();
    double acc = 0;
    for (int64_t i = 0; i < std::min(h, nw); ++i) {
      const float v = dabs(i);
      r[i & mask] = v * v;
      acc += static_cast<double>(v * v);
    }
    const int64_t mid0 = std::min(nw, h + 1), mid1 = std::max(mid0, nw - h);
    for (int64_t j = 0; j < mid0; ++j) {
      if (j + h < nw) {
        const float v = dabs(j + h);
        r[(j + h) & mask] = v * v;
        acc += static_cast<double>(v * v);
      }
      m[j] = static_cast<float>(acc);
    }
    // Here 2 <= j + h < nw - 2 would hold for the read x[j + h - 2] = |d[j + h]| except near the
    // end, where dabs gives the zero edge; x[j + h - 2] lies ahead of the write m[j] (h >= 3).
    const int64_t fast1 = std::max(mid0, std::min(mid1, nw - 2 - h));
    for (int64_t j = mid0; j < fast1; ++j) {
      const float v = m[j + h - 2];
      const float add = v * v, sub = r[(j - h - 1) & mask];
      r[(j + h) & mask] = add;
      acc += static_cast<double>(add) - static_cast<double>(sub);
      m[j] = static_cast<float>(acc);
    }
    for (int64_t j = fast1; j < mid1; ++j) {
      const float v = dabs(j + h);
      const float add = v * v, sub = r[(j - h - 1) & mask];
      r[(j + h) & mask] = add;
      acc += static_cast<double>(add) - static_cast<double>(sub);
      m[j] = static_cast<float>(acc);
    }
    for (int64_t j = mid1; j < nw; ++j) {
      acc -= static_cast<double>(r[(j - h - 1) & mask]);
      m[j] = static_cast<float>(acc);
    }
    for (int64_t j = 0; j < nw; ++j) m[j] = m[j] > 0 ? m[j] : 0.0f;  // rounding below zero
  }
  std::vector<Candidate> cand;
  cand.reserve(static_cast<size_t>(nw / refr + 16));
  for (int64_t j = 1; j + 1 < nw; ++j) {
    const float v = m[j];
    if (!(v > m[j - 1] && v >= m[j + 1])) continue;
    if (!cand.empty() && j - cand.back().pos < refr) {
      if (v > cand.back().val) cand.back() = Candidate{j, v, 0.0f, false};
    } else {
      cand.push_back(Candidate{j, v, 0.0f, false});
    }
  }
  for (Candidate& c : cand) {
    const size_t lo = static_cast<size_t>(std::max<int64_t>(0, c.pos - h) / hb);
    const size_t hi = static_cast<size_t>(std::min(nw - 1, c.pos + h) / hb);
    float sl = 0;
    for (size_t q = lo; q <= hi; ++q) sl = std::max(sl, block_max[q]);
    c.slope = sl;
  }
  if (options.progress) options.progress(0.8);
  if (cand.empty()) return out;

  // 5. Adaptive thresholds with search-back and T-wave rejection.
  double spki, npki;
  {
    const int64_t block = static_cast<int64_t>(fw);
    std::vector<float> maxima;
    for (int64_t b = 0; b + block <= std::min<int64_t>(nw, 8 * block); b += block)
      maxima.push_back(*std::max_element(m + b, m + b + block));
    if (maxima.empty()) maxima.push_back(*std::max_element(m, m + nw));
    std::nth_element(maxima.begin(), maxima.begin() + maxima.size() / 2, maxima.end());
    spki = maxima[maxima.size() / 2];
    npki = 0.125 * spki;
  }
  const int64_t twave = std::llround(0.36 * fw);
  const int64_t silence = std::llround(2.0 * fw);
  std::array<double, 8> rr_hist;
  rr_hist.fill(fw);  // start at 60/min
  double rr_sum = 8 * fw;
  size_t rr_i = 0;
  int64_t last_qrs = std::numeric_limits<int64_t>::min() / 2;
  size_t last_qrs_c = 0;
  bool have_qrs = false;
  float slope_last = 0;
  std::vector<size_t> qrs_idx;
  qrs_idx.reserve(cand.size() / 2 + 1);

  auto accept = [&](size_t c, double weight) {
    const Candidate& q = cand[c];
    const double capped = spki > 0 ? std::min<double>(q.val, 3.0 * spki) : q.val;
    spki = weight * capped + (1 - weight) * spki;
    if (have_qrs) {
      const double rr = static_cast<double>(q.pos - last_qrs);
      rr_sum += rr - rr_hist[rr_i];
      rr_hist[rr_i] = rr;
      rr_i = (rr_i + 1) % rr_hist.size();
    }
    cand[c].qrs = true;
    last_qrs = q.pos;
    last_qrs_c = c;
    have_qrs = true;
    slope_last = q.slope;
    qrs_idx.push_back(c);
  };

  for (size_t c = 0; c < cand.size(); ++c) {
    // Search-back: too long since the last QRS; take the largest peak above half threshold.
    while (have_qrs) {
      const double rr_avg = rr_sum / rr_hist.size();
      const int64_t limit = std::max<int64_t>(std::llround(1.66 * rr_avg), refr + 1);
      if (cand[c].pos - last_qrs <= limit) break;
      const double thr2 = 0.5 * (npki + 0.25 * (spki - npki));
      size_t best = 0;
      float best_v = -1;
      for (size_t b = last_qrs_c + 1; b < c; ++b)
        if (cand[b].pos - last_qrs >= refr && cand[b].val > best_v) {
          best_v = cand[b].val;
          best = b;
        }
      if (best_v > thr2) {
        accept(best, 0.25);
        continue;
      }
      // Nothing there: after a long silence let the signal level decay (amplitude drop).
      if (cand[c].pos - last_qrs > silence && spki > 4 * npki) spki *= 0.5;
      break;
    }
    const Candidate& q = cand[c];
    const double thr1 = npki + 0.25 * (spki - npki);
    bool is_qrs = false;
    if (q.val > thr1) {
      const int64_t gap = q.pos - last_qrs;
      if (!have_qrs || gap >= twave) {
        is_qrs = gap >= refr;
      } else if (gap >= refr) {
        is_qrs = q.slope >= 0.5f * slope_last;
      }
    }
    if (is_qrs) {
      accept(c, 0.125);
    } else {
      npki = 0.125 * q.val + 0.875 * npki;
    }
  }
  if (qrs_idx.empty()) return out;
  std::sort(qrs_idx.begin(), qrs_idx.end());

  // 6. Drop windows whose detected peaks do not stand out from the background level of the
  //    integrated energy (its 10th percentile, from a subsample; a low percentile because at
  //    high heart rates the QRS humps cover most of the time): no ECG there.
  {
    const int64_t win = std::llround(10 * fw);
    std::vector<uint8_t> keep(qrs_idx.size(), 1);
    std::vector<float> sub;
    sub.reserve(128);
    size_t qi = 0;
    for (int64_t w0 = 0; w0 < nw; w0 += win) {
      const int64_t w1 = std::min(nw, w0 + win);
      const size_t q0 = qi;
      double s_sum = 0;
      while (qi < qrs_idx.size() && cand[qrs_idx[qi]].pos < w1) s_sum += cand[qrs_idx[qi++]].val;
      if (qi == q0) continue;
      sub.clear();
      const int64_t step = std::max<int64_t>(1, (w1 - w0) / 100);
      for (int64_t j = w0; j < w1; j += step) sub.push_back(m[j]);
      std::nth_element(sub.begin(), sub.begin() + sub.size() / 10, sub.end());
      const double ratio =
          (s_sum / static_cast<double>(qi - q0)) / std::max<double>(sub[sub.size() / 10], 1e-30);
      if (ratio < kNoiseRatio) {
        for (size_t r = q0; r < qi; ++r) keep[r] = 0;
        g_rejected_s += static_cast<double>(w1 - w0) / fw;
      }
    }
    size_t o = 0;
    for (size_t r = 0; r < qrs_idx.size(); ++r)
      if (keep[r]) qrs_idx[o++] = qrs_idx[r];
    qrs_idx.resize(o);
  }
  if (qrs_idx.empty()) return out;

  if (options.progress) options.progress(0.9);
  // 7. Refinement on the full-rate signal.
  const double to_mv = to_millivolts(ecg.units);
  const int64_t half = std::max<int64_t>(1, std::llround(0.1 * fs));
  const int64_t pre0 = std::llround(0.22 * fs),
                pre1 = std::max<int64_t>(1, std::llround(0.12 * fs));
  const int64_t area_h = std::max<int64_t>(1, std::llround(0.05 * fs));
  const size_t nb = qrs_idx.size();
  std::vector<int64_t> centre(nb), pos_i(nb), neg_i(nb);
  std::vector<float> base(nb), pos_v(nb), neg_v(nb);
  int votes = 0;
  for (size_t b = 0; b < nb; ++b) {
    const int64_t p = cand[qrs_idx[b]].pos * k + (k - 1) / 2;
    centre[b] = p;
    // Baseline: mean of the PR-segment window before the QRS.
    const int64_t a0 = std::max<int64_t>(0, p - pre0), a1 = std::max<int64_t>(0, p - pre1);
    double s = 0;
    int64_t cnt = 0;
    for (int64_t i = a0; i < a1; ++i)
      if (std::isfinite(raw[i])) {
        s += raw[i];
        ++cnt;
      }
    const int64_t lo = std::max<int64_t>(0, p - half), hi = std::min<int64_t>(n - 1, p + half);
    float mx = -std::numeric_limits<float>::infinity(), mn = -mx;
    int64_t imx = p, imn = p;
    for (int64_t i = lo; i <= hi; ++i) {
      const float v = raw[i];
      if (v > mx) mx = v, imx = i;
      if (v < mn) mn = v, imn = i;
    }
    const float bl =
        cnt > 0 ? static_cast<float>(s / cnt) : (std::isfinite(mx) ? 0.5f * (mx + mn) : 0.f);
    base[b] = bl;
    pos_i[b] = imx;
    neg_i[b] = imn;
    pos_v[b] = std::isfinite(mx) ? mx - bl : 0.f;
    neg_v[b] = std::isfinite(mn) ? bl - mn : 0.f;
    votes += pos_v[b] >= neg_v[b] ? 1 : -1;
  }
  const bool positive = votes >= 0;
  out.r_time_s.reserve(nb);
  out.r_amp_mv.reserve(nb);
  out.qrs_area.reserve(nb);
  const float sign = positive ? 1.f : -1.f;
  const int64_t pre_mid = (pre0 + pre1) / 2, max_gap = std::llround(2.5 * fs);
  for (size_t b = 0; b < nb; ++b) {
    const int64_t r = options.refine_peaks ? (positive ? pos_i[b] : neg_i[b]) : centre[b];
    // Baseline at r: linear between this beat's PR segment and the next one's (follows baseline
    // wander, which the QRS area is sensitive to: its lobes nearly cancel).
    auto baseline_at = [&](int64_t i) {
      const int64_t c0 = centre[b] - pre_mid;
      if (b + 1 < nb) {
        const int64_t c1 = centre[b + 1] - pre_mid;
        if (c1 > c0 && c1 - c0 < max_gap)
          return base[b] +
                 (base[b + 1] - base[b]) * static_cast<float>(i - c0) / static_cast<float>(c1 - c0);
      }
      return base[b];
    };
    const float amp = options.refine_peaks && std::isfinite(raw[r])
                          ? static_cast<float>(std::fabs(raw[r] - baseline_at(r)) * to_mv)
                          : static_cast<float>((positive ? pos_v[b] : neg_v[b]) * to_mv);
    double area = 0;
    const int64_t lo = std::max<int64_t>(0, r - area_h), hi = std::min<int64_t>(n - 1, r + area_h);
    for (int64_t i = lo; i <= hi; ++i)
      if (std::isfinite(raw[i])) area += (raw[i] - baseline_at(i)) * sign;
    const double t = static_cast<double>(r) / fs;
    if (!out.r_time_s.empty() && t - out.r_time_s.back() < 0.12) {
      // Two detections refined onto the same complex: keep the larger.
      if (amp > out.r_amp_mv.back()) {
        out.r_time_s.back() = t;
        out.r_amp_mv.back() = amp;
        out.qrs_area.back() = static_cast<float>(area / fs * to_mv);
      }
      continue;
    }
    out.r_time_s.push_back(t);
    out.r_amp_mv.push_back(amp);
    out.qrs_area.push_back(static_cast<float>(area / fs * to_mv));
  }
  return out;
}

}  // namespace somna::dsp
