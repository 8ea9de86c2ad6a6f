// The synthetic night simulator: deterministic, beats where they should be, CVHR only inside the
// placed episodes, per-minute truth consistent with the events, a real template from MIT-BIH 100.

#include "sim/synthetic_night.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

#include "common/error.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "support/shared_data.hpp"

namespace somna::sim {
namespace {

NightSpec short_spec() {
  NightSpec s;
  s.hours = 1;
  s.episodes = {{600, 900}};
  s.seed = 7;
  return s;
}

TEST(SimulateNight, DeterministicForASeed) {
  const SimulatedNight a = simulate_night(short_spec());
  const SimulatedNight b = simulate_night(short_spec());
  ASSERT_EQ(a.r_time_s, b.r_time_s);
  ASSERT_EQ(a.record.channels[0].samples, b.record.channels[0].samples);
  NightSpec other = short_spec();
  other.seed = 8;
  EXPECT_NE(simulate_night(other).r_time_s, a.r_time_s);
}

TEST(SimulateNight, RecordShapeAndBeatCount) {
  const SimulatedNight n = simulate_night(short_spec());
  ASSERT_EQ(n.record.channels.size(), 1u);
  const io::Channel& c = n.record.channels[0];
  EXPECT_EQ(c.name, "ECG");
  EXPECT_EQ(c.units, "mV");
  EXPECT_DOUBLE_EQ(c.fs, 100);
  EXPECT_EQ(c.samples.size(), 360000u);
  EXPECT_EQ(c.n_samples, 360000);
  // ~65 bpm for an hour.
  EXPECT_NEAR(static_cast<double>(n.r_time_s.size()), 65.0 * 60, 65.0 * 60 * 0.1);
  EXPECT_TRUE(std::is_sorted(n.r_time_s.begin(), n.r_time_s.end()));
  EXPECT_EQ(n.minute_apnea.size(), 60u);
}

TEST(SimulateNight, RPeaksAreLocalMaxima) {
  NightSpec s = short_spec();
  s.noise_mv = 0.005;
  const SimulatedNight n = simulate_night(s);
  const auto& x = n.record.channels[0].samples;
  size_t good = 0, total = 0;
  for (double t : n.r_time_s) {
    const long i = std::lround(t * 100);
    if (i < 10 || i + 10 >= long(x.size())) continue;
    ++total;
    const auto win = std::max_element(x.begin() + (i - 10), x.begin() + (i + 11));
    if (std::abs(std::distance(x.begin(), win) - i) <= 1) ++good;
  }
  EXPECT_GT(static_cast<double>(good), 0.98 * static_cast<double>(total));
}

TEST(SimulateNight, InvertedFlipsTheSignal) {
  NightSpec s = short_spec();
  s.inverted = true;
  const SimulatedNight inv = simulate_night(s);
  const SimulatedNight up = simulate_night(short_spec());
  const auto& a = up.record.channels[0].samples;
  const auto& b = inv.record.channels[0].samples;
  EXPECT_NEAR(a[12345], -b[12345], 1e-5);
}

// Instantaneous heart rate swings by about event_hr_swing_bpm inside apnea cycles and much less
// outside them.
TEST(SimulateNight, CyclicHeartRateOnlyInsideEpisodes) {
  NightSpec s = short_spec();
  s.hrv_sd_bpm = 1;
  s.rsa_bpm = 1;
  const SimulatedNight n = simulate_night(s);
  ASSERT_FALSE(n.events.empty());
  for (const analysis::Event& e : n.events) {
    EXPECT_GE(e.start_s, 600);
    EXPECT_LE(e.end_s, 1500 + 1e-9);
    EXPECT_GT(e.end_s - e.start_s, 0.8 * s.event_cycle_s);
  }
  auto hr_range = [&](double t0, double t1) {
    double lo = 1e9, hi = -1e9;
    for (size_t i = 1; i < n.r_time_s.size(); ++i) {
      if (n.r_time_s[i] < t0 || n.r_time_s[i] > t1) continue;
      const double hr = 60 / (n.r_time_s[i] - n.r_time_s[i - 1]);
      lo = std::min(lo, hr), hi = std::max(hi, hr);
    }
    return hi - lo;
  };
  const analysis::Event& e = n.events[3];
  EXPECT_GT(hr_range(e.start_s, e.end_s), 0.8 * s.event_hr_swing_bpm);
  EXPECT_LT(hr_range(2000, 2000 + 45), 0.6 * s.event_hr_swing_bpm);
  // Minutes 10..24 overlap events; minute 30 and later do not.
  EXPECT_EQ(n.minute_apnea[12], 1);
  EXPECT_EQ(n.minute_apnea[40], 0);
  EXPECT_EQ(n.minute_apnea[5], 0);
}

TEST(SimulateNight, NoEpisodesNoEvents) {
  const NightSpec s = random_night_spec(3, false, 2);
  EXPECT_TRUE(s.episodes.empty());
  const SimulatedNight n = simulate_night(s);
  EXPECT_TRUE(n.events.empty());
  EXPECT_EQ(std::accumulate(n.minute_apnea.begin(), n.minute_apnea.end(), 0), 0);
}

TEST(SimulateNight, RandomSpecsArePlausible) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const NightSpec s = random_night_spec(seed, true, 8);
    EXPECT_GE(s.mean_hr_bpm, 50);
    EXPECT_LE(s.mean_hr_bpm, 85);
    EXPECT_FALSE(s.episodes.empty()) << seed;
    for (size_t i = 0; i < s.episodes.size(); ++i) {
      EXPECT_LE(s.episodes[i].start_s + s.episodes[i].duration_s, 8 * 3600.0);
      if (i) {
        EXPECT_GT(s.episodes[i].start_s, s.episodes[i - 1].start_s + s.episodes[i - 1].duration_s);
      }
    }
  }
}

TEST(SimulateNight, ExternalBeatsAreRenderedAsGiven) {
  NightSpec s;
  s.hours = 0;
  for (int i = 0; i < 100; ++i) s.beat_times_s.push_back(1.0 + i * 0.9);
  const SimulatedNight n = simulate_night(s);
  EXPECT_EQ(n.r_time_s, s.beat_times_s);
  EXPECT_NEAR(n.record.channels[0].duration_s(), 1.0 + 99 * 0.9 + 2.0, 0.02);
  EXPECT_TRUE(n.events.empty());
}

TEST(SimulateNight, BadSpecThrows) {
  NightSpec s;
  s.fs = 0;
  EXPECT_THROW(simulate_night(s), Error);
  s = NightSpec{};
  s.mean_hr_bpm = 500;
  EXPECT_THROW(simulate_night(s), Error);
  s = NightSpec{};
  s.hours = -1;
  EXPECT_THROW(simulate_night(s), Error);
  s = NightSpec{};
  s.hours = 40;
  s.fs = 5000;  // 7.2e8 samples
  EXPECT_THROW(simulate_night(s), Error);
  s = NightSpec{};
  s.beat_times_s = {1e6};  // external beats ending after 277 h
  s.hours = 0;
  EXPECT_THROW(simulate_night(s), Error);
}

TEST(BeatTemplate, GaussianHasPqrstShape) {
  const BeatTemplate t = gaussian_template(500);
  EXPECT_NEAR(t.mv[t.r_index], 1.0, 0.02);
  const auto mx = std::max_element(t.mv.begin(), t.mv.end());
  EXPECT_EQ(static_cast<size_t>(mx - t.mv.begin()), t.r_index);
  EXPECT_LT(*std::min_element(t.mv.begin(), t.mv.end()), -0.1);  // S wave
}

TEST(BeatTemplate, AveragedFromMitBih100) {
  const std::string rec = test::kWfdbSamples + "/100";
  REQUIRE_SHARED(rec + ".dat");
  io::ReadOptions o;
  o.channel = "MLII";
  const io::Record r = io::read_record(rec + ".hea", o);
  const io::Annotations a = io::read_annotations(rec, "atr");
  std::vector<double> t;
  for (const auto& it : a.items) {
    if (it.code == io::ann::NORMAL) t.push_back(static_cast<double>(it.sample) / a.fs);
  }
  ASSERT_GT(t.size(), 2000u);
  const BeatTemplate tp = average_template(r.channels.at(0), t, 100);
  EXPECT_DOUBLE_EQ(tp.fs, 360);
  EXPECT_NEAR(tp.mv[tp.r_index], 1.0, 1e-4);
  const auto mx = std::max_element(tp.mv.begin(), tp.mv.end());
  EXPECT_NEAR(static_cast<double>(mx - tp.mv.begin()), double(tp.r_index), 4);
  // Rendering it gives the same beat count and R peaks at the beats.
  NightSpec s = short_spec();
  s.beat_template = tp;
  const SimulatedNight n = simulate_night(s);
  EXPECT_FALSE(n.r_time_s.empty());
  EXPECT_THROW(
      average_template(r.channels.at(0), std::vector<double>(t.begin(), t.begin() + 3), 100),
      Error);
}

}  // namespace
}  // namespace somna::sim
