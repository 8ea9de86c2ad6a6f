#pragma once
// CvhrDetector: the training-free apnea detector. It finds cyclic variation of heart rate (CVHR) —
// the bradycardia during an obstructive apnea followed by a tachycardia when breathing resumes —
// in the RR series with the ACAT algorithm ("auto-correlated wave detection with adaptive
// threshold") of Hayano J, Watanabe E, Saito Y, et al. "Screening for obstructive sleep apnea by
// cyclic variation of heart rate." Circ Arrhythm Electrophysiol 2011;4:64-72, with the parameter
// values as restated by the same group (Hayano et al., PLoS One 2020;15:e0237279):
//  1. RR intervals: missed beats filled (an interval close to k = 2..4 times the local median is
//     k intervals), intervals outside 300-2000 ms or more than 20% from the median of the 11
//     around them dropped; interpolated onto a 1 Hz grid (no interpolation across gaps > 10 s,
//     nor in minutes whose signal quality is below min_quality);
//  2. smoothed by quadratic (Savitzky-Golay) polynomial fitting;
//  3. a dip is a local minimum between its neighbouring local maxima (shoulders), 10-120 s wide
//     shoulder to shoulder, with depth (below the lower shoulder) / width > 0.7 ms/s;
//  4. adaptive threshold: depth >= 40% of the 5th-95th percentile range of the RR within +-65 s;
//  5. auto-correlation: the +-30 s waveform of the dip correlates on average > 0.4 with those of
//     the 2 preceding and 2 following dips;
//  6. periodicity: the dip is in a run of 4 consecutive dips whose 3 intervals are 25-130 s and
//     equivalent: (3 - 2 L1/m)(3 - 2 L2/m)(3 - 2 L3/m) > 0.8, m their mean.
// Every dip that passes is one CVHR; CVHR per hour of analysable time (Fcv) is the AHI estimate.
// Each CVHR also gives an event spanning the apnea before it, and a minute's p(apnea) grows with
// how much of the minute the events cover (not part of ACAT; for the timeline).

#include "analysis/detector.hpp"
#include "features/rr_features.hpp"

namespace somna::analysis {

struct CvhrParams {
  double max_gap_s = 10.0;   // no interpolation across longer beat gaps
  double outlier_rel = 0.2;  // RR more than this from the 11-beat median is dropped
  double min_rr_ms = 300, max_rr_ms = 2000;
  // Half-width of the quadratic smoothing window (samples at 1 Hz). The only value the papers do
  // not give: chosen by leave-one-record-out cross-validation on the Apnea-ECG learning set
  // (tests/analysis/apnea_ecg_proof_test.cpp, CvhrApneaEcgSlow.SmoothingCrossValidated).
  int smooth_half_width = 10;
  double min_width_s = 10.0, max_width_s = 120.0;  // shoulder to shoulder
  double min_depth_per_width = 0.7;                // ms per s
  double envelope_half_s = 65.0;                   // window of the adaptive threshold
  double min_relative_depth = 0.4;                 // of the 5th-95th percentile range
  double morphology_half_s = 30.0;                 // waveform compared between dips
  double min_morphology_r = 0.4;
  double min_cycle_s = 25.0, max_cycle_s = 130.0;
  double min_equivalence = 0.8;
  double coverage_gain = 3.0;  // p = 1 - exp(-gain * fraction of the minute in events)
  double min_quality = 0.5;    // minutes below this quality are not analysed
};

// One dip of the RR series that passed the width, depth and adaptive-threshold tests (exposed for
// tests and the report).
struct CvhrDip {
  double t_s = 0;           // time of the RR minimum
  double depth_ms = 0;      // below the lower shoulder
  double width_s = 0;       // shoulder to shoulder
  double threshold_ms = 0;  // adaptive threshold it was compared with
  double correlation = 0;   // mean waveform correlation with its neighbours (0 if none)
  bool cvhr = false;        // auto-correlated and periodic: counted as a CVHR event
};

class CvhrDetector : public Detector {
 public:
  explicit CvhrDetector(CvhrParams params = {}) : params_(params) {}
  DetectorInfo info() const override;
  MinuteScores score(const NightInput& night) const override;
  // The dips and their classification (same computation as score()).
  std::vector<CvhrDip> dips(const NightInput& night) const;
  const CvhrParams& params() const { return params_; }

 private:
  CvhrParams params_;
};

// The night's CVHR episodes (the detector's events, default parameters) as the spans the RR
// network's cvhr input channel marks (features/rr_features.hpp).
std::vector<features::TimeSpan> cvhr_spans(const NightInput& night);

}  // namespace somna::analysis
