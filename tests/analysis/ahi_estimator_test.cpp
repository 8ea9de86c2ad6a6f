// The event-rate AHI estimator's features, estimate, night logit and metadata form.

#include "analysis/ahi_estimator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

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

TEST(AhiModel, JsonRoundTripAndClearErrors) {
  AhiModel m;
  m.weights = {0.21, 0.33, -0.01};
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
  EXPECT_NE(error_of(j).find("3 weights"), std::string::npos);
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
