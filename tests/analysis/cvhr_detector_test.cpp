// The CVHR detector on synthetic nights with known events (beats straight from the simulator, so
// this tests the detector alone; tests/analysis/analyze_night_test.cpp runs the full chain).

#include "analysis/cvhr_detector.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>

#include "sim/synthetic_night.hpp"
#include "support/sim_input.hpp"

namespace somna::analysis {
namespace {

using test::input_from;

struct Match {
  double sensitivity = 0, false_per_hour = 0;
  size_t placed = 0, found = 0, false_events = 0;
};

// A placed cycle [s, e] is found when a detected event ends (its tachycardia) inside [s, e + 15].
Match match(const std::vector<Event>& placed, const std::vector<Event>& detected, double hours) {
  Match m;
  m.placed = placed.size();
  std::vector<uint8_t> used(detected.size(), 0);
  for (const Event& p : placed) {
    for (size_t k = 0; k < detected.size(); ++k) {
      if (!used[k] && detected[k].end_s >= p.start_s && detected[k].end_s <= p.end_s + 15) {
        used[k] = 1;
        ++m.found;
        break;
      }
    }
  }
  for (uint8_t u : used) m.false_events += !u;
  m.sensitivity = m.placed ? double(m.found) / double(m.placed) : 1.0;
  m.false_per_hour = double(m.false_events) / hours;
  return m;
}

TEST(CvhrDetector, Info) {
  const CvhrDetector d;
  EXPECT_EQ(d.info().name, "cvhr-acat");
  EXPECT_EQ(d.info().kind, "training-free");
}

TEST(CvhrDetector, EmptyAndTinyInputsGiveZeroScores) {
  const CvhrDetector d;
  NightInput in;
  in.n_minutes = 5;
  in.duration_s = 300;
  const MinuteScores s = d.score(in);
  ASSERT_EQ(s.p_apnea.size(), 5u);
  ASSERT_EQ(s.logit.size(), 5u);
  EXPECT_TRUE(s.events.empty());
  for (float p : s.p_apnea) EXPECT_EQ(p, 0.f);
}

TEST(CvhrDetector, FindsPlacedEpisodesOnOneNight) {
  sim::NightSpec spec;
  spec.hours = 3;
  spec.episodes = {{1800, 1200}, {5400, 900}};
  spec.seed = 11;
  const sim::SimulatedNight n = sim::simulate_night(spec);
  const CvhrDetector d;
  const MinuteScores s = d.score(input_from(n, spec.hours));
  const Match m = match(n.events, s.events, spec.hours);
  EXPECT_GE(m.sensitivity, 0.8) << m.found << "/" << m.placed;
  EXPECT_LE(m.false_per_hour, 3);
  ASSERT_EQ(s.p_apnea.size(), 180u);
  // Minutes inside the first episode score high, minutes far from any score low.
  double inside = 0, outside = 0;
  for (int k = 32; k < 48; ++k) inside += s.p_apnea[size_t(k)];
  for (int k = 60; k < 76; ++k) outside += s.p_apnea[size_t(k)];
  EXPECT_GT(inside / 16, 0.7);
  EXPECT_LT(outside / 16, 0.1);
  for (size_t k = 0; k < s.p_apnea.size(); ++k) {
    EXPECT_NEAR(s.logit[k],
                std::log(std::clamp(s.p_apnea[k], 1e-3f, 1 - 1e-3f) /
                         (1 - std::clamp(s.p_apnea[k], 1e-3f, 1 - 1e-3f))),
                1e-3);
  }
  ASSERT_TRUE(s.events_per_hour.has_value());
  EXPECT_NEAR(*s.events_per_hour, double(s.events.size()) / 3, 1e-9);
}

TEST(CvhrDetector, QualityMasksDips) {
  sim::NightSpec spec;
  spec.hours = 1;
  spec.episodes = {{600, 1800}};
  const sim::SimulatedNight n = sim::simulate_night(spec);
  NightInput in = input_from(n, 1);
  const CvhrDetector d;
  const size_t all = d.score(in).events.size();
  in.quality.assign(60, dsp::MinuteQuality{0.f, "noise"});
  const MinuteScores s = d.score(in);
  EXPECT_GT(all, 10u);
  EXPECT_TRUE(s.events.empty());
  EXPECT_FALSE(s.events_per_hour.has_value());
}

// Given raw beats, the detector prepares its own RR series: a missed beat (an interval of about
// twice the local one) is filled, so losing one beat in nine barely changes what it finds.
TEST(CvhrDetector, MissedBeatsAreFilled) {
  sim::NightSpec spec;
  spec.hours = 2;
  spec.episodes = {{900, 2400}};
  spec.seed = 5;
  const sim::SimulatedNight n = sim::simulate_night(spec);
  const CvhrDetector d;
  NightInput all;
  all.beats.r_time_s = n.r_time_s;
  all.duration_s = 7200;
  all.n_minutes = 120;
  NightInput missed = all;
  missed.beats.r_time_s.clear();
  for (size_t i = 0; i < n.r_time_s.size(); ++i) {
    if (i % 9 != 4) missed.beats.r_time_s.push_back(n.r_time_s[i]);
  }
  const size_t found_all = d.score(all).events.size();
  const size_t found_missed = d.score(missed).events.size();
  EXPECT_GT(found_all, 0.8 * double(n.events.size()));
  EXPECT_NEAR(double(found_missed), double(found_all), 0.1 * double(found_all) + 1);
}

// Beat times that are not finite or not increasing are skipped, never a crash or a hang.
TEST(CvhrDetector, MalformedBeatsAreSkipped) {
  sim::NightSpec spec;
  spec.hours = 1;
  spec.episodes = {{600, 1800}};
  const sim::SimulatedNight n = sim::simulate_night(spec);
  NightInput in;
  in.beats.r_time_s = n.r_time_s;
  in.duration_s = 3600;
  in.n_minutes = 60;
  const size_t clean = CvhrDetector().score(in).events.size();
  auto& b = in.beats.r_time_s;
  for (size_t i = 50; i < b.size(); i += 200) b[i] = std::nan("");
  for (size_t i = 120; i < b.size(); i += 300) b[i] = b[i - 1];        // duplicate
  for (size_t i = 170; i < b.size(); i += 400) b[i] = b[i - 1] - 5.0;  // backwards
  b.insert(b.begin() + 10, std::numeric_limits<double>::infinity());
  const MinuteScores s = CvhrDetector().score(in);
  ASSERT_EQ(s.p_apnea.size(), 60u);
  EXPECT_NEAR(double(s.events.size()), double(clean), 0.15 * double(clean) + 1);
  for (float p : s.p_apnea) EXPECT_TRUE(p >= 0 && p <= 1);
}

// Ten random nights with apnea and ten without: the synthetic-night figures.
TEST(CvhrDetectorSlow, RandomSyntheticNights) {
  const CvhrDetector d;
  size_t placed = 0, found = 0, false_apnea = 0;
  double hours_apnea = 0, ahi_max_normal = 0, false_normal = 0;
  const double hours = 6;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const sim::SimulatedNight n = sim::simulate_night(sim::random_night_spec(seed, true, hours));
    const Match m = match(n.events, d.score(input_from(n, hours)).events, hours);
    placed += m.placed, found += m.found, false_apnea += m.false_events, hours_apnea += hours;
  }
  for (uint64_t seed = 101; seed <= 110; ++seed) {
    const sim::SimulatedNight n = sim::simulate_night(sim::random_night_spec(seed, false, hours));
    const MinuteScores s = d.score(input_from(n, hours));
    ahi_max_normal = std::max(ahi_max_normal, s.events_per_hour.value_or(0));
    false_normal += double(s.events.size());
  }
  const double se = double(found) / double(placed);
  std::printf(
      "synthetic: %zu placed CVHR events, sensitivity %.3f, false events/h %.2f (apnea "
      "nights), %.2f (normal nights), max AHI on normal nights %.2f\n",
      placed, se, double(false_apnea) / hours_apnea, false_normal / (10 * hours), ahi_max_normal);
  // ACAT's periodicity test needs runs of 4 regular dips: short or irregular synthetic episodes
  // are partly missed (0.755 measured), false events stay rare.
  EXPECT_GE(se, 0.70);
  EXPECT_LE(double(false_apnea) / hours_apnea, 3.0);
  EXPECT_LT(ahi_max_normal, 5.0);
}

}  // namespace
}  // namespace somna::analysis
