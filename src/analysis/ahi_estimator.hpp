#pragma once
// The apnea–hypopnea index as a rate of events, from what Somna sees of a night. A minute
// detector labels apnea minutes; counted per hour they cannot exceed 60/h and miss that one apnea
// minute often holds two events and that hypopneas hide in "normal" minutes. The estimator reads
// three things off the night:
//   S, expected apnea minutes per hour: the sum of p (not only the minutes over the threshold);
//   E, apnea episodes starting per hour: runs of minutes with p >= the detector's threshold
//      (a night the detector sees as broken into many short stretches holds more events than
//      its apnea minutes say);
//   C, cyclic heart-rate dips per hour: the training-free CVHR detector's events
//      (analysis/cvhr_detector.hpp) that end in analysable minutes: a count of events, which
//      sees the apnea nights whose minutes the network scores low;
// and maps them to events per hour through sqrt(AHI) = w_S S + w_E E + w_SE S E / 10 + w_C sqrt(C)
// (AHI = the square, clamped at zero): four weights, fitted by least squares on the training
// nights' true AHI from out-of-fold probabilities (eval/ahi_fit.hpp), shipped in the model file.
// A logistic on log(1 + AHI estimate) gives the night's probability of AHI >= 5, fitted the same
// way. One feature builder for fitting and for analyze_night(), like features/rr_features.hpp.

#include <array>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

namespace somna::analysis {

struct AhiFeatures {
  double expected_apnea_min_per_h = 0;  // S
  double episodes_per_h = 0;            // E
  double cvhr_per_h = 0;                // C
  double apnea_min_per_h = 0;           // minutes with p >= threshold per hour (the old index)
  double analysable_h = 0;              // hours of analysable minutes
};

struct NightInput;  // analysis/detector.hpp
struct Event;       // analysis/detector.hpp

// The minute features (S, E, the index, analysable time) from every minute's p(apnea) and whether
// it is analysable (keep), over a night of duration_s (the last minute may be partial). Non-finite
// p counts as 0. Zero features without analysable time. C stays 0: see night_ahi_features().
AhiFeatures ahi_features(const std::vector<float>& p, const std::vector<uint8_t>& keep,
                         double duration_s, double threshold);

// All four features of a night: ahi_features() and C, the CVHR detector's events that end in an
// analysable minute per analysable hour. What fitting (train), evaluation (eval) and
// analyze_night() call.
AhiFeatures night_ahi_features(const NightInput& night, const std::vector<float>& p,
                               const std::vector<uint8_t>& keep, double threshold);
// The same, with the CVHR detector's events of the night already found (cvhr_events(night)):
// analyze_night() finds them while the detector scores the night.
AhiFeatures night_ahi_features(const NightInput& night, const std::vector<float>& p,
                               const std::vector<uint8_t>& keep, double threshold,
                               const std::vector<Event>& cvhr);
// The events C counts: the training-free CVHR detector's on this night.
std::vector<Event> cvhr_events(const NightInput& night);

constexpr size_t kAhiTerms = 4;

struct AhiModel {
  static constexpr const char* kForm = "sqrt(AHI) = w_S*S + w_E*E + w_SE*S*E/10 + w_C*sqrt(C)";
  // The form before C (model files of Somna 0.1 up to the CVHR term): read as w_C = 0.
  static constexpr const char* kFormWithoutC = "sqrt(AHI) = w_S*S + w_E*E + w_SE*S*E/10";
  std::array<double, kAhiTerms> weights{};  // w_S, w_E, w_SE, w_C
  // p(AHI >= 5) = sigmoid(intercept + slope * (log(1 + AHI) - log(6))); absent: none shown.
  std::optional<std::array<double, 2>> night_logistic;
  std::string summary;  // its leave-one-record-out figures, for the report and the card
};

// The terms the weights multiply.
std::array<double, kAhiTerms> ahi_terms(const AhiFeatures& f);
// Events per hour; 0 without analysable time.
double estimate_ahi(const AhiModel& m, const AhiFeatures& f);
// The night logistic's input at an AHI estimate: ln(1 + AHI) - ln 6 (0 at AHI 5). Fitting
// (eval/ahi_fit) and inference share it.
double night_logistic_input(double ahi);
// The night's logit of AHI >= 5 from an AHI estimate (m.night_logistic must be set).
double night_logit(const AhiModel& m, double ahi);

// The model file's metadata form ({"form", "weights", "night_logistic", "summary"}).
nlohmann::json to_json(const AhiModel& m);
// Reads kForm (4 weights) or kFormWithoutC (3 weights, w_C = 0). Throws std::invalid_argument
// naming what is missing or wrong.
AhiModel ahi_model_from_json(const nlohmann::json& j);

}  // namespace somna::analysis
