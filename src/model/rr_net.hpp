#pragma once
// The RR network ("rr-cnn"): a compact multi-scale 1-D CNN with squeeze-excitation over the
// uniformly resampled RR series (features/rr_features.hpp), pooled down to exactly one vector per
// minute, then a temporal model across neighbouring minutes (dilated residual convolutions,
// receptive field +-(sum of dilations) min, optionally followed by a bidirectional GRU over the
// whole night's sequence of minute vectors) and a 1x1 head giving one logit per minute. The
// CNN is fully convolutional: a whole night is scored in one forward pass, and training uses
// crops of nights.

#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "features/rr_features.hpp"
#include "model/safetensors.hpp"

namespace somna::model {

struct RRNetConfig {
  int in_channels = 2;
  std::vector<int> widths = {12, 24, 48};  // per multi-scale block; each divisible by 3
  std::vector<int> pools = {4, 5, 6};      // product = samples per minute (60 * fs)
  std::vector<int> dilations = {1, 2, 4};  // temporal residual blocks across minutes
  int se_reduction = 4;
  double dropout = 0.1;
  int gru_hidden = 0;  // > 0: a bidirectional GRU (this hidden size) after the temporal convs
  std::string to_json() const;
  static RRNetConfig from_json(const std::string& json, const std::string& file = {});
};

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

// Logits for every minute of one night, in one forward pass (eval mode, no autograd), with
// kScoringThreads intra-op threads (model/threads.hpp) whatever the process is set to.
std::vector<float> night_logits(RRNet net, const features::NightFeatures& f, int channels);

}  // namespace somna::model
