// The seed network's inference (seed_network.hpp). Each step mirrors train/seed_module.cpp.

#include "model/seed_network.hpp"

#include <algorithm>
#include <cmath>

namespace somna::model {

namespace {

// LayerNorm over the channels of x [ch][t], in place (through a [t][ch] copy).
void channel_norm(const nn::LayerNorm& n, std::vector<float>& x, int ch, int t,
                  std::vector<float>& tmp) {
  tmp.resize(x.size());
  nn::transpose(x.data(), ch, t, tmp.data());
  n.forward(tmp.data(), t);
  nn::transpose(tmp.data(), t, ch, x.data());
}

// Global response normalisation of h [t][c]: h + gamma * (h * nx) + beta, nx = per-channel L2
// norm over time divided by its mean over channels.
void grn(const std::vector<float>& gamma, const std::vector<float>& beta, float* h, int t, int c,
         std::vector<float>& gx) {
  gx.assign(size_t(c), 0.f);
  for (int i = 0; i < t; ++i) {
    const float* hi = h + size_t(i) * size_t(c);
    for (int j = 0; j < c; ++j) gx[size_t(j)] += hi[j] * hi[j];
  }
  float mean = 0;
  for (float& g : gx) mean += (g = std::sqrt(g));
  mean /= float(c);
  for (float& g : gx) g /= mean + 1e-6f;
  for (int i = 0; i < t; ++i) {
    float* hi = h + size_t(i) * size_t(c);
    for (int j = 0; j < c; ++j) {
      const size_t k = size_t(j);
      hi[j] = gamma[k] * (hi[j] * gx[k]) + beta[k] + hi[j];
    }
  }
}

}  // namespace

SeedNetwork::SeedNetwork(const SeedNetConfig& c, const Weights& w) : config_(c) {
  lead_ = w.conv1d("backbone.lead", nn::Conv1d::shape(1, c.lead_channels, 1));
  int in = c.lead_channels;
  for (size_t s = 0; s < c.dims.size(); ++s) {
    const std::string p = "backbone.stage" + std::to_string(s) + ".";
    const int out = c.dims[s], stride = s == 0 ? c.stem_stride : 2;
    Stage st;
    st.stem = s == 0;
    st.down = w.conv1d(p + "down", nn::Conv1d::shape(in, out, stride, stride));
    st.norm = w.layer_norm(p + "norm", st.stem ? out : in);
    for (int d = 0; d < c.depths[s]; ++d) {
      const std::string b = p + "blocks." + std::to_string(d) + ".";
      Block k;
      k.dw = w.conv1d(b + "dw", nn::Conv1d::shape(out, out, c.kernel, 1, c.kernel / 2, 1, out));
      k.norm = w.layer_norm(b + "norm", out);
      k.pw1 = w.linear(b + "pw1", out, 4 * out);
      k.pw2 = w.linear(b + "pw2", 4 * out, out);
      k.grn_gamma = w.take(b + "grn_gamma", {4 * out});
      k.grn_beta = w.take(b + "grn_beta", {4 * out});
      st.blocks.push_back(std::move(k));
    }
    stages_.push_back(std::move(st));
    in = out;
  }
  for (int l = 0; l < c.lstm_layers; ++l) {
    lstm_.push_back(w.recurrent("lstm", nn::Recurrent::Cell::Lstm, l == 0 ? in : 2 * c.lstm_hidden,
                                c.lstm_hidden, l, true));
  }
  const int h2 = 2 * c.lstm_hidden;
  att_w_ = w.linear("att_w", h2, h2);
  att_v_ = w.linear("att_v", h2, 1, false);
  // torch.nn.Sequential numbers its modules: [Dropout,] Linear, LayerNorm, GELU per layer.
  int m_in = 3 * h2, index = 0;
  for (int width : c.mlp) {
    if (c.dropout > 0) ++index;
    MlpLayer m;
    m.linear = w.linear("mlp." + std::to_string(index), m_in, width);
    m.norm = w.layer_norm("mlp." + std::to_string(index + 1), width);
    mlp_.push_back(std::move(m));
    index += 3;
    m_in = width;
  }
  out_ = w.linear("out", m_in, 1);
  conf_ = w.linear("conf", m_in, 1);
}

int SeedNetwork::steps(int samples) const {
  int t = lead_.out_length(samples);
  for (const Stage& s : stages_) t = s.down.out_length(t);
  return t;
}

void SeedNetwork::backbone(const float* window, int samples, float* out, Buffers& buf) const {
  auto& [x, y, tmp, h, gx, scratch] = buf;
  x.resize(size_t(lead_.out) * size_t(samples));
  lead_.forward(window, samples, x.data(), scratch);
  int ch = lead_.out, t = samples;
  for (const Stage& s : stages_) {
    if (!s.stem) channel_norm(s.norm, x, ch, t, tmp);
    const int to = s.down.out_length(t);
    y.resize(size_t(s.down.out) * size_t(to));
    s.down.forward(x.data(), t, y.data(), scratch);
    std::swap(x, y);
    ch = s.down.out, t = to;
    if (s.stem) channel_norm(s.norm, x, ch, t, tmp);
    for (const Block& b : s.blocks) {  // x + pw2(grn(gelu(pw1(norm(dw(x))))))
      y.resize(x.size());
      b.dw.forward(x.data(), t, y.data(), scratch);
      tmp.resize(x.size());
      nn::transpose(y.data(), ch, t, tmp.data());  // [t][ch]
      b.norm.forward(tmp.data(), t);
      h.resize(size_t(t) * size_t(b.pw1.out));
      b.pw1.forward(tmp.data(), t, h.data());
      nn::gelu(h.data(), int(h.size()));
      grn(b.grn_gamma, b.grn_beta, h.data(), t, b.pw1.out, gx);
      b.pw2.forward(h.data(), t, tmp.data());  // [t][ch]
      nn::transpose(tmp.data(), t, ch, y.data());
      for (size_t i = 0; i < x.size(); ++i) x[i] += y[i];
    }
  }
  nn::transpose(x.data(), ch, t, out);
}

SeedBatchOutput SeedNetwork::forward(const float* windows, int batch, int samples) const {
  SeedBatchOutput o;
  const int t = steps(samples), c = config_.dims.back(), h2 = 2 * config_.lstm_hidden;
  o.steps = t;
  if (batch <= 0 || t <= 0) return o;
  const size_t rows = size_t(batch) * size_t(t);
  std::vector<float> feats(rows * size_t(c)), seq(rows * size_t(h2)), next(rows * size_t(h2)),
      scratch;
  Buffers buf;
  for (int b = 0; b < batch; ++b) {
    backbone(windows + size_t(b) * size_t(samples), samples,
             feats.data() + size_t(b) * size_t(t) * size_t(c), buf);
  }
  const float* layer_in = feats.data();
  for (const nn::Recurrent& l : lstm_) {
    l.forward(layer_in, batch, t, next.data(), scratch);
    std::swap(seq, next);
    layer_in = seq.data();
  }
  // Additive attention: softmax over time of att_v(tanh(att_w(h))).
  std::vector<float> e(rows * size_t(h2));
  att_w_.forward(seq.data(), int(rows), e.data());
  nn::tanh(e.data(), int(e.size()));
  o.attention.resize(rows);
  att_v_.forward(e.data(), int(rows), o.attention.data());
  // Pooling: attention-weighted sum, mean and max over time -> [batch][3 * h2].
  const int pooled_w = 3 * h2;
  std::vector<float> pooled(size_t(batch) * size_t(pooled_w));
  for (int b = 0; b < batch; ++b) {
    float* a = o.attention.data() + size_t(b) * size_t(t);
    const float amax = *std::max_element(a, a + t);
    float sum = 0;
    for (int i = 0; i < t; ++i) sum += (a[i] = std::exp(a[i] - amax));
    for (int i = 0; i < t; ++i) a[i] /= sum;
    float* p = pooled.data() + size_t(b) * size_t(pooled_w);
    std::fill(p, p + 2 * h2, 0.f);
    std::fill(p + 2 * h2, p + 3 * h2, -INFINITY);
    for (int i = 0; i < t; ++i) {
      const float* hi = seq.data() + (size_t(b) * size_t(t) + size_t(i)) * size_t(h2);
      for (int j = 0; j < h2; ++j) {
        p[j] += hi[j] * a[i];
        p[h2 + j] += hi[j];
        p[2 * h2 + j] = std::max(p[2 * h2 + j], hi[j]);
      }
    }
    for (int j = 0; j < h2; ++j) p[h2 + j] /= float(t);
  }
  std::vector<float> z = std::move(pooled), zn;
  for (const MlpLayer& m : mlp_) {  // Linear, LayerNorm, GELU
    zn.resize(size_t(batch) * size_t(m.linear.out));
    m.linear.forward(z.data(), batch, zn.data());
    m.norm.forward(zn.data(), batch);
    nn::gelu(zn.data(), int(zn.size()));
    std::swap(z, zn);
  }
  o.logit.resize(size_t(batch));
  o.confidence.resize(size_t(batch));
  out_.forward(z.data(), batch, o.logit.data());
  conf_.forward(z.data(), batch, o.confidence.data());
  nn::sigmoid(o.confidence.data(), batch);
  return o;
}

}  // namespace somna::model
