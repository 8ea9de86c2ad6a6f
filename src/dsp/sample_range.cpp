// Sample statistics (sample_range.hpp).

#include "dsp/sample_range.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <limits>

namespace somna::dsp {
namespace {

constexpr float kBig = std::numeric_limits<float>::max();

}  // namespace

SampleRange sample_range(const float* x, int64_t n) {
  SampleRange r;
  int64_t i = 0;
#if defined(__SSE2__)
  // Four lanes at once (the compiler did not vectorise the scalar form): a non-finite sample
  // (|v| > FLT_MAX is false for NaN too, so the test is "not <=") counts and is replaced by
  // +inf for the minimum and -inf for the maximum.
  const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  const __m128 big = _mm_set1_ps(kBig), pinf = _mm_set1_ps(INFINITY), ninf = _mm_set1_ps(-INFINITY);
  __m128 vmn = pinf, vmx = ninf;
  __m128i vbad = _mm_setzero_si128();
  for (; i + 4 <= n; i += 4) {
    const __m128 v = _mm_loadu_ps(x + i);
    const __m128 bad = _mm_cmpnle_ps(_mm_and_ps(v, abs_mask), big);
    vbad = _mm_sub_epi32(vbad, _mm_castps_si128(bad));  // a true lane is -1
    vmn = _mm_min_ps(vmn, _mm_or_ps(_mm_andnot_ps(bad, v), _mm_and_ps(bad, pinf)));
    vmx = _mm_max_ps(vmx, _mm_or_ps(_mm_andnot_ps(bad, v), _mm_and_ps(bad, ninf)));
  }
  alignas(16) float mn[4], mx[4];
  alignas(16) int32_t nb[4];
  _mm_store_ps(mn, vmn);
  _mm_store_ps(mx, vmx);
  _mm_store_si128(reinterpret_cast<__m128i*>(nb), vbad);
  for (int j = 0; j < 4; ++j) {
    r.lo = std::min(r.lo, mn[j]);
    r.hi = std::max(r.hi, mx[j]);
    r.non_finite += nb[j];
  }
#endif
  for (; i < n; ++i) {
    const float v = x[i];
    const bool finite = std::fabs(v) <= kBig;
    r.non_finite += !finite;
    r.lo = finite && v < r.lo ? v : r.lo;
    r.hi = finite && v > r.hi ? v : r.hi;
  }
  return r;
}

// The channel's extremes and how many samples sit at each, in one pass: every lane keeps its own
// minimum and maximum with their counts (a new extreme restarts its count), and the lanes are
// combined at the end (a pass for the range, then one counting the samples at it, read a night's
// samples from memory twice).
namespace {

struct Extremes {
  float lo = INFINITY, hi = -INFINITY;
  int64_t n_lo = 0, n_hi = 0, non_finite = 0;

  void add(float v) {
    if (!(std::fabs(v) <= kBig)) {
      ++non_finite;
      return;
    }
    n_lo = v < lo ? 1 : n_lo + (v == lo);
    lo = std::min(lo, v);
    n_hi = v > hi ? 1 : n_hi + (v == hi);
    hi = std::max(hi, v);
  }
  void merge(const Extremes& o) {
    n_lo = o.lo < lo ? o.n_lo : n_lo + (o.lo == lo ? o.n_lo : 0);
    lo = std::min(lo, o.lo);
    n_hi = o.hi > hi ? o.n_hi : n_hi + (o.hi == hi ? o.n_hi : 0);
    hi = std::max(hi, o.hi);
    non_finite += o.non_finite;
  }
};

Extremes extremes(const float* x, int64_t n) {
  Extremes all;
  int64_t i = 0;
#if defined(__SSE2__)
  const __m128 abs_mask = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  const __m128 big = _mm_set1_ps(kBig);
  while (i + 4 <= n) {  // int32 lane counts, folded into `all` every 2^28 steps
    __m128 vlo = _mm_set1_ps(INFINITY), vhi = _mm_set1_ps(-INFINITY);
    __m128i nlo = _mm_setzero_si128(), nhi = nlo, fin = nlo;
    const int64_t start = i;
    for (const int64_t end = std::min(n - 3, i + (int64_t{1} << 30)); i < end; i += 4) {
      const __m128 v = _mm_loadu_ps(x + i);
      const __m128 finite = _mm_cmple_ps(_mm_and_ps(v, abs_mask), big);  // false for NaN too
      fin = _mm_sub_epi32(fin, _mm_castps_si128(finite));  // a true mask is -1: counts one
      const __m128i below = _mm_castps_si128(_mm_and_ps(finite, _mm_cmplt_ps(v, vlo)));
      const __m128i at_lo = _mm_castps_si128(_mm_and_ps(finite, _mm_cmpeq_ps(v, vlo)));
      const __m128i above = _mm_castps_si128(_mm_and_ps(finite, _mm_cmpgt_ps(v, vhi)));
      const __m128i at_hi = _mm_castps_si128(_mm_and_ps(finite, _mm_cmpeq_ps(v, vhi)));
      nlo = _mm_sub_epi32(_mm_sub_epi32(_mm_andnot_si128(below, nlo), below), at_lo);
      nhi = _mm_sub_epi32(_mm_sub_epi32(_mm_andnot_si128(above, nhi), above), at_hi);
      vlo = _mm_min_ps(vlo, _mm_or_ps(_mm_and_ps(finite, v), _mm_andnot_ps(finite, vlo)));
      vhi = _mm_max_ps(vhi, _mm_or_ps(_mm_and_ps(finite, v), _mm_andnot_ps(finite, vhi)));
    }
    alignas(16) float lo[4], hi[4];
    alignas(16) int32_t cl[4], ch[4], cf[4];
    _mm_store_ps(lo, vlo), _mm_store_ps(hi, vhi);
    _mm_store_si128(reinterpret_cast<__m128i*>(cl), nlo);
    _mm_store_si128(reinterpret_cast<__m128i*>(ch), nhi);
    _mm_store_si128(reinterpret_cast<__m128i*>(cf), fin);
    for (int j = 0; j < 4; ++j) {
      Extremes lane;
      lane.lo = lo[j], lane.hi = hi[j], lane.n_lo = cl[j], lane.n_hi = ch[j];
      lane.non_finite = (i - start) / 4 - cf[j];
      all.merge(lane);
    }
  }
#endif
  for (; i < n; ++i) all.add(x[i]);
  return all;
}

}  // namespace

double clipped_share(const std::vector<float>& x, float& lo, float& hi) {
  const int64_t n = static_cast<int64_t>(x.size());
  const Extremes e = extremes(x.data(), n);
  lo = e.lo, hi = e.hi;
  const int64_t finite = n - e.non_finite;
  if (finite == 0 || !(hi > lo)) return 0;
  return static_cast<double>(e.n_lo + e.n_hi) / static_cast<double>(finite);
}

}  // namespace somna::dsp
