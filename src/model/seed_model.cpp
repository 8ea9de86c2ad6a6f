// The seed network as a night scorer and model file (see seed_model.hpp).

#include "model/seed_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "model/model.hpp"
#include "model/rr_net.hpp"
#include "model/threads.hpp"

namespace somna::model {

std::vector<float> resample_linear(const std::vector<float>& x, double fs_in, double fs_out) {
  if (x.empty() || std::abs(fs_in - fs_out) < 1e-9) return x;
  const size_t n = size_t(std::floor(double(x.size() - 1) * fs_out / fs_in)) + 1;
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = double(i) * fs_in / fs_out;
    const size_t j = std::min(x.size() - 1, size_t(t));
    const double f = t - double(j);
    y[i] = j + 1 < x.size() ? float(x[j] * (1 - f) + x[j + 1] * f) : x[j];
  }
  return y;
}

void cut_window(const float* ecg, size_t n, size_t minute, const SeedInputSpec& spec, float* out) {
  const int64_t spm = int64_t(std::llround(60.0 * spec.fs));
  const int64_t w = spec.window_samples();
  const int64_t start = (int64_t(minute) - spec.context_minutes) * spm;
  for (int64_t i = 0; i < w; ++i) {
    const int64_t j = start + i;
    out[i] = j >= 0 && j < int64_t(n) ? ecg[j] : std::numeric_limits<float>::quiet_NaN();
  }
}

SeedScores seed_scores(SeedNet& net, const float* ecg, size_t n, size_t n_minutes,
                       const SeedInputSpec& spec, int batch) {
  SeedScores s;
  if (n_minutes == 0) return s;
  net->eval();
  const ScoringThreads threads;
  c10::InferenceMode guard;
  const int64_t w = spec.window_samples();
  batch = std::max(1, batch);
  for (size_t m0 = 0; m0 < n_minutes; m0 += size_t(batch)) {
    const int64_t b = int64_t(std::min(n_minutes - m0, size_t(batch)));
    auto x = torch::empty({b, 1, w});
    float* xp = x.data_ptr<float>();
    for (int64_t k = 0; k < b; ++k) {
      cut_window(ecg, n, m0 + size_t(k), spec, xp + k * w);
      normalise_window(xp + k * w, size_t(w), spec.clip_iqr);
    }
    const SeedOutput o = net->forward(x);
    const auto lg = o.logit.contiguous(), cf = o.confidence.contiguous();
    const auto ap = std::get<0>(o.attention.max(1)).contiguous();
    s.logit.insert(s.logit.end(), lg.data_ptr<float>(), lg.data_ptr<float>() + b);
    s.confidence.insert(s.confidence.end(), cf.data_ptr<float>(), cf.data_ptr<float>() + b);
    s.attention_peak.insert(s.attention_peak.end(), ap.data_ptr<float>(), ap.data_ptr<float>() + b);
  }
  return s;
}

void save_seed_model(const std::string& path, SeedNet& net, const SeedInputSpec& spec,
                     std::map<std::string, std::string> metadata) {
  StFile f;
  f.tensors = module_tensors(*net);
  f.metadata = std::move(metadata);
  f.metadata[meta::kFormat] = "somna-model/1";
  f.metadata[meta::kFamily] = kSeedFamily;
  f.metadata[meta::kArchitecture] = net->config().to_json();
  f.metadata[meta::kInput] = spec.to_json();
  f.metadata[meta::kNormalisation] = fmt::format(
      R"({{"ecg":"per window: clip to [Q1-k*IQR, Q3+k*IQR], then z-score with the clipped mean/SD; NaN -> 0","k":{}}})",
      spec.clip_iqr);
  if (!f.metadata.count(meta::kThreshold)) f.metadata[meta::kThreshold] = "0.5";
  write_safetensors(path, f);
}

SeedDetector::SeedDetector(SeedNet net, SeedInputSpec spec, analysis::DetectorInfo info)
    : net_(std::move(net)), spec_(spec), info_(std::move(info)) {
  net_->eval();
}

analysis::MinuteScores SeedDetector::score(const analysis::NightInput& night) const {
  if (!night.ecg || night.ecg->samples.empty() || !(night.ecg->fs > 0)) {
    throw ModelError(info_.name,
                     "the seed-ecg network scores the raw ECG; this night has beats "
                     "only (no ECG channel)");
  }
  const std::vector<float> ecg = resample_linear(night.ecg->samples, night.ecg->fs, spec_.fs);
  const SeedScores sc = seed_scores(net_, ecg.data(), ecg.size(), night.n_minutes, spec_);
  analysis::MinuteScores s;
  s.logit = sc.logit;
  s.attention = sc.attention_peak;
  s.p_apnea.resize(s.logit.size());
  for (size_t i = 0; i < s.logit.size(); ++i) s.p_apnea[i] = 1.f / (1.f + std::exp(-s.logit[i]));
  return s;
}

std::unique_ptr<analysis::Detector> load_seed_detector(const std::string& path, const StFile& f) {
  auto get = [&](const char* key) -> const std::string& {
    auto it = f.metadata.find(key);
    if (it == f.metadata.end()) {
      throw ModelError(path, std::string("not a Somna model: metadata lacks '") + key + "'");
    }
    return it->second;
  };
  if (get(meta::kFamily) != kSeedFamily) {
    throw ModelError(path, "model family '" + get(meta::kFamily) + "' is not " + kSeedFamily);
  }
  const SeedNetConfig cfg = SeedNetConfig::from_json(get(meta::kArchitecture), path);
  const SeedInputSpec spec = SeedInputSpec::from_json(get(meta::kInput), path);
  if (spec.window_samples() < cfg.downsampling()) {
    throw ModelError(path, "the input window is shorter than the backbone's downsampling");
  }
  SeedNet net(cfg);
  load_module_tensors(*net, f.tensors, path);
  analysis::DetectorInfo info;
  info.name = kSeedFamily;
  info.kind = "learned";
  info.version = f.metadata.count(meta::kVersion) ? f.metadata.at(meta::kVersion) : "";
  if (f.metadata.count(meta::kProvenance)) {
    try {
      info.trained_on = nlohmann::json::parse(f.metadata.at(meta::kProvenance)).value("data", "");
    } catch (const std::exception&) {
      throw ModelError(path, "provenance metadata is not JSON");
    }
  }
  try {
    info.threshold = std::stod(get(meta::kThreshold));
  } catch (const std::exception&) {
    throw ModelError(path, "threshold metadata is not a number");
  }
  if (!(info.threshold > 0 && info.threshold < 1))
    throw ModelError(path, "threshold outside (0,1)");
  return std::make_unique<SeedDetector>(std::move(net), spec, std::move(info));
}

}  // namespace somna::model
