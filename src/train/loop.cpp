// The epoch loop (see loop.hpp).

#include "train/loop.hpp"

#include <ATen/autocast_mode.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/progress_bar.hpp"
#include "train/dataset.hpp"

namespace somna::train {

namespace {

using Clock = std::chrono::steady_clock;
using Snapshot = std::map<std::string, torch::Tensor>;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Snapshot snapshot(torch::nn::Module& m) {
  Snapshot s;
  for (const auto& kv : m.named_parameters()) s[kv.key()] = kv.value().detach().clone();
  for (const auto& kv : m.named_buffers()) s[kv.key()] = kv.value().detach().clone();
  return s;
}

void restore(torch::nn::Module& m, const Snapshot& s) {
  torch::NoGradGuard ng;
  for (auto& kv : m.named_parameters()) kv.value().copy_(s.at(kv.key()));
  for (auto& kv : m.named_buffers()) kv.value().copy_(s.at(kv.key()));
}

void save_module(torch::nn::Module& m, const std::string& path) {
  torch::serialize::OutputArchive a;
  m.save(a);
  a.save_to(path);
}

void load_module(torch::nn::Module& m, const std::string& path) {
  torch::serialize::InputArchive a;
  a.load_from(path);
  m.load(a);
}

nlohmann::json stats_json(const EpochStats& s) {
  return {{"epoch", s.epoch},
          {"lr", s.lr},
          {"train_loss", s.train_loss},
          {"val_loss", s.val_loss},
          {"val_accuracy", s.val_accuracy},
          {"val_auc", std::isfinite(s.val_auc) ? nlohmann::json(s.val_auc) : nlohmann::json()},
          {"seconds", s.seconds},
          {"train_minutes", s.train_minutes}};
}

EpochStats stats_from_json(const nlohmann::json& e) {
  EpochStats s;
  s.epoch = e.at("epoch"), s.lr = e.at("lr"), s.train_loss = e.at("train_loss");
  s.val_loss = e.at("val_loss"), s.val_accuracy = e.at("val_accuracy");
  s.val_auc = e.at("val_auc").is_number() ? e.at("val_auc").get<double>() : std::nan("");
  s.seconds = e.at("seconds");
  s.train_minutes = e.value("train_minutes", size_t(0));
  return s;
}

// The loop's state between epochs: what a checkpoint holds.
struct LoopState {
  LoopResult result;
  Snapshot best;
  double best_score = -1;
  int since_best = 0;
};

// The files of a checkpoint prefix.
struct CheckpointFiles {
  std::string state, net, opt, best;
  explicit CheckpointFiles(const std::string& p)
      : state(p + ".json"), net(p + ".net.pt"), opt(p + ".opt.pt"), best(p + ".best.pt") {}
};

void save_checkpoint(const CheckpointFiles& ck, torch::nn::Module& net, torch::optim::AdamW& opt,
                     const LoopState& st, int epoch) {
  save_module(net, ck.net);
  torch::save(opt, ck.opt);
  // The best epoch's weights: written when this epoch became the best (the file keeps them until
  // a better one), when the network holds exactly those weights.
  if (st.result.best_epoch == epoch) save_module(net, ck.best);
  nlohmann::json j;
  j["epoch"] = epoch, j["best_auc"] = st.best_score, j["best_epoch"] = st.result.best_epoch;
  j["curve"] = nlohmann::json::array();
  for (const auto& s : st.result.curve) j["curve"].push_back(stats_json(s));
  std::ofstream(ck.state) << j.dump(1);
}

// The state a checkpoint left; returns the first epoch still to run.
int resume_checkpoint(const CheckpointFiles& ck, torch::nn::Module& net, torch::optim::AdamW& opt,
                      LoopState& st) {
  int first_epoch = 1;
  try {
    std::ifstream in(ck.state);
    nlohmann::json j;
    in >> j;
    first_epoch = j.at("epoch").get<int>() + 1;
    st.best_score = j.at("best_auc").get<double>();
    st.result.best_epoch = j.at("best_epoch").get<int>();
    for (const auto& e : j.at("curve")) st.result.curve.push_back(stats_from_json(e));
    // No best epoch yet (validation AUC undefined so far): nothing was saved as best.
    if (st.result.best_epoch > 0) {
      load_module(net, ck.best);
      st.best = snapshot(net);
    }
    load_module(net, ck.net);
    torch::load(opt, ck.opt);
  } catch (const std::exception& e) {
    throw DatasetError(ck.state, std::string("cannot resume from this checkpoint: ") + e.what());
  }
  for (const auto& s : st.result.curve) st.since_best = s.epoch - st.result.best_epoch;
  return first_epoch;
}

// Validation loss (mean BCE of the probabilities), accuracy at 0.5 and ROC-AUC into st.
void validation_stats(const std::vector<eval::RecordPredictions>& records, EpochStats& st) {
  std::vector<float> p;
  std::vector<uint8_t> y;
  for (const auto& r : records) {
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

// The epoch's optimisation steps; returns the mean training loss.
double train_steps(torch::nn::Module& net, torch::optim::AdamW& opt, const LoopOptions& o,
                   const LoopPlan& plan, const EpochHooks& hooks, int epoch, std::mt19937_64& rng,
                   EpochStats& st, ProgressBar& bar) {
  const int total = o.epochs * plan.steps;
  const int warm = plan.warmup > 0 ? std::max(1, int(plan.warmup * total)) : 0;
  double loss_sum = 0;
  for (int s = 0; s < plan.steps; ++s) {
    st.lr = scheduled_lr(o.lr, (epoch - 1) * plan.steps + s, total, warm);
    set_lr(opt, st.lr);
    opt.zero_grad();
    torch::Tensor loss = hooks.loss(s, rng);
    loss.backward();
    if (hooks.after_backward) hooks.after_backward();
    torch::nn::utils::clip_grad_norm_(net.parameters(), plan.clip_norm);
    opt.step();
    loss_sum += loss.item<double>();
    if (o.progress)
      bar.set(double(s + 1) / plan.steps, fmt::format("loss {:.4f}", loss_sum / (s + 1)));
  }
  return loss_sum / plan.steps;
}

std::string epoch_label(const LoopOptions& o, int epoch) {
  return fmt::format("{}epoch {:>3}/{}", o.label.empty() ? "" : o.label + " ", epoch, o.epochs);
}

// The epoch's summary line (it replaces the epoch's progress bar); validation figures only
// when there are validation records.
std::string epoch_summary(const LoopOptions& o, const LoopPlan& plan, const EpochStats& st) {
  const std::string val = plan.has_validation
                              ? fmt::format(" val loss {:.4f} acc {:.3f} auc {:.3f}", st.val_loss,
                                            st.val_accuracy, st.val_auc)
                              : "";
  return fmt::format("{} loss {:.4f}{} lr {:.2e} {:.1f}s ({:.1f} min/s)", epoch_label(o, st.epoch),
                     st.train_loss, val, st.lr, st.seconds,
                     double(st.train_minutes) / std::max(1e-9, st.seconds));
}

// Keeps the epoch when it is the best so far (validation AUC, or the epoch number without
// validation or model selection).
void keep_if_best(torch::nn::Module& net, const LoopOptions& o, const LoopPlan& plan,
                  const EpochStats& st, LoopState& state) {
  const double score = !plan.has_validation || !o.select_best ? double(st.epoch) : st.val_auc;
  if (std::isfinite(score) && score > state.best_score) {
    state.best_score = score, state.result.best_epoch = st.epoch, state.best = snapshot(net);
    state.since_best = 0;
  } else {
    ++state.since_best;
  }
}

}  // namespace

Bf16Autocast::Bf16Autocast(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  at::autocast::set_cpu_enabled(true);
  at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
}

Bf16Autocast::~Bf16Autocast() {
  if (!enabled_) return;
  at::autocast::set_cpu_enabled(false);
  at::autocast::clear_cache();
}

Batch::Batch(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& y_shape)
    : x(torch::zeros(x_shape)),
      y(torch::zeros(y_shape)),
      w(torch::zeros(y_shape)),
      xp(x.data_ptr<float>()),
      yp(y.data_ptr<float>()),
      wp(w.data_ptr<float>()) {}

double scheduled_lr(double peak, int step, int total, int warm) {
  if (step < warm) return peak * double(step + 1) / double(warm);
  return peak * 0.5 *
         (1 + std::cos(M_PI * double(step - warm) / double(std::max(1, total - warm))));
}

void set_lr(torch::optim::AdamW& opt, double lr) {
  for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
}

bool can_resume(const LoopOptions& o) {
  return o.resume && !o.checkpoint.empty() && std::filesystem::exists(o.checkpoint + ".json");
}

LoopResult run_epochs(torch::nn::Module& net, torch::optim::AdamW& opt, const LoopOptions& o,
                      const LoopPlan& plan, const EpochHooks& hooks) {
  LoopState state;
  const CheckpointFiles ck(o.checkpoint);
  const int first_epoch = can_resume(o) ? resume_checkpoint(ck, net, opt, state) : 1;
  for (int epoch = first_epoch; epoch <= o.epochs; ++epoch) {
    if (o.patience > 0 && plan.has_validation && state.since_best >= o.patience) break;
    if (o.stop_after > 0 && epoch > o.stop_after) break;
    const auto t0 = Clock::now();
    std::mt19937_64 rng(o.seed * 1000003ULL + uint64_t(epoch));
    torch::manual_seed(o.seed * 7919ULL + uint64_t(epoch));
    if (hooks.begin_epoch) hooks.begin_epoch(epoch, rng);
    net.train();
    EpochStats st;
    st.epoch = epoch;
    st.train_minutes = plan.minutes_per_epoch;
    ProgressBar bar(o.progress, epoch_label(o, epoch));
    st.train_loss = train_steps(net, opt, o, plan, hooks, epoch, rng, st, bar);
    state.result.train_seconds += seconds_since(t0);
    state.result.trained_minutes += plan.minutes_per_epoch;
    net.eval();
    if (plan.has_validation) validation_stats(hooks.validate(), st);
    st.seconds = seconds_since(t0);
    state.result.curve.push_back(st);
    keep_if_best(net, o, plan, st, state);
    bar.finish(epoch_summary(o, plan, st));
    if (!o.checkpoint.empty()) save_checkpoint(ck, net, opt, state, epoch);
  }
  if (!state.best.empty()) restore(net, state.best);
  net.eval();
  return state.result;
}

eval::RecordPredictions labelled_predictions(const std::string& record,
                                             std::optional<double> ref_ahi,
                                             const std::vector<uint8_t>& labels,
                                             const std::vector<float>& logits) {
  eval::RecordPredictions r;
  r.record = record;
  r.ref_ahi = ref_ahi;
  for (size_t m = 0; m < labels.size() && m < logits.size(); ++m) {
    if (labels[m] == kUnlabelled) continue;
    r.p.push_back(1.f / (1.f + std::exp(-logits[m])));
    r.label.push_back(labels[m]);
  }
  return r;
}

std::string fold_label(size_t f, size_t k) {
  return fmt::format("fold {}/{}", f + 1, k);
}

std::string curves_csv_header() {
  return "run,epoch,lr,train_loss,val_loss,val_accuracy,val_auc,seconds\n";
}

std::string curves_csv(const std::vector<EpochStats>& curve, const std::string& run) {
  std::string s;
  for (const auto& e : curve) {
    s += fmt::format("{},{},{:.6g},{:.6f},{:.6f},{:.6f},{:.6f},{:.3f}\n", run, e.epoch, e.lr,
                     e.train_loss, e.val_loss, e.val_accuracy, e.val_auc, e.seconds);
  }
  return s;
}

void add_curves_json(nlohmann::json& out, const std::vector<EpochStats>& curve,
                     const std::string& run) {
  for (const auto& e : curve) out[run].push_back(stats_json(e));
}

}  // namespace somna::train
