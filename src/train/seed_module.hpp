#pragma once
// The seed raw-ECG network (model/seed_config.hpp) as a LibTorch module, for training: lead
// projection, 1-D ConvNeXt-V2 backbone, 2-layer BiLSTM, additive attention, multi-scale pooling,
// MLP, logit and confidence heads. The backbone can be loaded from a .safetensors file by tensor
// name (pretrained weights) and unfrozen stage by stage. Windows come from
// features/seed_window.hpp. Inference does not use this module: model/seed_network.hpp runs the
// same network from the saved tensors without LibTorch (tests/train/parity_test.cpp holds the two
// to 1e-5).

#include <torch/torch.h>

#include <string>
#include <vector>

#include "features/seed_window.hpp"
#include "model/safetensors.hpp"
#include "model/seed_config.hpp"

namespace somna::train {

using model::SeedNetConfig;
using model::StFile;

class ConvNeXtV2BlockImpl : public torch::nn::Module {
 public:
  ConvNeXtV2BlockImpl(int dim, int kernel);
  torch::Tensor forward(torch::Tensor x);  // [B, C, T]

 private:
  torch::nn::Conv1d dw{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear pw1{nullptr}, pw2{nullptr};
  torch::Tensor grn_gamma, grn_beta;
};
TORCH_MODULE(ConvNeXtV2Block);

// One backbone stage: (stage 0) strided patchify conv then LayerNorm, (later stages) LayerNorm
// then strided conv — as in ConvNeXt — followed by ConvNeXt-V2 blocks.
class SeedStageImpl : public torch::nn::Module {
 public:
  SeedStageImpl(int in, int out, int stride, int depth, bool stem, int kernel);
  torch::Tensor forward(torch::Tensor x);

 private:
  bool stem_;
  torch::nn::Conv1d down{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(SeedStage);

class SeedBackboneImpl : public torch::nn::Module {
 public:
  explicit SeedBackboneImpl(const SeedNetConfig& c);
  torch::Tensor forward(torch::Tensor x);  // [B, 1, T] -> [B, C, T']
  torch::nn::Conv1d lead{nullptr};
  std::vector<SeedStage> stages;
};
TORCH_MODULE(SeedBackbone);

struct SeedOutput {
  torch::Tensor logit;       // [B]
  torch::Tensor confidence;  // [B], in (0,1): predicted probability that the call is right
  torch::Tensor attention;   // [B, T'] (sums to 1 over T')
};

class SeedNetImpl : public torch::nn::Module {
 public:
  explicit SeedNetImpl(const SeedNetConfig& config);
  SeedOutput forward(torch::Tensor x);  // x: [B, 1, samples]
  const SeedNetConfig& config() const { return config_; }
  // Backbone (lead projection + ConvNeXt stages) only; its tensors are named "backbone.*".
  SeedBackbone backbone() { return backbone_; }
  // Gradual unfreezing: the last `stages` backbone stages train, earlier ones (and the lead
  // projection when stages < number of stages) are frozen; -1 unfreezes everything. The head
  // (LSTM, attention, MLP, outputs) always trains.
  void set_trainable_stages(int stages);
  int n_stages() const { return int(config_.dims.size()); }

 private:
  SeedNetConfig config_;
  SeedBackbone backbone_{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear att_w{nullptr}, att_v{nullptr};
  torch::nn::Sequential mlp{nullptr};
  torch::nn::Linear out{nullptr}, conf{nullptr};
};
TORCH_MODULE(SeedNet);

// The LibTorch module's scores of minutes [0, n_minutes) of an ECG already at spec.fs (windows
// as model::seed_scores cuts them), `batch` windows per forward, with kScoringThreads intra-op
// threads (train/threads.hpp): the trainer's validation scores.
struct SeedTorchScores {
  std::vector<float> logit, confidence;
  std::vector<float> attention_peak;  // per minute: largest attention weight
};
SeedTorchScores seed_scores(SeedNet& net, const float* ecg, size_t n, size_t n_minutes,
                            const features::SeedInputSpec& spec, int batch = 32);

// Loads "backbone.*" tensors of `file` (e.g. a pretrained backbone) into net's backbone; tensors
// must all be present with matching shapes (ModelError otherwise).
void load_pretrained_backbone(SeedNet& net, const StFile& file, const std::string& path);

}  // namespace somna::train
