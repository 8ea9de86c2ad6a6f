// The seed raw-ECG network as a LibTorch module (seed_module.hpp).

#include "train/seed_module.hpp"

#include <algorithm>
#include <cmath>

#include "common/error.hpp"
#include "train/rr_module.hpp"
#include "train/threads.hpp"

namespace somna::train {

ConvNeXtV2BlockImpl::ConvNeXtV2BlockImpl(int dim, int kernel) {
  dw = register_module(
      "dw", torch::nn::Conv1d(
                torch::nn::Conv1dOptions(dim, dim, kernel).padding(kernel / 2).groups(dim)));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  pw1 = register_module("pw1", torch::nn::Linear(dim, 4 * dim));
  pw2 = register_module("pw2", torch::nn::Linear(4 * dim, dim));
  grn_gamma = register_parameter("grn_gamma", torch::zeros({4 * dim}));
  grn_beta = register_parameter("grn_beta", torch::zeros({4 * dim}));
}

torch::Tensor ConvNeXtV2BlockImpl::forward(torch::Tensor x) {
  auto h = dw(x).transpose(1, 2);  // [B, T, C]
  h = torch::gelu(pw1(norm(h)));
  // Global response normalisation (ConvNeXt-V2): L2 over time, divided by its channel mean.
  auto gx = h.norm(2, {1}, true);
  auto nx = gx / (gx.mean(-1, true) + 1e-6);
  h = grn_gamma * (h * nx) + grn_beta + h;
  h = pw2(h).transpose(1, 2);
  return x + h;
}

SeedStageImpl::SeedStageImpl(int in, int out, int stride, int depth, bool stem, int kernel)
    : stem_(stem) {
  down = register_module(
      "down", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, out, stride).stride(stride)));
  norm =
      register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({stem ? out : in})));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int d = 0; d < depth; ++d) blocks->push_back(ConvNeXtV2Block(out, kernel));
}

torch::Tensor SeedStageImpl::forward(torch::Tensor x) {
  if (stem_) {
    x = norm(down(x).transpose(1, 2)).transpose(1, 2);
  } else {
    x = down(norm(x.transpose(1, 2)).transpose(1, 2));
  }
  for (auto& b : *blocks) x = b->as<ConvNeXtV2Block>()->forward(x);
  return x;
}

SeedBackboneImpl::SeedBackboneImpl(const SeedNetConfig& c) {
  lead =
      register_module("lead", torch::nn::Conv1d(torch::nn::Conv1dOptions(1, c.lead_channels, 1)));
  int in = c.lead_channels;
  for (size_t s = 0; s < c.dims.size(); ++s) {
    stages.push_back(register_module(
        "stage" + std::to_string(s),
        SeedStage(in, c.dims[s], s == 0 ? c.stem_stride : 2, c.depths[s], s == 0, c.kernel)));
    in = c.dims[s];
  }
}

torch::Tensor SeedBackboneImpl::forward(torch::Tensor x) {
  x = lead(x);
  for (auto& s : stages) x = s->forward(x);
  return x;
}

SeedNetImpl::SeedNetImpl(const SeedNetConfig& c) : config_(c) {
  backbone_ = register_module("backbone", SeedBackbone(c));
  const int in = c.dims.back();
  lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(in, c.lstm_hidden)
                                                     .num_layers(c.lstm_layers)
                                                     .batch_first(true)
                                                     .bidirectional(true)));
  const int h2 = 2 * c.lstm_hidden;
  att_w = register_module("att_w", torch::nn::Linear(h2, h2));
  att_v = register_module("att_v", torch::nn::Linear(torch::nn::LinearOptions(h2, 1).bias(false)));
  mlp = torch::nn::Sequential();
  int m_in = 3 * h2;
  for (int w : c.mlp) {
    if (c.dropout > 0) mlp->push_back(torch::nn::Dropout(c.dropout));
    mlp->push_back(torch::nn::Linear(m_in, w));
    mlp->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
    mlp->push_back(torch::nn::GELU());
    m_in = w;
  }
  register_module("mlp", mlp);
  out = register_module("out", torch::nn::Linear(m_in, 1));
  conf = register_module("conf", torch::nn::Linear(m_in, 1));
}

SeedOutput SeedNetImpl::forward(torch::Tensor x) {
  auto f = backbone_->forward(x).transpose(1, 2);                        // [B, T', C]
  auto h = std::get<0>(lstm->forward(f));                                // [B, T', 2H]
  auto a = torch::softmax(att_v(torch::tanh(att_w(h))).squeeze(-1), 1);  // [B, T']
  auto pooled = torch::cat({(h * a.unsqueeze(-1)).sum(1), h.mean(1), std::get<0>(h.max(1))}, 1);
  auto z = mlp->forward(pooled);
  return {out(z).squeeze(-1), torch::sigmoid(conf(z)).squeeze(-1), a};
}

void SeedNetImpl::set_trainable_stages(int k) {
  const int n = int(backbone_->stages.size());
  for (auto& p : backbone_->lead->parameters()) p.set_requires_grad(k < 0 || k > n);
  for (int s = 0; s < n; ++s) {
    const bool train = k < 0 || s >= n - k;
    for (auto& p : backbone_->stages[size_t(s)]->parameters()) p.set_requires_grad(train);
  }
}

SeedTorchScores seed_scores(SeedNet& net, const float* ecg, size_t n, size_t n_minutes,
                            const features::SeedInputSpec& spec, int batch) {
  SeedTorchScores s;
  if (n_minutes == 0) return s;
  net->eval();
  const ScoringThreads threads;
  c10::InferenceMode guard;
  const int64_t w = spec.window_samples();
  batch = std::max(1, batch);
  for (size_t m0 = 0; m0 < n_minutes; m0 += size_t(batch)) {
    const int64_t b = int64_t(std::min(n_minutes - m0, size_t(batch)));
    auto x = torch::empty({b, 1, w});
    features::normalised_windows(ecg, n, m0, size_t(b), spec, x.data_ptr<float>());
    const SeedOutput o = net->forward(x);
    const auto lg = o.logit.contiguous(), cf = o.confidence.contiguous();
    const auto ap = std::get<0>(o.attention.max(1)).contiguous();
    s.logit.insert(s.logit.end(), lg.data_ptr<float>(), lg.data_ptr<float>() + b);
    s.confidence.insert(s.confidence.end(), cf.data_ptr<float>(), cf.data_ptr<float>() + b);
    s.attention_peak.insert(s.attention_peak.end(), ap.data_ptr<float>(), ap.data_ptr<float>() + b);
  }
  return s;
}

void load_pretrained_backbone(SeedNet& net, const StFile& file, const std::string& path) {
  load_module_tensors(*net->backbone(), file.tensors, path, "backbone.");
}

}  // namespace somna::train
