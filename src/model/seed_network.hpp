#pragma once
// The seed raw-ECG network (model/seed_config.hpp) for inference, without LibTorch: built from a
// model file's tensors, it scores a batch of normalised windows (features/seed_window.hpp) on the
// calling thread — the logits, confidences and attention weights of the trained LibTorch module
// to within 1e-5 (tests/train/parity_test.cpp). Windows of a batch share each step's matrix
// products (the BiLSTM steps all windows at once); buffers are reused from batch to batch.

#include <vector>

#include "model/seed_config.hpp"
#include "model/weights.hpp"
#include "nn/layers.hpp"
#include "nn/recurrent.hpp"

namespace somna::model {

struct SeedBatchOutput {
  std::vector<float> logit, confidence;  // [batch]
  std::vector<float> attention;          // [batch][steps]: softmax over the LSTM's time steps
  int steps = 0;
};

class SeedNetwork {
 public:
  SeedNetwork(const SeedNetConfig& config, const Weights& weights);
  const SeedNetConfig& config() const { return config_; }
  // Time steps the backbone makes of a window of `samples` samples.
  int steps(int samples) const;
  // windows: [batch][samples], already normalised.
  SeedBatchOutput forward(const float* windows, int batch, int samples) const;

 private:
  struct Block {
    nn::Conv1d dw;
    nn::LayerNorm norm;
    nn::Linear pw1, pw2;
    std::vector<float> grn_gamma, grn_beta;
  };
  struct Stage {
    bool stem = false;
    nn::Conv1d down;
    nn::LayerNorm norm;
    std::vector<Block> blocks;
  };
  struct MlpLayer {
    nn::Linear linear;
    nn::LayerNorm norm;
  };
  // What one window's backbone reuses for the next: no allocation per window.
  struct Buffers {
    std::vector<float> x, y, tmp, h, gx, scratch;
  };
  // One window [1][samples] -> features [steps][dims.back()] (time-major, as the LSTM reads).
  void backbone(const float* window, int samples, float* out, Buffers& buf) const;

  SeedNetConfig config_;
  nn::Conv1d lead_;
  std::vector<Stage> stages_;
  std::vector<nn::Recurrent> lstm_;  // one per layer, bidirectional
  nn::Linear att_w_, att_v_;
  std::vector<MlpLayer> mlp_;
  nn::Linear out_, conf_;
};

}  // namespace somna::model
