#pragma once
// The layers of a network filled from the tensors of a model file, found by the names the trainer
// wrote them under (torch.nn's: "blocks.0.b3.weight", "lstm.weight_hh_l1_reverse", ...) and
// checked against the shapes the architecture needs: a missing or mis-shaped tensor is a
// ModelError naming the tensor and the file.

#include <cstdint>
#include <string>
#include <vector>

#include "model/safetensors.hpp"
#include "nn/layers.hpp"
#include "nn/recurrent.hpp"

namespace somna::model {

class Weights {
 public:
  // prefix: prepended to every name (an ensemble member's tensors, model.hpp meta::kMembers).
  Weights(const StFile& file, std::string path, std::string prefix = "")
      : file_(file), path_(std::move(path)), prefix_(std::move(prefix)) {}
  // The F32 values of tensor prefix + `name`, which must have exactly `shape`.
  std::vector<float> take(const std::string& name, const std::vector<int64_t>& shape) const;
  const std::string& path() const { return path_; }

  // Conv1d `name` ("name.weight", and "name.bias" when `bias`) with the geometry already set in
  // `geometry` (in, out, kernel, stride, padding, dilation, groups).
  nn::Conv1d conv1d(const std::string& name, nn::Conv1d geometry, bool bias = true) const;
  nn::Linear linear(const std::string& name, int in, int out, bool bias = true) const;
  nn::LayerNorm layer_norm(const std::string& name, int dim) const;
  nn::BatchNorm batch_norm(const std::string& name, int channels) const;
  // Layer `layer` of a torch.nn.GRU / LSTM named `name` ("name.weight_ih_l<layer>", ...).
  nn::Recurrent recurrent(const std::string& name, nn::Recurrent::Cell cell, int in, int hidden,
                          int layer, bool bidirectional) const;

 private:
  const StFile& file_;
  std::string path_, prefix_;
};

}  // namespace somna::model
