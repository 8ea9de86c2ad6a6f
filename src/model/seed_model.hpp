#pragma once
// The seed raw-ECG network as a scorer of whole nights, without LibTorch: windows are cut from the
// ECG around each minute (features/seed_window.hpp: the minute plus context minutes on each side,
// NaN-padded at the night's edges), normalised per window, and scored in batches on the calling
// thread (model/seed_network.hpp). load_detector() (model.hpp) dispatches to load_seed_detector()
// for the family "seed-ecg". The detector needs the raw ECG (NightInput::ecg); given beats only
// it raises ModelError.

#include <memory>
#include <string>
#include <vector>

#include "analysis/detector.hpp"
#include "features/seed_window.hpp"
#include "model/safetensors.hpp"
#include "model/seed_network.hpp"

namespace somna::model {

constexpr const char* kSeedFamily = "seed-ecg";

struct SeedScores {
  std::vector<float> logit, confidence;
  std::vector<float> attention_peak;  // per minute: largest attention weight (interpretation)
};

// Scores minutes [0, n_minutes) of an ECG already at spec.fs, `batch` windows at a time.
SeedScores seed_scores(const SeedNetwork& net, const float* ecg, size_t n, size_t n_minutes,
                       const features::SeedInputSpec& spec, int batch = 32);

class SeedDetector : public analysis::Detector {
 public:
  SeedDetector(SeedNetwork net, features::SeedInputSpec spec, analysis::DetectorInfo info);
  analysis::DetectorInfo info() const override { return info_; }
  analysis::MinuteScores score(const analysis::NightInput& night) const override;

 private:
  SeedNetwork net_;
  features::SeedInputSpec spec_;
  analysis::DetectorInfo info_;
};

// `f` is the parsed file (family already checked by the caller or here).
std::unique_ptr<analysis::Detector> load_seed_detector(const std::string& path, const StFile& f);

}  // namespace somna::model
