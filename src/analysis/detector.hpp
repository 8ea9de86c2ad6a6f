#pragma once
// Detector: anything that turns one night's beats into per-minute apnea scores. The training-free
// CVHR detector (analysis/cvhr_detector.hpp) and the learned networks (model/model.hpp) both
// implement it, so analyze_night(), the CLI, the server and the benchmarks treat them alike.

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/ahi_estimator.hpp"
#include "dsp/beats.hpp"
#include "io/record.hpp"

namespace somna::analysis {

// What a detector sees of a night. Built once by analyze_night(); detectors must not modify it.
struct NightInput {
  const io::Channel* ecg = nullptr;  // the ECG channel, null when beats came from annotations
  dsp::Beats beats;                  // raw beats
  dsp::RRSeries rr;                  // cleaned RR series (with amplitude/EDR when known)
  std::vector<dsp::MinuteQuality> quality;  // one per minute
  size_t n_minutes = 0;                     // minutes from t = 0, the last partial minute included
  double duration_s = 0;
  int threads = 1;  // threads score() may use (analysis::Options::threads); scores do not change
};

// An apnea-related event the detector found (e.g. one cycle of heart-rate variation).
struct Event {
  double start_s = 0, end_s = 0;
  float score = 0;
};

// The minute an event ends in (an end exactly on a minute boundary belongs to the minute before):
// an event counts toward the AHI when this minute is analysable.
inline size_t end_minute(const Event& e) {
  return static_cast<size_t>(std::max(0.0, e.end_s - 1e-6) / 60);
}

struct MinuteScores {
  std::vector<float> p_apnea;  // one per minute, in [0,1]
  std::vector<float> logit;    // same length; log(p/(1-p)) before any calibration
  std::vector<Event> events;   // detector's own events, when it finds events (CVHR does)
  // Detector's own events-per-hour estimate over analysable time, when it has one.
  std::optional<double> events_per_hour;
  // Per-minute attention or other interpretation weights (optional).
  std::vector<float> attention;
};

struct DetectorInfo {
  std::string name;        // "cvhr-acat", "rr-cnn", ...
  std::string kind;        // "training-free" or "learned"
  std::string trained_on;  // data set summary, empty for training-free
  std::string version;
  double threshold = 0.5;  // p >= threshold labels a minute apnea
  // Normalisation the model applies (for /health), zeros when none.
  double norm_mean = 0, norm_std = 0;
  // A learned detector's event-rate AHI estimator (and night probability), fitted when it was
  // trained; absent: the AHI is counted from the detector's events or episodes.
  std::optional<AhiModel> ahi_model;
  // The records the model was trained on and its cross-validated figures (eval JSON), when the
  // model file says: `somna eval` warns on training nights and shows these beside.
  std::vector<std::string> training_records;
  std::string cv_evaluation_json;

  bool is_training_record(const std::string& record) const {
    return std::find(training_records.begin(), training_records.end(), record) !=
           training_records.end();
  }
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual DetectorInfo info() const = 0;
  // Scores every minute of the night. Must be re-entrant (const, no shared mutable state).
  virtual MinuteScores score(const NightInput& night) const = 0;
};

}  // namespace somna::analysis
