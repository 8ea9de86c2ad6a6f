#pragma once
// The RR network ("rr-cnn", model/rr_config.hpp) as a LibTorch module, for training: a compact
// multi-scale 1-D CNN with squeeze-excitation over the uniformly resampled RR series, pooled down
// to exactly one vector per minute, then dilated residual convolutions across neighbouring minutes
// (receptive field +-(sum of dilations) min), optionally a bidirectional GRU over the night, and a
// 1x1 head giving one logit per minute. Fully convolutional: training uses crops of nights.
// Inference does not use this module: model/rr_network.hpp runs the same network from the saved
// tensors without LibTorch (tests/train/parity_test.cpp holds the two to 1e-5).

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "features/rr_features.hpp"
#include "model/rr_config.hpp"
#include "model/safetensors.hpp"

namespace somna::train {

using model::RRNetConfig;
using model::StTensor;

class MultiScaleBlockImpl : public torch::nn::Module {
 public:
  MultiScaleBlockImpl(int in, int out, int pool, int se_reduction);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv1d b3{nullptr}, b7{nullptr}, b15{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Linear se1{nullptr}, se2{nullptr};
  int pool_ = 1;
};
TORCH_MODULE(MultiScaleBlock);

class TemporalBlockImpl : public torch::nn::Module {
 public:
  TemporalBlockImpl(int ch, int dilation, double dropout);
  torch::Tensor forward(torch::Tensor x);

 private:
  torch::nn::Conv1d conv{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(TemporalBlock);

class RRNetImpl : public torch::nn::Module {
 public:
  explicit RRNetImpl(const RRNetConfig& config);
  // x: [batch, in_channels, minutes * samples_per_minute] -> logits [batch, minutes].
  torch::Tensor forward(torch::Tensor x);
  const RRNetConfig& config() const { return config_; }
  int samples_per_minute() const;

 private:
  RRNetConfig config_;
  torch::nn::ModuleList blocks{nullptr}, temporal{nullptr};
  torch::nn::GRU gru{nullptr};
  torch::nn::Dropout gru_drop{nullptr};
  torch::nn::Conv1d head{nullptr};
};
TORCH_MODULE(RRNet);

int64_t parameter_count(torch::nn::Module& m);

// Parameters and buffers (BatchNorm statistics) by name, as F32 tensors; and back. Loading
// requires every floating tensor of the module, with the same shape (ModelError otherwise).
std::map<std::string, StTensor> module_tensors(torch::nn::Module& m);
void load_module_tensors(torch::nn::Module& m, const std::map<std::string, StTensor>& tensors,
                         const std::string& file, const std::string& prefix = {});

// Logits for every minute of one night by the LibTorch module, in one forward pass (eval mode,
// no autograd), with kScoringThreads intra-op threads (train/threads.hpp) whatever the process is
// set to: the trainer's validation scores.
std::vector<float> night_logits(RRNet net, const features::NightFeatures& f, int channels);

}  // namespace somna::train
