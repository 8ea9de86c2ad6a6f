// The sixteen-lane band-pass equals one pass of the same biquads over the whole signal, forward
// and backward, in place and with margins it may read, to float precision.

#include "dsp/bandpass16.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

using somna::dsp::Biquad;

struct Band {
  Biquad hp = somna::dsp::butter_highpass(5.0, 100.0), lp = somna::dsp::butter_lowpass(15.0, 100.0);
};

std::vector<float> noisy_ecg_like(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0, 0.05f);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i)
    x[i] = 0.8f * std::sin(0.1f * float(i)) * std::exp(-float(i % 90) / 6.f) + 0.3f + g(rng);
  return x;
}

// The reference: one forward (or backward) pass over in[lo, hi) from zero state.
std::vector<float> one_pass(const Band& b, std::vector<float> x, bool backward) {
  const Biquad s[2] = {b.hp, b.lp};
  if (backward)
    somna::dsp::filter_backward_inplace(s, 2, x.data(), x.size());
  else
    somna::dsp::filter_inplace(s, 2, x.data(), x.size());
  return x;
}

float max_abs(const std::vector<float>& x) {
  float m = 0;
  for (float v : x) m = std::max(m, std::fabs(v));
  return m;
}

TEST(Bandpass16, ForwardAndBackwardEqualOnePassOverTheWholeSignal) {
  if (!somna::dsp::bandpass16_available()) GTEST_SKIP() << "no AVX-512 on this CPU";
  const Band band;
  const int64_t warm = 100;
  for (int64_t nw : {int64_t{6400}, int64_t{6401}, int64_t{30017}}) {
    const std::vector<float> x = noisy_ecg_like(size_t(nw), unsigned(nw));
    const float scale = max_abs(one_pass(band, x, false));
    for (bool backward : {false, true}) {
      const std::vector<float> want = one_pass(band, x, backward);
      std::vector<float> got = x;  // in place
      somna::dsp::bandpass16(band.hp, band.lp, backward, got.data(), 0.0f, got.data(), nw, 0, nw,
                             warm);
      for (int64_t i = 0; i < nw; ++i)
        ASSERT_NEAR(got[size_t(i)], want[size_t(i)], 1e-5f * scale)
            << "nw " << nw << (backward ? " backward" : " forward") << " at " << i;
    }
  }
}

TEST(Bandpass16, ReadsItsMarginsAndRemovesTheOffset) {
  if (!somna::dsp::bandpass16_available()) GTEST_SKIP() << "no AVX-512 on this CPU";
  const Band band;
  const int64_t warm = 100, before = 700, nw = 8000, after = 300;
  const std::vector<float> x = noisy_ecg_like(size_t(before + nw + after), 3);
  // The whole signal filtered in one pass, its [before, before + nw) compared: the lanes read the
  // margins [-before, 0) and [nw, nw + after) as a longer signal would give them.
  std::vector<float> shifted(x);
  for (float& v : shifted) v -= 0.3f;
  for (bool backward : {false, true}) {
    const std::vector<float> want = one_pass(band, shifted, backward);
    std::vector<float> got(size_t(nw), NAN);
    somna::dsp::bandpass16(band.hp, band.lp, backward, x.data() + before, 0.3f, got.data(), nw,
                           -before, nw + after, warm);
    const float scale = max_abs(want);
    for (int64_t i = 0; i < nw; ++i)
      ASSERT_NEAR(got[size_t(i)], want[size_t(before + i)], 1e-5f * scale)
          << (backward ? "backward" : "forward") << " at " << i;
  }
}

TEST(Bandpass16, TellsWhenAnInputWasNotFinite) {
  if (!somna::dsp::bandpass16_available()) GTEST_SKIP() << "no AVX-512 on this CPU";
  const Band band;
  const int64_t nw = 8000;
  std::vector<float> x = noisy_ecg_like(size_t(nw), 5);
  std::vector<float> y(static_cast<size_t>(nw));
  EXPECT_TRUE(
      somna::dsp::bandpass16(band.hp, band.lp, false, x.data(), 0, y.data(), nw, 0, nw, 100));
  for (float bad : {NAN, INFINITY, -INFINITY})
    for (size_t at : {size_t{0}, size_t{4321}, size_t(nw - 1)}) {
      std::vector<float> z = x;
      z[at] = bad;
      EXPECT_FALSE(
          somna::dsp::bandpass16(band.hp, band.lp, false, z.data(), 0, y.data(), nw, 0, nw, 100))
          << bad << " at " << at;
    }
}

TEST(Bandpass16, RefusesWhatItCannotDo) {
  const Band band;
  std::vector<float> x(1000, 0.f);
  EXPECT_THROW(
      somna::dsp::bandpass16(band.hp, band.lp, false, x.data(), 0, x.data(), 1000, 0, 1000, 100),
      std::invalid_argument);  // shorter than 64 warm-ups (or no AVX-512)
}

}  // namespace
