#pragma once
// The RR network's architecture ("rr-cnn", somna.architecture in a model file): a multi-scale
// 1-D CNN with squeeze-excitation over the RR feature series (features/rr_features.hpp), pooled
// to one vector per minute, dilated residual convolutions across minutes, an optional
// bidirectional GRU over the night, and a 1x1 head giving one logit per minute. Read by the
// inference (model/rr_network.hpp) and by the LibTorch module that trains it (train/rr_module.hpp).

#include <string>
#include <vector>

namespace somna::model {

struct RRNetConfig {
  int in_channels = 2;
  std::vector<int> widths = {12, 24, 48};  // per multi-scale block; each divisible by 3
  std::vector<int> pools = {4, 5, 6};      // product = samples per minute (60 * fs)
  std::vector<int> dilations = {1, 2, 4};  // temporal residual blocks across minutes
  int se_reduction = 4;
  double dropout = 0.1;
  int gru_hidden = 0;  // > 0: a bidirectional GRU (this hidden size) after the temporal convs
  int samples_per_minute() const;  // product of pools
  std::string to_json() const;
  // ModelError naming `file` when the JSON is malformed or sizes are out of range.
  static RRNetConfig from_json(const std::string& json, const std::string& file = {});
};

}  // namespace somna::model
