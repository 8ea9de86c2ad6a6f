#pragma once
// One recurrent layer (GRU or LSTM, one or both directions) over a batch of sequences, with
// torch.nn's gate order and weight layout: GRU gates (r, z, n), LSTM gates (i, f, g, o); weight_ih
// [gates * hidden][in], weight_hh [gates * hidden][hidden], both biases [gates * hidden]. The input
// projections of all steps are one matrix product; each step is one product over the batch.
// Stacked layers are stacked by the caller (layer l + 1 reads layer l's output).

#include <vector>

namespace somna::nn {

struct Recurrent {
  enum class Cell { Gru, Lstm };
  struct Direction {
    std::vector<float> w_ih, w_hh, b_ih, b_hh;
    std::vector<float> w_hh_packed;  // w_hh packed for the step's product (pack_rows), or empty
  };
  Cell cell = Cell::Gru;
  int in = 0, hidden = 0;
  bool bidirectional = true;
  Direction forward_dir, reverse_dir;  // reverse_dir only when bidirectional

  int gates() const { return cell == Cell::Gru ? 3 : 4; }
  int out_size() const { return bidirectional ? 2 * hidden : hidden; }
  // x: [batch][t][in] -> y: [batch][t][out_size()] (the forward direction's state first, then
  // the reverse one's, as torch). `scratch` is reused between calls.
  void forward(const float* x, int batch, int t, float* y, std::vector<float>& scratch) const;
};

}  // namespace somna::nn
