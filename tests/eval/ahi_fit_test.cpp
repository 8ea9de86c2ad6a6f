// Fitting the event-rate AHI estimator: exact recovery, leave-one-record-out honesty, the night
// logistic's calibration figures, and the side-by-side minutes-per-hour index.

#include "eval/ahi_fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

namespace somna::eval {
namespace {

// Nights whose true AHI follows the estimator's form with weights w (plus noise).
std::vector<AhiNight> nights_of(const std::array<double, analysis::kAhiTerms>& w, double noise,
                                size_t n) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> s(0, 40), e(0, 6), c(0, 50);
  std::normal_distribution<double> z(0, noise);
  std::vector<AhiNight> out;
  for (size_t i = 0; i < n; ++i) {
    AhiNight night;
    night.record = "r" + std::to_string(i);
    night.features.expected_apnea_min_per_h = s(rng);
    night.features.episodes_per_h = e(rng);
    night.features.cvhr_per_h = c(rng);
    night.features.apnea_min_per_h = 0.9 * night.features.expected_apnea_min_per_h;
    night.features.analysable_h = 7;
    const auto t = analysis::ahi_terms(night.features);
    double root = z(rng);
    for (size_t k = 0; k < w.size(); ++k) root += w[k] * t[k];
    night.ref_ahi = std::max(0.0, root) * std::max(0.0, root);
    out.push_back(night);
  }
  return out;
}

TEST(AhiFit, RecoversExactWeightsAndIsPerfectOutOfRecord) {
  const std::array<double, analysis::kAhiTerms> w{0.15, 0.4, 0.05, 0.3};
  const AhiFit fit = fit_ahi(nights_of(w, 0, 30), 200, 1);
  for (size_t k = 0; k < w.size(); ++k) EXPECT_NEAR(fit.model.weights[k], w[k], 1e-6);
  EXPECT_NEAR(fit.loro.r.value, 1.0, 1e-9);
  EXPECT_NEAR(fit.loro.mae.value, 0.0, 1e-5);  // AHIs up to ~10^3: 1e-8 relative
  EXPECT_EQ(fit.loro.diagnosis_correct, 30u);
  EXPECT_EQ(fit.loro.severity_agree, 30u);
  EXPECT_LT(fit.minutes.r.value, 1.0);  // the index ignores the episodes
  ASSERT_TRUE(fit.model.night_logistic.has_value());
  EXPECT_GT((*fit.model.night_logistic)[1], 0);  // more events, more likely apnea
  EXPECT_EQ(fit.model.summary, loro_summary(fit));
}

TEST(AhiFit, LeaveOneRecordOutIsWorseThanInSampleWithNoise) {
  const auto nights = nights_of({0.15, 0.4, 0.05, 0.3}, 0.6, 35);
  const AhiFit fit = fit_ahi(nights, 200, 1);
  analysis::AhiModel all = fit.model;
  double in_sample = 0;
  for (size_t i = 0; i < nights.size(); ++i) {
    in_sample += std::abs(analysis::estimate_ahi(all, nights[i].features) - nights[i].ref_ahi);
  }
  in_sample /= double(nights.size());
  // Each night's LORO estimate comes from weights fitted without it: never better in total.
  EXPECT_GT(fit.loro.mae.value, in_sample);
  EXPECT_LE(fit.loro.r.lo, fit.loro.r.value);
  EXPECT_GE(fit.loro.r.hi, fit.loro.r.value);
  EXPECT_GT(fit.loro.r.value, 0.9);
  // Probabilities in (0, 1), Brier in [0, 1], and the fixed mapping's figures beside them.
  for (double p : fit.loro_probability) EXPECT_TRUE(p > 0 && p < 1) << p;
  EXPECT_GE(fit.brier, 0);
  EXPECT_LE(fit.brier, 1);
  EXPECT_TRUE(std::isfinite(fit.fixed_brier));
  const nlohmann::json j = to_json(fit);
  EXPECT_EQ(j["nights"].size(), 35u);
  EXPECT_EQ(j["event_rate_loro"]["diagnosis_correct"], fit.loro.diagnosis_correct);
  EXPECT_TRUE(j["night_probability_loro"]["brier"].is_number());
  EXPECT_EQ(analysis::ahi_model_from_json(j["model"]).weights, fit.model.weights);
  const std::string md = ahi_fit_markdown(fit);
  EXPECT_NE(md.find("| Pearson r |"), std::string::npos) << md;
  EXPECT_NE(md.find("apnea minutes per hour"), std::string::npos);
  EXPECT_NE(md.find("Brier"), std::string::npos);
}

TEST(AhiFit, TooFewNightsIsAClearError) {
  try {
    fit_ahi(nights_of({0.1, 0.1, 0.1}, 0, 4));
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("at least 5 nights"), std::string::npos) << e.what();
  }
}

TEST(AhiAgreement, CountsAndKappa) {
  // Classes: est 2 (normal), 7 (mild), 20 (moderate), 40 (severe) vs ref 3, 4, 25, 35.
  const AhiAgreement a = ahi_agreement({2, 7, 20, 40}, {3, 4, 25, 35}, 100, 1);
  EXPECT_EQ(a.n, 4u);
  EXPECT_EQ(a.diagnosis_correct, 3u);
  EXPECT_EQ(a.severity_agree, 3u);
  EXPECT_DOUBLE_EQ(a.diagnosis.value, 0.75);
  EXPECT_NEAR(a.mae.value, (1 + 3 + 5 + 5) / 4.0, 1e-12);
  EXPECT_GT(a.severity_kappa, 0.5);
}

}  // namespace
}  // namespace somna::eval
