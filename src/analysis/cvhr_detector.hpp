#pragma once
// CvhrDetector: the training-free apnea detector. It finds cyclic variation of heart rate (CVHR) —
// the bradycardia during an obstructive apnea followed by a tachycardia when breathing resumes —
// in the RR series, after the ACAT algorithm ("auto-correlated wave detection with adaptive
// threshold") of Hayano J, Watanabe E, Saito Y, et al. "Screening for obstructive sleep apnea by
// cyclic variation of heart rate." Circ Arrhythm Electrophysiol 2011;4:64-72.
//
// Steps (docs/report-schema.md, "CVHR detector", gives the reasoning and the parameter values):
//  1. the cleaned RR series is interpolated onto a 2 Hz grid (gaps > max_gap_s left out);
//  2. it is smoothed (moving average, removes respiratory sinus arrhythmia);
//  3. dips (transient RR shortenings: the tachycardia at apnea termination) are the local minima
//     whose depth below both shoulders exceeds an adaptive threshold (a fraction of the local
//     robust SD of the RR series, never below a floor) and whose width at half depth is plausible;
//  4. a dip is CVHR when it belongs to a run of at least min_run dips whose consecutive intervals
//     lie in [min_interval_s, max_interval_s] and whose waveforms are auto-correlated (Pearson r of
//     the smoothed series around consecutive dips, over one interval, >= min_correlation);
//  5. events/hour of analysable time = the AHI estimate (Hayano's Fcv); each CVHR dip gives one
//     event spanning the apnea before it; a minute's p(apnea) grows with how much of the minute
//     the events cover.

#include "analysis/detector.hpp"

namespace somna::analysis {

struct CvhrParams {
  double grid_hz = 2.0;           // resampling rate of the RR series
  double max_gap_s = 10.0;        // no interpolation across longer beat gaps
  double smooth_s = 5.0;          // moving-average window (one to two breaths)
  double min_separation_s = 8.0;  // a dip is the lowest point within +-this
  double shoulder_s = 60.0;       // shoulders are the maxima within this before/after the dip
  double min_width_s = 5.0;       // dip width at half depth
  double max_width_s = 60.0;
  double min_depth_ms = 40.0;     // absolute floor of the adaptive threshold
  double depth_sd_factor = 0.5;   // threshold = max(floor, factor * local robust SD of RR)
  double local_window_s = 300.0;  // window of that local SD
  double min_interval_s = 25.0;   // CVHR cycle length bounds
  double max_interval_s = 120.0;
  double min_correlation = 0.5;     // auto-correlation of consecutive dip waveforms
  int min_run = 4;                  // dips in a periodic, auto-correlated run
  double max_interval_ratio = 1.6;  // consecutive cycle lengths in a run differ at most this
  double coverage_gain = 3.0;       // p = 1 - exp(-gain * fraction of the minute in events)
  double min_quality = 0.5;         // dips in minutes below this quality are ignored
};

// One dip of the RR series that the detector looked at (exposed for tests and the report).
struct CvhrDip {
  double t_s = 0;           // time of the RR minimum
  double depth_ms = 0;      // below the lower shoulder
  double width_s = 0;       // at half depth
  double threshold_ms = 0;  // adaptive threshold it was compared with
  double correlation = 0;   // best correlation with a neighbour in the run (0 if none)
  bool cvhr = false;        // counted as a CVHR event
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

}  // namespace somna::analysis
