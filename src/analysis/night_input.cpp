// One night's detector input (night_input.hpp).

#include "analysis/night_input.hpp"

#include <cmath>

#include "analysis/cvhr_detector.hpp"

namespace somna::analysis {

size_t night_minutes(double duration_s) {
  return duration_s > 0 ? static_cast<size_t>(std::ceil(duration_s / 60.0 - 1e-9)) : 0;
}

NightInput night_input(const io::Channel* ecg, dsp::Beats beats, double duration_s) {
  NightInput in;
  in.ecg = ecg;
  in.rr = dsp::clean_rr(beats);
  in.n_minutes = night_minutes(duration_s);
  in.duration_s = duration_s;
  in.quality = dsp::minute_quality(ecg, beats, in.n_minutes);
  in.quality.resize(in.n_minutes);
  in.beats = std::move(beats);
  return in;
}

features::NightFeatures rr_network_input(const NightInput& night,
                                         const features::RRFeatureSpec& spec) {
  return features::rr_features(night.rr, night.n_minutes, spec,
                               spec.channels >= features::kCvhrChannels
                                   ? cvhr_spans(night)
                                   : std::vector<features::TimeSpan>{});
}

}  // namespace somna::analysis
