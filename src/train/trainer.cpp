// RR network training (see trainer.hpp).

#include "train/trainer.hpp"

#include <ATen/autocast_mode.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/error.hpp"
#include "train/threads.hpp"

namespace somna::train {

namespace {

using Clock = std::chrono::steady_clock;

struct Batch {
  torch::Tensor x, y, w;
};

Batch make_batch(const std::vector<LabelledNight>& data, const std::vector<size_t>& idx, int crop,
                 int batch, int channels, bool augment, double pos_weight, double smooth,
                 std::mt19937_64& rng) {
  const int64_t spm = int64_t(data[idx[0]].features.n_samples / data[idx[0]].features.n_minutes);
  auto x = torch::zeros({batch, channels, crop * spm});
  auto y = torch::zeros({batch, crop});
  auto w = torch::zeros({batch, crop});
  float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  float* wp = w.data_ptr<float>();
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
        } else if (c >= 2 && augment) {
          v *= scale;  // rr_detr, rr_var: derived from rr_z, scale with it
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
  return {x, y, w};
}

void set_lr(torch::optim::AdamW& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

std::map<std::string, torch::Tensor> snapshot(torch::nn::Module& m) {
  std::map<std::string, torch::Tensor> s;
  for (const auto& kv : m.named_parameters()) s[kv.key()] = kv.value().detach().clone();
  for (const auto& kv : m.named_buffers()) s[kv.key()] = kv.value().detach().clone();
  return s;
}
void restore(torch::nn::Module& m, const std::map<std::string, torch::Tensor>& s) {
  torch::NoGradGuard ng;
  for (auto& kv : m.named_parameters()) kv.value().copy_(s.at(kv.key()));
  for (auto& kv : m.named_buffers()) kv.value().copy_(s.at(kv.key()));
}

void progress_bar(const std::string& label, int epoch, int epochs, int step, int steps,
                  double loss) {
  const int w = 24, done = steps ? step * w / steps : w;
  std::cerr << fmt::format("\r{}epoch {:>3}/{} [{}{}] loss {:.4f}   ",
                           label.empty() ? "" : label + " ", epoch, epochs,
                           std::string(size_t(done), '#'), std::string(size_t(w - done), ' '), loss)
            << std::flush;
}

}  // namespace

eval::RecordPredictions predict_night(RRNet net, const LabelledNight& n, int channels) {
  const std::vector<float> lg = night_logits(net, n.features, channels);
  eval::RecordPredictions r;
  r.record = n.name;
  r.ref_ahi = n.ref_ahi;
  for (size_t m = 0; m < n.labels.size() && m < lg.size(); ++m) {
    if (n.labels[m] == kUnlabelled) continue;
    r.p.push_back(1.f / (1.f + std::exp(-lg[m])));
    r.label.push_back(n.labels[m]);
  }
  return r;
}

TrainResult train_rr(const std::vector<LabelledNight>& data, const std::vector<size_t>& tr,
                     const std::vector<size_t>& va, const TrainOptions& o) {
  if (tr.empty()) throw DatasetError({}, "no training records");
  const TorchThreads threads(o.threads);  // put back on return
  const int channels = o.net.in_channels;
  int crop = o.crop_minutes;
  size_t n_pos = 0, n_neg = 0, n_min = 0;
  for (size_t i : tr) {
    crop = std::min<int>(crop, int(data[i].features.n_minutes));
    for (uint8_t l : data[i].labels) l == 1 ? ++n_pos : l == 0 ? ++n_neg : 0;
    n_min += data[i].features.n_minutes;
    if (int(data[i].features.values.size() / data[i].features.n_samples) != channels) {
      throw DatasetError(data[i].name, "features have a different channel count than the network");
    }
  }
  if (crop < 1) throw DatasetError({}, "training records have no minutes");
  const double pos_weight = o.class_weight && n_pos > 0 ? double(n_neg) / double(n_pos) : 1.0;
  const int steps = o.steps_per_epoch > 0
                        ? o.steps_per_epoch
                        : std::max<int>(1, int(std::ceil(double(n_min) / double(crop * o.batch))));

  torch::manual_seed(o.seed);
  TrainResult res;
  res.net = RRNet(o.net);
  torch::optim::AdamW opt(res.net->parameters(),
                          torch::optim::AdamWOptions(o.lr).weight_decay(o.weight_decay));
  std::map<std::string, torch::Tensor> best;
  double best_auc = -1;
  int first_epoch = 1;
  const std::string ck_state = o.checkpoint + ".json", ck_net = o.checkpoint + ".net.pt",
                    ck_opt = o.checkpoint + ".opt.pt", ck_best = o.checkpoint + ".best.pt";
  if (o.resume && !o.checkpoint.empty() && std::filesystem::exists(ck_state)) {
    std::ifstream in(ck_state);
    nlohmann::json j;
    try {
      in >> j;
      first_epoch = j.at("epoch").get<int>() + 1;
      best_auc = j.at("best_auc").get<double>();
      res.best_epoch = j.at("best_epoch").get<int>();
      for (const auto& e : j.at("curve")) {
        EpochStats s;
        s.epoch = e.at("epoch"), s.lr = e.at("lr"), s.train_loss = e.at("train_loss");
        s.val_loss = e.at("val_loss"), s.val_accuracy = e.at("val_accuracy");
        s.val_auc = e.at("val_auc").is_number() ? e.at("val_auc").get<double>() : std::nan("");
        s.seconds = e.at("seconds");
        res.curve.push_back(s);
      }
    } catch (const std::exception& e) {
      throw DatasetError(ck_state, std::string("cannot resume from this checkpoint: ") + e.what());
    }
    torch::load(res.net, ck_net);
    torch::load(opt, ck_opt);
    // No best epoch yet (validation AUC undefined so far): nothing was saved as best.
    if (res.best_epoch > 0) {
      RRNet b(o.net);
      torch::load(b, ck_best);
      best = snapshot(*b);
    }
  }
  const int total_steps = o.epochs * steps;
  int since_best = 0;
  for (const auto& s : res.curve) since_best = s.epoch - res.best_epoch;
  for (int epoch = first_epoch; epoch <= o.epochs; ++epoch) {
    if (o.patience > 0 && !va.empty() && since_best >= o.patience) break;
    if (o.stop_after > 0 && epoch > o.stop_after) break;
    const auto t0 = Clock::now();
    std::mt19937_64 rng(o.seed * 1000003ULL + uint64_t(epoch));
    torch::manual_seed(o.seed * 7919ULL + uint64_t(epoch));
    res.net->train();
    double loss_sum = 0;
    EpochStats st;
    st.epoch = epoch;
    for (int s = 0; s < steps; ++s) {
      const int gstep = (epoch - 1) * steps + s;
      const double lr = o.lr * 0.5 * (1 + std::cos(M_PI * double(gstep) / double(total_steps)));
      set_lr(opt, lr);
      st.lr = lr;
      Batch b = make_batch(data, tr, crop, o.batch, channels, o.augment, pos_weight,
                           o.label_smoothing, rng);
      opt.zero_grad();
      torch::Tensor logits;
      if (o.bf16) {
        at::autocast::set_cpu_enabled(true);
        at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
        logits = res.net->forward(b.x).to(torch::kFloat32);
        at::autocast::set_cpu_enabled(false);
        at::autocast::clear_cache();
      } else {
        logits = res.net->forward(b.x);
      }
      auto l = torch::binary_cross_entropy_with_logits(logits, b.y, b.w, {}, at::Reduction::None);
      auto loss = l.sum() / b.w.sum().clamp_min(1e-6);
      loss.backward();
      torch::nn::utils::clip_grad_norm_(res.net->parameters(), 5.0);
      opt.step();
      loss_sum += loss.item<double>();
      if (o.progress) progress_bar(o.label, epoch, o.epochs, s + 1, steps, loss_sum / (s + 1));
    }
    st.train_loss = loss_sum / steps;
    res.net->eval();
    if (!va.empty()) {
      std::vector<float> p;
      std::vector<uint8_t> y;
      for (size_t i : va) {
        auto r = predict_night(res.net, data[i], channels);
        p.insert(p.end(), r.p.begin(), r.p.end());
        y.insert(y.end(), r.label.begin(), r.label.end());
      }
      double vl = 0;
      for (size_t i = 0; i < p.size(); ++i) {
        const double q = std::clamp(double(p[i]), 1e-7, 1 - 1e-7);
        vl -= y[i] ? std::log(q) : std::log(1 - q);
      }
      st.val_loss = p.empty() ? 0 : vl / double(p.size());
      st.val_accuracy = eval::confusion(p, y, 0.5).accuracy();
      st.val_auc = eval::roc_auc(p, y);
    }
    st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    res.curve.push_back(st);
    const double score = va.empty() || !o.select_best ? double(epoch) : st.val_auc;
    if (std::isfinite(score) && score > best_auc) {
      best_auc = score, res.best_epoch = epoch, best = snapshot(*res.net), since_best = 0;
    } else {
      ++since_best;
    }
    if (o.progress) {
      std::cerr << fmt::format(
          "\r{}epoch {:>3}/{} loss {:.4f} val loss {:.4f} acc {:.3f} auc {:.3f} "
          "lr {:.2e} {:.1f}s\n",
          o.label.empty() ? "" : o.label + " ", epoch, o.epochs, st.train_loss, st.val_loss,
          st.val_accuracy, st.val_auc, st.lr, st.seconds);
    }
    if (!o.checkpoint.empty()) {
      torch::save(res.net, ck_net);
      torch::save(opt, ck_opt);
      if (!best.empty()) {
        RRNet b(o.net);
        restore(*b, best);
        torch::save(b, ck_best);
      }
      nlohmann::json j;
      j["epoch"] = epoch, j["best_auc"] = best_auc, j["best_epoch"] = res.best_epoch;
      j["curve"] = nlohmann::json::array();
      for (const auto& s : res.curve) {
        j["curve"].push_back(
            {{"epoch", s.epoch},
             {"lr", s.lr},
             {"train_loss", s.train_loss},
             {"val_loss", s.val_loss},
             {"val_accuracy", s.val_accuracy},
             {"val_auc", std::isfinite(s.val_auc) ? nlohmann::json(s.val_auc) : nlohmann::json()},
             {"seconds", s.seconds}});
      }
      std::ofstream(ck_state) << j.dump(1);
    }
  }
  if (!best.empty()) restore(*res.net, best);
  res.net->eval();
  return res;
}

CvResult cross_validate(const std::vector<LabelledNight>& data, int k, const TrainOptions& o) {
  CvResult cv;
  cv.folds = record_folds(data, k, o.seed);
  cv.predictions.resize(data.size());
  for (size_t f = 0; f < cv.folds.size(); ++f) {
    std::vector<size_t> tr;
    for (size_t i = 0; i < data.size(); ++i) {
      if (std::find(cv.folds[f].begin(), cv.folds[f].end(), i) == cv.folds[f].end())
        tr.push_back(i);
    }
    TrainOptions fo = o;
    fo.label = fmt::format("fold {}/{}", f + 1, k);
    fo.seed = o.seed + f;
    if (!o.checkpoint.empty()) fo.checkpoint = fmt::format("{}.fold{}", o.checkpoint, f + 1);
    TrainResult r = train_rr(data, tr, cv.folds[f], fo);
    cv.best_epochs.push_back(r.best_epoch);
    cv.curves.push_back(r.curve);
    for (size_t i : cv.folds[f])
      cv.predictions[i] = predict_night(r.net, data[i], o.net.in_channels);
  }
  return cv;
}

std::string curves_csv(const std::vector<EpochStats>& curve, const std::string& run) {
  std::string s;
  for (const auto& e : curve) {
    s += fmt::format("{},{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.3f}\n", run, e.epoch, e.lr,
                     e.train_loss, e.val_loss, e.val_accuracy, e.val_auc, e.seconds);
  }
  return s;
}

}  // namespace somna::train
