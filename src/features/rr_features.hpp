#pragma once
// Network input from one night's cleaned RR series: channels sampled uniformly at fs over the
// whole night (n_minutes * 60 * fs samples, minute m = samples [m*60*fs, (m+1)*60*fs)), so a
// fully convolutional network scores every minute in one pass. Channels: 0 = RR interval after
// robust per-record normalisation (clipped at the quartiles -/+ 3 IQR, then z-scored), 1 = the
// fraction of the neighbourhood whose intervals dsp::clean_rr replaced (ectopic/artefact; lets
// the network discount them). Training and inference both build their input here.

#include <cstddef>
#include <vector>

#include "dsp/beats.hpp"

namespace somna::features {

struct RRFeatureSpec {
  double fs = 2.0;        // samples per second of the uniform series
  int channels = 2;       // rr, corrected
  double clip_iqr = 3.0;  // outlier clipping beyond the quartiles, in IQRs
};

struct NightFeatures {
  size_t n_minutes = 0;
  size_t n_samples = 0;                          // n_minutes * 60 * fs
  std::vector<float> values;                     // channel-major: values[c * n_samples + i]
  float rr_median = 0, rr_mean = 0, rr_std = 0;  // normalisation applied (seconds)
};

NightFeatures rr_features(const dsp::RRSeries& rr, size_t n_minutes,
                          const RRFeatureSpec& spec = {});

}  // namespace somna::features
