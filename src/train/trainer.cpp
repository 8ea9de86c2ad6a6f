// RR network training (see trainer.hpp).

#include "train/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "common/error.hpp"
#include "train/threads.hpp"

namespace somna::train {

namespace {

Batch make_batch(const std::vector<LabelledNight>& data, const std::vector<size_t>& idx, int crop,
                 int batch, int channels, bool augment, double pos_weight, double smooth,
                 std::mt19937_64& rng) {
  const int64_t spm = int64_t(data[idx[0]].features.n_samples / data[idx[0]].features.n_minutes);
  Batch out({batch, channels, crop * spm}, {batch, crop});
  float *xp = out.xp, *yp = out.yp, *wp = out.wp;
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<float> g(0, 1);
  for (int b = 0; b < batch; ++b) {
    const LabelledNight& n = data[idx[size_t(u(rng) * double(idx.size())) % idx.size()]];
    const size_t nm = n.features.n_minutes;
    const size_t start = size_t(u(rng) * double(nm - size_t(crop) + 1)) % (nm - size_t(crop) + 1);
    const long shift = augment ? long(std::lround((u(rng) - 0.5) * 4.0 * double(spm) / 60.0)) : 0;
    const float scale = augment ? float(std::exp((u(rng) - 0.5) * 0.5)) : 1.f;
    const float noise = augment ? float(0.1 * u(rng)) : 0.f;
    const double wander_a = augment ? 0.4 * u(rng) : 0, wander_p = 120 + 480 * u(rng),
                 wander_ph = 6.283 * u(rng);
    const size_t ns = n.features.n_samples;
    for (int c = 0; c < channels; ++c) {
      const float* src = n.features.values.data() + size_t(c) * ns;
      float* dst = xp + (int64_t(b) * channels + c) * crop * spm;
      for (int64_t i = 0; i < crop * spm; ++i) {
        const long j = std::clamp(long(start * size_t(spm)) + long(i) + shift, 0L, long(ns) - 1);
        float v = src[j];
        if (c == 0 && augment) {
          const double t = double(i) / double(spm) * 60.0;
          v = v * scale + noise * g(rng) +
              float(wander_a * std::sin(6.283 * t / wander_p + wander_ph));
        } else if ((c == 2 || c == 3) && augment) {
          v *= scale;  // rr_detr, rr_var: derived from rr_z, scale with it
        } else if (c == 4 && augment) {
          v += std::log(scale);  // vlf_power: the log of an amplitude of rr_z
        }
        dst[i] = v;
      }
    }
    for (int m = 0; m < crop; ++m) {
      const uint8_t l = n.labels[start + size_t(m)];
      if (l == kUnlabelled) continue;
      yp[b * crop + m] = l ? float(1 - smooth / 2) : float(smooth / 2);
      wp[b * crop + m] = l ? float(pos_weight) : 1.f;
    }
  }
  return out;
}

// Crops, positive-class weight and steps per epoch of a training set.
struct RRPlan {
  int crop = 0, steps = 0;
  double pos_weight = 1;
  size_t minutes = 0;
};

RRPlan plan_rr(const std::vector<LabelledNight>& data, const std::vector<size_t>& tr,
               const TrainOptions& o) {
  RRPlan p;
  p.crop = o.crop_minutes;
  size_t n_pos = 0, n_neg = 0, n_min = 0;
  for (size_t i : tr) {
    p.crop = std::min<int>(p.crop, int(data[i].features.n_minutes));
    for (uint8_t l : data[i].labels) l == 1 ? ++n_pos : l == 0 ? ++n_neg : 0;
    n_min += data[i].features.n_minutes;
    if (int(data[i].features.values.size() / data[i].features.n_samples) != o.net.in_channels) {
      throw DatasetError(data[i].name, "features have a different channel count than the network");
    }
  }
  if (p.crop < 1) throw DatasetError({}, "training records have no minutes");
  p.pos_weight = o.class_weight && n_pos > 0 ? double(n_neg) / double(n_pos) : 1.0;
  p.steps = o.steps_per_epoch > 0
                ? o.steps_per_epoch
                : std::max<int>(1, int(std::ceil(double(n_min) / double(p.crop * o.batch))));
  p.minutes = size_t(p.steps) * size_t(o.batch) * size_t(p.crop);
  return p;
}

torch::Tensor forward(RRNet& net, const torch::Tensor& x, bool bf16) {
  if (!bf16) return net->forward(x);
  const Bf16Autocast autocast(true);
  return net->forward(x).to(torch::kFloat32);
}

}  // namespace

eval::RecordPredictions predict_night(RRNet net, const LabelledNight& n, int channels) {
  return labelled_predictions(n.name, n.ref_ahi, n.labels, night_logits(net, n.features, channels));
}

TrainResult train_rr(const std::vector<LabelledNight>& data, const std::vector<size_t>& tr,
                     const std::vector<size_t>& va, const TrainOptions& o) {
  if (tr.empty()) throw DatasetError({}, "no training records");
  const TorchThreads threads(o.threads);  // put back on return
  const RRPlan p = plan_rr(data, tr, o);
  torch::manual_seed(o.seed);
  TrainResult res;
  res.net = RRNet(o.net);
  torch::optim::AdamW opt(res.net->parameters(),
                          torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  EpochHooks hooks;
  hooks.loss = [&](int, std::mt19937_64& rng) {
    const Batch b = make_batch(data, tr, p.crop, o.batch, o.net.in_channels, o.augment,
                               p.pos_weight, o.label_smoothing, rng);
    const torch::Tensor logits = forward(res.net, b.x, o.bf16);
    auto l = torch::binary_cross_entropy_with_logits(logits, b.y, b.w, {}, at::Reduction::None);
    return l.sum() / b.w.sum().clamp_min(1e-6);
  };
  hooks.validate = [&] {
    std::vector<eval::RecordPredictions> r;
    for (size_t i : va) r.push_back(predict_night(res.net, data[i], o.net.in_channels));
    return r;
  };
  LoopPlan plan;
  plan.steps = p.steps, plan.clip_norm = 5.0, plan.minutes_per_epoch = p.minutes;
  plan.has_validation = !va.empty();
  LoopResult lr = run_epochs(*res.net, opt, o, plan, hooks);
  res.curve = std::move(lr.curve);
  res.best_epoch = lr.best_epoch;
  return res;
}

}  // namespace somna::train
