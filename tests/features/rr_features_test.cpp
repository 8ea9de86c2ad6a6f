// RR features: the per-record normalisation, the first two channels unchanged when more are
// asked for, the detrended channel keeps apnea-like 40 s cycles but drops a slow drift, the
// variability channel rises where beat-to-beat changes are large, the VLF band's amplitude where
// apnea-like cycles are, and the cvhr channel marks the episodes it is given.
#include "features/rr_features.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

using namespace somna;

namespace {
// 60 minutes: RR drifts slowly from 0.8 to 1.1 s; minutes 20..29 carry a 40 s cycle of +-0.1 s;
// minutes 40..49 alternate +-0.05 s beat to beat.
dsp::RRSeries night(size_t minutes) {
  dsp::Beats b;
  double t = 0.5;
  int k = 0;
  while (t < 60.0 * double(minutes)) {
    b.r_time_s.push_back(t);
    const double m = t / 60;
    double rr = 0.8 + 0.3 * m / double(minutes);
    if (m >= 20 && m < 30) rr += 0.1 * std::sin(6.283 * t / 40);
    if (m >= 40 && m < 50) rr += (k++ % 2 ? 0.05 : -0.05);
    t += rr;
  }
  b.duration_s = 60.0 * double(minutes);
  return dsp::clean_rr(b);
}
double mean_abs(const std::vector<float>& v, size_t off, size_t a, size_t b) {
  double s = 0;
  for (size_t i = a; i < b; ++i) s += std::fabs(v[off + i]);
  return s / double(b - a);
}
}  // namespace

TEST(RRFeatures, ChannelNamesAndLayout) {
  EXPECT_EQ(features::rr_channel_names(4),
            (std::vector<std::string>{"rr_z", "corrected", "rr_detr", "rr_var"}));
  EXPECT_EQ(features::rr_channel_names(2).size(), 2u);
  EXPECT_EQ(
      features::rr_channel_names(6),
      (std::vector<std::string>{"rr_z", "corrected", "rr_detr", "rr_var", "vlf_power", "cvhr"}));
  const auto rr = night(60);
  features::RRFeatureSpec two, four;
  four.channels = 4;
  const auto f2 = features::rr_features(rr, 60, two), f4 = features::rr_features(rr, 60, four);
  ASSERT_EQ(f2.n_samples, 60u * 120u);
  ASSERT_EQ(f4.values.size(), 4 * f4.n_samples);
  // The first two channels do not depend on how many follow.
  EXPECT_TRUE(std::equal(f2.values.begin(), f2.values.end(), f4.values.begin()));
  // Per-record z-score: channel 0 has mean ~0 and SD ~1.
  const double mean =
      std::accumulate(f4.values.begin(), f4.values.begin() + long(f4.n_samples), 0.0) /
      double(f4.n_samples);
  EXPECT_NEAR(mean, 0, 0.1);
}

TEST(RRFeatures, DetrendedKeepsCyclesDropsDrift) {
  features::RRFeatureSpec s;
  s.channels = 4;
  const auto f = features::rr_features(night(60), 60, s);
  const size_t n = f.n_samples, spm = 120, detr = 2 * n;
  // rr_z follows the drift (|z| large at the ends); rr_detr is near zero there.
  EXPECT_GT(mean_abs(f.values, 0, 2 * spm, 8 * spm), 0.8);
  EXPECT_LT(mean_abs(f.values, detr, 2 * spm, 8 * spm), 0.15);
  // The 40 s cycles of minutes 20..29 survive detrending.
  EXPECT_GT(mean_abs(f.values, detr, 22 * spm, 28 * spm),
            4 * mean_abs(f.values, detr, 2 * spm, 8 * spm));
}

TEST(RRFeatures, VariabilityRisesWithBeatToBeatChanges) {
  features::RRFeatureSpec s;
  s.channels = 4;
  const auto f = features::rr_features(night(60), 60, s);
  const size_t var = 3 * f.n_samples, spm = 120;
  const double quiet = mean_abs(f.values, var, 2 * spm, 8 * spm);
  const double cycles = mean_abs(f.values, var, 22 * spm, 28 * spm);
  EXPECT_GT(cycles, 3 * quiet);
  for (size_t i = 0; i < f.n_samples; ++i) ASSERT_GE(f.values[var + i], 0.f);
}

TEST(RRFeatures, EmptyAndShortInputsGiveZeros) {
  features::RRFeatureSpec s;
  s.channels = 4;
  const auto f = features::rr_features(dsp::RRSeries{}, 3, s);
  EXPECT_EQ(f.values.size(), 4u * 3u * 120u);
  for (float v : f.values) EXPECT_EQ(v, 0.f);
  EXPECT_EQ(features::rr_features(dsp::RRSeries{}, 0, s).values.size(), 0u);
}

TEST(RRFeatures, VlfPowerRisesInApneaLikeCyclesOnly) {
  features::RRFeatureSpec s;
  s.channels = 5;
  const auto f = features::rr_features(night(60), 60, s);
  const size_t vlf = 4 * f.n_samples, spm = 120;
  auto mean = [&](size_t a, size_t b) {
    return std::accumulate(f.values.begin() + long(vlf + a * spm),
                           f.values.begin() + long(vlf + b * spm), 0.0) /
           double((b - a) * spm);
  };
  // Log amplitudes: the 40 s cycles stand well above the slow drift, and the beat-to-beat
  // alternation (far faster than the band) does not.
  EXPECT_GT(mean(22, 28), mean(2, 8) + 1.5);
  EXPECT_LT(mean(42, 48), mean(22, 28) - 1.0);
  // The channels before it do not depend on it.
  features::RRFeatureSpec four = s;
  four.channels = 4;
  const auto f4 = features::rr_features(night(60), 60, four);
  EXPECT_TRUE(std::equal(f4.values.begin(), f4.values.end(), f.values.begin()));
}

TEST(RRFeatures, CvhrChannelMarksTheEpisodesGiven) {
  features::RRFeatureSpec s;
  s.channels = features::kCvhrChannels;
  const std::vector<features::TimeSpan> episodes = {{600, 660}, {1200.25, 1300}};
  const auto f = features::rr_features(night(60), 60, s, episodes);
  const float* c = f.values.data() + 5 * f.n_samples;  // 2 samples a second
  EXPECT_EQ(c[1199], 0.f);
  EXPECT_EQ(c[1200], 1.f);
  EXPECT_EQ(c[1319], 1.f);
  EXPECT_EQ(c[1320], 0.f);
  EXPECT_EQ(c[2399], 0.f);
  EXPECT_EQ(c[2400], 1.f);  // the sample holding 1200.25 s
  EXPECT_EQ(c[2599], 1.f);
  EXPECT_EQ(c[2600], 0.f);
  size_t marked = 0;
  for (size_t i = 0; i < f.n_samples; ++i) marked += c[i] == 1.f;
  EXPECT_EQ(marked, 120u + 200u);
  // Without episodes the channel is all zero; the others are the same.
  const auto none = features::rr_features(night(60), 60, s);
  for (size_t i = 0; i < f.n_samples; ++i) ASSERT_EQ(none.values[5 * f.n_samples + i], 0.f);
  EXPECT_TRUE(std::equal(none.values.begin(), none.values.begin() + long(5 * f.n_samples),
                         f.values.begin()));
}
