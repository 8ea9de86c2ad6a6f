// Seed raw-ECG network training (see seed_trainer.hpp).

#include "train/seed_trainer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "common/error.hpp"
#include "common/progress_bar.hpp"
#include "features/seed_window.hpp"
#include "model/safetensors.hpp"
#include "train/rr_module.hpp"
#include "train/seed_module.hpp"
#include "train/threads.hpp"

namespace somna::train {

namespace {

struct WindowRef {
  uint32_t night, minute;
};

// x [B,1,W], y [B], w [B] from the windows refs[first, first+B).
Batch make_batch(const std::vector<SeedNight>& data, const std::vector<WindowRef>& refs,
                 size_t first, int64_t b, const SeedTrainOptions& o, double pos_weight,
                 std::mt19937_64& rng) {
  const features::SeedInputSpec& in = o.input;
  const int64_t W = in.window_samples();
  const int64_t spm = int64_t(std::llround(60.0 * in.fs));
  Batch out({b, 1, W}, {b});
  float *xp = out.xp, *yp = out.yp, *wp = out.wp;
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<float> g(0, 1);
  for (int64_t k = 0; k < b; ++k) {
    const WindowRef r = refs[first + size_t(k)];
    const SeedNight& n = data[r.night];
    float* dst = xp + k * W;
    const long shift = o.augment ? long(std::lround((u(rng) - 0.5) * 4.0 * in.fs)) : 0;
    const int64_t start = (int64_t(r.minute) - in.context_minutes) * spm + shift;
    for (int64_t i = 0; i < W; ++i) {
      const int64_t j = start + i;
      dst[i] = j >= 0 && j < int64_t(n.ecg.size()) ? n.ecg[size_t(j)] : NAN;
    }
    if (o.augment) {
      const float scale = float(std::exp((u(rng) - 0.5) * 0.6)) * (u(rng) < 0.3 ? -1.f : 1.f);
      const float noise = float(0.05 * u(rng));
      const double wa = 0.3 * u(rng), wp = 2 + 8 * u(rng), wph = 6.283 * u(rng);
      for (int64_t i = 0; i < W; ++i) {
        const double t = double(i) / in.fs;
        dst[i] = dst[i] * scale + noise * g(rng) + float(wa * std::sin(6.283 * t / wp + wph));
      }
    }
    features::normalise_window(dst, size_t(W), in.clip_iqr);
    const uint8_t l = n.labels[r.minute];
    yp[k] = l == kUnlabelled ? 0.f : float(l);
    wp[k] = l == kUnlabelled ? 0.f : l ? float(pos_weight) : 1.f;
  }
  return out;
}

SeedOutput forward(SeedNet& net, const torch::Tensor& x, bool bf16) {
  if (!bf16) return net->forward(x);
  SeedOutput o;
  {
    const Bf16Autocast autocast(true);
    o = net->forward(x);
  }
  o.logit = o.logit.to(torch::kFloat32);
  o.confidence = o.confidence.to(torch::kFloat32);
  return o;
}

torch::Tensor loss_of(const SeedOutput& o, const torch::Tensor& y, const torch::Tensor& w,
                      double conf_weight) {
  auto l = torch::binary_cross_entropy_with_logits(o.logit, y, w, {}, at::Reduction::None);
  auto loss = l.sum() / w.sum().clamp_min(1e-6);
  if (conf_weight > 0) {
    const auto right = ((o.logit.detach() > 0).to(torch::kFloat32) == y).to(torch::kFloat32);
    loss =
        loss + conf_weight * torch::binary_cross_entropy(o.confidence.clamp(1e-6, 1 - 1e-6), right);
  }
  return loss;
}

// Every labelled minute of the records idx, as a window reference.
std::vector<WindowRef> labelled_windows(const std::vector<SeedNight>& data,
                                        const std::vector<size_t>& idx) {
  std::vector<WindowRef> windows;
  for (size_t i : idx) {
    for (size_t m = 0; m < data[i].labels.size(); ++m) {
      if (data[i].labels[m] != kUnlabelled) windows.push_back({uint32_t(i), uint32_t(m)});
    }
  }
  if (windows.empty()) throw DatasetError({}, "training records have no labelled minute");
  return windows;
}

// Negatives / positives among the windows (1 without class weighting or positives).
double positive_weight(const std::vector<SeedNight>& data, const std::vector<WindowRef>& windows,
                       bool class_weight) {
  size_t n_pos = 0;
  for (const WindowRef& r : windows) n_pos += data[r.night].labels[r.minute] == 1;
  const size_t n_neg = windows.size() - n_pos;
  return class_weight && n_pos > 0 ? double(n_neg) / double(n_pos) : 1.0;
}

}  // namespace

int seed_trainable_stages(int epoch, int every, int n_stages) {
  if (every <= 0) return -1;
  const int k = (epoch - 1) / every;
  return k > n_stages ? -1 : k;  // n_stages + 1 (and beyond): the lead projection too
}

eval::RecordPredictions predict_seed_night(SeedNet& net, const SeedNight& n,
                                           const features::SeedInputSpec& spec) {
  const SeedTorchScores s = seed_scores(net, n.ecg.data(), n.ecg.size(), n.labels.size(), spec);
  return labelled_predictions(n.name, n.ref_ahi, n.labels, s.logit);
}

void pretrain_seed_backbone(SeedNet& net, const std::vector<SeedNight>& data,
                            const std::vector<size_t>& idx, const SeedTrainOptions& o) {
  std::vector<WindowRef> windows;
  for (size_t i : idx) {
    if (data[i].r_time_s.size() < 2) continue;
    for (size_t m = 0; m < data[i].labels.size(); ++m)
      windows.push_back({uint32_t(i), uint32_t(m)});
  }
  if (windows.empty()) {
    throw DatasetError({},
                       "backbone pretraining needs beat times (simulated nights or beat "
                       "annotations); the training records have none");
  }
  const int ds = o.net.downsampling();
  const double fs = o.input.fs;
  // A linear read-out of the local heart rate from the backbone's last stage.
  torch::manual_seed(o.seed * 31ULL + 5);
  torch::nn::Linear readout(o.net.dims.back(), 1);
  std::vector<torch::Tensor> params = net->backbone()->parameters();
  for (auto& p : readout->parameters()) params.push_back(p);
  torch::optim::AdamW opt(params, torch::optim::AdamWOptions(o.pretrain_lr).weight_decay(0.01));
  net->set_trainable_stages(-1);
  net->train();
  // Short crops (kCrop s, kCropsPerMinute per minute and epoch): many cheap steps with a dense
  // target at every backbone step.
  constexpr double kCrop = 10;
  constexpr int kCropsPerMinute = 6;
  const int64_t P = std::max<int64_t>(ds, int64_t(std::llround(kCrop * fs)) / ds * ds);
  const int64_t spm = int64_t(std::llround(60.0 * fs));
  size_t per_epoch = windows.size() * kCropsPerMinute;
  if (o.windows_per_epoch > 0) per_epoch = std::min(per_epoch, size_t(o.windows_per_epoch) * 6);
  const int steps = int((per_epoch + size_t(o.batch) - 1) / size_t(o.batch));
  const int total = steps * o.pretrain_epochs;
  for (int epoch = 1; epoch <= o.pretrain_epochs; ++epoch) {
    std::mt19937_64 rng(o.seed * 2000003ULL + uint64_t(epoch));
    std::uniform_real_distribution<double> u(0, 1);
    std::normal_distribution<float> gauss(0, 1);
    std::vector<WindowRef> order;
    order.reserve(per_epoch);
    for (int c = 0; c < kCropsPerMinute; ++c)
      order.insert(order.end(), windows.begin(), windows.end());
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(per_epoch);
    double loss_sum = 0;
    ProgressBar bar(o.progress,
                    fmt::format("{}pretrain epoch {:>3}/{}", o.label.empty() ? "" : o.label + " ",
                                epoch, o.pretrain_epochs));
    for (int s = 0; s < steps; ++s) {
      set_lr(opt, scheduled_lr(o.pretrain_lr, (epoch - 1) * steps + s, total, 0));
      const size_t first = size_t(s) * size_t(o.batch);
      const int64_t b = int64_t(std::min(size_t(o.batch), per_epoch - first));
      auto x = torch::empty({b, 1, P});
      float* xp = x.data_ptr<float>();
      std::vector<int64_t> starts;
      for (int64_t k = 0; k < b; ++k) {
        const WindowRef r = order[first + size_t(k)];
        const auto& ecg = data[r.night].ecg;
        const int64_t start = int64_t(r.minute) * spm + int64_t(u(rng) * double(spm - P));
        starts.push_back(start);
        const float scale = float(std::exp((u(rng) - 0.5) * 0.6)) * (u(rng) < 0.3 ? -1.f : 1.f);
        const float noise = o.augment ? float(0.05 * u(rng)) : 0.f;
        float* dst = xp + k * P;
        for (int64_t i = 0; i < P; ++i) {
          const int64_t j = start + i;
          dst[i] =
              j >= 0 && j < int64_t(ecg.size()) ? ecg[size_t(j)] * scale + noise * gauss(rng) : NAN;
        }
        features::normalise_window(dst, size_t(P), o.input.clip_iqr);
      }
      const auto f = net->backbone()->forward(x).transpose(1, 2);  // [B, T', C]
      const int64_t T = f.size(1);
      auto target = torch::zeros({b, T});
      auto mask = torch::zeros({b, T});
      float* tp = target.data_ptr<float>();
      float* mp = mask.data_ptr<float>();
      for (int64_t k = 0; k < b; ++k) {
        const auto& r = data[order[first + size_t(k)].night].r_time_s;
        for (int64_t i = 0; i < T; ++i) {
          const double t = (double(starts[size_t(k)]) + (double(i) + 0.5) * ds) / fs;
          auto it = std::upper_bound(r.begin(), r.end(), t);
          if (it == r.begin() || it == r.end()) continue;
          const double hr = std::clamp(60.0 / (*it - *(it - 1)), 30.0, 180.0);
          tp[k * T + i] = float((hr - 70.0) / 15.0);
          mp[k * T + i] = 1.f;
        }
      }
      opt.zero_grad();
      const auto pred = readout(f).squeeze(-1);
      auto loss = ((pred - target).pow(2) * mask).sum() / mask.sum().clamp_min(1.0);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(params, 2.0);
      opt.step();
      loss_sum += loss.item<double>();
      bar.set(double(s + 1) / steps, fmt::format("loss {:.4f}", loss_sum / (s + 1)));
    }
  }
}

void save_seed_backbone(const std::string& path, SeedNet& net,
                        const features::SeedInputSpec& spec) {
  model::StFile f;
  for (auto& [k, v] : module_tensors(*net)) {
    if (k.rfind("backbone.", 0) == 0) f.tensors[k] = v;
  }
  f.metadata["somna.format"] = "somna-model/1";
  f.metadata["somna.family"] = "seed-ecg-backbone";
  f.metadata["somna.architecture"] = net->config().to_json();
  f.metadata["somna.input"] = spec.to_json();
  model::write_safetensors(path, f);
}

void check_seed_bf16(const model::SeedNetConfig& cfg, const features::SeedInputSpec& in) {
  try {
    torch::manual_seed(0);
    SeedNet net(cfg);
    net->train();
    auto x = torch::randn({2, 1, in.window_samples()});
    const auto o = forward(net, x, true);
    (o.logit.sum() + o.confidence.sum()).backward();
    if (!torch::isfinite(o.logit).all().item<bool>()) throw std::runtime_error("non-finite output");
  } catch (const std::exception& e) {
    // c10::Error's what() carries a C++ backtrace: keep the first line only.
    const auto* c10e = dynamic_cast<const c10::Error*>(&e);
    std::string why = c10e ? c10e->what_without_backtrace() : e.what();
    why = why.substr(0, why.find('\n'));
    throw Error({},
                "--bf16: bfloat16 autocast on CPU does not work for the seed network with "
                "this LibTorch (" TORCH_VERSION "): " +
                    why + "; train without --bf16");
  }
}

SeedTrainOptions::SeedTrainOptions() {
  epochs = 12, batch = 32, lr = 1e-3, weight_decay = 0.05, patience = 4;
}

SeedTrainResult train_seed(const std::vector<SeedNight>& data, const std::vector<size_t>& tr,
                           const std::vector<size_t>& va, const SeedTrainOptions& o) {
  if (tr.empty()) throw DatasetError({}, "no training records");
  const TorchThreads threads(o.threads);  // put back on return
  if (o.input.window_samples() < o.net.downsampling()) {
    throw DatasetError({}, "the input window is shorter than the backbone's downsampling");
  }
  if (o.bf16) check_seed_bf16(o.net, o.input);
  const std::vector<WindowRef> windows = labelled_windows(data, tr);
  const double pos_weight = positive_weight(data, windows, o.class_weight);
  const size_t per_epoch = o.windows_per_epoch > 0
                               ? std::min(windows.size(), size_t(o.windows_per_epoch))
                               : windows.size();
  torch::manual_seed(o.seed);
  SeedTrainResult res;
  res.net = SeedNet(o.net);
  if (!o.pretrained.empty()) {
    load_pretrained_backbone(res.net, model::read_safetensors(o.pretrained), o.pretrained);
  }
  if (o.pretrain_epochs > 0 && o.pretrained.empty() && !can_resume(o)) {
    pretrain_seed_backbone(res.net, data, tr, o);
  }
  torch::optim::AdamW opt(res.net->parameters(),
                          torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  std::vector<WindowRef> order;
  EpochHooks hooks;
  hooks.begin_epoch = [&](int epoch, std::mt19937_64& rng) {
    res.net->set_trainable_stages(
        seed_trainable_stages(epoch, o.unfreeze_every, res.net->n_stages()));
    order = windows;
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(per_epoch);
  };
  hooks.loss = [&](int s, std::mt19937_64& rng) {
    const size_t first = size_t(s) * size_t(o.batch);
    const int64_t b = int64_t(std::min(size_t(o.batch), per_epoch - first));
    const Batch bt = make_batch(data, order, first, b, o, pos_weight, rng);
    return loss_of(forward(res.net, bt.x, o.bf16), bt.y, bt.w, o.confidence_weight);
  };
  hooks.after_backward = [&] {
    // Frozen tensors: no gradient at all, so AdamW neither decays nor moves them.
    for (auto& p : res.net->parameters()) {
      if (!p.requires_grad() && p.grad().defined()) p.mutable_grad() = torch::Tensor();
    }
  };
  hooks.validate = [&] {
    std::vector<eval::RecordPredictions> r;
    for (size_t i : va) r.push_back(predict_seed_night(res.net, data[i], o.input));
    return r;
  };
  LoopPlan plan;
  plan.steps = int((per_epoch + size_t(o.batch) - 1) / size_t(o.batch));
  plan.warmup = o.warmup, plan.clip_norm = 2.0, plan.minutes_per_epoch = per_epoch;
  plan.has_validation = !va.empty();
  const LoopResult lr = run_epochs(*res.net, opt, o, plan, hooks);
  res.net->set_trainable_stages(-1);
  res.curve = lr.curve;
  res.best_epoch = lr.best_epoch;
  res.windows_per_second = lr.train_seconds > 0 ? double(lr.trained_minutes) / lr.train_seconds : 0;
  return res;
}

}  // namespace somna::train
