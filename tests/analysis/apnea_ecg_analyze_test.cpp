// The whole analysis (analyze_night: dsp RR cleaning and quality, the CVHR detector, AHI over
// analysable time) on the 35 labelled nights of the Apnea-ECG learning set (Penzel et al. 2000,
// ODC-BY), exactly as `somna analyze DIR --beats qrs` runs it: beats from the database's .qrs,
// per-minute labels from .apn,
// reference AHI from learning-set-info.txt. Prints the per-record table and the figures (AHI
// Pearson r and MAE, per-minute sensitivity/specificity/accuracy, diagnosis at AHI >= 5) and
// asserts bounds a little below what it measured, so a regression shows. docs/report-schema.md
// quotes these figures. apnea_ecg_proof_test.cpp does the same for the detector alone.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "analysis/cvhr_detector.hpp"
#include "analysis/night_report.hpp"
#include "dsp/beats.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "support/shared_data.hpp"
#include "train/dataset.hpp"

namespace somna::analysis {
namespace {

TEST(CvhrApneaEcgSlow, AnalyzeNightOnQrsBeats) {
  REQUIRE_SHARED(test::kApneaEcg + "/learning-set-info.txt");
  const std::map<std::string, double> ref =
      train::read_reference_ahi(test::kApneaEcg + "/learning-set-info.txt");
  ASSERT_EQ(ref.size(), 35u);
  const CvhrDetector det;
  std::vector<double> est, truth;
  double tp = 0, fp = 0, tn = 0, fn = 0, diag_ok = 0;
  std::printf("record  ref_AHI  cvhr_AHI  apnea_min(ref)  apnea_min(cvhr)\n");
  for (const auto& [rec, ahi] : ref) {
    io::ReadOptions ro;
    ro.header_only = true;
    const io::Record header = io::read_record(test::kApneaEcg + "/" + rec + ".hea", ro);
    Options o;
    o.beats =
        dsp::beats_from_annotations(io::read_annotations(header.path, "qrs"), header.duration_s());
    const NightReport r = analyze_night(header, det, o);
    ASSERT_TRUE(r.ahi.has_value()) << rec << ": " << r.ahi_note;
    const io::Annotations apn = io::read_annotations(header.path, "apn");
    size_t ref_apnea = 0;
    for (const auto& a : apn.items) {
      if (a.code != io::ann::APC && a.code != io::ann::NORMAL) continue;
      const size_t m = static_cast<size_t>(std::llround(double(a.sample) / apn.fs / 60));
      if (m >= r.minutes.size() || r.minutes[m].excluded) continue;
      const bool t = a.code == io::ann::APC, p = r.minutes[m].apnea;
      ref_apnea += t;
      tp += t && p, fn += t && !p, tn += !t && !p, fp += !t && p;
    }
    est.push_back(*r.ahi);
    truth.push_back(ahi);
    diag_ok += (*r.ahi >= 5) == (ahi >= 5);
    std::printf("%-6s  %7.1f  %8.1f  %14zu  %15.0f\n", rec.c_str(), ahi, *r.ahi, ref_apnea,
                r.apnea_minutes);
  }
  const double n = double(est.size());
  double me = 0, mt = 0;
  for (size_t i = 0; i < est.size(); ++i) me += est[i], mt += truth[i];
  me /= n, mt /= n;
  double sxy = 0, sxx = 0, syy = 0, mae = 0;
  for (size_t i = 0; i < est.size(); ++i) {
    sxy += (est[i] - me) * (truth[i] - mt);
    sxx += (est[i] - me) * (est[i] - me);
    syy += (truth[i] - mt) * (truth[i] - mt);
    mae += std::fabs(est[i] - truth[i]);
  }
  const double r = sxy / std::sqrt(sxx * syy);
  mae /= n;
  const double se = tp / (tp + fn), sp = tn / (tn + fp), acc = (tp + tn) / (tp + tn + fp + fn);
  std::printf(
      "analyze_night + CVHR on 35 Apnea-ECG nights: AHI Pearson r = %.3f, MAE = %.1f events/h; "
      "per-minute Se = %.3f, Sp = %.3f, accuracy = %.3f (%.0f minutes); diagnosis at "
      "AHI>=5 correct %.0f/35\n",
      r, mae, se, sp, acc, tp + tn + fp + fn, diag_ok);
  // Bounds a little below the measured figures (see docs/report-schema.md).
  EXPECT_GE(r, 0.71);
  EXPECT_LE(mae, 17.0);
  EXPECT_GE(se, 0.45);
  EXPECT_GE(sp, 0.92);
  EXPECT_GE(diag_ok, 29);
}

}  // namespace
}  // namespace somna::analysis
