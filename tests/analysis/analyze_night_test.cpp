// analyze_night end to end on synthetic nights (ECG -> beats -> RR -> quality -> detector ->
// report), beats-only nights, too-short nights, exclusions, errors and re-entrancy.

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <thread>

#include "analysis/cvhr_detector.hpp"
#include "analysis/night_report.hpp"
#include "common/error.hpp"
#include "sim/synthetic_night.hpp"

namespace somna::analysis {
namespace {

// A detector with a fixed answer: p = 1 in [a, b) minutes, no events.
class FixedDetector : public Detector {
 public:
  FixedDetector(size_t a, size_t b, int extra_minutes = 0, std::optional<AhiModel> ahi = {})
      : a_(a), b_(b), extra_(extra_minutes), ahi_(std::move(ahi)) {}
  DetectorInfo info() const override {
    DetectorInfo i;
    i.name = "fixed";
    i.kind = "learned";
    i.ahi_model = ahi_;
    return i;
  }
  MinuteScores score(const NightInput& n) const override {
    MinuteScores s;
    s.p_apnea.assign(n.n_minutes + size_t(extra_), 0.f);
    for (size_t m = a_; m < b_ && m < s.p_apnea.size(); ++m) s.p_apnea[m] = 1.f;
    s.logit.assign(s.p_apnea.size(), 0.f);
    return s;
  }

 private:
  size_t a_, b_;
  int extra_;
  std::optional<AhiModel> ahi_;
};

const sim::SimulatedNight& apnea_night() {
  static const sim::SimulatedNight n = [] {
    sim::NightSpec s;
    s.hours = 4;
    s.episodes = {{1800, 1800}, {7200, 1200}, {10800, 900}};
    s.seed = 21;
    return sim::simulate_night(s);
  }();
  return n;
}

TEST(AnalyzeNight, SyntheticApneaNightFromTheEcg) {
  const sim::SimulatedNight& n = apnea_night();
  const CvhrDetector det;
  const NightReport r = analyze_night(n.record, det);
  EXPECT_EQ(r.channel, "ECG");
  EXPECT_EQ(r.minutes.size(), 240u);
  EXPECT_NEAR(double(r.n_beats), double(n.r_time_s.size()), 0.02 * double(n.r_time_s.size()));
  ASSERT_TRUE(r.ahi.has_value()) << r.ahi_note;
  const double placed_rate = double(n.events.size()) / 4;
  EXPECT_NEAR(*r.ahi, placed_rate, 0.25 * placed_rate) << r.ahi_note;
  EXPECT_TRUE(r.has_apnea);
  EXPECT_EQ(r.severity, severity_from_ahi(*r.ahi));
  EXPECT_EQ(r.ahi_method, "detector events");
  EXPECT_GE(r.episodes.size(), 3u);
  // Minute agreement with the simulator's truth.
  size_t tp = 0, fn = 0, tn = 0, fp = 0;
  for (size_t m = 0; m < r.minutes.size(); ++m) {
    const bool truth = n.minute_apnea[m], pred = r.minutes[m].apnea;
    tp += truth && pred, fn += truth && !pred, tn += !truth && !pred, fp += !truth && pred;
  }
  EXPECT_GT(double(tp) / double(tp + fn), 0.8);
  EXPECT_GT(double(tn) / double(tn + fp), 0.9);
  EXPECT_NEAR(r.hrv.mean_hr_bpm, 65, 4);
  EXPECT_GT(r.hrv.sdnn_ms, 0);
  EXPECT_GT(r.analysis_ms, 0);
  EXPECT_FALSE(r.night_probability.has_value());  // the CVHR detector has no calibration
  EXPECT_EQ(r.r_time_s.size(), r.n_beats);
}

// Options::threads 2 (the QRS passes in two halves, the detector beside the night's other
// measures): the same report as one thread, with a detector of its own events and with one that
// has an event-rate estimator (the CVHR dips found beside it).
TEST(AnalyzeNight, TwoThreadsGiveTheSameReport) {
  AhiModel ahi;
  ahi.weights = {0.1, 1.9, -0.3, 0.3};
  ahi.night_logistic = std::array<double, 2>{2.0, 8.0};
  const FixedDetector fixed(30, 60, 0, ahi);
  const CvhrDetector cvhr;
  for (const Detector* det :
       {static_cast<const Detector*>(&fixed), static_cast<const Detector*>(&cvhr)}) {
    Options two;
    two.threads = 2;
    const NightReport a = analyze_night(apnea_night().record, *det);
    const NightReport b = analyze_night(apnea_night().record, *det, two);
    EXPECT_EQ(a.r_time_s, b.r_time_s);
    ASSERT_EQ(a.minutes.size(), b.minutes.size());
    for (size_t m = 0; m < a.minutes.size(); ++m) {
      EXPECT_EQ(a.minutes[m].p_apnea, b.minutes[m].p_apnea) << m;
      EXPECT_EQ(a.minutes[m].quality, b.minutes[m].quality) << m;
      EXPECT_EQ(a.minutes[m].excluded, b.minutes[m].excluded) << m;
    }
    ASSERT_TRUE(a.ahi && b.ahi);
    EXPECT_EQ(*a.ahi, *b.ahi);
    EXPECT_EQ(a.ahi_note, b.ahi_note);
    EXPECT_EQ(a.night_probability, b.night_probability);
    EXPECT_EQ(a.events.size(), b.events.size());
    EXPECT_EQ(a.hrv.sdnn_ms, b.hrv.sdnn_ms);
    EXPECT_EQ(a.hrv.lf_hf, b.hrv.lf_hf);
    EXPECT_EQ(a.warnings, b.warnings);
    EXPECT_EQ(a.analysable_s, b.analysable_s);
  }
}

TEST(AnalyzeNight, NightWithoutApneaHasLowAhi) {
  sim::NightSpec s = sim::random_night_spec(5, false, 3);
  const sim::SimulatedNight n = sim::simulate_night(s);
  const NightReport r = analyze_night(n.record, CvhrDetector());
  ASSERT_TRUE(r.ahi.has_value());
  EXPECT_LT(*r.ahi, 5);
  EXPECT_FALSE(r.has_apnea);
  EXPECT_EQ(r.severity, Severity::Normal);
  EXPECT_FALSE(r.night_probability.has_value());
}

TEST(AnalyzeNight, TooShortForAnAhi) {
  sim::NightSpec s;
  s.hours = 1;
  s.episodes = {{600, 900}};
  const NightReport r = analyze_night(sim::simulate_night(s).record, CvhrDetector());
  EXPECT_FALSE(r.ahi.has_value());
  EXPECT_NE(r.ahi_note.find("2.0 h"), std::string::npos) << r.ahi_note;
  EXPECT_FALSE(r.has_apnea);
  EXPECT_EQ(r.minutes.size(), 60u);
}

TEST(AnalyzeNight, BeatsOnlyNight) {
  const sim::SimulatedNight& n = apnea_night();
  io::Record header = n.record;
  header.channels[0].samples.clear();  // as read with header_only
  Options o;
  dsp::Beats b;
  b.r_time_s = n.r_time_s;
  b.source = "annotation:qrs";
  b.duration_s = 4 * 3600;
  o.beats = b;
  const NightReport r = analyze_night(header, CvhrDetector(), o);
  EXPECT_EQ(r.beat_source, "annotation:qrs");
  EXPECT_EQ(r.channel, "");
  EXPECT_EQ(r.n_beats, n.r_time_s.size());
  ASSERT_TRUE(r.ahi.has_value());
  EXPECT_NEAR(*r.ahi, double(n.events.size()) / 4, 0.2 * double(n.events.size()) / 4);
}

TEST(AnalyzeNight, FlatSectionIsExcluded) {
  sim::NightSpec s;
  s.hours = 3;
  s.seed = 4;
  sim::SimulatedNight n = sim::simulate_night(s);
  auto& x = n.record.channels[0].samples;
  std::fill(x.begin() + 60 * 60 * 100, x.begin() + 90 * 60 * 100, 0.f);  // minutes 60..89
  const NightReport r = analyze_night(n.record, CvhrDetector());
  size_t excluded = 0;
  for (const auto& m : r.minutes) excluded += m.excluded;
  EXPECT_GE(excluded, 28u);
  EXPECT_LE(excluded, 33u);
  EXPECT_NEAR(r.analysable_s, (180.0 - double(excluded)) * 60, 1e-6);
  ASSERT_FALSE(r.exclusions.empty());
  EXPECT_NE(r.exclusions[0].find("excluded"), std::string::npos);
  EXPECT_TRUE(r.minutes[75].excluded);
  EXPECT_FALSE(r.minutes[75].quality_reason.empty());
}

// The simulated beats of a night, as external beats (so a damaged ECG is still analysed).
dsp::Beats true_beats(const sim::SimulatedNight& n) {
  dsp::Beats b;
  b.r_time_s = n.r_time_s;
  b.duration_s = n.record.duration_s();
  b.source = "annotation:test";
  return b;
}

TEST(AnalyzeNight, CleanNightHasNoWarnings) {
  EXPECT_TRUE(analyze_night(apnea_night().record, CvhrDetector()).warnings.empty());
}

TEST(AnalyzeNight, ClippedEcgIsWarnedAbout) {
  io::Record rec = apnea_night().record;
  io::Channel& ecg = rec.channels.at(*rec.find_ecg());
  // Clip at the 30th and 70th percentiles: 60 % of the samples at the "ADC limits".
  std::vector<float> sorted = ecg.samples;
  std::sort(sorted.begin(), sorted.end());
  const float lo = sorted[sorted.size() * 3 / 10], hi = sorted[sorted.size() * 7 / 10];
  for (float& v : ecg.samples) v = std::clamp(v, lo, hi);
  Options o;
  o.beats = true_beats(apnea_night());
  const NightReport r = analyze_night(rec, CvhrDetector(), o);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("is clipped"), std::string::npos) << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("ECG channel 'ECG'"), std::string::npos) << r.warnings[0];
}

TEST(AnalyzeNight, MostlyFlatEcgIsWarnedAbout) {
  io::Record rec = apnea_night().record;
  io::Channel& ecg = rec.channels.at(*rec.find_ecg());
  std::fill(ecg.samples.begin(), ecg.samples.begin() + ecg.samples.size() * 7 / 10, 0.0f);
  Options o;
  o.beats = true_beats(apnea_night());
  const NightReport r = analyze_night(rec, CvhrDetector(), o);
  bool flat = false;
  for (const std::string& w : r.warnings) flat = flat || w.find("is flat in") != std::string::npos;
  EXPECT_TRUE(flat) << (r.warnings.empty() ? "(no warnings)" : r.warnings[0]);
}

TEST(AnalyzeNight, ReaderWarningsReachTheReport) {
  io::Record rec = apnea_night().record;
  rec.warnings = {"signal file x.dat holds 100 data bytes, 50 more than ..."};
  const NightReport r = analyze_night(rec, CvhrDetector());
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.warnings[0], rec.warnings[0]);
}

TEST(AnalyzeNight, EpisodeBasedAhiForDetectorsWithoutEvents) {
  const sim::SimulatedNight& n = apnea_night();
  const NightReport r = analyze_night(n.record, FixedDetector(100, 130));
  ASSERT_TRUE(r.ahi.has_value());
  ASSERT_EQ(r.episodes.size(), 1u);
  EXPECT_EQ(r.episodes[0].minutes, 30);
  EXPECT_DOUBLE_EQ(r.episodes[0].start_s, 6000);
  EXPECT_EQ(r.ahi_method, "episodes");
  EXPECT_NEAR(*r.ahi, 30 / (r.analysable_s / 3600), 1e-9);
  EXPECT_EQ(r.apnea_minutes, 30);
  EXPECT_FALSE(r.night_probability.has_value());
}

// A detector that says which nights it was trained on.
class TrainedOn : public FixedDetector {
 public:
  TrainedOn() : FixedDetector(0, 0) {}
  DetectorInfo info() const override {
    DetectorInfo i = FixedDetector::info();
    i.training_records = {"a08", "night-x"};
    return i;
  }
};

TEST(AnalyzeNight, WarnsOnTheDetectorsTrainingNights) {
  io::Record rec = apnea_night().record;
  const auto warned = [&](const io::Record& r) {
    for (const auto& w : analyze_night(r, TrainedOn()).warnings)
      if (w.find("trained on") != std::string::npos) return w;
    return std::string();
  };
  EXPECT_EQ(warned(rec), "");
  rec.comments = {"rendered from beat annotations a08.qrs (120-300 min)"};
  const std::string w = warned(rec);
  EXPECT_NE(w.find("a08"), std::string::npos) << w;
  EXPECT_NE(w.find("not a test result"), std::string::npos) << w;
  rec.comments = {"from a080 and xa08"};  // whole words only
  EXPECT_EQ(warned(rec), "");
  rec.name = "night-x";
  EXPECT_NE(warned(rec).find("night-x"), std::string::npos);
  EXPECT_EQ(analyze_night(rec, CvhrDetector()).warnings.size(), rec.warnings.size());
}

TEST(AnalyzeNight, EventRateModelOfTheDetector) {
  const sim::SimulatedNight& n = apnea_night();
  AhiModel m;
  m.weights = {0.5, 0.25, 0.1};
  m.night_logistic = std::array<double, 2>{0.5, 4.0};
  const NightReport r = analyze_night(n.record, FixedDetector(100, 130, 0, m));
  ASSERT_TRUE(r.ahi.has_value()) << r.ahi_note;
  EXPECT_EQ(r.ahi_method, "event-rate model");
  // One 30-minute episode of p = 1: S = 30 / h, E = 1 / h over h analysable hours.
  const double h = r.analysable_s / 3600;
  const double S = 30 / h, E = 1 / h, root = 0.5 * S + 0.25 * E + 0.1 * S * E / 10;
  EXPECT_NEAR(*r.ahi, root * root, 1e-6 * root * root);
  EXPECT_EQ(r.has_apnea, *r.ahi >= 5);
  ASSERT_TRUE(r.night_probability.has_value());
  ASSERT_TRUE(r.night_logit.has_value());
  EXPECT_NEAR(*r.night_logit, 0.5 + 4.0 * (std::log1p(*r.ahi) - std::log(6.0)), 1e-9);
  EXPECT_NEAR(*r.night_probability, 1 / (1 + std::exp(-*r.night_logit)), 1e-6);
  EXPECT_NE(r.ahi_note.find("expected apnea minutes"), std::string::npos) << r.ahi_note;
  // Without a logistic: an AHI, no probability.
  m.night_logistic.reset();
  const NightReport q = analyze_night(n.record, FixedDetector(100, 130, 0, m));
  EXPECT_NEAR(*q.ahi, *r.ahi, 1e-12);
  EXPECT_FALSE(q.night_probability.has_value());
}

TEST(AnalyzeNight, Errors) {
  io::Record empty;
  empty.name = "empty";
  EXPECT_THROW(analyze_night(empty, CvhrDetector()), AnalysisError);
  sim::NightSpec s;
  s.hours = 0.5;
  io::Record flat = sim::simulate_night(s).record;
  std::fill(flat.channels[0].samples.begin(), flat.channels[0].samples.end(), 0.f);
  try {
    analyze_night(flat, CvhrDetector());
    FAIL() << "flat line analysed";
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("no heartbeats"), std::string::npos) << e.what();
  }
  // A header claiming a month of signal (beats-only night) is refused, not allocated.
  io::Record huge;
  huge.name = "huge";
  io::Channel c;
  c.name = "ECG";
  c.fs = 100;
  c.n_samples = int64_t(100) * 3600 * 24 * 30;
  huge.channels.push_back(c);
  Options ob;
  ob.beats = dsp::Beats{};
  ob.beats->r_time_s = {1, 2, 3};
  try {
    analyze_night(huge, CvhrDetector(), ob);
    FAIL() << "a 720 h recording analysed";
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("720 h"), std::string::npos) << e.what();
  }
  // A detector that scores the wrong number of minutes is caught.
  EXPECT_THROW(analyze_night(apnea_night().record, FixedDetector(0, 1, 3)), AnalysisError);
  Options o;
  o.channel = "EEG";
  EXPECT_THROW(analyze_night(apnea_night().record, CvhrDetector(), o), Error);
}

TEST(AnalyzeNight, ReentrantAcrossThreads) {
  const sim::SimulatedNight& n = apnea_night();
  const CvhrDetector det;
  const NightReport ref = analyze_night(n.record, det);
  std::vector<NightReport> out(4);
  std::vector<std::thread> th;
  for (size_t i = 0; i < out.size(); ++i) {
    th.emplace_back([&, i] { out[i] = analyze_night(n.record, det); });
  }
  for (auto& t : th) t.join();
  for (const auto& r : out) {
    ASSERT_TRUE(r.ahi.has_value());
    EXPECT_EQ(*r.ahi, *ref.ahi);
    EXPECT_EQ(r.events.size(), ref.events.size());
    for (size_t m = 0; m < r.minutes.size(); ++m) {
      ASSERT_EQ(r.minutes[m].p_apnea, ref.minutes[m].p_apnea);
    }
  }
}

// The whole chain from the rendered ECG on random synthetic nights: placed CVHR cycles found
// (an event ending inside the cycle or within 15 s after it) and false events per hour.
TEST(AnalyzeNightSlow, RandomSyntheticNightsFromTheEcg) {
  const CvhrDetector det;
  size_t placed = 0, found = 0, false_events = 0;
  double max_normal_ahi = 0, hours_apnea = 0;
  const double hours = 6;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const bool apnea = seed <= 3;
    const sim::SimulatedNight n =
        sim::simulate_night(sim::random_night_spec(seed + 200, apnea, hours));
    const NightReport r = analyze_night(n.record, det);
    ASSERT_TRUE(r.ahi.has_value());
    if (!apnea) {
      max_normal_ahi = std::max(max_normal_ahi, *r.ahi);
      continue;
    }
    hours_apnea += hours;
    std::vector<uint8_t> used(r.events.size(), 0);
    for (const Event& p : n.events) {
      ++placed;
      for (size_t k = 0; k < r.events.size(); ++k) {
        if (!used[k] && r.events[k].end_s >= p.start_s && r.events[k].end_s <= p.end_s + 15) {
          used[k] = 1;
          ++found;
          break;
        }
      }
    }
    for (uint8_t u : used) false_events += !u;
  }
  const double se = double(found) / double(placed);
  std::printf(
      "synthetic nights through analyze_night (ECG -> beats -> CVHR): %zu placed cycles, "
      "sensitivity %.3f, %.2f false events/h; largest AHI on nights without apnea %.2f\n",
      placed, se, double(false_events) / hours_apnea, max_normal_ahi);
  EXPECT_GE(se, 0.85);
  EXPECT_LE(double(false_events) / hours_apnea, 3.0);
  EXPECT_LT(max_normal_ahi, 5.0);
}

}  // namespace
}  // namespace somna::analysis
