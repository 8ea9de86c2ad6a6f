#pragma once
// Learned detectors from a Somna model file (.safetensors with Somna metadata, see
// docs/models.md), without LibTorch: load_detector() reads the file, checks the family,
// architecture and input spec, builds the network from its tensors (model/rr_network.hpp,
// model/seed_network.hpp) and returns an analysis::Detector that scores a whole night on the
// calling thread (the same scores whatever thread count the process has). Model files are
// written by the train stage (train/model_writer.hpp).

#include <map>
#include <memory>
#include <string>

#include "analysis/detector.hpp"
#include "features/rr_features.hpp"
#include "model/rr_network.hpp"
#include "model/safetensors.hpp"

namespace somna::model {

// Metadata keys of a Somna model file (values are strings; *_json ones hold JSON).
namespace meta {
constexpr const char* kFormat = "somna.format";              // "somna-model/1"
constexpr const char* kFamily = "somna.family";              // "rr-cnn" or "seed-ecg"
constexpr const char* kArchitecture = "somna.architecture";  // JSON (RRNetConfig, SeedNetConfig)
constexpr const char* kInput = "somna.input";                // JSON (RRFeatureSpec, SeedInputSpec)
constexpr const char* kNormalisation = "somna.normalisation";  // JSON description
constexpr const char* kThreshold = "somna.threshold";          // decimal
constexpr const char* kProvenance = "somna.provenance";  // JSON: data, folds, command, date, git
constexpr const char* kEvaluation = "somna.evaluation";  // JSON: CV figures
constexpr const char* kVersion = "somna.version";
}  // namespace meta

constexpr const char* kRRFamily = "rr-cnn";

std::string input_spec_json(const features::RRFeatureSpec& spec);
features::RRFeatureSpec input_spec_from_json(const std::string& json, const std::string& file);

// The value of metadata `key`; ModelError "not a Somna model" naming `path` when it is absent.
const std::string& required_metadata(const StFile& f, const char* key, const std::string& path);

// What a model file says of itself (name, version, training data, threshold) for a Detector.
analysis::DetectorInfo detector_info(const StFile& f, const std::string& path,
                                     const std::string& name);

// A learned detector's minute scores from its network's logits: p_apnea = sigmoid(logit).
analysis::MinuteScores scores_from_logits(std::vector<float> logit);

// The RR network as a Detector.
class RRDetector : public analysis::Detector {
 public:
  RRDetector(RRNetwork net, features::RRFeatureSpec spec, analysis::DetectorInfo info);
  analysis::DetectorInfo info() const override { return info_; }
  analysis::MinuteScores score(const analysis::NightInput& night) const override;
  std::vector<float> logits(const analysis::NightInput& night) const;

 private:
  RRNetwork net_;
  features::RRFeatureSpec spec_;
  analysis::DetectorInfo info_;
};

std::unique_ptr<analysis::Detector> load_detector(const std::string& path);

}  // namespace somna::model
