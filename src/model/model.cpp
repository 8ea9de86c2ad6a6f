// Loading Somna model files (see model.hpp).

#include "model/model.hpp"

#include <fmt/format.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "common/side_by_side.hpp"
#include "model/seed_model.hpp"

namespace somna::model {

std::string input_spec_json(const features::RRFeatureSpec& s) {
  nlohmann::json j = {
      {"series", "rr"},         {"fs", s.fs},
      {"channels", s.channels}, {"channel_names", features::rr_channel_names(s.channels)},
      {"clip_iqr", s.clip_iqr}, {"detrend_s", s.detrend_s},
      {"var_s", s.var_s},       {"source", "dsp::clean_rr then dsp::resample (cubic spline)"}};
  return j.dump();
}

features::RRFeatureSpec input_spec_from_json(const std::string& js, const std::string& file) {
  features::RRFeatureSpec s;
  try {
    const auto j = nlohmann::json::parse(js);
    s.fs = j.at("fs").get<double>();
    s.channels = j.at("channels").get<int>();
    s.clip_iqr = j.value("clip_iqr", 3.0);
    s.detrend_s = j.value("detrend_s", 300.0);
    s.var_s = j.value("var_s", 10.0);
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("bad input metadata: ") + e.what());
  }
  if (!(s.fs >= 0.1 && s.fs <= 100) || s.channels < 1 || s.channels > features::kMaxRRChannels) {
    throw ModelError(file, fmt::format("input spec: fs must be in 0.1..100 Hz and channels 1..{}",
                                       features::kMaxRRChannels));
  }
  if (!(s.detrend_s >= 1 && s.detrend_s <= 3600) || !(s.var_s >= 1 && s.var_s <= 600)) {
    throw ModelError(file, "input spec: detrend_s must be in 1..3600 s and var_s in 1..600 s");
  }
  return s;
}

const std::string& required_metadata(const StFile& f, const char* key, const std::string& path) {
  const auto it = f.metadata.find(key);
  if (it == f.metadata.end()) {
    throw ModelError(path, std::string("not a Somna model: metadata lacks '") + key + "'");
  }
  return it->second;
}

namespace {

// The training data's summary and its records.
void read_provenance(const std::string& text, const std::string& path,
                     analysis::DetectorInfo& info) {
  try {
    const nlohmann::json prov = nlohmann::json::parse(text);
    info.trained_on = prov.value("data", "");
    if (const auto r = prov.find("records"); r != prov.end() && r->is_array()) {
      for (const auto& name : *r)
        if (name.is_string()) info.training_records.push_back(name);
    }
  } catch (const std::exception&) {
    throw ModelError(path, "provenance metadata is not JSON");
  }
}

analysis::AhiModel read_ahi_model(const std::string& text, const std::string& path) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception&) {
    throw ModelError(path, std::string(meta::kAhiModel) + " metadata is not JSON");
  }
  try {
    return analysis::ahi_model_from_json(j);
  } catch (const std::invalid_argument& e) {
    throw ModelError(path, std::string(meta::kAhiModel) + ": " + e.what());
  }
}

}  // namespace

analysis::DetectorInfo detector_info(const StFile& f, const std::string& path,
                                     const std::string& name) {
  analysis::DetectorInfo info;
  info.name = name;
  info.kind = "learned";
  info.version = f.metadata.count(meta::kVersion) ? f.metadata.at(meta::kVersion) : "";
  if (f.metadata.count(meta::kProvenance))
    read_provenance(f.metadata.at(meta::kProvenance), path, info);
  if (f.metadata.count(meta::kEvaluation))
    info.cv_evaluation_json = f.metadata.at(meta::kEvaluation);
  if (f.metadata.count(meta::kAhiModel))
    info.ahi_model = read_ahi_model(f.metadata.at(meta::kAhiModel), path);
  try {
    info.threshold = std::stod(required_metadata(f, meta::kThreshold, path));
  } catch (const std::invalid_argument&) {
    throw ModelError(path, "threshold metadata is not a number");
  } catch (const std::out_of_range&) {
    throw ModelError(path, "threshold metadata is not a number");
  }
  if (!(info.threshold > 0 && info.threshold < 1)) {
    throw ModelError(path, "threshold outside (0,1)");
  }
  return info;
}

std::string member_prefix(size_t k) {
  return k == 0 ? "" : fmt::format("member{}.", k);
}

RRDetector::RRDetector(std::vector<RRNetwork> nets, features::RRFeatureSpec spec,
                       analysis::DetectorInfo info)
    : nets_(std::move(nets)), spec_(spec), info_(std::move(info)) {}

std::vector<float> RRDetector::logits(const analysis::NightInput& night) const {
  // A model reading the cvhr channel runs the CVHR detector here too (analyze_night runs it again
  // for the AHI estimate, beside the networks).
  const features::NightFeatures f = analysis::rr_network_input(night, spec_);
  // The members two by two on two threads (night.threads), averaged in one order either way.
  const size_t n = nets_.size();
  std::vector<std::vector<float>> z(n);
  auto every_other = [&](size_t first) {
    for (size_t k = first; k < n; k += 2) z[k] = nets_[k].logits(f);
  };
  side_by_side(
      night.threads > 1 && n > 1, [&] { every_other(0); }, [&] { every_other(1); });
  return mean_logits(n, [&](size_t k) { return std::move(z[k]); });
}

analysis::MinuteScores scores_from_logits(std::vector<float> logit) {
  analysis::MinuteScores s;
  s.logit = std::move(logit);
  s.p_apnea.resize(s.logit.size());
  for (size_t i = 0; i < s.logit.size(); ++i) s.p_apnea[i] = 1.f / (1.f + std::exp(-s.logit[i]));
  return s;
}

analysis::MinuteScores RRDetector::score(const analysis::NightInput& night) const {
  return scores_from_logits(logits(night));
}

namespace {

// How many networks the file averages (metadata kMembers, absent: 1).
size_t members(const StFile& f, const std::string& path) {
  const auto it = f.metadata.find(meta::kMembers);
  if (it == f.metadata.end()) return 1;
  int n = 0;
  try {
    size_t used = 0;
    n = std::stoi(it->second, &used);
    if (used != it->second.size()) n = 0;
  } catch (const std::exception&) {
    n = 0;
  }
  if (n < 1 || n > kMaxMembers) {
    throw ModelError(path, fmt::format("{} metadata must be a whole number in 1..{}, not '{}'",
                                       meta::kMembers, kMaxMembers, it->second));
  }
  return size_t(n);
}

std::unique_ptr<analysis::Detector> load_rr_detector(const std::string& path, const StFile& f) {
  const RRNetConfig cfg =
      RRNetConfig::from_json(required_metadata(f, meta::kArchitecture, path), path);
  const features::RRFeatureSpec spec =
      input_spec_from_json(required_metadata(f, meta::kInput, path), path);
  if (cfg.in_channels != spec.channels) {
    throw ModelError(path, "architecture and input disagree on channels");
  }
  if (std::abs(cfg.samples_per_minute() - 60.0 * spec.fs) > 1e-6) {
    throw ModelError(path, fmt::format("pools give {} samples per minute, the input has {}",
                                       cfg.samples_per_minute(), 60.0 * spec.fs));
  }
  std::vector<RRNetwork> nets;
  for (size_t k = 0; k < members(f, path); ++k)
    nets.emplace_back(cfg, Weights(f, path, member_prefix(k)));
  return std::make_unique<RRDetector>(std::move(nets), spec, detector_info(f, path, kRRFamily));
}

}  // namespace

std::unique_ptr<analysis::Detector> load_detector(const std::string& path) {
  const StFile f = read_safetensors(path);
  const std::string& format = required_metadata(f, meta::kFormat, path);
  if (format != "somna-model/1")
    throw ModelError(path, "unsupported model format '" + format + "'");
  const std::string& family = required_metadata(f, meta::kFamily, path);
  if (family == kSeedFamily) return load_seed_detector(path, f);  // raw-ECG network
  if (family != kRRFamily) {
    throw ModelError(path, "model family '" + family + "' cannot score nights here");
  }
  return load_rr_detector(path, f);
}

}  // namespace somna::model
