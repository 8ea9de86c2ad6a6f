// Somna model files from trained networks (model_writer.hpp).

#include "train/model_writer.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "model/model.hpp"
#include "model/seed_model.hpp"

namespace somna::train {

namespace {

void write_model(const std::string& path, std::map<std::string, model::StTensor> tensors,
                 const std::string& family, const std::string& architecture,
                 const std::string& input, const std::string& normalisation,
                 std::map<std::string, std::string> metadata) {
  namespace meta = model::meta;
  model::StFile f;
  f.tensors = std::move(tensors);
  f.metadata = std::move(metadata);
  f.metadata[meta::kFormat] = "somna-model/1";
  f.metadata[meta::kFamily] = family;
  f.metadata[meta::kArchitecture] = architecture;
  f.metadata[meta::kInput] = input;
  f.metadata[meta::kNormalisation] = normalisation;
  if (!f.metadata.count(meta::kThreshold))
    f.metadata[meta::kThreshold] = fmt::format("{:g}", kModelThreshold);
  model::write_safetensors(path, f);
}

}  // namespace

void save_rr_model(const std::string& path, RRNet& net, const features::RRFeatureSpec& spec,
                   std::map<std::string, std::string> metadata) {
  save_rr_model(path, std::vector<RRNet>{net}, spec, std::move(metadata));
}

void save_rr_model(const std::string& path, const std::vector<RRNet>& nets,
                   const features::RRFeatureSpec& spec,
                   std::map<std::string, std::string> metadata) {
  if (nets.empty() || nets.size() > size_t(model::kMaxMembers))
    throw std::invalid_argument(
        fmt::format("an RR model holds 1..{} networks", model::kMaxMembers));
  std::map<std::string, model::StTensor> tensors;
  for (size_t k = 0; k < nets.size(); ++k) {
    RRNet net = nets[k];  // a holder: the same module
    for (auto& [name, t] : module_tensors(*net)) tensors[model::member_prefix(k) + name] = t;
  }
  if (nets.size() > 1) metadata[model::meta::kMembers] = std::to_string(nets.size());
  write_model(
      path, std::move(tensors), model::kRRFamily, nets.front()->config().to_json(),
      model::input_spec_json(spec),
      R"({"rr":"per record: clip to [Q1-k*IQR, Q3+k*IQR], then z-score with the clipped mean/SD, clamp +-6","k":)" +
          fmt::format("{}", spec.clip_iqr) +
          R"(,"rr_detr":"rr_z minus its moving median over detrend_s","rr_var":"SD of rr_z over var_s"})",
      std::move(metadata));
}

void save_seed_model(const std::string& path, SeedNet& net, const features::SeedInputSpec& spec,
                     std::map<std::string, std::string> metadata) {
  write_model(
      path, module_tensors(*net), model::kSeedFamily, net->config().to_json(), spec.to_json(),
      fmt::format(
          R"({{"ecg":"per window: clip to [Q1-k*IQR, Q3+k*IQR], then z-score with the clipped mean/SD; NaN -> 0","k":{}}})",
          spec.clip_iqr),
      std::move(metadata));
}

}  // namespace somna::train
