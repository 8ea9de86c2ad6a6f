#pragma once
// Writes a trained LibTorch network as a Somna model file (.safetensors, docs/models.md): its
// tensors by name plus the metadata the inference needs (format, family, architecture, input,
// normalisation, the threshold kModelThreshold unless the caller gives one); the caller adds
// provenance and evaluation. model::load_detector() reads these files without LibTorch.

#include <map>
#include <string>
#include <vector>

#include "features/rr_features.hpp"
#include "features/seed_window.hpp"
#include "train/rr_module.hpp"
#include "train/seed_module.hpp"

namespace somna::train {

// The decision threshold on p that trained models carry (meta::kThreshold) and that the
// cross-validation, its AHI estimator fit and the model card score at.
constexpr double kModelThreshold = 0.5;

void save_rr_model(const std::string& path, RRNet& net, const features::RRFeatureSpec& spec,
                   std::map<std::string, std::string> metadata);
// An ensemble of networks of one architecture (model.hpp meta::kMembers), scored by the mean of
// their logits.
void save_rr_model(const std::string& path, const std::vector<RRNet>& nets,
                   const features::RRFeatureSpec& spec,
                   std::map<std::string, std::string> metadata);

void save_seed_model(const std::string& path, SeedNet& net, const features::SeedInputSpec& spec,
                     std::map<std::string, std::string> metadata);

}  // namespace somna::train
