// The seed network as a night scorer (see seed_model.hpp).

#include "model/seed_model.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "model/model.hpp"

namespace somna::model {

SeedScores seed_scores(const SeedNetwork& net, const float* ecg, size_t n, size_t n_minutes,
                       const features::SeedInputSpec& spec, int batch) {
  SeedScores s;
  if (n_minutes == 0) return s;
  const int64_t w = spec.window_samples();
  batch = std::max(1, batch);
  std::vector<float> x(size_t(batch) * size_t(w));
  for (size_t m0 = 0; m0 < n_minutes; m0 += size_t(batch)) {
    const int b = int(std::min(n_minutes - m0, size_t(batch)));
    features::normalised_windows(ecg, n, m0, size_t(b), spec, x.data());
    const SeedBatchOutput o = net.forward(x.data(), b, int(w));
    s.logit.insert(s.logit.end(), o.logit.begin(), o.logit.end());
    s.confidence.insert(s.confidence.end(), o.confidence.begin(), o.confidence.end());
    for (int k = 0; k < b; ++k) {
      const float* a = o.attention.data() + size_t(k) * size_t(o.steps);
      s.attention_peak.push_back(*std::max_element(a, a + o.steps));
    }
  }
  return s;
}

SeedDetector::SeedDetector(SeedNetwork net, features::SeedInputSpec spec,
                           analysis::DetectorInfo info)
    : net_(std::move(net)), spec_(spec), info_(std::move(info)) {}

analysis::MinuteScores SeedDetector::score(const analysis::NightInput& night) const {
  if (!night.ecg || night.ecg->samples.empty() || !(night.ecg->fs > 0)) {
    throw ModelError(info_.name,
                     "the seed-ecg network scores the raw ECG; this night has beats "
                     "only (no ECG channel)");
  }
  const std::vector<float> ecg = dsp::resample_linear(night.ecg->samples, night.ecg->fs, spec_.fs);
  SeedScores sc = seed_scores(net_, ecg.data(), ecg.size(), night.n_minutes, spec_);
  analysis::MinuteScores s = scores_from_logits(std::move(sc.logit));
  s.attention = std::move(sc.attention_peak);
  return s;
}

std::unique_ptr<analysis::Detector> load_seed_detector(const std::string& path, const StFile& f) {
  const std::string& family = required_metadata(f, meta::kFamily, path);
  if (family != kSeedFamily) {
    throw ModelError(path, "model family '" + family + "' is not " + kSeedFamily);
  }
  const SeedNetConfig cfg =
      SeedNetConfig::from_json(required_metadata(f, meta::kArchitecture, path), path);
  const features::SeedInputSpec spec =
      features::SeedInputSpec::from_json(required_metadata(f, meta::kInput, path), path);
  if (spec.window_samples() < cfg.downsampling()) {
    throw ModelError(path, "the input window is shorter than the backbone's downsampling");
  }
  SeedNetwork net(cfg, Weights(f, path));
  return std::make_unique<SeedDetector>(std::move(net), spec, detector_info(f, path, kSeedFamily));
}

}  // namespace somna::model
