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
// Passes 1-4 run segment by segment (a few minutes of signal, in cache); every pass is a
// streaming loop over float arrays; nothing is allocated per sample or per segment.

#include "dsp/qrs_detector.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <vector>

#include "common/side_by_side.hpp"
#include "common/simd.hpp"
#include "dsp/bandpass16.hpp"
#include "dsp/beats.hpp"
#include "dsp/filters.hpp"
#include "dsp/order_statistics.hpp"
#include "io/channel_info.hpp"

namespace somna::dsp {
namespace {

thread_local double g_rejected_s = 0;

constexpr int kLanes = 4;

// The 5-15 Hz band-pass (high-pass then low-pass biquad, direct form I) of samples [0, nw), as
// kLanes interleaved lanes: lane l filters the l-th quarter of them, starting `warm` samples
// before it (after it, backward) from zero state. The start transient decays below float
// precision within `warm` samples, so the output equals one pass over the whole signal, but four
// recursion chains advance at once (one SSE register each) instead of one: the pass is bound by
// the latency of that chain. input(lane, j) gives sample j for in_lo <= j < in_hi (called in
// order per lane; samples outside are 0, the signal's edges), where in_lo <= 0 and nw <= in_hi:
// a warm-up may read what lies before 0 (forward) or after nw (backward). out may be the array
// input reads from (a lane reads a sample before any lane writes it as long as each quarter is
// longer than warm, which the lane count's size check ensures).
// False when an input was not finite: the filters' state then stays NaN or infinite to the end
// (see bandpass16.hpp). Kept out of line, as the compiler left it before the passes were functions
// of their own: inlined through them into detect_beats, detection of an 8-hour night measured ~5%
// slower.
template <bool Backward, typename Input>
[[gnu::noinline]] bool bandpass_lanes(const Biquad& hp, const Biquad& lp, Input&& input, float* out,
                                      int64_t nw, int64_t in_lo, int64_t in_hi, int64_t warm) {
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
      in[l] = (l < lanes && i >= in_lo && i < in_hi) ? input(l, i) : 0.0f;
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
  _mm_store_ps(res, ly1);
  return std::all_of(res, res + kLanes, [](float v) { return v - v == 0.0f; });
#else
  bool finite = true;
  for (int l = 0; l < lanes; ++l) {
    float hx1 = 0, hx2 = 0, hy1 = 0, hy2 = 0, lx1 = 0, lx2 = 0, ly1 = 0, ly2 = 0;
    for (int64_t t = 0; t < block + warm; ++t) {
      const int64_t i = index(l, t);
      const float v = (i >= in_lo && i < in_hi) ? input(l, i) : 0.0f;
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
    finite = finite && ly1 - ly1 == 0.0f;
  }
  return finite;
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

// The detector's rates and windows: fw = fs / k is the working rate, nw the samples at it.
struct Rates {
  double fs = 0, fw = 0;
  int k = 1;
  int64_t n = 0, nw = 0;
  int64_t warm = 0;  // band-pass start-up: 1 s, the transient is then < 1e-9
  int64_t h = 0;     // half of the 150 ms integration window
  int64_t hb = 0;    // block of |d| samples whose maxima the T-wave rule reads
  int64_t refr = 0;  // refractory period, 200 ms
};

Rates detection_rates(double fs, int64_t n) {
  Rates r;
  r.fs = fs;
  r.k = detection_decimation(fs);
  r.fw = fs / r.k;
  r.n = n;
  r.nw = n / r.k;
  r.warm = std::max<int64_t>(16, std::llround(r.fw));
  r.h = std::max<int64_t>(3, std::llround(0.075 * r.fw));
  r.hb = std::max<int64_t>(1, r.h / 2);
  r.refr = std::max<int64_t>(1, std::llround(0.2 * r.fw));
  return r;
}

// The 5-15 Hz band (the upper edge below 0.45 fw) as a high-pass and a low-pass biquad.
struct QrsBand {
  Biquad hp, lp;
};

QrsBand qrs_band(double fw) {
  const double f_lo = 5.0, f_hi = std::min(15.0, 0.45 * fw);
  return QrsBand{butter_highpass(f_lo, fw), butter_lowpass(f_hi, fw)};
}

// The first finite sample (0 when there is none): the offset the band-pass input starts from.
float first_finite(const float* raw, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (std::isfinite(raw[i])) return raw[i];
  return 0;
}

// 1-4 run one segment of the night at a time (kSegmentWindows 10 s windows of working-rate
//    samples plus margins), so the working arrays stay in cache and a night needs no whole-night
//    copy of its signal. Each segment is band-passed from zero state `warm` samples before
//    (forward) and after (backward) it, as the lanes already are, so the result equals one pass
//    over the whole night to float precision.
constexpr int64_t kSegmentWindows = 30;

// What passes 1-4 leave for the later steps; the energy itself is kept one segment at a time.
struct EnergyPeaks {
  std::vector<Candidate> cand;    // 4. candidate peaks, in order
  std::vector<float> background;  // 6. per 10 s window: the energy's background level
  double initial_level = 0;       // 5. where SPKI starts
  float x0 = 0;                   // 1. the offset removed (the first finite sample)
};

// One segment: the samples [s0, s1) it decides, band-passed over [a0, a1) (the margins hold what
// the derivative, the integration window and the slope search reach beyond [s0, s1)).
struct Segment {
  int64_t s0 = 0, s1 = 0, a0 = 0, a1 = 0;
  std::vector<float> y;   // band-passed y[i - a0], with room for the backward pass's warm-up
  std::vector<float> d;   // |derivative| d[i - a0 + pad], zero outside the night's [2, nw - 2)
  std::vector<float> m;   // integrated energy m[j - a0]
  std::vector<float> sq;  // integrate_energy's scratch
  int64_t pad = 0;
};

// 1-2. Zero-phase 5-15 Hz band-pass of [a0, a1): the forward pass fused with the block average
//      (gaps: hold the last finite value; offset x0 removed), then the backward pass in place,
//      each as four interleaved lanes (see bandpass_lanes), or sixteen (bandpass16). Where the
//      working rate is the signal's, the forward pass first reads the samples as they are
//      (nothing to average; with no gap, nothing to hold: the same input) and is run again
//      holding over gaps only when that gave non-finite values. No pass over the samples looks
//      for gaps first (a check of the whole night was one more pass over them from memory).
void bandpass_segment(const float* raw, const Rates& r, const QrsBand& band, float x0, Segment& g) {
  const int64_t a0 = g.a0, f1 = std::min(r.nw, g.a1 + r.warm), nf = f1 - a0;
  float* y = g.y.data();
  const bool wide = bandpass16_available() && g.a1 - a0 >= 64 * r.warm;
  bool done = false;  // the forward pass of samples read as they are gave finite values
  if (r.k == 1 && wide) {
    done = bandpass16(band.hp, band.lp, false, raw + a0, x0, y, nf, -a0, nf, r.warm);
  } else if (r.k == 1) {
    done = bandpass_lanes<false>(
        band.hp, band.lp, [raw, a0, x0](int, int64_t j) { return raw[a0 + j] - x0; }, y, nf, -a0,
        nf, r.warm);
  }
  if (!done) {
    const int k = r.k;
    const float inv_k = 1.0f / static_cast<float>(k);
    float last[kLanes];
    std::fill(last, last + kLanes, x0);
    auto input = [&](int lane, int64_t j) {
      const float* p = raw + (a0 + j) * k;
      float s = 0, hold = last[lane];
      for (int q = 0; q < k; ++q) {
        const float v = p[q];
        hold = (v - v == 0.0f) ? v : hold;  // false for NaN and infinities
        s += hold;
      }
      last[lane] = hold;
      return s * inv_k - x0;
    };
    bandpass_lanes<false>(band.hp, band.lp, input, y, nf, -a0, nf, r.warm);
  }
  if (wide) {
    bandpass16(band.hp, band.lp, true, y, 0.0f, y, g.a1 - a0, 0, nf, r.warm);
    return;
  }
  const float* yr = y;
  bandpass_lanes<true>(
      band.hp, band.lp, [yr](int, int64_t j) { return yr[j]; }, y, g.a1 - a0, 0, nf, r.warm);
}

// 3. |Centred five-point derivative| over the segment (0 at the two samples of each edge of the
//    night, and at the segment's own edges, which the margins keep out of use).
void abs_derivative(const Rates& r, Segment& g) {
  const float* y = g.y.data();
  float* d = g.d.data() + g.pad;
  const int64_t c0 = std::max<int64_t>(g.a0 + 2, 2),
                c1 = std::max(c0, std::min(g.a1 - 2, r.nw - 2));
  std::fill(g.d.data(), d + (c0 - g.a0), 0.0f);
  std::fill(d + (c1 - g.a0), g.d.data() + g.d.size(), 0.0f);
  for (int64_t c = c0; c < c1; ++c) {
    const int64_t i = c - g.a0;
    d[i] = std::fabs(2.0f * (y[i + 1] - y[i - 1]) + (y[i + 2] - y[i - 2]));
  }
}

// 4. Centred moving-window integration of d^2 over 150 ms (2h + 1 samples), for the samples
//    [s0 - 1, s1 + 1) that the peak search reads: each window's sum from sums of power-of-two
//    runs (log2 of the window's length passes over the segment, each a vectorised loop). A
//    running sum instead is one chain of dependent additions (the CPU waits out each before the
//    next): four such chains at once still took twice as long. Sums of at most 31 squares, in
//    float: no drift to guard against, as a running sum has.
SOMNA_VECTOR_CLONES void window_sums(float* runs, int64_t n, int64_t len, float* out,
                                     int64_t n_out) {
  std::fill(out, out + n_out, 0.0f);
  int64_t offset = 0;  // runs[j] holds the sum of `run` squares from j, out[j] those before offset
  for (int64_t run = 1; run <= len; run *= 2) {
    if (len & run) {
      for (int64_t j = 0; j < n_out; ++j) out[j] += runs[j + offset];
      offset += run;
    }
    if (2 * run > len) break;
    for (int64_t j = 0; j + run < n; ++j) runs[j] += runs[j + run];  // reads ahead: in place
  }
}

void integrate_energy(const Rates& r, Segment& g) {
  const int64_t h = r.h, j0 = std::max<int64_t>(0, g.s0 - 1) - g.a0,
                j1 = std::min(r.nw, g.s1 + 1) - g.a0;  // indices relative to a0, as d's and m's
  const float* d = g.d.data() + g.pad + j0 - h;
  const int64_t n = j1 - j0 + 2 * h;
  float* sq = g.sq.data();
  for (int64_t i = 0; i < n; ++i) sq[i] = d[i] * d[i];
  window_sums(sq, n, 2 * h + 1, g.m.data() + j0, j1 - j0);
}

// 4. The first j' >= j whose sample may be a local maximum (m[j'] > m[j' - 1], m[j'] >= m[j' + 1]),
//    four samples per test (a sample in twenty or so is one; the scalar test, branching on each
//    sample, was the detector's slowest loop). The caller still tests j'; nw - 1 when none is.
int64_t next_local_maximum(const float* m, int64_t j, int64_t nw) {
#if defined(__SSE2__)
  for (; j + 5 <= nw; j += 4) {
    const __m128 c = _mm_loadu_ps(m + j);
    const int mask = _mm_movemask_ps(_mm_and_ps(_mm_cmpgt_ps(c, _mm_loadu_ps(m + j - 1)),
                                                _mm_cmpge_ps(c, _mm_loadu_ps(m + j + 1))));
    if (mask) return j + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  for (; j + 1 < nw; ++j)
    if (m[j] > m[j - 1] && m[j] >= m[j + 1]) return j;
  return nw - 1;
}

// 4. The largest |d| in the blocks of hb samples (counted from the night's start) that the
//    integration window around pos touches: the slope the T-wave rule compares.
float peak_slope(const Rates& r, const Segment& g, int64_t pos) {
  const int64_t lo = std::max<int64_t>(0, pos - r.h) / r.hb * r.hb;
  const int64_t hi = std::min(r.nw, (std::min(r.nw - 1, pos + r.h) / r.hb + 1) * r.hb);
  const float* d = g.d.data() + g.pad;
  float sl = 0;
  for (int64_t i = lo - g.a0; i < hi - g.a0; ++i) sl = std::max(sl, d[i]);
  return sl;
}

// 4. One local maximum of the energy into the candidates: within the 200 ms refractory period
//    of the last candidate the larger of the two stays (across segments too), else it is a new
//    candidate. True when it is a new one.
bool merge_candidate(std::vector<Candidate>& cand, const Candidate& x, int64_t refr) {
  if (!cand.empty() && x.pos - cand.back().pos < refr) {
    if (x.val > cand.back().val) cand.back() = x;
    return false;
  }
  cand.push_back(x);
  return true;
}

// The local maxima of the first segment of the second half of a night detected in two halves
// (energy_peaks), and what the half's own candidate list did with each: joining the halves
// merges them again after the first half's candidates.
struct FirstMaxima {
  std::vector<Candidate> maxima;  // with their slopes
  std::vector<uint8_t> pushed;    // a new candidate in the half's list
  std::vector<size_t> count;      // the half's candidates after it
};

// 4. Candidate peaks of the segment: local maxima of the integrated energy, merged within the
//    200 ms refractory period, then the slope of those that lie in the segment (a later
//    segment's peak that replaces one measures its own). first: records the maxima (see
//    FirstMaxima); null for every segment but that one.
void candidate_peaks(const Rates& r, const Segment& g, std::vector<Candidate>& cand,
                     FirstMaxima* first) {
  const float* m = g.m.data();  // m[j - a0]
  const int64_t end = std::min(g.s1, r.nw - 1) - g.a0;
  for (int64_t j = std::max<int64_t>(1, g.s0) - g.a0; j < end; ++j) {
    j = next_local_maximum(m, j, end + 1);
    if (j >= end) break;
    const float v = m[j];
    if (!(v > m[j - 1] && v >= m[j + 1])) continue;
    const int64_t pos = j + g.a0;
    const bool pushed = merge_candidate(cand, Candidate{pos, v, 0.0f, false}, r.refr);
    if (first) {
      first->maxima.push_back(Candidate{pos, v, peak_slope(r, g, pos), false});
      first->pushed.push_back(pushed);
      first->count.push_back(cand.size());
    }
  }
  for (size_t c = cand.size(); c-- > 0 && cand[c].pos >= g.s0;)
    cand[c].slope = peak_slope(r, g, cand[c].pos);
}

// 4. The night's candidates from its two halves' lists (b found from an empty list, not from
//    a's last candidate): b's first maxima are merged again after a's candidates, as one pass
//    over the night merges them, until one is a new candidate in both passes; from there on
//    both hold the same, so b's candidates from that one on follow. False, a unchanged, when
//    that never happens in b's first segment (then b is to be found again after a).
bool join_halves(std::vector<Candidate>& a, const std::vector<Candidate>& b,
                 const FirstMaxima& first, int64_t refr) {
  const size_t n = a.size();
  const Candidate last = n > 0 ? a.back() : Candidate{};
  for (size_t i = 0; i < first.maxima.size(); ++i) {
    if (merge_candidate(a, first.maxima[i], refr) && first.pushed[i]) {
      a.back() = b[first.count[i] - 1];  // as b's pass left it (a later maximum may replace it)
      a.insert(a.end(), b.begin() + static_cast<std::ptrdiff_t>(first.count[i]), b.end());
      return true;
    }
  }
  a.resize(n);
  if (n > 0) a.back() = last;
  return false;
}

// 5. The initial signal level SPKI: the median of the integrated energy's maxima over the first
//    eight one-second blocks (over the whole signal when it is shorter than one). The first
//    segment holds them.
double initial_signal_level(const Rates& r, const float* m) {
  const int64_t nw = r.nw, block = static_cast<int64_t>(r.fw);
  std::vector<float> maxima;
  for (int64_t b = 0; b + block <= std::min<int64_t>(nw, 8 * block); b += block)
    maxima.push_back(*std::max_element(m + b, m + b + block));
  if (maxima.empty()) maxima.push_back(*std::max_element(m, m + nw));
  std::nth_element(maxima.begin(), maxima.begin() + maxima.size() / 2, maxima.end());
  return maxima[maxima.size() / 2];
}

// 6. The background level of the integrated energy over [w0, w1): its 10th percentile, from a
//    subsample (sub is the caller's buffer); a low percentile because at high heart rates the QRS
//    humps cover most of the time.
float background_level(const float* m, int64_t w0, int64_t w1, std::vector<float>& sub) {
  sub.clear();
  const int64_t step = std::max<int64_t>(1, (w1 - w0) / 100);
  for (int64_t j = w0; j < w1; j += step) sub.push_back(m[j]);
  return kth_smallest(sub, sub.size() / 10);
}

// 1-4 and 6 over the night's segments [first, last) (segment k: working-rate samples
//    [k seg, (k + 1) seg)), with buffers of their own: candidates into cand, each 10 s window's
//    background level into out.background (sized for the night; a segment writes its own), and
//    SPKI's start when segment 0 is among them. record: the first segment's maxima (FirstMaxima),
//    or null. done counts finished segments for the progress that the range from 0 reports.
void segment_passes(const float* raw, const Rates& r, const QrsBand& band, int64_t first,
                    int64_t last, std::vector<Candidate>& cand, FirstMaxima* record,
                    EnergyPeaks& out, std::atomic<int64_t>& done,
                    const std::function<void(double)>& progress) {
  const int64_t nw = r.nw, win = std::llround(10 * r.fw), seg = kSegmentWindows * win;
  const int64_t margin = r.h + r.hb + 4, segments = (nw + seg - 1) / seg;
  Segment g;
  g.pad = r.h + 2;
  const int64_t span = std::min(nw, seg + 2 * margin);
  g.y.resize(static_cast<size_t>(std::min(nw, span + r.warm)));
  g.d.resize(static_cast<size_t>(span + 2 * g.pad));
  g.m.resize(static_cast<size_t>(span));
  g.sq.resize(static_cast<size_t>(span + 2 * r.h + 2));
  cand.reserve(cand.size() + static_cast<size_t>((last - first) * seg / r.refr + 16));
  std::vector<float> sub;
  sub.reserve(128);
  for (int64_t k = first; k < last; ++k) {
    g.s0 = k * seg, g.s1 = std::min(nw, g.s0 + seg);
    g.a0 = std::max<int64_t>(0, g.s0 - margin), g.a1 = std::min(nw, g.s1 + margin);
    bandpass_segment(raw, r, band, out.x0, g);
    abs_derivative(r, g);
    integrate_energy(r, g);
    candidate_peaks(r, g, cand, k == first ? record : nullptr);
    if (k == 0) out.initial_level = initial_signal_level(r, g.m.data());  // a0 = 0 there
    for (int64_t w0 = g.s0; w0 < g.s1; w0 += win)
      out.background[static_cast<size_t>(w0 / win)] =
          background_level(g.m.data(), w0 - g.a0, std::min(nw, w0 + win) - g.a0, sub);
    const int64_t finished = ++done;
    if (progress && first == 0)
      progress(0.8 * static_cast<double>(finished) / static_cast<double>(segments));
  }
}

// 1-6. Passes 1-4 over the night, segment by segment, into the candidates and the levels that
//      steps 5 and 6 read. Segments are whole 10 s windows, so each window's background lies in
//      one. With threads > 1 the second half of the segments runs on a thread of its own (each
//      segment is band-passed from its own margins, so the halves share nothing but the
//      refractory merge at their seam: join_halves); the candidates are the same either way.
EnergyPeaks energy_peaks(const float* raw, const Rates& r, const QrsBand& band, int threads,
                         const std::function<void(double)>& progress) {
  const int64_t win = std::llround(10 * r.fw), seg = kSegmentWindows * win;
  const int64_t segments = (r.nw + seg - 1) / seg;
  EnergyPeaks out;
  out.x0 = first_finite(raw, r.n);
  out.background.resize(static_cast<size_t>((r.nw + win - 1) / win));
  std::atomic<int64_t> done{0};
  if (threads < 2 || segments < 2) {
    segment_passes(raw, r, band, 0, segments, out.cand, nullptr, out, done, progress);
    return out;
  }
  const int64_t half = segments / 2;
  std::vector<Candidate> later;
  FirstMaxima first;
  side_by_side(
      true, [&] { segment_passes(raw, r, band, 0, half, out.cand, nullptr, out, done, progress); },
      [&] { segment_passes(raw, r, band, half, segments, later, &first, out, done, progress); });
  if (!join_halves(out.cand, later, first, r.refr))
    segment_passes(raw, r, band, half, segments, out.cand, nullptr, out, done, nullptr);
  return out;
}

// 5. Adaptive thresholds with search-back and T-wave rejection: the state carried from candidate
//    to candidate (signal/noise peak levels, the last eight RR intervals, the last QRS).
class QrsSearch {
 public:
  QrsSearch(std::vector<Candidate>& cand, const Rates& r, double spki)
      : cand_(cand),
        refr_(r.refr),
        twave_(std::llround(0.36 * r.fw)),
        silence_(std::llround(2.0 * r.fw)),
        spki_(spki),
        npki_(0.125 * spki),
        rr_sum_(8 * r.fw) {
    rr_hist_.fill(r.fw);  // start at 60/min
    qrs_idx_.reserve(cand.size() / 2 + 1);
  }

  // Search-back: too long since the last QRS; take the largest peak above half threshold.
  void search_back(size_t c) {
    while (have_qrs_) {
      const double rr_avg = rr_sum_ / rr_hist_.size();
      const int64_t limit = std::max<int64_t>(std::llround(1.66 * rr_avg), refr_ + 1);
      if (cand_[c].pos - last_qrs_ <= limit) break;
      const double thr2 = 0.5 * (npki_ + 0.25 * (spki_ - npki_));
      size_t best = 0;
      float best_v = -1;
      for (size_t b = last_qrs_c_ + 1; b < c; ++b)
        if (cand_[b].pos - last_qrs_ >= refr_ && cand_[b].val > best_v) {
          best_v = cand_[b].val;
          best = b;
        }
      if (best_v > thr2) {
        accept(best, 0.25);
        continue;
      }
      // Nothing there: after a long silence let the signal level decay (amplitude drop).
      if (cand_[c].pos - last_qrs_ > silence_ && spki_ > 4 * npki_) spki_ *= 0.5;
      break;
    }
  }

  // A QRS above threshold NPKI + 0.25 (SPKI - NPKI), outside the refractory period, and within
  // 360 ms of the last QRS only with at least half its slope (else a T wave); otherwise noise.
  void classify(size_t c) {
    const Candidate& q = cand_[c];
    const double thr1 = npki_ + 0.25 * (spki_ - npki_);
    bool is_qrs = false;
    if (q.val > thr1) {
      const int64_t gap = q.pos - last_qrs_;
      if (!have_qrs_ || gap >= twave_) {
        is_qrs = gap >= refr_;
      } else if (gap >= refr_) {
        is_qrs = q.slope >= 0.5f * slope_last_;
      }
    }
    if (is_qrs) {
      accept(c, 0.125);
    } else {
      npki_ = 0.125 * q.val + 0.875 * npki_;
    }
  }

  // The accepted candidates, in order.
  std::vector<size_t> take_sorted() {
    std::sort(qrs_idx_.begin(), qrs_idx_.end());
    return std::move(qrs_idx_);
  }

 private:
  // An artefact cannot raise the signal level by more than a bounded step (3 SPKI).
  void accept(size_t c, double weight) {
    const Candidate& q = cand_[c];
    const double capped = spki_ > 0 ? std::min<double>(q.val, 3.0 * spki_) : q.val;
    spki_ = weight * capped + (1 - weight) * spki_;
    if (have_qrs_) {
      const double rr = static_cast<double>(q.pos - last_qrs_);
      rr_sum_ += rr - rr_hist_[rr_i_];
      rr_hist_[rr_i_] = rr;
      rr_i_ = (rr_i_ + 1) % rr_hist_.size();
    }
    cand_[c].qrs = true;
    last_qrs_ = q.pos;
    last_qrs_c_ = c;
    have_qrs_ = true;
    slope_last_ = q.slope;
    qrs_idx_.push_back(c);
  }

  std::vector<Candidate>& cand_;
  const int64_t refr_, twave_, silence_;
  double spki_, npki_;
  std::array<double, 8> rr_hist_;
  double rr_sum_;
  size_t rr_i_ = 0;
  int64_t last_qrs_ = std::numeric_limits<int64_t>::min() / 2;
  size_t last_qrs_c_ = 0;
  bool have_qrs_ = false;
  float slope_last_ = 0;
  std::vector<size_t> qrs_idx_;
};

// 5. The candidates taken for QRS complexes (indices into cand, increasing).
std::vector<size_t> find_qrs(const Rates& r, EnergyPeaks& peaks) {
  std::vector<Candidate>& cand = peaks.cand;
  QrsSearch search(cand, r, peaks.initial_level);
  for (size_t c = 0; c < cand.size(); ++c) {
    search.search_back(c);
    search.classify(c);
  }
  return search.take_sorted();
}

// 6. Drops the QRS of 10 s windows whose detected peaks do not stand out from the background
//    level (no ECG there: white noise, lead off). Returns the seconds dropped.
double drop_noise_windows(const Rates& r, const EnergyPeaks& peaks, std::vector<size_t>& qrs_idx) {
  const std::vector<Candidate>& cand = peaks.cand;
  const int64_t nw = r.nw, win = std::llround(10 * r.fw);
  double rejected_s = 0;
  std::vector<uint8_t> keep(qrs_idx.size(), 1);
  size_t qi = 0;
  for (int64_t w0 = 0, w = 0; w0 < nw; w0 += win, ++w) {
    const int64_t w1 = std::min(nw, w0 + win);
    const size_t q0 = qi;
    double s_sum = 0;
    while (qi < qrs_idx.size() && cand[qrs_idx[qi]].pos < w1) s_sum += cand[qrs_idx[qi++]].val;
    if (qi == q0) continue;
    const double ratio = (s_sum / static_cast<double>(qi - q0)) /
                         std::max<double>(peaks.background[static_cast<size_t>(w)], 1e-30);
    if (ratio < kNoiseRatio) {
      for (size_t q = q0; q < qi; ++q) keep[q] = 0;
      rejected_s += static_cast<double>(w1 - w0) / r.fw;
    }
  }
  size_t o = 0;
  for (size_t q = 0; q < qrs_idx.size(); ++q)
    if (keep[q]) qrs_idx[o++] = qrs_idx[q];
  qrs_idx.resize(o);
  return rejected_s;
}

// 7. The full-rate windows, in samples at fs: the extremum search (+-100 ms), the PR segment
//    (220 to 120 ms before the QRS) and the QRS area (+-50 ms).
struct RefineWindows {
  int64_t half, pre0, pre1, area_h;
  int64_t pre_mid, max_gap;  // middle of the PR segment; longest RR the baseline interpolates
};

RefineWindows refine_windows(double fs) {
  const int64_t pre0 = std::llround(0.22 * fs),
                pre1 = std::max<int64_t>(1, std::llround(0.12 * fs));
  return RefineWindows{std::max<int64_t>(1, std::llround(0.1 * fs)),
                       pre0,
                       pre1,
                       std::max<int64_t>(1, std::llround(0.05 * fs)),
                       (pre0 + pre1) / 2,
                       std::llround(2.5 * fs)};
}

// 7. One beat's R as the record's polarity would place it: its sample, its amplitude against the
//    baseline (units of raw) and its QRS area (samples times units of raw).
struct RPeak {
  int64_t at = 0;
  float amp = 0;
  double area = 0;
};

// 7. Each detection on the full-rate signal: its centre, the baseline before it, its extremes of
//    either polarity against that baseline, and its R for either polarity of the record.
struct BeatShapes {
  std::vector<int64_t> centre, pos_i, neg_i;
  std::vector<float> base, pos_v, neg_v;
  std::vector<RPeak> upright, inverted;
  int votes = 0;  // beats whose positive extreme is the larger, less the others
};

// 7. Measures beat b (full-rate centre p) into shapes.
void measure_beat(const float* raw, int64_t n, const RefineWindows& w, int64_t p, size_t b,
                  BeatShapes& shapes) {
  // Baseline: mean of the PR-segment window before the QRS.
  const int64_t a0 = std::max<int64_t>(0, p - w.pre0), a1 = std::max<int64_t>(0, p - w.pre1);
  double s = 0;
  int64_t cnt = 0;
  for (int64_t i = a0; i < a1; ++i)
    if (std::isfinite(raw[i])) {
      s += raw[i];
      ++cnt;
    }
  const int64_t lo = std::max<int64_t>(0, p - w.half), hi = std::min<int64_t>(n - 1, p + w.half);
  float mx = -std::numeric_limits<float>::infinity(), mn = -mx;
  int64_t imx = p, imn = p;
  for (int64_t i = lo; i <= hi; ++i) {
    const float v = raw[i];
    if (v > mx) mx = v, imx = i;
    if (v < mn) mn = v, imn = i;
  }
  const float bl =
      cnt > 0 ? static_cast<float>(s / cnt) : (std::isfinite(mx) ? 0.5f * (mx + mn) : 0.f);
  shapes.centre[b] = p;
  shapes.base[b] = bl;
  shapes.pos_i[b] = imx;
  shapes.neg_i[b] = imn;
  shapes.pos_v[b] = std::isfinite(mx) ? mx - bl : 0.f;
  shapes.neg_v[b] = std::isfinite(mn) ? bl - mn : 0.f;
  shapes.votes += shapes.pos_v[b] >= shapes.neg_v[b] ? 1 : -1;
}

// 7. Baseline of beat b at sample i: linear between this beat's PR segment and the next one's
//    (follows baseline wander, which the QRS area is sensitive to: its lobes nearly cancel).
float baseline_at(const BeatShapes& s, const RefineWindows& w, size_t b, int64_t i) {
  const int64_t c0 = s.centre[b] - w.pre_mid;
  if (b + 1 < s.centre.size()) {
    const int64_t c1 = s.centre[b + 1] - w.pre_mid;
    if (c1 > c0 && c1 - c0 < w.max_gap)
      return s.base[b] +
             (s.base[b + 1] - s.base[b]) * static_cast<float>(i - c0) / static_cast<float>(c1 - c0);
  }
  return s.base[b];
}

// 7. QRS area of beat b around its R at sample r (sum over +-50 ms, in samples times units of
//    raw; sign: +1 for a positive lead, -1 for an inverted one).
double qrs_area_sum(const float* raw, int64_t n, const BeatShapes& s, const RefineWindows& w,
                    size_t b, int64_t r, float sign) {
  double area = 0;
  const int64_t lo = std::max<int64_t>(0, r - w.area_h),
                hi = std::min<int64_t>(n - 1, r + w.area_h);
  for (int64_t i = lo; i <= hi; ++i)
    if (std::isfinite(raw[i])) area += (raw[i] - baseline_at(s, w, b, i)) * sign;
  return area;
}

// 7. Beat b's R for either polarity (at its extremum of that polarity when refining, else at
//    its centre). Needs beat b + 1 measured (the baseline runs to it), and reads the samples
//    measure_beat has just read, still in cache: read once all beats are measured, a night's
//    samples had left the cache and this was a third of the step's time.
void place_r(const float* raw, int64_t n, const RefineWindows& w, bool refine_peaks, size_t b,
             BeatShapes& s) {
  auto place = [&](int64_t extremum, float extent, float sign) {
    RPeak p;
    p.at = refine_peaks ? extremum : s.centre[b];
    p.amp = refine_peaks && std::isfinite(raw[p.at])
                ? std::fabs(raw[p.at] - baseline_at(s, w, b, p.at))
                : extent;
    p.area = qrs_area_sum(raw, n, s, w, b, p.at, sign);
    return p;
  };
  s.upright[b] = place(s.pos_i[b], s.pos_v[b], 1.f);
  s.inverted[b] = place(s.neg_i[b], s.neg_v[b], -1.f);
}

// 7. Measures every detection at full rate (centre: the middle of its block of k samples).
BeatShapes measure_beats(const float* raw, const Rates& r, const RefineWindows& w,
                         const std::vector<Candidate>& cand, const std::vector<size_t>& qrs_idx,
                         bool refine_peaks) {
  const size_t nb = qrs_idx.size();
  BeatShapes shapes;
  shapes.centre.resize(nb), shapes.pos_i.resize(nb), shapes.neg_i.resize(nb);
  shapes.base.resize(nb), shapes.pos_v.resize(nb), shapes.neg_v.resize(nb);
  shapes.upright.resize(nb), shapes.inverted.resize(nb);
  for (size_t b = 0; b < nb; ++b) {
    measure_beat(raw, r.n, w, cand[qrs_idx[b]].pos * r.k + (r.k - 1) / 2, b, shapes);
    if (b > 0) place_r(raw, r.n, w, refine_peaks, b - 1, shapes);
  }
  if (nb > 0) place_r(raw, r.n, w, refine_peaks, nb - 1, shapes);
  return shapes;
}

// 7. Appends one beat to out; two detections refined onto the same complex (< 120 ms apart)
//    keep the larger.
void append_beat(Beats& out, double t, float amp, float area) {
  if (!out.r_time_s.empty() && t - out.r_time_s.back() < 0.12) {
    if (amp > out.r_amp_mv.back()) {
      out.r_time_s.back() = t;
      out.r_amp_mv.back() = amp;
      out.qrs_area.back() = area;
    }
    return;
  }
  out.r_time_s.push_back(t);
  out.r_amp_mv.push_back(amp);
  out.qrs_area.push_back(area);
}

// 7. R time, R amplitude and QRS area of every measured beat in the record's polarity, into out.
void emit_beats(double fs, double to_mv, const BeatShapes& s, Beats& out) {
  const std::vector<RPeak>& peaks = s.votes >= 0 ? s.upright : s.inverted;
  out.r_time_s.reserve(peaks.size());
  out.r_amp_mv.reserve(peaks.size());
  out.qrs_area.reserve(peaks.size());
  for (const RPeak& p : peaks)
    append_beat(out, static_cast<double>(p.at) / fs, static_cast<float>(p.amp * to_mv),
                static_cast<float>(p.area / fs * to_mv));
}

}  // namespace

int detection_decimation(double fs) {
  if (!(fs >= 200)) return 1;
  return static_cast<int>(std::floor(fs / 100.0));
}

double to_millivolts(const std::string& units) {
  const double f = io::millivolt_factor(units);
  return f > 0 ? f : 1.0;
}

double last_rejected_seconds() {
  return g_rejected_s;
}

namespace {

// The detector's passes over n samples at fs; to_mv turns the samples' units into mV for the
// beats' amplitudes and areas.
Beats detect(const float* raw, size_t n_samples, double fs, double to_mv,
             const DetectOptions& options) {
  g_rejected_s = 0;
  Beats out;
  out.source = "detector:somna-qrs";
  const int64_t n = static_cast<int64_t>(n_samples);
  out.duration_s = fs > 0 ? static_cast<double>(n) / fs : 0.0;
  if (!(fs >= 40) || !std::isfinite(fs) || n < static_cast<int64_t>(2 * fs)) return out;

  const Rates r = detection_rates(fs, n);
  EnergyPeaks peaks = energy_peaks(raw, r, qrs_band(r.fw), options.threads, options.progress);
  if (peaks.cand.empty()) return out;

  std::vector<size_t> qrs_idx = find_qrs(r, peaks);
  if (qrs_idx.empty()) return out;
  g_rejected_s = drop_noise_windows(r, peaks, qrs_idx);
  if (qrs_idx.empty()) return out;

  if (options.progress) options.progress(0.9);
  const RefineWindows w = refine_windows(fs);
  const BeatShapes shapes = measure_beats(raw, r, w, peaks.cand, qrs_idx, options.refine_peaks);
  emit_beats(fs, to_mv, shapes, out);
  return out;
}

}  // namespace

Beats detect_beats(const io::Channel& ecg, const DetectOptions& options) {
  return detect(ecg.samples.data(), ecg.samples.size(), ecg.fs, to_millivolts(ecg.units), options);
}

Beats detect_beats(const float* samples, size_t n, double fs, const DetectOptions& options) {
  return detect(samples, n, fs, 1.0, options);
}

}  // namespace somna::dsp
