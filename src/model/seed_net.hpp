#pragma once
// The seed raw-ECG network (DESIGN.md "Seed architecture"): one ECG window (e.g. one minute) ->
// apnea logit, a confidence score and attention weights over time. Lead projection 1->12 (1x1
// conv); 1-D ConvNeXt-V2 backbone (depthwise conv 7, LayerNorm, pointwise MLP with GELU and
// global response normalisation, residual; a strided downsampling layer per stage; sizes
// configurable, small default); 2-layer BiLSTM; additive attention (tanh + softmax over time);
// multi-scale pooling (attention-weighted + mean + max); MLP (1024 -> 256 -> 64 by default) with
// LayerNorm, then the logit and a confidence head. The backbone can be loaded from a .safetensors
// file by tensor name (pretrained weights) and unfrozen stage by stage during fine-tuning.
// Status: architecture, loading and unfreezing are implemented and tested; training it on ECG
// windows (somna train) is not wired yet — the RR network is the default detector.

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/safetensors.hpp"

namespace somna::model {

struct SeedNetConfig {
  int lead_channels = 12;
  std::vector<int> dims = {32, 64, 128};  // per backbone stage
  std::vector<int> depths = {1, 1, 2};    // ConvNeXt-V2 blocks per stage
  int stem_stride = 4;                    // first downsampling; later stages downsample by 2
  int lstm_hidden = 256;
  int lstm_layers = 2;
  std::vector<int> mlp = {1024, 256, 64};
  std::string to_json() const;
};

class ConvNeXtV2BlockImpl : public torch::nn::Module {
 public:
  explicit ConvNeXtV2BlockImpl(int dim);
  torch::Tensor forward(torch::Tensor x);  // [B, C, T]

 private:
  torch::nn::Conv1d dw{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear pw1{nullptr}, pw2{nullptr};
  torch::Tensor grn_gamma, grn_beta;
};
TORCH_MODULE(ConvNeXtV2Block);

// One backbone stage: strided downsampling conv, channel LayerNorm, ConvNeXt-V2 blocks.
class SeedStageImpl : public torch::nn::Module {
 public:
  SeedStageImpl(int in, int out, int stride, int depth);
  torch::Tensor forward(torch::Tensor x);

 private:
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
  torch::Tensor confidence;  // [B], in (0,1)
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
  // projection when stages < number of stages) are frozen; -1 unfreezes everything.
  void set_trainable_stages(int stages);

 private:
  SeedNetConfig config_;
  SeedBackbone backbone_{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear att_w{nullptr}, att_v{nullptr};
  torch::nn::Sequential mlp{nullptr};
  torch::nn::Linear out{nullptr}, conf{nullptr};
};
TORCH_MODULE(SeedNet);

// Loads "backbone.*" tensors of `file` (e.g. a pretrained backbone) into net's backbone; tensors
// must all be present with matching shapes (ModelError otherwise).
void load_pretrained_backbone(SeedNet& net, const StFile& file, const std::string& path);

}  // namespace somna::model
