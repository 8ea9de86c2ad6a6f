// The event-rate AHI estimator's features, estimate, night logit and metadata form.

#include "analysis/ahi_estimator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/cvhr_detector.hpp"
#include "sim/synthetic_night.hpp"
#include "support/sim_input.hpp"

namespace somna::analysis {
namespace {

TEST(AhiFeatures, SumOfProbabilitiesEpisodesAndAnalysableTime) {
  // 2 h of minutes: p 0.8 in minutes 10..19 and 40..44, 0.2 elsewhere; minute 42 excluded
  // (breaks the second run into two episodes); the night ends 30 s into its last minute.
  std::vector<float> p(120, 0.2f);
  std::vector<uint8_t> keep(120, 1);
  for (size_t m = 10; m < 20; ++m) p[m] = 0.8f;
  for (size_t m = 40; m < 45; ++m) p[m] = 0.8f;
  keep[42] = 0;
  const double duration = 119 * 60.0 + 30;
  const AhiFeatures f = ahi_features(p, keep, duration, 0.5);
  const double hours = (118 * 60.0 + 30) / 3600;  // 119 kept minutes, the last one half
  EXPECT_NEAR(f.analysable_h, hours, 1e-12);
  const double sum_p = 14 * 0.8 + 105 * 0.2;
  EXPECT_NEAR(f.expected_apnea_min_per_h, sum_p / hours, 1e-4);
  EXPECT_NEAR(f.episodes_per_h, 3 / hours, 1e-9);
  EXPECT_NEAR(f.apnea_min_per_h, 14 / hours, 1e-9);
}

TEST(AhiFeatures, NonFiniteAndEmptyNights) {
  const AhiFeatures f = ahi_features({NAN, 1.f}, {1, 1}, 120, 0.5);
  EXPECT_NEAR(f.expected_apnea_min_per_h, 1 / (120.0 / 3600), 1e-9);
  EXPECT_NEAR(f.episodes_per_h, 1 / (120.0 / 3600), 1e-9);
  const AhiFeatures none = ahi_features({0.9f}, {0}, 60, 0.5);
  EXPECT_EQ(none.analysable_h, 0);
  EXPECT_EQ(none.expected_apnea_min_per_h, 0);
  AhiModel m;
  m.weights = {1, 1, 1};
  EXPECT_EQ(estimate_ahi(m, none), 0);
}

TEST(AhiModel, EstimateIsTheSquareOfTheWeightedTermsClampedAtZero) {
  AhiFeatures f;
  f.expected_apnea_min_per_h = 20, f.episodes_per_h = 4, f.analysable_h = 7;
  AhiModel m;
  m.weights = {0.2, 0.3, 0.05};
  const auto t = ahi_terms(f);
  EXPECT_DOUBLE_EQ(t[2], 20 * 4 / 10.0);
  const double root = 0.2 * 20 + 0.3 * 4 + 0.05 * 8;
  EXPECT_NEAR(estimate_ahi(m, f), root * root, 1e-12);
  m.weights = {-1, 0, 0};
  EXPECT_EQ(estimate_ahi(m, f), 0);
  m.night_logistic = std::array<double, 2>{0.3, 2};
  EXPECT_NEAR(night_logit(m, 5), 0.3, 1e-12);  // centred at AHI 5
  EXPECT_NEAR(night_logit(m, 11), 0.3 + 2 * std::log(2.0), 1e-12);
}

TEST(AhiModel, TheCvhrTermIsTheSquareRootOfTheDipRate) {
  AhiFeatures f;
  f.expected_apnea_min_per_h = 20, f.episodes_per_h = 4, f.cvhr_per_h = 25, f.analysable_h = 7;
  AhiModel m;
  m.weights = {0.2, 0.3, 0.05, 0.4};
  EXPECT_DOUBLE_EQ(ahi_terms(f)[3], 5);
  const double root = 0.2 * 20 + 0.3 * 4 + 0.05 * 8 + 0.4 * 5;
  EXPECT_NEAR(estimate_ahi(m, f), root * root, 1e-12);
}

TEST(AhiModel, TheFormWithoutTheCvhrTermReadsWithItsWeightZero) {
  const nlohmann::json j = {
      {"form", AhiModel::kFormWithoutC}, {"weights", {0.1, 0.2, 0.3}}, {"summary", "older model"}};
  const AhiModel m = ahi_model_from_json(j);
  EXPECT_EQ(m.weights, (std::array<double, kAhiTerms>{0.1, 0.2, 0.3, 0}));
  nlohmann::json four = j;
  four["weights"] = {0.1, 0.2, 0.3, 0.4};
  try {
    ahi_model_from_json(four);
    ADD_FAILURE() << "4 weights read under the 3-term form";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("3 weights"), std::string::npos) << e.what();
  }
}

// C counts the CVHR detector's events that end in analysable minutes, per analysable hour; the
// minute features are those of ahi_features().
TEST(AhiFeatures, NightFeaturesCountTheCvhrEventsInAnalysableMinutes) {
  sim::NightSpec spec;
  spec.hours = 3;
  spec.episodes = {{1800, 1200}, {5400, 900}};
  spec.seed = 11;
  const NightInput in = test::input_from(sim::simulate_night(spec), spec.hours);
  const std::vector<Event> events = CvhrDetector().score(in).events;
  ASSERT_GE(events.size(), 10u);
  std::vector<float> p(180, 0.3f);
  std::vector<uint8_t> keep(180, 1);
  for (size_t m = 30; m < 50; ++m) keep[m] = 0;  // the first episode is not analysable
  size_t counted = 0;
  for (const Event& e : events) counted += keep[end_minute(e)];
  ASSERT_LT(counted, events.size());
  ASSERT_GT(counted, 0u);
  const AhiFeatures f = night_ahi_features(in, p, keep, 0.5);
  const AhiFeatures minutes = ahi_features(p, keep, in.duration_s, 0.5);
  EXPECT_NEAR(f.analysable_h, 160 / 60.0, 1e-12);
  EXPECT_NEAR(f.cvhr_per_h, double(counted) / f.analysable_h, 1e-9);
  EXPECT_EQ(f.expected_apnea_min_per_h, minutes.expected_apnea_min_per_h);
  EXPECT_EQ(f.episodes_per_h, minutes.episodes_per_h);
  EXPECT_EQ(minutes.cvhr_per_h, 0);
}

TEST(AhiModel, JsonRoundTripAndClearErrors) {
  AhiModel m;
  m.weights = {0.21, 0.33, -0.01, 0.25};
  m.night_logistic = std::array<double, 2>{0.4, 3.5};
  m.summary = "LORO r 0.9";
  const AhiModel back = ahi_model_from_json(to_json(m));
  EXPECT_EQ(back.weights, m.weights);
  ASSERT_TRUE(back.night_logistic.has_value());
  EXPECT_EQ(*back.night_logistic, *m.night_logistic);
  EXPECT_EQ(back.summary, m.summary);

  auto error_of = [](const nlohmann::json& j) {
    try {
      ahi_model_from_json(j);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  nlohmann::json j = to_json(m);
  j["form"] = "AHI = w * minutes";
  EXPECT_NE(error_of(j).find("form"), std::string::npos);
  j = to_json(m);
  j["weights"] = {1, 2};
  EXPECT_NE(error_of(j).find("4 weights"), std::string::npos);
  j = to_json(m);
  j["weights"][1] = "x";
  EXPECT_NE(error_of(j).find("finite number"), std::string::npos);
  j = to_json(m);
  j["night_logistic"].erase("slope");
  EXPECT_NE(error_of(j).find("intercept and slope"), std::string::npos);
  EXPECT_NE(error_of(nlohmann::json::array()).find("not a JSON object"), std::string::npos);
  j = to_json(m);
  j.erase("night_logistic");
  EXPECT_FALSE(ahi_model_from_json(j).night_logistic.has_value());
}

}  // namespace
}  // namespace somna::analysis
