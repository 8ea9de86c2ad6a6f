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
#include <vector>

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
constexpr const char* kAhiModel = "somna.ahi_model";  // JSON: analysis::AhiModel (optional)
// Networks averaged (their logits), decimal, absent = 1: member k's tensors are named with
// member_prefix(k) ("" for the first, "member1.", ...), so a one-network file reads as before.
constexpr const char* kMembers = "somna.members";
}  // namespace meta

constexpr const char* kRRFamily = "rr-cnn";
constexpr int kMaxMembers = 16;

std::string member_prefix(size_t k);

std::string input_spec_json(const features::RRFeatureSpec& spec);
features::RRFeatureSpec input_spec_from_json(const std::string& json, const std::string& file);

// The value of metadata `key`; ModelError "not a Somna model" naming `path` when it is absent.
const std::string& required_metadata(const StFile& f, const char* key, const std::string& path);

// What a model file says of itself (name, version, training data, threshold) for a Detector.
analysis::DetectorInfo detector_info(const StFile& f, const std::string& path,
                                     const std::string& name);

// A learned detector's minute scores from its network's logits: p_apnea = sigmoid(logit).
analysis::MinuteScores scores_from_logits(std::vector<float> logit);

// An ensemble's minute logits: the mean of its n members' logits, member(k) giving member k's
// (all of one night, so of one length). Inference (RRDetector) and training score alike.
template <class MemberLogits>
std::vector<float> mean_logits(size_t n, MemberLogits member) {
  std::vector<float> mean = member(0);
  for (size_t k = 1; k < n; ++k) {
    const std::vector<float> z = member(k);
    for (size_t m = 0; m < mean.size() && m < z.size(); ++m) mean[m] += z[m];
  }
  for (float& z : mean) z /= static_cast<float>(n);
  return mean;
}

// The RR network, or an ensemble of them (the mean of their logits), as a Detector.
class RRDetector : public analysis::Detector {
 public:
  RRDetector(std::vector<RRNetwork> nets, features::RRFeatureSpec spec,
             analysis::DetectorInfo info);
  analysis::DetectorInfo info() const override { return info_; }
  analysis::MinuteScores score(const analysis::NightInput& night) const override;
  std::vector<float> logits(const analysis::NightInput& night) const;
  size_t members() const { return nets_.size(); }

 private:
  std::vector<RRNetwork> nets_;
  features::RRFeatureSpec spec_;
  analysis::DetectorInfo info_;
};

std::unique_ptr<analysis::Detector> load_detector(const std::string& path);

}  // namespace somna::model
