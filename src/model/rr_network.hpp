#pragma once
// The RR network (model/rr_config.hpp) for inference, without LibTorch: built from a model file's
// tensors (batch norms folded into their convolutions at load), it scores a whole night's RR
// features (features/rr_features.hpp) in one pass, on the calling thread, and gives one logit per
// minute — the logits of the trained LibTorch module to within 1e-5 (tests/train/parity_test.cpp).

#include <vector>

#include "features/rr_features.hpp"
#include "model/rr_config.hpp"
#include "model/weights.hpp"
#include "nn/layers.hpp"
#include "nn/recurrent.hpp"

namespace somna::model {

class RRNetwork {
 public:
  RRNetwork(const RRNetConfig& config, const Weights& weights);
  const RRNetConfig& config() const { return config_; }
  // One logit per minute of f (f.n_minutes values; f has config().in_channels channels).
  std::vector<float> logits(const features::NightFeatures& f) const;

 private:
  struct Block {
    nn::Conv1d b3, b7, b15;  // the three branches, their share of the batch norm folded in
    nn::Linear se1, se2;     // squeeze-excitation
    int width = 0, pool = 1;
  };
  RRNetConfig config_;
  std::vector<Block> blocks_;
  std::vector<nn::Conv1d> temporal_;  // dilated, batch norm folded in; x + relu(conv(x))
  std::vector<nn::Recurrent> gru_;    // empty, or one bidirectional layer
  nn::Conv1d head_;
};

}  // namespace somna::model
