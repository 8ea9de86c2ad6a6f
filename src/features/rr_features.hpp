#pragma once
// Network input from one night's cleaned RR series: channels sampled uniformly at fs over the
// whole night (n_minutes * 60 * fs samples, minute m = samples [m*60*fs, (m+1)*60*fs)), so a
// fully convolutional network scores every minute in one pass. Channels (the first `channels`
// of this list, so a 2-channel model reads the same input as before):
//   0 rr_z       RR interval after robust per-record normalisation (clipped at the quartiles
//                -/+ 3 IQR, then z-scored with the clipped mean/SD): subject differences vanish;
//   1 corrected  1 where dsp::clean_rr replaced intervals (ectopic/artefact), in beat gaps and
//                outside the beats (lets the network discount them);
//   2 rr_detr    rr_z minus its 5-minute moving median: the cyclic variation of apnea without the
//                slow drifts of sleep stages;
//   3 rr_var     local variability: SD of rr_z over +-5 s (fast beat-to-beat changes);
//   4 vlf_power  an HRV spectral measure: the log amplitude (RMS over +-60 s) of rr_z's band of
//                apnea's heart-rate cycles, ~25-100 s (its 25 s moving mean minus its 100 s one);
//   5 cvhr       1 inside the cyclic heart-rate episodes the training-free CVHR detector finds
//                (analysis/cvhr_detector.hpp; the caller passes them: features come before
//                analysis in the data flow).
// Training and inference both build their input here.

#include <cstddef>
#include <string>
#include <vector>

#include "dsp/beats.hpp"

namespace somna::features {

constexpr int kMaxRRChannels = 6;
// Channel 5 (cvhr) is the first that needs the CVHR episodes.
constexpr int kCvhrChannels = 6;
// Names of the channels in order (model metadata: somna.input channel_names).
std::vector<std::string> rr_channel_names(int channels);

struct RRFeatureSpec {
  double fs = 2.0;         // samples per second of the uniform series
  int channels = 2;        // the first `channels` of the list above
  double clip_iqr = 3.0;   // outlier clipping beyond the quartiles, in IQRs
  double detrend_s = 300;  // moving-median window of rr_detr
  double var_s = 10;       // window of rr_var
};

struct NightFeatures {
  size_t n_minutes = 0;
  size_t n_samples = 0;                          // n_minutes * 60 * fs
  std::vector<float> values;                     // channel-major: values[c * n_samples + i]
  float rr_median = 0, rr_mean = 0, rr_std = 0;  // normalisation applied (seconds)
};

// A stretch of the night [start_s, end_s), in seconds from its start.
struct TimeSpan {
  double start_s = 0, end_s = 0;
};

// cvhr: the CVHR detector's episodes (read only for spec.channels >= kCvhrChannels).
NightFeatures rr_features(const dsp::RRSeries& rr, size_t n_minutes, const RRFeatureSpec& spec = {},
                          const std::vector<TimeSpan>& cvhr = {});

}  // namespace somna::features
