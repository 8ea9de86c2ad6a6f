// Every metric on cases computed by hand.
#include "eval/metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>

using namespace somna::eval;

TEST(Metrics, ConfusionByHand) {
  // p:      .9 .8 .7 .3 .2 .6 .1 .4 ; labels 1 1 0 1 0 0 0 1 ; threshold .5
  // pred:    1  1  1  0  0  1  0  0  -> tp 2, fp 2, tn 2, fn 2
  const std::vector<float> p{.9f, .8f, .7f, .3f, .2f, .6f, .1f, .4f};
  const std::vector<uint8_t> y{1, 1, 0, 1, 0, 0, 0, 1};
  const Confusion c = confusion(p, y, 0.5);
  EXPECT_EQ(c.tp, 2u);
  EXPECT_EQ(c.fp, 2u);
  EXPECT_EQ(c.tn, 2u);
  EXPECT_EQ(c.fn, 2u);
  EXPECT_DOUBLE_EQ(c.accuracy(), 0.5);
  EXPECT_DOUBLE_EQ(c.sensitivity(), 0.5);
  EXPECT_DOUBLE_EQ(c.specificity(), 0.5);
  EXPECT_DOUBLE_EQ(c.ppv(), 0.5);
  EXPECT_DOUBLE_EQ(c.npv(), 0.5);
  EXPECT_DOUBLE_EQ(c.f1(), 0.5);
  EXPECT_DOUBLE_EQ(c.mcc(), 0.0);
  Confusion d;
  d.tp = 3, d.fp = 1, d.tn = 4, d.fn = 2;
  // MCC = (3*4 - 1*2) / sqrt(4*5*5*6) = 10 / sqrt(600)
  EXPECT_NEAR(d.mcc(), 10 / std::sqrt(600.0), 1e-12);
  EXPECT_NEAR(d.f1(), 6.0 / 9.0, 1e-12);
}

TEST(Metrics, RocAucByHand) {
  // Positives .9 .3 ; negatives .8 .1: pairs (pos>neg): .9>.8, .9>.1, .3>.1 = 3 of 4.
  EXPECT_DOUBLE_EQ(roc_auc({.9f, .8f, .3f, .1f}, {1, 0, 1, 0}), 0.75);
  // A tie counts half: pos .5 vs neg .5.
  EXPECT_DOUBLE_EQ(roc_auc({.5f, .5f}, {1, 0}), 0.5);
  EXPECT_DOUBLE_EQ(roc_auc({.2f, .9f}, {0, 1}), 1.0);
  EXPECT_TRUE(std::isnan(roc_auc({.2f, .9f}, {1, 1})));
}

TEST(Metrics, PrAucByHand) {
  // Sorted: .9(1) .8(0) .3(1) .1(0). AP = 0.5*1 + 0.5*(2/3).
  EXPECT_NEAR(pr_auc({.9f, .8f, .3f, .1f}, {1, 0, 1, 0}), 0.5 + 1.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(pr_auc({.9f, .1f}, {1, 0}), 1.0);
}

TEST(Metrics, RocCurveEnds) {
  const auto r = roc_curve({.9f, .8f, .3f, .1f}, {1, 0, 1, 0});
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r.front().fpr, 0);
  EXPECT_EQ(r.front().tpr, 0);
  EXPECT_EQ(r.back().fpr, 1);
  EXPECT_EQ(r.back().tpr, 1);
  EXPECT_DOUBLE_EQ(r[1].tpr, 0.5);
}

TEST(Metrics, NightLevelByHand) {
  EXPECT_DOUBLE_EQ(pearson({1, 2, 3}, {2, 4, 6}), 1.0);
  EXPECT_DOUBLE_EQ(pearson({1, 2, 3}, {3, 2, 1}), -1.0);
  EXPECT_DOUBLE_EQ(mean_abs_error({1, 2, 3}, {2, 2, 5}), 1.0);
  EXPECT_EQ(severity_class(4.9), 0);
  EXPECT_EQ(severity_class(5), 1);
  EXPECT_EQ(severity_class(15), 2);
  EXPECT_EQ(severity_class(30), 3);
  // 30 of 60 minutes apnea -> 30 per hour.
  std::vector<float> p(60, 0.f);
  for (int i = 0; i < 30; ++i) p[size_t(i)] = 1.f;
  EXPECT_DOUBLE_EQ(ahi_from_minutes(p, 0.5), 30.0);
}

TEST(Metrics, EvaluateAndBootstrapOverRecords) {
  RecordPredictions a{"a", {.9f, .8f, .1f, .2f}, {1, 1, 0, 0}, 40.0, {}};
  RecordPredictions b{"b", {.7f, .1f, .6f, .2f}, {1, 0, 0, 0}, 2.0, {}};
  const EvalResult r = evaluate({a, b}, 0.5, 200, 7);
  EXPECT_EQ(r.n_minutes, 8u);
  EXPECT_EQ(r.cm.tp, 3u);
  EXPECT_EQ(r.cm.fp, 1u);
  EXPECT_DOUBLE_EQ(r.accuracy.value, 7.0 / 8.0);
  EXPECT_LE(r.accuracy.lo, r.accuracy.value);
  EXPECT_GE(r.accuracy.hi, r.accuracy.value);
  // Record a alone: 4/4; b alone: 3/4. Bootstrap accuracies lie in [0.75, 1].
  EXPECT_GE(r.accuracy.lo, 0.75);
  EXPECT_LE(r.accuracy.hi, 1.0);
  // est AHI: a 2/4 minutes -> 30/h; b 2/4 -> 30/h. b ref 2 -> misdiagnosed.
  EXPECT_DOUBLE_EQ(r.records[0].est_ahi, 30.0);
  EXPECT_EQ(r.night.diagnosis_correct, 1u);
  EXPECT_DOUBLE_EQ(r.night.diagnosis.value, 0.5);
  EXPECT_EQ(r.ahi_estimate, "apnea minutes per hour");
  EXPECT_FALSE(r.minutes_index.has_value());
  EXPECT_NE(to_json(r).find("\"roc_auc\""), std::string::npos);
}
