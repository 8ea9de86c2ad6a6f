#pragma once
// The seed raw-ECG network (DESIGN.md "Seed architecture"): one ECG window (a minute, optionally
// with neighbouring minutes as context) -> apnea logit, a confidence score and attention weights
// over time. Lead projection 1->12 (1x1 conv); 1-D ConvNeXt-V2 backbone (a patchify stem — strided
// conv + LayerNorm — then per stage a LayerNorm + strided downsampling conv and ConvNeXt-V2 blocks:
// depthwise conv 7, LayerNorm, pointwise MLP with GELU and global response normalisation,
// residual); 2-layer BiLSTM; additive attention (tanh + softmax over time); multi-scale pooling
// (attention-weighted + mean + max); MLP with LayerNorm, then the logit and a confidence head.
// The default size is small for CPU training (6000 samples -> 187 LSTM steps); paper_size() gives
// the head sizes (BiLSTM 256, MLP 1024-256-64). The backbone can be loaded from a
// .safetensors file by tensor name (pretrained weights) and unfrozen stage by stage.
// Windows are normalised by normalise_window() (IQR clipping, then z-score) before the network.

#include <torch/torch.h>

#include <string>
#include <vector>

#include "model/safetensors.hpp"

namespace somna::model {

struct SeedNetConfig {
  int lead_channels = 12;
  std::vector<int> dims = {16, 32, 64};  // per backbone stage
  std::vector<int> depths = {1, 1, 1};   // ConvNeXt-V2 blocks per stage
  int stem_stride = 8;                   // first downsampling; later stages downsample by 2
  int kernel = 31;  // depthwise kernel of the ConvNeXt blocks (odd; 31 at stride 8 = +-1.2 s:
                    // two beats, so a block can see one RR interval)
  int lstm_hidden = 32;
  int lstm_layers = 2;
  std::vector<int> mlp = {96, 32, 16};
  double dropout = 0.1;  // before each MLP layer (training only)
  std::string to_json() const;
  // ModelError naming `file` when the JSON is malformed or sizes are out of range.
  static SeedNetConfig from_json(const std::string& json, const std::string& file = {});
  // The sizes: BiLSTM 256 x 2 layers, MLP 1024 -> 256 -> 64, wider backbone (> 1 M
  // parameters; too slow to train on a shared CPU, kept for a GPU or a pretrained backbone).
  static SeedNetConfig paper_size();
  // Total time downsampling of the backbone (samples per LSTM step).
  int downsampling() const;
};

// How windows are cut from a night and normalised (stored in the model file's somna.input).
struct SeedInputSpec {
  double fs = 100;          // ECG is resampled to this rate
  int context_minutes = 0;  // the window is minute m plus this many minutes on each side
  double clip_iqr = 8;      // clip to [Q1 - k IQR, Q3 + k IQR] before the z-score
  int64_t window_samples() const;
  std::string to_json() const;
  static SeedInputSpec from_json(const std::string& json, const std::string& file = {});
};

// In place: NaNs -> ignored for the statistics, clip to [Q1 - k IQR, Q3 + k IQR], z-score with
// the clipped mean and SD (a flat window becomes zeros), NaNs -> 0.
void normalise_window(float* x, size_t n, double clip_iqr);

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

// Loads "backbone.*" tensors of `file` (e.g. a pretrained backbone) into net's backbone; tensors
// must all be present with matching shapes (ModelError otherwise).
void load_pretrained_backbone(SeedNet& net, const StFile& file, const std::string& path);

}  // namespace somna::model
