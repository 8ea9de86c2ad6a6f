// The training-free CVHR detector on the 35 labelled nights of the Apnea-ECG learning set
// (Penzel et al. 2000, ODC-BY): beats from the database's .qrs, per-minute labels from .apn,
// reference AHI from learning-set-info.txt. Prints the per-record table and the figures (AHI
// Pearson r and MAE, per-minute sensitivity/specificity/accuracy, diagnosis at AHI >= 5) and
// asserts bounds a little below what it measured, so a regression shows. docs/report-schema.md
// quotes these figures. This version feeds the detector the raw beat times directly (it prepares
// its own RR series), so it depends on nothing but the annotation reader and the detector; it
// also cross-validates the one free parameter.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "analysis/cvhr_detector.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "support/shared_data.hpp"
#include "train/dataset.hpp"

namespace somna::analysis {
namespace {

struct Figures {
  double r = 0, mae = 0, se = 0, sp = 0, acc = 0, minutes = 0, diag_ok = 0;
};

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  const double n = double(x.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i], my += y[i];
  mx /= n, my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my), sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy / std::sqrt(sxx * syy);
}

// One night as the detector sees it when beats come from an annotation file: the raw beat times
// (the detector fills missed beats and drops outliers itself), no ECG, no quality.
struct Night {
  std::string rec;
  double ref_ahi = 0;
  NightInput in;
  std::vector<std::pair<size_t, bool>> labels;  // (minute, apnea) from .apn
};

std::vector<Night> load_nights() {
  std::vector<Night> nights;
  for (const auto& [rec, ahi] :
       train::read_reference_ahi(test::kApneaEcg + "/learning-set-info.txt")) {
    const io::Annotations qrs = io::read_annotations(test::kApneaEcg + "/" + rec, "qrs");
    const io::Annotations apn = io::read_annotations(test::kApneaEcg + "/" + rec, "apn");
    Night n;
    n.rec = rec;
    n.ref_ahi = ahi;
    for (const auto& a : qrs.items) {
      if (io::is_beat_code(a.code)) n.in.beats.r_time_s.push_back(double(a.sample) / qrs.fs);
    }
    n.in.duration_s = n.in.beats.r_time_s.back();
    n.in.n_minutes = static_cast<size_t>(std::ceil(n.in.duration_s / 60));
    for (const auto& a : apn.items) {
      if (a.code != io::ann::APC && a.code != io::ann::NORMAL) continue;
      n.labels.emplace_back(static_cast<size_t>(std::llround(double(a.sample) / apn.fs / 60)),
                            a.code == io::ann::APC);
    }
    nights.push_back(std::move(n));
  }
  return nights;
}

double mean_abs_error(const std::vector<double>& x, const std::vector<double>& y) {
  double mae = 0;
  for (size_t i = 0; i < x.size(); ++i) mae += std::fabs(x[i] - y[i]);
  return mae / double(x.size());
}

TEST(CvhrApneaEcgSlow, DetectorOnQrsBeats) {
  REQUIRE_SHARED(test::kApneaEcg + "/learning-set-info.txt");
  const std::vector<Night> nights = load_nights();
  ASSERT_EQ(nights.size(), 35u);
  const CvhrDetector det;
  std::vector<double> est, truth;
  double tp = 0, fp = 0, tn = 0, fn = 0, diag_ok = 0;
  std::printf("record  ref_AHI  cvhr_AHI  apnea_min(ref)  apnea_min(cvhr)\n");
  for (const Night& n : nights) {
    const MinuteScores s = det.score(n.in);
    ASSERT_TRUE(s.events_per_hour.has_value()) << n.rec;
    size_t ref_apnea = 0, est_apnea = 0;
    for (const auto& [m, t] : n.labels) {
      if (m >= s.p_apnea.size()) continue;
      const bool p = s.p_apnea[m] >= det.info().threshold;
      ref_apnea += t, est_apnea += p;
      tp += t && p, fn += t && !p, tn += !t && !p, fp += !t && p;
    }
    est.push_back(*s.events_per_hour);
    truth.push_back(n.ref_ahi);
    diag_ok += (*s.events_per_hour >= 5) == (n.ref_ahi >= 5);
    std::printf("%-6s  %7.1f  %8.1f  %14zu  %15zu\n", n.rec.c_str(), n.ref_ahi, *s.events_per_hour,
                ref_apnea, est_apnea);
  }
  const double mae = mean_abs_error(est, truth);
  const double r = pearson(est, truth);
  const double se = tp / (tp + fn), sp = tn / (tn + fp), acc = (tp + tn) / (tp + tn + fp + fn);
  std::printf(
      "CVHR (ACAT) on 35 Apnea-ECG nights, detector on .qrs beats: AHI Pearson r = %.3f, "
      "MAE = %.1f events/h; per-minute Se = %.3f, Sp = %.3f, accuracy = %.3f (%.0f "
      "minutes); diagnosis at AHI>=5 correct %.0f/35\n",
      r, mae, se, sp, acc, tp + tn + fp + fn, diag_ok);
  // Bounds a little below the measured figures (see docs/report-schema.md).
  EXPECT_GE(r, 0.74);
  EXPECT_LE(mae, 16.5);
  EXPECT_GE(se, 0.45);
  EXPECT_GE(sp, 0.92);
  EXPECT_GE(diag_ok, 30);
}

// The one ACAT value the papers do not give, the half-width of the quadratic smoothing, chosen by
// leave-one-record-out cross-validation: for each night, the half-width with the best Pearson r
// on the other 34 nights scores it. The cross-validated r is the honest figure for the default.
TEST(CvhrApneaEcgSlow, SmoothingCrossValidated) {
  REQUIRE_SHARED(test::kApneaEcg + "/learning-set-info.txt");
  const std::vector<Night> nights = load_nights();
  ASSERT_EQ(nights.size(), 35u);
  const std::vector<int> widths = {3, 5, 7, 10, 12, 15, 20, 25, 30};
  std::vector<std::vector<double>> est(widths.size());
  std::vector<double> truth;
  for (const Night& n : nights) truth.push_back(n.ref_ahi);
  for (size_t w = 0; w < widths.size(); ++w) {
    CvhrParams p;
    p.smooth_half_width = widths[w];
    const CvhrDetector det(p);
    for (const Night& n : nights) est[w].push_back(det.score(n.in).events_per_hour.value_or(0));
    std::printf("half-width %2d s: in-sample r = %.3f, MAE = %.1f\n", widths[w],
                pearson(est[w], truth), mean_abs_error(est[w], truth));
  }
  std::vector<double> cv(nights.size());
  std::map<int, int> chosen;
  for (size_t k = 0; k < nights.size(); ++k) {
    size_t best = 0;
    double best_r = -2;
    for (size_t w = 0; w < widths.size(); ++w) {
      std::vector<double> e, t;
      for (size_t i = 0; i < nights.size(); ++i) {
        if (i != k) e.push_back(est[w][i]), t.push_back(truth[i]);
      }
      const double r = pearson(e, t);
      if (r > best_r) best_r = r, best = w;
    }
    cv[k] = est[best][k];
    ++chosen[widths[best]];
  }
  std::string picks;
  for (const auto& [w, c] : chosen) picks += " " + std::to_string(w) + " s x" + std::to_string(c);
  double diag_ok = 0;
  for (size_t k = 0; k < cv.size(); ++k) diag_ok += (cv[k] >= 5) == (truth[k] >= 5);
  std::printf(
      "leave-one-record-out: AHI Pearson r = %.3f, MAE = %.1f, diagnosis correct %.0f/35; "
      "half-widths chosen:%s (default %d s)\n",
      pearson(cv, truth), mean_abs_error(cv, truth), diag_ok, picks.c_str(),
      CvhrParams{}.smooth_half_width);
  EXPECT_GE(pearson(cv, truth), 0.74);
}

}  // namespace
}  // namespace somna::analysis
