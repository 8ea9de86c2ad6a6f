#pragma once
// Learned detectors from a Somna model file (.safetensors with Somna metadata, see
// docs/models.md): load_detector() reads the file, checks the architecture and input spec, and
// returns an analysis::Detector that scores a whole night in one forward pass, single-threaded
// (model/threads.hpp: the same scores whatever thread count the process has).
// save_rr_model() writes the RR network with its metadata (the train stage calls it).

#include <map>
#include <memory>
#include <string>

#include "analysis/detector.hpp"
#include "model/rr_net.hpp"

namespace somna::model {

// Metadata keys of a Somna model file (values are strings; *_json ones hold JSON).
namespace meta {
constexpr const char* kFormat = "somna.format";                // "somna-model/1"
constexpr const char* kFamily = "somna.family";                // "rr-cnn"
constexpr const char* kArchitecture = "somna.architecture";    // JSON (RRNetConfig)
constexpr const char* kInput = "somna.input";                  // JSON (RRFeatureSpec)
constexpr const char* kNormalisation = "somna.normalisation";  // JSON description
constexpr const char* kThreshold = "somna.threshold";          // decimal
constexpr const char* kProvenance = "somna.provenance";  // JSON: data, folds, command, date, git
constexpr const char* kEvaluation = "somna.evaluation";  // JSON: CV figures
constexpr const char* kVersion = "somna.version";
}  // namespace meta

std::string input_spec_json(const features::RRFeatureSpec& spec);
features::RRFeatureSpec input_spec_from_json(const std::string& json, const std::string& file);

// Writes net + metadata (format, family, architecture, input filled in here; the caller adds
// provenance, evaluation, threshold).
void save_rr_model(const std::string& path, RRNet& net, const features::RRFeatureSpec& spec,
                   std::map<std::string, std::string> metadata);

// The RR network as a Detector.
class RRDetector : public analysis::Detector {
 public:
  RRDetector(RRNet net, features::RRFeatureSpec spec, analysis::DetectorInfo info);
  analysis::DetectorInfo info() const override { return info_; }
  analysis::MinuteScores score(const analysis::NightInput& night) const override;
  std::vector<float> logits(const analysis::NightInput& night) const;

 private:
  mutable RRNet net_;  // forward() is not const in LibTorch; eval mode, no state changes
  features::RRFeatureSpec spec_;
  analysis::DetectorInfo info_;
};

std::unique_ptr<analysis::Detector> load_detector(const std::string& path);

}  // namespace somna::model
