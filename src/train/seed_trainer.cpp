// Seed raw-ECG network training (see seed_trainer.hpp).

#include "train/seed_trainer.hpp"

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
#include "features/seed_window.hpp"
#include "model/safetensors.hpp"
#include "train/rr_module.hpp"
#include "train/seed_module.hpp"
#include "train/threads.hpp"

namespace somna::train {

namespace {

using Clock = std::chrono::steady_clock;

struct WindowRef {
  uint32_t night, minute;
};

// Fills x [B,1,W], y [B], w [B] from the windows refs[first, first+B); starts (optional): the
// first sample of each window in its night.
void make_batch(const std::vector<SeedNight>& data, const std::vector<WindowRef>& refs,
                size_t first, int64_t b, const SeedTrainOptions& o, double pos_weight,
                std::mt19937_64& rng, torch::Tensor& x, torch::Tensor& y, torch::Tensor& w,
                std::vector<int64_t>* starts = nullptr) {
  const features::SeedInputSpec& in = o.input;
  const int64_t W = in.window_samples();
  const int64_t spm = int64_t(std::llround(60.0 * in.fs));
  x = torch::empty({b, 1, W});
  y = torch::empty({b});
  w = torch::empty({b});
  float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  float* wp = w.data_ptr<float>();
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<float> g(0, 1);
  for (int64_t k = 0; k < b; ++k) {
    const WindowRef r = refs[first + size_t(k)];
    const SeedNight& n = data[r.night];
    float* dst = xp + k * W;
    const long shift = o.augment ? long(std::lround((u(rng) - 0.5) * 4.0 * in.fs)) : 0;
    const int64_t start = (int64_t(r.minute) - in.context_minutes) * spm + shift;
    if (starts) starts->push_back(start);
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

SeedOutput forward(SeedNet& net, const torch::Tensor& x, bool bf16) {
  if (!bf16) return net->forward(x);
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  SeedOutput o;
  try {
    o = net->forward(x);
  } catch (...) {
    at::autocast::set_cpu_enabled(false);
    at::autocast::clear_cache();
    throw;
  }
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
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

void progress_bar(const std::string& label, int epoch, int epochs, int step, int steps,
                  double loss) {
  const int w = 24, done = steps ? step * w / steps : w;
  std::cerr << fmt::format("\r{}epoch {:>3}/{} [{}{}] loss {:.4f}   ",
                           label.empty() ? "" : label + " ", epoch, epochs,
                           std::string(size_t(done), '#'), std::string(size_t(w - done), ' '), loss)
            << std::flush;
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
  eval::RecordPredictions r;
  r.record = n.name;
  r.ref_ahi = n.ref_ahi;
  for (size_t m = 0; m < n.labels.size() && m < s.logit.size(); ++m) {
    if (n.labels[m] == kUnlabelled) continue;
    r.p.push_back(1.f / (1.f + std::exp(-s.logit[m])));
    r.label.push_back(n.labels[m]);
  }
  return r;
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
    for (int s = 0; s < steps; ++s) {
      const int g = (epoch - 1) * steps + s;
      set_lr(opt, o.pretrain_lr * 0.5 * (1 + std::cos(M_PI * double(g) / double(total))));
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
      if (o.progress) {
        progress_bar(o.label.empty() ? "pretrain" : o.label + " pretrain", epoch, o.pretrain_epochs,
                     s + 1, steps, loss_sum / (s + 1));
      }
    }
    if (o.progress) std::cerr << "\n";
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

SeedTrainResult train_seed(const std::vector<SeedNight>& data, const std::vector<size_t>& tr,
                           const std::vector<size_t>& va, const SeedTrainOptions& o) {
  if (tr.empty()) throw DatasetError({}, "no training records");
  const TorchThreads threads(o.threads);  // put back on return
  if (o.input.window_samples() < o.net.downsampling()) {
    throw DatasetError({}, "the input window is shorter than the backbone's downsampling");
  }
  if (o.bf16) check_seed_bf16(o.net, o.input);
  std::vector<WindowRef> windows;
  size_t n_pos = 0, n_neg = 0;
  for (size_t i : tr) {
    for (size_t m = 0; m < data[i].labels.size(); ++m) {
      const uint8_t l = data[i].labels[m];
      if (l == kUnlabelled) continue;
      l ? ++n_pos : ++n_neg;
      windows.push_back({uint32_t(i), uint32_t(m)});
    }
  }
  if (windows.empty()) throw DatasetError({}, "training records have no labelled minute");
  const double pos_weight = o.class_weight && n_pos > 0 ? double(n_neg) / double(n_pos) : 1.0;
  const size_t per_epoch = o.windows_per_epoch > 0
                               ? std::min(windows.size(), size_t(o.windows_per_epoch))
                               : windows.size();
  const int steps = int((per_epoch + size_t(o.batch) - 1) / size_t(o.batch));

  torch::manual_seed(o.seed);
  SeedTrainResult res;
  res.net = SeedNet(o.net);
  if (!o.pretrained.empty()) {
    load_pretrained_backbone(res.net, model::read_safetensors(o.pretrained), o.pretrained);
  }
  const bool resuming =
      o.resume && !o.checkpoint.empty() && std::filesystem::exists(o.checkpoint + ".json");
  if (o.pretrain_epochs > 0 && o.pretrained.empty() && !resuming) {
    pretrain_seed_backbone(res.net, data, tr, o);
  }
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
        s.train_minutes = e.value("train_minutes", size_t(0));
        res.curve.push_back(s);
      }
      torch::load(res.net, ck_net);
      torch::load(opt, ck_opt);
      if (res.best_epoch > 0) {  // else no validation AUC was defined yet: nothing saved as best
        SeedNet b(o.net);
        torch::load(b, ck_best);
        best = snapshot(*b);
      }
    } catch (const std::exception& e) {
      throw DatasetError(ck_state, std::string("cannot resume from this checkpoint: ") + e.what());
    }
  }
  const int total_steps = o.epochs * steps;
  const int warm = std::max(1, int(o.warmup * total_steps));
  int since_best = 0;
  for (const auto& s : res.curve) since_best = s.epoch - res.best_epoch;
  double train_seconds = 0;
  size_t trained = 0;
  for (int epoch = first_epoch; epoch <= o.epochs; ++epoch) {
    if (o.patience > 0 && !va.empty() && since_best >= o.patience) break;
    if (o.stop_after > 0 && epoch > o.stop_after) break;
    const auto t0 = Clock::now();
    std::mt19937_64 rng(o.seed * 1000003ULL + uint64_t(epoch));
    torch::manual_seed(o.seed * 7919ULL + uint64_t(epoch));
    res.net->set_trainable_stages(
        seed_trainable_stages(epoch, o.unfreeze_every, res.net->n_stages()));
    std::vector<WindowRef> order = windows;
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(per_epoch);
    res.net->train();
    double loss_sum = 0;
    EpochStats st;
    st.epoch = epoch;
    st.train_minutes = per_epoch;
    for (int s = 0; s < steps; ++s) {
      const int gstep = (epoch - 1) * steps + s;
      const double lr = gstep < warm ? o.lr * double(gstep + 1) / double(warm)
                                     : o.lr * 0.5 *
                                           (1 + std::cos(M_PI * double(gstep - warm) /
                                                         double(std::max(1, total_steps - warm))));
      set_lr(opt, lr);
      st.lr = lr;
      const size_t first = size_t(s) * size_t(o.batch);
      const int64_t b = int64_t(std::min(size_t(o.batch), per_epoch - first));
      torch::Tensor x, y, w;
      make_batch(data, order, first, b, o, pos_weight, rng, x, y, w);
      opt.zero_grad();
      const SeedOutput out = forward(res.net, x, o.bf16);
      auto loss = loss_of(out, y, w, o.confidence_weight);
      loss.backward();
      // Frozen tensors: no gradient at all, so AdamW neither decays nor moves them.
      for (auto& p : res.net->parameters()) {
        if (!p.requires_grad() && p.grad().defined()) p.mutable_grad() = torch::Tensor();
      }
      torch::nn::utils::clip_grad_norm_(res.net->parameters(), 2.0);
      opt.step();
      loss_sum += loss.item<double>();
      if (o.progress) progress_bar(o.label, epoch, o.epochs, s + 1, steps, loss_sum / (s + 1));
    }
    st.train_loss = loss_sum / steps;
    train_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    trained += per_epoch;
    res.net->eval();
    if (!va.empty()) {
      std::vector<float> p;
      std::vector<uint8_t> yv;
      for (size_t i : va) {
        auto r = predict_seed_night(res.net, data[i], o.input);
        p.insert(p.end(), r.p.begin(), r.p.end());
        yv.insert(yv.end(), r.label.begin(), r.label.end());
      }
      double vl = 0;
      for (size_t i = 0; i < p.size(); ++i) {
        const double q = std::clamp(double(p[i]), 1e-7, 1 - 1e-7);
        vl -= yv[i] ? std::log(q) : std::log(1 - q);
      }
      st.val_loss = p.empty() ? 0 : vl / double(p.size());
      st.val_accuracy = eval::confusion(p, yv, 0.5).accuracy();
      st.val_auc = eval::roc_auc(p, yv);
    }
    st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    res.curve.push_back(st);
    const double score = va.empty() ? double(epoch) : st.val_auc;
    if (std::isfinite(score) && score > best_auc) {
      best_auc = score, res.best_epoch = epoch, best = snapshot(*res.net), since_best = 0;
    } else {
      ++since_best;
    }
    if (o.progress) {
      std::cerr << fmt::format(
          "\r{}epoch {:>3}/{} loss {:.4f} val loss {:.4f} acc {:.3f} auc {:.3f} "
          "lr {:.2e} {:.1f}s ({:.1f} min/s)\n",
          o.label.empty() ? "" : o.label + " ", epoch, o.epochs, st.train_loss, st.val_loss,
          st.val_accuracy, st.val_auc, st.lr, st.seconds,
          double(per_epoch) / std::max(1e-9, st.seconds));
    }
    if (!o.checkpoint.empty()) {
      torch::save(res.net, ck_net);
      torch::save(opt, ck_opt);
      if (!best.empty()) {
        SeedNet b(o.net);
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
             {"seconds", s.seconds},
             {"train_minutes", s.train_minutes}});
      }
      std::ofstream(ck_state) << j.dump(1);
    }
  }
  if (!best.empty()) restore(*res.net, best);
  res.net->set_trainable_stages(-1);
  res.net->eval();
  res.windows_per_second = train_seconds > 0 ? double(trained) / train_seconds : 0;
  return res;
}

SeedCvResult cross_validate_seed(const std::vector<SeedNight>& data, int k,
                                 const SeedTrainOptions& o) {
  SeedCvResult cv;
  cv.folds = seed_folds(data, k, o.seed);
  cv.predictions.resize(data.size());
  for (size_t f = 0; f < cv.folds.size(); ++f) {
    std::vector<size_t> tr;
    for (size_t i = 0; i < data.size(); ++i) {
      if (std::find(cv.folds[f].begin(), cv.folds[f].end(), i) == cv.folds[f].end())
        tr.push_back(i);
    }
    SeedTrainOptions fo = o;
    fo.label = fmt::format("fold {}/{}", f + 1, k);
    fo.seed = o.seed + f;
    if (!o.checkpoint.empty()) fo.checkpoint = fmt::format("{}.fold{}", o.checkpoint, f + 1);
    SeedTrainResult r = train_seed(data, tr, cv.folds[f], fo);
    cv.best_epochs.push_back(r.best_epoch);
    cv.curves.push_back(r.curve);
    for (size_t i : cv.folds[f]) cv.predictions[i] = predict_seed_night(r.net, data[i], o.input);
  }
  return cv;
}

}  // namespace somna::train
