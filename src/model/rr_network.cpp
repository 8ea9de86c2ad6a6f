// The RR network's inference (rr_network.hpp). Each step mirrors train/rr_module.cpp's forward.

#include "model/rr_network.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace somna::model {

namespace {

// In place on x [ch][t]: relu, and the squeeze-excitation weights sigmoid(se2(relu(se1(mean over
// time)))) of the result (one pass for both: x is a whole night).
std::vector<float> relu_and_excitation(const nn::Linear& se1, const nn::Linear& se2, float* x,
                                       int ch, int t) {
  std::vector<float> m(static_cast<size_t>(ch)), mid(static_cast<size_t>(se1.out)),
      w(static_cast<size_t>(ch));
  constexpr int kSums = 8;  // partial sums: one chain of dependent additions was ~1 ms a network
  for (int c = 0; c < ch; ++c) {
    float* xc = x + size_t(c) * size_t(t);
    float part[kSums] = {};
    int i = 0;
    for (; i + kSums <= t; i += kSums)
      for (int l = 0; l < kSums; ++l) part[l] += (xc[i + l] = std::max(xc[i + l], 0.f));
    float s = 0;
    for (; i < t; ++i) s += (xc[i] = std::max(xc[i], 0.f));
    for (float p : part) s += p;
    m[size_t(c)] = s / float(t);
  }
  se1.forward(m.data(), 1, mid.data());
  nn::relu(mid.data(), se1.out);
  se2.forward(mid.data(), 1, w.data());
  nn::sigmoid(w.data(), ch);
  return w;
}

// Non-overlapping max pooling of x [ch][t] by `pool` (the tail that does not fill one is
// dropped), each channel then scaled by its excitation weight w[c] > 0 — the same as scaling
// first: a positive factor commutes with max, rounding included.
std::vector<float> pool_and_scale(const std::vector<float>& x, int ch, int t, int pool,
                                  const std::vector<float>& w) {
  const int to = t / pool;
  std::vector<float> y(size_t(ch) * size_t(to));
  for (int c = 0; c < ch; ++c) {
    const float* xc = x.data() + size_t(c) * size_t(t);
    float* yc = y.data() + size_t(c) * size_t(to);
    const float wc = w[size_t(c)];
    for (int i = 0; i < to; ++i) {
      float m = xc[i * pool];
      for (int k = 1; k < pool; ++k) m = std::max(m, xc[i * pool + k]);
      yc[i] = m * wc;
    }
  }
  return y;
}

}  // namespace

RRNetwork::RRNetwork(const RRNetConfig& c, const Weights& w) : config_(c) {
  if (c.widths.empty()) throw ModelError(w.path(), "rr-cnn needs at least one multi-scale block");
  int in = c.in_channels;
  for (size_t i = 0; i < c.widths.size(); ++i) {
    const std::string p = "blocks." + std::to_string(i) + ".";
    const int out = c.widths[i], b = out / 3, mid = std::max(1, out / c.se_reduction);
    Block k;
    k.width = out, k.pool = c.pools[i];
    k.b3 = w.conv1d(p + "b3", nn::Conv1d::shape(in, b, 3, 1, 1), false);
    k.b7 = w.conv1d(p + "b7", nn::Conv1d::shape(in, b, 7, 1, 3), false);
    k.b15 = w.conv1d(p + "b15", nn::Conv1d::shape(in, b, 15, 1, 7), false);
    const nn::BatchNorm bn = w.batch_norm(p + "bn", out);
    nn::fold_batch_norm(k.b3, bn, 0);
    nn::fold_batch_norm(k.b7, bn, b);
    nn::fold_batch_norm(k.b15, bn, 2 * b);
    k.se1 = w.linear(p + "se1", out, mid);
    k.se2 = w.linear(p + "se2", mid, out);
    blocks_.push_back(std::move(k));
    in = out;
  }
  for (size_t i = 0; i < c.dilations.size(); ++i) {
    const std::string p = "temporal." + std::to_string(i) + ".";
    const int d = c.dilations[i];
    nn::Conv1d conv = w.conv1d(p + "conv", nn::Conv1d::shape(in, in, 3, 1, d, d));
    nn::fold_batch_norm(conv, w.batch_norm(p + "bn", in));
    temporal_.push_back(std::move(conv));
  }
  if (c.gru_hidden > 0) {
    gru_.push_back(w.recurrent("gru", nn::Recurrent::Cell::Gru, in, c.gru_hidden, 0, true));
    in = 2 * c.gru_hidden;
  }
  head_ = w.conv1d("head", nn::Conv1d::shape(in, 1, 1));
}

std::vector<float> RRNetwork::logits(const features::NightFeatures& f) const {
  if (f.n_minutes == 0) return {};
  if (f.values.size() != size_t(config_.in_channels) * f.n_samples) {
    throw ModelError({}, "RR features do not have the network's channels");
  }
  std::vector<float> scratch, x;
  const float* in = f.values.data();  // the features, then each block's output (x)
  int ch = config_.in_channels, t = int(f.n_samples);
  for (const Block& k : blocks_) {  // multi-scale conv (+ folded BN), relu, SE, max pool
    std::vector<float> y(size_t(k.width) * size_t(t));
    const size_t branch = size_t(k.b3.out) * size_t(t);
    k.b3.forward(in, t, y.data(), scratch);
    k.b7.forward(in, t, y.data() + branch, scratch);
    k.b15.forward(in, t, y.data() + 2 * branch, scratch);
    const std::vector<float> w = relu_and_excitation(k.se1, k.se2, y.data(), k.width, t);
    ch = k.width;
    x = pool_and_scale(y, ch, t, k.pool, w);
    in = x.data();
    t /= k.pool;
  }
  std::vector<float> y(x.size());
  for (const nn::Conv1d& conv : temporal_) {  // x + relu(bn(conv(x)))
    conv.forward(x.data(), t, y.data(), scratch);
    for (size_t i = 0; i < x.size(); ++i) x[i] += std::max(y[i], 0.f);
  }
  if (!gru_.empty()) {  // [ch][minutes] -> GRU over minutes -> [2h][minutes]
    std::vector<float> seq(x.size()), out(size_t(gru_[0].out_size()) * size_t(t));
    nn::transpose(x.data(), ch, t, seq.data());
    gru_[0].forward(seq.data(), 1, t, out.data(), scratch);
    ch = gru_[0].out_size();
    x.resize(out.size());
    nn::transpose(out.data(), t, ch, x.data());
  }
  std::vector<float> logit(static_cast<size_t>(t));
  head_.forward(x.data(), t, logit.data(), scratch);
  logit.resize(f.n_minutes, 0.f);
  return logit;
}

}  // namespace somna::model
