// The detector on simulated nights (src/sim: apnea-like heart-rate cycles, respiratory
// amplitude modulation, ectopic beats, noise and baseline wander) against their true R times, at
// the Apnea-ECG rate (100 Hz) and others, upright and inverted. Also the beats -> cleaned RR ->
// 4 Hz series chain: ectopic beats are corrected and the series is finite.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "dsp/beats.hpp"
#include "eval/beat_comparison.hpp"
#include "sim/synthetic_night.hpp"

namespace somna::dsp {
namespace {

sim::SimulatedNight night(double fs, bool inverted, double noise_mv, uint64_t seed) {
  sim::NightSpec spec;
  spec.hours = 1;
  spec.fs = fs;
  spec.seed = seed;
  spec.inverted = inverted;
  spec.noise_mv = noise_mv;
  spec.ectopic_per_hour = 60;
  spec.episodes = {{600, 900}, {2400, 600}};
  return sim::simulate_night(spec);
}

TEST(QrsSyntheticNight, RatesAndPolarity) {
  for (double fs : {100.0, 128.0, 250.0, 500.0})
    for (bool inv : {false, true}) {
      const sim::SimulatedNight n = night(fs, inv, 0.02, 5);
      const Beats b = detect_beats(n.record.channels.at(0));
      const eval::BeatMatch m = eval::compare_beats(n.r_time_s, b.r_time_s);
      std::printf(
          "  sim %4.0f Hz %-8s TP %5zu FN %3zu FP %3zu Se %7.3f %% +P %7.3f %% |err| %.1f ms\n", fs,
          inv ? "inverted" : "upright", m.tp, m.fn, m.fp, m.se(), m.ppv(),
          1000 * m.mean_abs_err_s());
      EXPECT_GE(m.se(), 99.8) << fs << (inv ? " inverted" : "");
      EXPECT_GE(m.ppv(), 99.8) << fs << (inv ? " inverted" : "");
      EXPECT_LT(m.mean_abs_err_s(), 0.02);
    }
}

TEST(QrsSyntheticNight, NoisyNight) {
  const sim::SimulatedNight n = night(100, false, 0.15, 9);
  const Beats b = detect_beats(n.record.channels.at(0));
  const eval::BeatMatch m = eval::compare_beats(n.r_time_s, b.r_time_s);
  std::printf("  sim 100 Hz noise 0.15 mV TP %5zu FN %3zu FP %3zu Se %7.3f %% +P %7.3f %%\n", m.tp,
              m.fn, m.fp, m.se(), m.ppv());
  EXPECT_GE(m.se(), 99.0);
  EXPECT_GE(m.ppv(), 99.0);
}

TEST(QrsSyntheticNight, SeriesChain) {
  const sim::SimulatedNight n = night(100, false, 0.02, 3);
  const Beats b = detect_beats(n.record.channels.at(0));
  const RRSeries rr = clean_rr(b);
  ASSERT_EQ(rr.amp_mv.size(), rr.rr_s.size());
  ASSERT_EQ(rr.edr.size(), rr.rr_s.size());
  // 60 ectopic beats an hour, each makes one short and one long interval.
  EXPECT_GE(rr.n_corrected(), 60u);
  EXPECT_LE(rr.n_corrected(), 400u);
  const double t1 = n.record.duration_s();
  for (const auto* v : {&rr.rr_s, &rr.amp_mv, &rr.edr}) {
    const UniformSeries u = resample(rr.t_s, *v, 4.0, 0.0, t1);
    ASSERT_EQ(u.value.size(), static_cast<size_t>(std::ceil(t1 * 4 - 1e-9)));
    for (float x : u.value) ASSERT_TRUE(std::isfinite(x));
  }
  const auto q = minute_quality(&n.record.channels.at(0), b, 60);
  int good = 0;
  for (const auto& mq : q) good += mq.score >= 0.99f ? 1 : 0;
  EXPECT_GE(good, 58) << "clean simulated minutes should pass the quality checks";
}

}  // namespace
}  // namespace somna::dsp
