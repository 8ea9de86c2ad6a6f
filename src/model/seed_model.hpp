#pragma once
// The seed raw-ECG network as a scorer of whole nights and as a model file: windows are cut from
// the ECG around each minute (model/seed_net.hpp SeedInputSpec: the minute plus context minutes
// on each side, NaN-padded at the night's edges), normalised per window, and scored in batches
// (eval mode, InferenceMode, one thread). save_seed_model() writes the family "seed-ecg" with its
// architecture and input spec; load_detector() (model.hpp) dispatches to load_seed_detector() for
// that family. The detector needs the raw ECG (NightInput::ecg); given beats only it raises
// ModelError.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "analysis/detector.hpp"
#include "model/seed_net.hpp"

namespace somna::model {

constexpr const char* kSeedFamily = "seed-ecg";

// Linear-interpolation resampling of x (at fs_in) to fs_out; NaNs propagate locally.
std::vector<float> resample_linear(const std::vector<float>& x, double fs_in, double fs_out);

// The raw (not normalised) window of minute m from ecg (at spec.fs, n samples): samples
// [(m - c) * 60 fs, (m + 1 + c) * 60 fs), NaN outside the recording. out: window_samples().
void cut_window(const float* ecg, size_t n, size_t minute, const SeedInputSpec& spec, float* out);

struct SeedScores {
  std::vector<float> logit, confidence;
  std::vector<float> attention_peak;  // per minute: largest attention weight (interpretation)
};

// Scores minutes [0, n_minutes) of an ECG already at spec.fs, `batch` windows per forward, with
// kScoringThreads intra-op threads (model/threads.hpp) whatever the process is set to.
SeedScores seed_scores(SeedNet& net, const float* ecg, size_t n, size_t n_minutes,
                       const SeedInputSpec& spec, int batch = 32);

void save_seed_model(const std::string& path, SeedNet& net, const SeedInputSpec& spec,
                     std::map<std::string, std::string> metadata);

class SeedDetector : public analysis::Detector {
 public:
  SeedDetector(SeedNet net, SeedInputSpec spec, analysis::DetectorInfo info);
  analysis::DetectorInfo info() const override { return info_; }
  analysis::MinuteScores score(const analysis::NightInput& night) const override;

 private:
  mutable SeedNet net_;  // forward() is not const in LibTorch; eval mode, no state changes
  SeedInputSpec spec_;
  analysis::DetectorInfo info_;
};

// `f` is the parsed file (family already checked by the caller or here).
std::unique_ptr<analysis::Detector> load_seed_detector(const std::string& path, const StFile& f);

}  // namespace somna::model
