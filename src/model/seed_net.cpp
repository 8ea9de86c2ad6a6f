// The seed raw-ECG network (see seed_net.hpp).

#include "model/seed_net.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "model/rr_net.hpp"

namespace somna::model {

std::string SeedNetConfig::to_json() const {
  return nlohmann::json({{"lead_channels", lead_channels},
                         {"dims", dims},
                         {"depths", depths},
                         {"stem_stride", stem_stride},
                         {"kernel", kernel},
                         {"lstm_hidden", lstm_hidden},
                         {"lstm_layers", lstm_layers},
                         {"mlp", mlp},
                         {"dropout", dropout}})
      .dump();
}

SeedNetConfig SeedNetConfig::from_json(const std::string& s, const std::string& file) {
  SeedNetConfig c;
  try {
    const auto j = nlohmann::json::parse(s);
    c.lead_channels = j.at("lead_channels").get<int>();
    c.dims = j.at("dims").get<std::vector<int>>();
    c.depths = j.at("depths").get<std::vector<int>>();
    c.stem_stride = j.at("stem_stride").get<int>();
    c.kernel = j.value("kernel", 7);
    c.lstm_hidden = j.at("lstm_hidden").get<int>();
    c.lstm_layers = j.at("lstm_layers").get<int>();
    c.mlp = j.at("mlp").get<std::vector<int>>();
    c.dropout = j.value("dropout", 0.0);
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("bad seed architecture metadata: ") + e.what());
  }
  auto bad = [&](const std::string& why) {
    throw ModelError(file, "bad seed architecture: " + why);
  };
  if (c.lead_channels < 1 || c.lead_channels > 64) bad("lead_channels outside 1..64");
  if (c.dims.empty() || c.dims.size() != c.depths.size() || c.dims.size() > 6) {
    bad("dims and depths must have the same 1..6 entries");
  }
  for (int d : c.dims) {
    if (d < 1 || d > 2048) bad("dims outside 1..2048");
  }
  for (int d : c.depths) {
    if (d < 0 || d > 64) bad("depths outside 0..64");
  }
  if (c.stem_stride < 1 || c.stem_stride > 64) bad("stem_stride outside 1..64");
  if (c.kernel < 1 || c.kernel > 255 || c.kernel % 2 == 0) bad("kernel must be odd, 1..255");
  if (c.lstm_hidden < 1 || c.lstm_hidden > 2048) bad("lstm_hidden outside 1..2048");
  if (c.lstm_layers < 1 || c.lstm_layers > 8) bad("lstm_layers outside 1..8");
  if (c.mlp.size() > 8) bad("more than 8 MLP layers");
  for (int w : c.mlp) {
    if (w < 1 || w > 8192) bad("mlp widths outside 1..8192");
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) bad("dropout outside [0,1)");
  return c;
}

SeedNetConfig SeedNetConfig::paper_size() {
  SeedNetConfig c;
  c.dims = {64, 128, 256};
  c.depths = {1, 1, 2};
  c.stem_stride = 8;
  c.lstm_hidden = 256;
  c.lstm_layers = 2;
  c.mlp = {1024, 256, 64};
  return c;
}

int SeedNetConfig::downsampling() const {
  int d = stem_stride;
  for (size_t s = 1; s < dims.size(); ++s) d *= 2;
  return d;
}

int64_t SeedInputSpec::window_samples() const {
  return int64_t(std::llround(60.0 * fs)) * (2 * context_minutes + 1);
}

std::string SeedInputSpec::to_json() const {
  return nlohmann::json({{"series", "ecg"},
                         {"fs", fs},
                         {"context_minutes", context_minutes},
                         {"window_samples", window_samples()},
                         {"clip_iqr", clip_iqr},
                         {"normalisation",
                          "per window: clip to [Q1 - k IQR, Q3 + k IQR] (k = clip_iqr), then "
                          "z-score with the clipped mean/SD"}})
      .dump();
}

SeedInputSpec SeedInputSpec::from_json(const std::string& s, const std::string& file) {
  SeedInputSpec in;
  try {
    const auto j = nlohmann::json::parse(s);
    in.fs = j.at("fs").get<double>();
    in.context_minutes = j.at("context_minutes").get<int>();
    in.clip_iqr = j.at("clip_iqr").get<double>();
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("bad seed input metadata: ") + e.what());
  }
  if (!(in.fs >= 10 && in.fs <= 1000) || in.context_minutes < 0 || in.context_minutes > 10 ||
      !(in.clip_iqr > 0)) {
    throw ModelError(file,
                     "seed input spec: fs must be in 10..1000 Hz, context 0..10 minutes, "
                     "clip_iqr > 0");
  }
  return in;
}

void normalise_window(float* x, size_t n, double k) {
  std::vector<float> v;
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) v.push_back(x[i]);
  }
  if (v.size() < 4) {
    std::fill(x, x + n, 0.f);
    return;
  }
  auto q = [&](double f) {
    const size_t i = std::min(v.size() - 1, size_t(f * double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + long(i), v.end());
    return double(v[i]);
  };
  const double q1 = q(0.25), q3 = q(0.75), iqr = q3 - q1;
  const double lo = q1 - k * iqr, hi = q3 + k * iqr;
  double sum = 0, sum2 = 0;
  size_t cnt = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    const double c = std::clamp(double(x[i]), lo, hi);
    sum += c, sum2 += c * c, ++cnt;
  }
  const double mean = sum / double(cnt);
  const double sd = std::sqrt(std::max(0.0, sum2 / double(cnt) - mean * mean));
  if (!(sd > 1e-9)) {
    std::fill(x, x + n, 0.f);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::isfinite(x[i]) ? float((std::clamp(double(x[i]), lo, hi) - mean) / sd) : 0.f;
  }
}

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

void load_pretrained_backbone(SeedNet& net, const StFile& file, const std::string& path) {
  load_module_tensors(*net->backbone(), file.tensors, path, "backbone.");
}

}  // namespace somna::model
