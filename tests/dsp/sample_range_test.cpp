// sample_range and clipped_share against their definitions, on every length around the vector
// width and with gaps (NaN, infinities) anywhere.

#include "dsp/sample_range.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace somna::dsp {
namespace {

std::vector<float> noisy(size_t n, unsigned seed, double gap_share) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> v(0.f, 1.f);
  std::uniform_real_distribution<double> u(0, 1);
  const float gaps[] = {std::numeric_limits<float>::quiet_NaN(), INFINITY, -INFINITY};
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = u(rng) < gap_share ? gaps[i % 3] : v(rng);
  return x;
}

TEST(SampleRange, EqualsItsDefinitionAtEveryLengthWithGaps) {
  for (size_t n = 0; n < 40; ++n) {
    for (double gaps : {0.0, 0.3, 1.0}) {
      const std::vector<float> x = noisy(n, unsigned(n * 7 + 1), gaps);
      SampleRange want;
      for (float v : x) {
        if (!std::isfinite(v)) {
          ++want.non_finite;
          continue;
        }
        want.lo = std::min(want.lo, v), want.hi = std::max(want.hi, v);
      }
      const SampleRange got = sample_range(x.data(), int64_t(n));
      EXPECT_EQ(got.non_finite, want.non_finite) << n;
      EXPECT_EQ(got.lo, want.lo) << n;
      EXPECT_EQ(got.hi, want.hi) << n;
    }
  }
}

TEST(SampleRange, ClippedShareCountsSamplesAtTheExtremes) {
  std::vector<float> x = noisy(1003, 5, 0.1);
  for (size_t i = 0; i < x.size(); i += 3)
    if (std::isfinite(x[i])) x[i] = x[i] > 0 ? 2.5f : -2.5f;  // clipped at +-2.5
  for (float& v : x)
    if (std::isfinite(v)) v = std::max(-2.5f, std::min(2.5f, v));
  size_t finite = 0, at = 0;
  for (float v : x) {
    finite += std::isfinite(v);
    at += v == 2.5f || v == -2.5f;
  }
  float lo = 0, hi = 0;
  EXPECT_DOUBLE_EQ(clipped_share(x, lo, hi), double(at) / double(finite));
  EXPECT_EQ(lo, -2.5f);
  EXPECT_EQ(hi, 2.5f);
}

TEST(SampleRange, ClippedShareEqualsItsDefinitionAtEveryLengthWithTiesAndGaps) {
  for (size_t n = 0; n < 70; ++n) {
    for (double gaps : {0.0, 0.2, 1.0}) {
      std::vector<float> x = noisy(n, unsigned(n * 13 + 2), gaps);
      for (size_t i = 0; i < n; ++i)  // few distinct values: extremes tie and move in every lane
        if (std::isfinite(x[i])) x[i] = std::round(2 * x[i]) + (i > n / 2 ? 1.f : 0.f);
      float want_lo = INFINITY, want_hi = -INFINITY;
      size_t finite = 0, at = 0;
      for (float v : x)
        if (std::isfinite(v))
          ++finite, want_lo = std::min(want_lo, v), want_hi = std::max(want_hi, v);
      for (float v : x) at += std::isfinite(v) && (v == want_lo || v == want_hi);
      const double want = finite == 0 || !(want_hi > want_lo) ? 0 : double(at) / double(finite);
      float lo = 0, hi = 0;
      EXPECT_DOUBLE_EQ(clipped_share(x, lo, hi), want) << n << " " << gaps;
      EXPECT_EQ(lo, want_lo) << n;
      EXPECT_EQ(hi, want_hi) << n;
    }
  }
}

TEST(SampleRange, ConstantOrEmptyChannelIsNotClipped) {
  float lo = 0, hi = 0;
  EXPECT_EQ(clipped_share(std::vector<float>(100, 1.f), lo, hi), 0.0);
  EXPECT_EQ(clipped_share({}, lo, hi), 0.0);
  EXPECT_EQ(clipped_share(std::vector<float>(9, NAN), lo, hi), 0.0);
}

}  // namespace
}  // namespace somna::dsp
