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

double clipped_share(const std::vector<float>& x, float& lo, float& hi) {
  const int64_t n = static_cast<int64_t>(x.size());
  const SampleRange r = sample_range(x.data(), n);
  lo = r.lo, hi = r.hi;
  const int64_t finite = n - r.non_finite;
  if (finite == 0 || !(hi > lo)) return 0;
  const float* p = x.data();
  int64_t i = 0, at = 0;
#if defined(__SSE2__)
  const __m128 vlo = _mm_set1_ps(lo), vhi = _mm_set1_ps(hi);
  while (i + 4 <= n) {  // int32 lanes, emptied every 2^30 steps
    __m128i cnt = _mm_setzero_si128();
    for (int64_t end = std::min(n - 3, i + (int64_t{1} << 32)); i < end; i += 4) {
      const __m128 v = _mm_loadu_ps(p + i);
      cnt = _mm_sub_epi32(cnt,
                          _mm_castps_si128(_mm_or_ps(_mm_cmpeq_ps(v, vlo), _mm_cmpeq_ps(v, vhi))));
    }
    alignas(16) int32_t c[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(c), cnt);
    at += int64_t{c[0]} + c[1] + c[2] + c[3];
  }
#endif
  for (; i < n; ++i) at += (p[i] == lo) | (p[i] == hi);
  return static_cast<double>(at) / static_cast<double>(finite);
}

}  // namespace somna::dsp
