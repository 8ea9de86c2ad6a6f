#pragma once
// The seed raw-ECG network's architecture ("seed-ecg", somna.architecture in a model file;
// DESIGN.md "Seed architecture"): one ECG window -> apnea logit, a confidence score and attention
// weights over time. Lead projection 1 -> lead_channels (1x1 conv); a 1-D ConvNeXt-V2 backbone (a
// patchify stem, then per stage LayerNorm + strided conv and ConvNeXt-V2 blocks: depthwise conv,
// LayerNorm, pointwise MLP with GELU and global response normalisation, residual); a BiLSTM;
// additive attention; attention-weighted + mean + max pooling; an MLP with LayerNorm and GELU; the
// logit and a confidence head. Read by the inference (model/seed_network.hpp) and by the LibTorch
// module that trains it (train/seed_module.hpp).

#include <string>
#include <vector>

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

}  // namespace somna::model
