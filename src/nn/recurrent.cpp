// GRU and LSTM layers (recurrent.hpp).

#include "nn/recurrent.hpp"

#include <algorithm>
#include <cmath>

#include "nn/gemm.hpp"
#include "nn/layers.hpp"

namespace somna::nn {

namespace {

// One direction of the layer; writes its `hidden` outputs at column `col` of y's rows.
void run_direction(const Recurrent& r, const Recurrent::Direction& d, bool reverse, const float* x,
                   int batch, int t, float* y, int col, std::vector<float>& scratch) {
  const int h = r.hidden, gh = r.gates() * h, out = r.out_size();
  const size_t rows = size_t(batch) * size_t(t);
  scratch.resize(rows * size_t(gh) + size_t(batch) * size_t(gh + 2 * h));
  float* xp = scratch.data();          // [batch * t][gh]: input projections of every step
  float* hp = xp + rows * size_t(gh);  // [batch][gh]: the step's hidden projections
  float* state = hp + size_t(batch) * size_t(gh);   // [batch][h]
  float* cell = state + size_t(batch) * size_t(h);  // [batch][h] (LSTM)
  gemm(false, true, int(rows), gh, r.in, x, r.in, d.w_ih.data(), r.in, 0.f, xp, gh);
  for (size_t i = 0; i < rows; ++i) {
    for (int g = 0; g < gh; ++g) xp[i * size_t(gh) + size_t(g)] += d.b_ih[size_t(g)];
  }
  std::fill(state, state + size_t(batch) * size_t(2 * h), 0.f);
  for (int s = 0; s < t; ++s) {
    const int tau = reverse ? t - 1 - s : s;
    for (int b = 0; b < batch; ++b)
      std::copy(d.b_hh.begin(), d.b_hh.end(), hp + size_t(b) * size_t(gh));
    gemm_packed(batch, gh, h, state, h, d.w_hh.data(), d.w_hh_packed, 1.f, hp, gh);
    for (int b = 0; b < batch; ++b) {
      const float* gx = xp + (size_t(b) * size_t(t) + size_t(tau)) * size_t(gh);
      float* g = hp + size_t(b) * size_t(gh);  // the step's gates, overwritten as they are used
      float* hb = state + size_t(b) * size_t(h);
      // Whole-array activations (nn::sigmoid, nn::tanh vectorise), then the state update.
      if (r.cell == Recurrent::Cell::Gru) {  // g: r, z, n
        for (int j = 0; j < 2 * h; ++j) g[j] += gx[j];
        sigmoid(g, 2 * h);
        for (int j = 0; j < h; ++j) g[2 * h + j] = gx[2 * h + j] + g[j] * g[2 * h + j];
        tanh(g + 2 * h, h);
        for (int j = 0; j < h; ++j) hb[j] = (1.f - g[h + j]) * g[2 * h + j] + g[h + j] * hb[j];
      } else {  // g: i, f, g, o
        float* cb = cell + size_t(b) * size_t(h);
        for (int j = 0; j < 4 * h; ++j) g[j] += gx[j];
        sigmoid(g, 2 * h);
        tanh(g + 2 * h, h);
        sigmoid(g + 3 * h, h);
        for (int j = 0; j < h; ++j) g[2 * h + j] = cb[j] = g[h + j] * cb[j] + g[j] * g[2 * h + j];
        tanh(g + 2 * h, h);
        for (int j = 0; j < h; ++j) hb[j] = g[3 * h + j] * g[2 * h + j];
      }
      float* yb = y + (size_t(b) * size_t(t) + size_t(tau)) * size_t(out) + size_t(col);
      std::copy(hb, hb + h, yb);
    }
  }
}

}  // namespace

void Recurrent::forward(const float* x, int batch, int t, float* y,
                        std::vector<float>& scratch) const {
  if (batch <= 0 || t <= 0) return;
  run_direction(*this, forward_dir, false, x, batch, t, y, 0, scratch);
  if (bidirectional) run_direction(*this, reverse_dir, true, x, batch, t, y, hidden, scratch);
}

}  // namespace somna::nn
