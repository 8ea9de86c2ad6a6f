#pragma once
// The detector's input of one night (analysis/detector.hpp NightInput), built here and only here:
// analyze_night(), training's datasets and the benchmarks all call night_input(), so a model is
// trained and scored on exactly the same minutes, RR series and quality.

#include <cstddef>

#include "analysis/detector.hpp"
#include "features/rr_features.hpp"

namespace somna::analysis {

// Minutes from t = 0 that a night of `duration_s` seconds covers, its last partial minute
// included (a duration a hair over a whole number of minutes, from rounding, adds none).
size_t night_minutes(double duration_s);

// The cleaned RR series, night_minutes(duration_s) minutes and their quality (ECG checks when
// `ecg` is given, beat checks always), the beats themselves.
NightInput night_input(const io::Channel* ecg, dsp::Beats beats, double duration_s);

// The RR networks' input of that night (features/rr_features.hpp), with the CVHR detector's
// episodes where the spec reads them: what the RR detector and training's datasets both score.
features::NightFeatures rr_network_input(const NightInput& night,
                                         const features::RRFeatureSpec& spec);

}  // namespace somna::analysis
