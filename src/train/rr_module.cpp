// The RR network as a LibTorch module (rr_module.hpp).

#include "train/rr_module.hpp"

#include <fmt/format.h>

#include <cstring>

#include "common/error.hpp"
#include "train/threads.hpp"

namespace somna::train {

using model::ModelError;

MultiScaleBlockImpl::MultiScaleBlockImpl(int in, int out, int pool, int red) : pool_(pool) {
  using torch::nn::Conv1dOptions;
  const int b = out / 3;
  b3 = register_module("b3", torch::nn::Conv1d(Conv1dOptions(in, b, 3).padding(1).bias(false)));
  b7 = register_module("b7", torch::nn::Conv1d(Conv1dOptions(in, b, 7).padding(3).bias(false)));
  b15 = register_module("b15", torch::nn::Conv1d(Conv1dOptions(in, b, 15).padding(7).bias(false)));
  bn = register_module("bn", torch::nn::BatchNorm1d(out));
  const int mid = std::max(1, out / red);
  se1 = register_module("se1", torch::nn::Linear(out, mid));
  se2 = register_module("se2", torch::nn::Linear(mid, out));
}

torch::Tensor MultiScaleBlockImpl::forward(torch::Tensor x) {
  x = torch::relu(bn(torch::cat({b3(x), b7(x), b15(x)}, 1)));
  // Squeeze-excitation: channel weights from the mean over time.
  auto w = torch::sigmoid(se2(torch::relu(se1(x.mean(2)))));
  x = x * w.unsqueeze(2);
  if (pool_ > 1) x = torch::max_pool1d(x, pool_, pool_);
  return x;
}

TemporalBlockImpl::TemporalBlockImpl(int ch, int d, double dropout) {
  conv = register_module(
      "conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(ch, ch, 3).padding(d).dilation(d)));
  bn = register_module("bn", torch::nn::BatchNorm1d(ch));
  drop = register_module("drop", torch::nn::Dropout(dropout));
}

torch::Tensor TemporalBlockImpl::forward(torch::Tensor x) {
  return x + drop(torch::relu(bn(conv(x))));
}

RRNetImpl::RRNetImpl(const RRNetConfig& c) : config_(c) {
  blocks = register_module("blocks", torch::nn::ModuleList());
  int in = c.in_channels;
  for (size_t i = 0; i < c.widths.size(); ++i) {
    blocks->push_back(MultiScaleBlock(in, c.widths[i], c.pools[i], c.se_reduction));
    in = c.widths[i];
  }
  temporal = register_module("temporal", torch::nn::ModuleList());
  for (int d : c.dilations) temporal->push_back(TemporalBlock(in, d, c.dropout));
  if (c.gru_hidden > 0) {
    gru = register_module(
        "gru", torch::nn::GRU(torch::nn::GRUOptions(in, c.gru_hidden).bidirectional(true)));
    gru_drop = register_module("gru_drop", torch::nn::Dropout(c.dropout));
    in = 2 * c.gru_hidden;
  }
  head = register_module("head", torch::nn::Conv1d(torch::nn::Conv1dOptions(in, 1, 1)));
}

int RRNetImpl::samples_per_minute() const {
  return config_.samples_per_minute();
}

torch::Tensor RRNetImpl::forward(torch::Tensor x) {
  for (auto& m : *blocks) x = m->as<MultiScaleBlock>()->forward(x);
  for (auto& m : *temporal) x = m->as<TemporalBlock>()->forward(x);
  if (config_.gru_hidden > 0) {
    // [batch, ch, minutes] -> GRU over minutes (sequence-first layout) -> [batch, 2h, minutes]
    auto seq = std::get<0>(gru->forward(x.permute({2, 0, 1}).contiguous()));
    x = gru_drop(seq.permute({1, 2, 0}));
  }
  return head(x).squeeze(1);
}

int64_t parameter_count(torch::nn::Module& m) {
  int64_t n = 0;
  for (const auto& p : m.parameters()) n += p.numel();
  return n;
}

std::map<std::string, StTensor> module_tensors(torch::nn::Module& m) {
  std::map<std::string, StTensor> out;
  auto add = [&](const std::string& name, const torch::Tensor& t) {
    if (!t.is_floating_point()) return;
    auto c = t.detach().to(torch::kCPU, torch::kFloat32).contiguous();
    out[name] = StTensor::from_f32(c.sizes().vec(), c.data_ptr<float>());
  };
  for (const auto& kv : m.named_parameters()) add(kv.key(), kv.value());
  for (const auto& kv : m.named_buffers()) add(kv.key(), kv.value());
  return out;
}

void load_module_tensors(torch::nn::Module& m, const std::map<std::string, StTensor>& tensors,
                         const std::string& file, const std::string& prefix) {
  torch::NoGradGuard ng;
  auto load = [&](const std::string& name, torch::Tensor& t) {
    if (!t.is_floating_point()) return;
    auto it = tensors.find(prefix + name);
    if (it == tensors.end()) throw ModelError(file, "missing tensor '" + prefix + name + "'");
    const StTensor& s = it->second;
    if (s.shape != t.sizes().vec()) {
      throw ModelError(
          file, fmt::format("tensor '{}' has shape [{}], the network needs [{}]", prefix + name,
                            fmt::join(s.shape, ","), fmt::join(t.sizes().vec(), ",")));
    }
    const std::vector<float> v = s.as_f32(file, prefix + name);
    t.copy_(torch::from_blob(const_cast<float*>(v.data()), t.sizes(), torch::kFloat32));
  };
  for (auto& kv : m.named_parameters()) load(kv.key(), kv.value());
  for (auto& kv : m.named_buffers()) load(kv.key(), kv.value());
}

std::vector<float> night_logits(RRNet net, const features::NightFeatures& f, int channels) {
  if (f.n_minutes == 0) return {};
  const ScoringThreads threads;
  c10::InferenceMode guard;
  auto x = torch::from_blob(const_cast<float*>(f.values.data()),
                            {1, channels, static_cast<int64_t>(f.n_samples)}, torch::kFloat32);
  auto y = net->forward(x).contiguous();
  std::vector<float> out(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
  out.resize(f.n_minutes, 0.f);
  return out;
}

}  // namespace somna::train
