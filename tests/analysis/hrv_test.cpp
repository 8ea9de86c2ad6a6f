// HRV summary: known series give known numbers.

#include "analysis/hrv.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace somna::analysis {
namespace {

dsp::RRSeries series(double mean_rr, double amp, double freq_hz, double seconds) {
  dsp::RRSeries s;
  double t = 0;
  while (t < seconds) {
    const double rr = mean_rr + amp * std::sin(2 * M_PI * freq_hz * t);
    t += rr;
    s.t_s.push_back(t);
    s.rr_s.push_back(static_cast<float>(rr));
    s.corrected.push_back(0);
  }
  return s;
}

TEST(Hrv, ConstantRhythm) {
  const HrvSummary h = hrv_summary(series(1.0, 0, 0.1, 1200), {});
  EXPECT_NEAR(h.mean_hr_bpm, 60, 1e-6);
  EXPECT_NEAR(h.sdnn_ms, 0, 1e-3);
  EXPECT_NEAR(h.rmssd_ms, 0, 1e-3);
  EXPECT_NEAR(h.min_hr_bpm, 60, 1e-3);
  EXPECT_NEAR(h.max_hr_bpm, 60, 1e-3);
}

TEST(Hrv, SdnnOfASinusoidAndSpectralBands) {
  const HrvSummary lf = hrv_summary(series(1.0, 0.05, 0.1, 1800), {});
  EXPECT_NEAR(lf.sdnn_ms, 50 / std::sqrt(2.0), 3);
  EXPECT_GT(lf.lf_hf, 10);
  const HrvSummary hf = hrv_summary(series(1.0, 0.05, 0.25, 1800), {});
  EXPECT_LT(hf.lf_hf, 0.1);
  EXPECT_GT(hf.rmssd_ms, lf.rmssd_ms);
}

TEST(Hrv, KeepMaskAndCorrectedIntervals) {
  dsp::RRSeries s = series(1.0, 0, 0.1, 600);
  for (size_t i = 0; i < s.rr_s.size(); ++i) {
    if (s.t_s[i] < 300) s.rr_s[i] = 0.5f;  // first 5 minutes at 120 bpm
  }
  std::vector<uint8_t> keep(10, 1);
  for (int m = 0; m < 5; ++m) keep[size_t(m)] = 0;
  EXPECT_NEAR(hrv_summary(s, keep).mean_hr_bpm, 60, 0.5);
  s.corrected.assign(s.rr_s.size(), 1);
  EXPECT_EQ(hrv_summary(s, {}).mean_hr_bpm, 0);
  EXPECT_EQ(hrv_summary(dsp::RRSeries{}, {}).mean_hr_bpm, 0);
}

TEST(Hrv, FftEqualsTheDefinitionOfTheDft) {
  const size_t n = 64;
  std::vector<double> re(n), im(n);
  for (size_t i = 0; i < n; ++i)
    re[i] = std::sin(0.3 * double(i)) + 0.1 * double(i % 7), im[i] = std::cos(1.1 * double(i));
  std::vector<double> want_re(n), want_im(n);
  for (size_t k = 0; k < n; ++k)
    for (size_t i = 0; i < n; ++i) {
      const double a = -2 * M_PI * double(k * i % n) / double(n);
      want_re[k] += re[i] * std::cos(a) - im[i] * std::sin(a);
      want_im[k] += re[i] * std::sin(a) + im[i] * std::cos(a);
    }
  Fft(n).transform(re, im);
  for (size_t k = 0; k < n; ++k) {
    EXPECT_NEAR(re[k], want_re[k], 1e-9) << k;
    EXPECT_NEAR(im[k], want_im[k], 1e-9) << k;
  }
}

}  // namespace
}  // namespace somna::analysis
