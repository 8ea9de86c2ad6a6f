// Layers from a model file's tensors (weights.hpp).

#include "model/weights.hpp"

#include <fmt/format.h>

#include "common/error.hpp"
#include "nn/gemm.hpp"

namespace somna::model {

std::vector<float> Weights::take(const std::string& short_name,
                                 const std::vector<int64_t>& shape) const {
  const std::string name = prefix_ + short_name;
  const auto it = file_.tensors.find(name);
  if (it == file_.tensors.end()) throw ModelError(path_, "missing tensor '" + name + "'");
  if (it->second.shape != shape) {
    throw ModelError(path_, fmt::format("tensor '{}' has shape [{}], the network needs [{}]", name,
                                        fmt::join(it->second.shape, ","), fmt::join(shape, ",")));
  }
  return it->second.as_f32(path_, name);
}

nn::Conv1d Weights::conv1d(const std::string& name, nn::Conv1d c, bool bias) const {
  c.weight = take(name + ".weight", {c.out, c.in / c.groups, c.kernel});
  if (bias) c.bias = take(name + ".bias", {c.out});
  return c;
}

nn::Linear Weights::linear(const std::string& name, int in, int out, bool bias) const {
  nn::Linear l;
  l.in = in, l.out = out;
  l.weight = take(name + ".weight", {out, in});
  if (bias) l.bias = take(name + ".bias", {out});
  l.packed = nn::pack_rows(l.weight.data(), out, in);
  return l;
}

nn::LayerNorm Weights::layer_norm(const std::string& name, int dim) const {
  nn::LayerNorm n;
  n.dim = dim;
  n.gamma = take(name + ".weight", {dim});
  n.beta = take(name + ".bias", {dim});
  return n;
}

nn::BatchNorm Weights::batch_norm(const std::string& name, int channels) const {
  nn::BatchNorm b;
  b.gamma = take(name + ".weight", {channels});
  b.beta = take(name + ".bias", {channels});
  b.mean = take(name + ".running_mean", {channels});
  b.var = take(name + ".running_var", {channels});
  return b;
}

nn::Recurrent Weights::recurrent(const std::string& name, nn::Recurrent::Cell cell, int in,
                                 int hidden, int layer, bool bidirectional) const {
  nn::Recurrent r;
  r.cell = cell, r.in = in, r.hidden = hidden, r.bidirectional = bidirectional;
  const int gh = r.gates() * hidden;
  auto direction = [&](const std::string& suffix) {
    nn::Recurrent::Direction d;
    const std::string l = "_l" + std::to_string(layer) + suffix;
    d.w_ih = take(name + ".weight_ih" + l, {gh, in});
    d.w_hh = take(name + ".weight_hh" + l, {gh, hidden});
    d.b_ih = take(name + ".bias_ih" + l, {gh});
    d.b_hh = take(name + ".bias_hh" + l, {gh});
    d.w_hh_packed = nn::pack_rows(d.w_hh.data(), gh, hidden);
    return d;
  };
  r.forward_dir = direction("");
  if (bidirectional) r.reverse_dir = direction("_reverse");
  return r;
}

}  // namespace somna::model
