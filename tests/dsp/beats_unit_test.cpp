// Unit tests with known answers: RR cleaning, spline resampling, filters, annotation beats, bad
// input (empty, constant, noise, very short) and the detector on synthetic ECG at many rates.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "dsp/beats.hpp"
#include "dsp/filters.hpp"
#include "dsp/qrs_detector.hpp"
#include "eval/beat_comparison.hpp"

namespace somna::dsp {
namespace {

Beats beats_at(const std::vector<double>& t) {
  Beats b;
  b.r_time_s = t;
  b.duration_s = t.empty() ? 0 : t.back();
  return b;
}

// Regular beats every `rr` seconds.
std::vector<double> regular(double rr, int n, double t0 = 1.0) {
  std::vector<double> t;
  for (int i = 0; i < n; ++i) t.push_back(t0 + i * rr);
  return t;
}

TEST(CleanRr, RegularSeriesUntouched) {
  const RRSeries s = clean_rr(beats_at(regular(0.8, 50)));
  ASSERT_EQ(s.rr_s.size(), 49u);
  EXPECT_EQ(s.n_corrected(), 0u);
  for (float rr : s.rr_s) EXPECT_NEAR(rr, 0.8f, 1e-5);
  EXPECT_DOUBLE_EQ(s.t_s[0], 1.8);
}

TEST(CleanRr, EctopicBeatCorrected) {
  // Beat 20 comes 0.3 s early (premature) with a compensatory pause after it.
  std::vector<double> t = regular(1.0, 40);
  t[20] -= 0.3;
  const RRSeries s = clean_rr(beats_at(t));
  // Interval 19 (ends at beat 20) is 0.7 s, interval 20 is 1.3 s: both flagged, both replaced
  // by the interpolated neighbours (1.0 s).
  EXPECT_EQ(s.n_corrected(), 2u);
  EXPECT_TRUE(s.corrected[19]);
  EXPECT_TRUE(s.corrected[20]);
  EXPECT_NEAR(s.rr_s[19], 1.0f, 1e-5);
  EXPECT_NEAR(s.rr_s[20], 1.0f, 1e-5);
}

TEST(CleanRr, MissedBeatAndOutOfBounds) {
  std::vector<double> t = regular(0.75, 40);
  t.erase(t.begin() + 10);                  // missed beat: one 1.5 s interval
  t.insert(t.begin() + 30, t[29] + 0.375);  // spurious beat: two 0.375 s intervals
  const RRSeries s = clean_rr(beats_at(t));
  EXPECT_TRUE(s.corrected[9]);
  EXPECT_NEAR(s.rr_s[9], 0.75f, 1e-4);
  EXPECT_TRUE(s.corrected[29]);
  EXPECT_TRUE(s.corrected[30]);
  EXPECT_EQ(s.n_corrected(), 3u);
  for (float rr : s.rr_s) EXPECT_NEAR(rr, 0.75f, 1e-4);
}

TEST(CleanRr, SlowTrendIsNotCorrected) {
  // Heart rate slowing gradually from 60 to 50/min: every change is small.
  std::vector<double> t = {0};
  for (int i = 0; i < 100; ++i) t.push_back(t.back() + 1.0 + 0.2 * i / 100.0);
  EXPECT_EQ(clean_rr(beats_at(t)).n_corrected(), 0u);
}

TEST(CleanRr, AmplitudeAndEdrFollow) {
  Beats b = beats_at(regular(1.0, 20));
  for (size_t i = 0; i < b.size(); ++i) {
    b.r_amp_mv.push_back(1.0f + 0.01f * i);
    b.qrs_area.push_back(0.05f);
  }
  b.r_time_s[10] -= 0.4;
  b.r_amp_mv[10] = 3.0f;  // the ectopic beat has another shape
  const RRSeries s = clean_rr(b);
  ASSERT_EQ(s.amp_mv.size(), s.rr_s.size());
  ASSERT_EQ(s.edr.size(), s.rr_s.size());
  EXPECT_NEAR(s.amp_mv[9], 1.096f, 1e-4);  // beat 10 ends interval 9: from beats 9 and 12
  EXPECT_NEAR(s.edr[5], 0.05f, 1e-6);
}

TEST(CleanRr, TooFewBeats) {
  EXPECT_TRUE(clean_rr(Beats{}).rr_s.empty());
  EXPECT_TRUE(clean_rr(beats_at({1.0})).rr_s.empty());
  EXPECT_EQ(clean_rr(beats_at({1.0, 2.0})).rr_s.size(), 1u);
}

TEST(Resample, LinearDataExactInside) {
  // A natural cubic spline reproduces a straight line exactly.
  std::vector<double> t = {0.0, 0.7, 1.9, 2.5, 4.0};
  std::vector<float> v;
  for (double x : t) v.push_back(static_cast<float>(2 * x + 1));
  const UniformSeries u = resample(t, v, 4.0, 0.0, 4.0);
  ASSERT_EQ(u.value.size(), 16u);
  for (size_t i = 0; i < u.value.size(); ++i) EXPECT_NEAR(u.value[i], 2 * (i / 4.0) + 1, 1e-5);
}

TEST(Resample, FlatExtrapolationAndGrid) {
  const UniformSeries u = resample({1.0, 2.0}, {5.f, 7.f}, 2.0, 0.0, 3.0);
  ASSERT_EQ(u.value.size(), 6u);
  EXPECT_FLOAT_EQ(u.value[0], 5.f);  // t = 0
  EXPECT_FLOAT_EQ(u.value[2], 5.f);  // t = 1 (knot)
  EXPECT_FLOAT_EQ(u.value[3], 6.f);  // t = 1.5
  EXPECT_FLOAT_EQ(u.value[5], 7.f);  // t = 2.5
  EXPECT_DOUBLE_EQ(u.t0_s, 0.0);
  EXPECT_DOUBLE_EQ(u.fs, 2.0);
}

TEST(Resample, SineCloseToTruth) {
  std::vector<double> t;
  std::vector<float> v;
  for (double x = 0; x <= 60; x += 0.9) {
    t.push_back(x);
    v.push_back(static_cast<float>(std::sin(2 * M_PI * 0.1 * x)));
  }
  const UniformSeries u = resample(t, v, 4.0, 5.0, 55.0);
  double worst = 0;
  for (size_t i = 0; i < u.value.size(); ++i)
    worst = std::max(worst, std::fabs(u.value[i] - std::sin(2 * M_PI * 0.1 * (5.0 + i / 4.0))));
  EXPECT_LT(worst, 2e-3);
}

TEST(Resample, DegenerateInputs) {
  EXPECT_TRUE(resample({}, {}, 4.0, 0, 0).value.empty());
  EXPECT_TRUE(resample({1.0}, {1.f}, 0.0, 0, 10).value.empty());
  const UniformSeries none = resample({}, {}, 1.0, 0, 3);
  ASSERT_EQ(none.value.size(), 3u);
  EXPECT_TRUE(std::isnan(none.value[0]));
  const UniformSeries one = resample({1.0}, {4.f}, 1.0, 0, 3);
  EXPECT_FLOAT_EQ(one.value[2], 4.f);
  // Repeated and NaN knots are skipped.
  const UniformSeries dup = resample({0.0, 1.0, 1.0, 2.0}, {0.f, 1.f, 9.f, NAN}, 2.0, 0, 2);
  EXPECT_FLOAT_EQ(dup.value[3], 1.f);
}

TEST(Filters, LowpassPassesDcAndStopsHighFrequency) {
  const double fs = 360;
  std::vector<float> x(3600);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 1.0f + static_cast<float>(std::sin(2 * M_PI * 100 * i / fs));
  lowpass_zero_phase(x.data(), x.size(), 20, fs, 2);
  for (size_t i = 500; i < 3100; ++i) EXPECT_NEAR(x[i], 1.0f, 1e-3);
}

TEST(Filters, HighpassRemovesDc) {
  const Biquad hp = butter_highpass(5, 100);
  std::vector<float> x(2000, 3.0f);
  filter_inplace(&hp, 1, x.data(), x.size());
  EXPECT_NEAR(x.back(), 0.0f, 1e-4);
}

TEST(Annotations, BeatsOnlyFromBeatCodes) {
  io::Annotations a;
  a.path = "dir/100.atr";
  a.fs = 360;
  a.items.push_back({18, io::ann::RHYTHM, 0, 0, 0, "(N"});
  a.items.push_back({360, io::ann::NORMAL, 0, 0, 0, ""});
  a.items.push_back({500, io::ann::NOTE, 0, 0, 0, "x"});
  a.items.push_back({720, io::ann::APC, 0, 0, 0, ""});
  const Beats b = beats_from_annotations(a, 10);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_DOUBLE_EQ(b.r_time_s[0], 1.0);
  EXPECT_DOUBLE_EQ(b.r_time_s[1], 2.0);
  EXPECT_EQ(b.source, "annotation:atr");
  EXPECT_DOUBLE_EQ(b.duration_s, 10);
  io::Annotations no_fs = a;
  no_fs.fs = 0;
  EXPECT_EQ(beats_from_annotations(no_fs).size(), 0u);
}

// Synthetic ECG: Gaussian-shaped P, QRS (q, R, s) and T waves at the given beat times.
io::Channel synthetic(double fs, const std::vector<double>& beats, double seconds, double amp = 1) {
  io::Channel ch;
  ch.name = "ECG";
  ch.units = "mV";
  ch.fs = fs;
  ch.samples.assign(static_cast<size_t>(seconds * fs), 0.0f);
  auto wave = [&](double t0, double a, double w) {
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>((t0 - 5 * w) * fs));
    const int64_t hi =
        std::min<int64_t>(ch.samples.size(), static_cast<int64_t>((t0 + 5 * w) * fs) + 1);
    for (int64_t i = lo; i < hi; ++i) {
      const double d = (i / fs - t0) / w;
      ch.samples[i] += static_cast<float>(amp * a * std::exp(-0.5 * d * d));
    }
  };
  for (double t : beats) {
    wave(t - 0.16, 0.12, 0.025);
    wave(t - 0.025, -0.1, 0.008);
    wave(t, 1.0, 0.01);
    wave(t + 0.025, -0.2, 0.008);
    wave(t + 0.28, 0.3, 0.05);
  }
  ch.n_samples = static_cast<int64_t>(ch.samples.size());
  return ch;
}

TEST(Detector, SyntheticAtManyRates) {
  std::vector<double> t;
  for (double x = 1.0; x < 118; x += 0.8 + 0.1 * std::sin(x)) t.push_back(x);
  for (double fs : {100.0, 128.0, 200.0, 250.0, 256.0, 360.0, 500.0, 1000.0}) {
    const Beats b = detect_beats(synthetic(fs, t, 120));
    const eval::BeatMatch m = eval::compare_beats(t, b.r_time_s, {0.15, 0, -1});
    EXPECT_EQ(m.fn, 0u) << fs;
    EXPECT_EQ(m.fp, 0u) << fs;
    EXPECT_LT(m.mean_abs_err_s(), 1.0 / fs + 1e-9) << fs;  // refined to the true extremum
    ASSERT_EQ(b.r_amp_mv.size(), b.size());
    ASSERT_EQ(b.qrs_area.size(), b.size());
    EXPECT_NEAR(b.r_amp_mv[10], 1.0, 0.1) << fs;
  }
}

// The detector works through the night in segments of 300 s (at its working rate); beats on
// and beside the segment edges are each found once, at their time, at rates with and without
// block averaging, with a stretch of missing samples (NaN) across one edge.
TEST(Detector, BeatsAtSegmentEdgesFoundOnce) {
  std::vector<double> t;
  for (double x = 1.0; x < 1195; x += 0.85 + 0.1 * std::sin(0.7 * x)) {
    const double edge = 300.0 * std::round(x / 300.0);
    if (edge > 0 && std::fabs(x - edge) < 0.9) continue;  // replaced by the beats below
    t.push_back(x);
  }
  for (double edge : {300.0, 600.0, 900.0})
    for (double dt : {-0.45, 0.0, 0.45}) t.push_back(edge + dt);
  std::sort(t.begin(), t.end());
  for (double fs : {100.0, 250.0, 500.0}) {
    io::Channel ch = synthetic(fs, t, 1200);
    const Beats b = detect_beats(ch);
    const eval::BeatMatch m = eval::compare_beats(t, b.r_time_s, {0.15, 0, -1});
    EXPECT_EQ(m.fn, 0u) << fs;
    EXPECT_EQ(m.fp, 0u) << fs;
    EXPECT_LT(m.mean_abs_err_s(), 1.0 / fs + 1e-9) << fs;
    // 2 s without samples across the edge at 600 s: no beat invented there, the others kept.
    for (size_t i = static_cast<size_t>(599 * fs); i < static_cast<size_t>(601 * fs); ++i)
      ch.samples[i] = std::numeric_limits<float>::quiet_NaN();
    std::vector<double> kept;
    for (double x : t)
      if (x < 598.8 || x > 601.2) kept.push_back(x);
    const Beats g = detect_beats(ch);
    const eval::BeatMatch mg = eval::compare_beats(kept, g.r_time_s, {0.15, 0, -1});
    EXPECT_EQ(mg.fn, 0u) << fs;
    EXPECT_LE(mg.fp, 1u) << fs;  // the step where the samples resume (held value -> signal)
  }
}

TEST(Detector, HighRateAndPause) {
  // 180/min for a minute, then a 4 s pause, then 60/min.
  std::vector<double> t;
  double x = 1;
  for (; x < 60; x += 1.0 / 3.0) t.push_back(x);
  for (x += 4.0; x < 118; x += 1.0) t.push_back(x);
  const Beats b = detect_beats(synthetic(250, t, 120));
  const eval::BeatMatch m = eval::compare_beats(t, b.r_time_s);
  EXPECT_EQ(m.fn, 0u);
  EXPECT_EQ(m.fp, 0u);
}

TEST(Detector, InvertedAndMicrovolts) {
  std::vector<double> t = regular(0.9, 100);
  io::Channel ch = synthetic(360, t, 95, -1000);  // inverted, in uV
  ch.units = "uV";
  const Beats b = detect_beats(ch);
  const eval::BeatMatch m = eval::compare_beats(t, b.r_time_s);
  EXPECT_EQ(m.fn + m.fp, 0u);
  EXPECT_LT(m.mean_abs_err_s(), 0.003);
  EXPECT_NEAR(b.r_amp_mv[5], 1.0, 0.1);
}

TEST(Detector, AmplitudeDropRecovers) {
  std::vector<double> t = regular(1.0, 110);
  io::Channel ch = synthetic(250, t, 112);
  for (size_t i = static_cast<size_t>(50 * 250); i < ch.samples.size(); ++i) ch.samples[i] *= 0.1f;
  const Beats b = detect_beats(ch);
  const eval::BeatMatch m = eval::compare_beats(t, b.r_time_s);
  EXPECT_LE(m.fn, 3u);
  EXPECT_EQ(m.fp, 0u);
}

TEST(BadInput, EmptyConstantShortNoise) {
  io::Channel ch;
  ch.fs = 250;
  EXPECT_EQ(detect_beats(ch).size(), 0u);  // empty
  ch.samples.assign(250 * 60, 1.5f);
  EXPECT_EQ(detect_beats(ch).size(), 0u);  // constant
  ch.samples.assign(100, 0.3f);
  ch.samples[50] = 2.0f;
  EXPECT_EQ(detect_beats(ch).size(), 0u);  // very short
  ch.samples.assign(250 * 60, NAN);
  EXPECT_EQ(detect_beats(ch).size(), 0u);  // all gap
  io::Channel bad_fs;
  bad_fs.samples.assign(1000, 1.0f);
  EXPECT_EQ(detect_beats(bad_fs).size(), 0u);  // no fs
  bad_fs.fs = NAN;
  EXPECT_EQ(detect_beats(bad_fs).size(), 0u);

  std::mt19937 rng(3);
  std::normal_distribution<float> g(0, 1);
  for (double fs : {100.0, 360.0}) {
    io::Channel noise;
    noise.fs = fs;
    noise.units = "mV";
    for (int i = 0; i < fs * 120; ++i) noise.samples.push_back(g(rng));
    const Beats b = detect_beats(noise);
    EXPECT_EQ(b.size(), 0u) << "white noise at " << fs << " Hz";
    const auto q = minute_quality(&noise, b, 2);
    EXPECT_LT(q[0].score, 0.5f);
    EXPECT_FALSE(q[0].reason.empty());
  }
}

TEST(Quality, ReasonsPerMinute) {
  std::vector<double> t = regular(1.0, 290);
  io::Channel ch = synthetic(250, t, 300);  // 5 minutes
  // Minute 1 flat, minute 2 clipped, minute 3 noisy, minute 4 fine.
  const size_t m = 250 * 60;
  for (size_t i = m; i < 2 * m; ++i) ch.samples[i] = 0.0f;
  for (size_t i = 2 * m; i < 3 * m; ++i) ch.samples[i] = std::min(ch.samples[i], 0.05f);
  std::mt19937 rng(5);
  std::normal_distribution<float> g(0, 0.5f);
  for (size_t i = 3 * m; i < 4 * m; ++i) ch.samples[i] += g(rng);
  const Beats b = detect_beats(ch);
  const auto q = minute_quality(&ch, b, 6);
  ASSERT_EQ(q.size(), 6u);
  EXPECT_FLOAT_EQ(q[0].score, 1.0f) << q[0].reason;
  EXPECT_EQ(q[1].reason, "flat line");
  EXPECT_EQ(q[2].reason, "saturation");
  EXPECT_EQ(q[3].reason, "noise");
  EXPECT_LE(q[3].score, 0.2f);
  EXPECT_FLOAT_EQ(q[4].score, 1.0f) << q[4].reason;
  EXPECT_EQ(q[5].reason, "no signal");
}

TEST(Quality, IrregularRrButNotEctopy) {
  std::vector<double> t = regular(1.0, 180, 0.5);  // 3 minutes at 60/min
  // Minute 0: three premature beats with compensatory pauses (ectopy: fine).
  for (int i : {10, 25, 40}) t[i] -= 0.3;
  // Minute 1: six false beats half-way between beats (artefact).
  for (double x : {70.0, 80.0, 90.0, 100.0, 105.0, 110.0}) t.push_back(x);
  std::sort(t.begin(), t.end());
  Beats b = beats_at(t);
  b.duration_s = 180;
  const auto q = minute_quality(nullptr, b, 3);
  EXPECT_FLOAT_EQ(q[0].score, 1.0f) << q[0].reason;
  EXPECT_EQ(q[1].reason, "irregular RR");
  EXPECT_LT(q[1].score, 0.9f);
  EXPECT_FLOAT_EQ(q[2].score, 1.0f) << q[2].reason;
}

TEST(Quality, BeatsOnly) {
  std::vector<double> t = regular(1.0, 60, 0.5);              // minute 0: 60/min
  for (double x = 60.5; x < 120; x += 10) t.push_back(x);     // minute 1: 6 beats
  for (double x = 120.2; x < 130; x += 0.25) t.push_back(x);  // minute 2: 240/min, 10 s
  Beats b = beats_at(t);
  b.duration_s = 180;
  const auto q = minute_quality(nullptr, b, 3);
  EXPECT_FLOAT_EQ(q[0].score, 1.0f);
  EXPECT_EQ(q[1].reason, "too few beats");
  EXPECT_EQ(q[2].reason, "implausible heart rate");
  EXPECT_TRUE(minute_quality(nullptr, Beats{}, 0).empty());
  EXPECT_EQ(minute_quality(nullptr, Beats{}, 2)[1].reason, "too few beats");
}

}  // namespace
}  // namespace somna::dsp
