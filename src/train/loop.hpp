#pragma once
// The one epoch loop of both network families. Per epoch: a generator and LibTorch's seed drawn
// from (seed, epoch), so that a resumed run continues exactly; the family's begin-epoch hook
// (shuffles, gradual unfreezing); `steps` optimisation steps, each with the learning rate of a
// linear warm-up then cosine schedule over the whole run, the family's loss (batch, forward,
// loss), backward, the family's after-backward hook, gradient clipping, an AdamW step and the
// progress bar; then the validation records' loss, accuracy and ROC-AUC; the best epoch (by
// validation AUC, or the last when there is no validation or no model selection) kept as a
// snapshot; early stopping after `patience` epochs without gain; a checkpoint (network,
// optimiser, best epoch, curve) after every epoch. On return the network holds the best epoch.

#include <torch/torch.h>

#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "eval/metrics.hpp"

namespace somna::train {

// The options both families' trainers share (their own add the network and the batches).
struct LoopOptions {
  int epochs = 30;
  int batch = 16;
  double lr = 3e-3, weight_decay = 1e-2;
  int patience = 8;  // epochs without validation-AUC gain before stopping (0: never)
  // Keep the epoch with the best validation AUC (true) or the last epoch (false: no model
  // selection on the validation records, so CV figures carry no selection bias).
  bool select_best = true;
  bool augment = true;
  bool class_weight = true;
  uint64_t seed = 1;
  int threads = 0;         // torch intra-op threads while training (0: leave as is)
  bool bf16 = false;       // CPU autocast to bfloat16
  std::string checkpoint;  // file prefix; empty: none
  bool resume = false;
  int stop_after = 0;     // stop after this epoch (0: never); emulates an interruption
  bool progress = false;  // progress bar on stderr
  std::string label;      // prefix for progress lines, e.g. "fold 2/5"
};

struct EpochStats {
  int epoch = 0;
  double lr = 0, train_loss = 0, val_loss = 0, val_accuracy = 0, val_auc = 0, seconds = 0;
  size_t train_minutes = 0;  // labelled-or-not minutes the epoch trained on
};

// bfloat16 CPU autocast for the scope's forward passes when `enabled` (LoopOptions::bf16), off
// again and its cast cache cleared when the scope ends, also by an exception.
class Bf16Autocast {
 public:
  explicit Bf16Autocast(bool enabled);
  ~Bf16Autocast();
  Bf16Autocast(const Bf16Autocast&) = delete;
  Bf16Autocast& operator=(const Bf16Autocast&) = delete;

 private:
  bool enabled_;
};

// A training batch: inputs x, targets y and per-target weights w, zero-filled, and their data.
struct Batch {
  Batch(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& y_shape);
  torch::Tensor x, y, w;
  float *xp, *yp, *wp;
};

// What the loop asks of a family.
struct EpochHooks {
  // Start of an epoch, with its generator (optional).
  std::function<void(int epoch, std::mt19937_64& rng)> begin_epoch;
  // The loss of step `step` of the epoch: batch, forward, loss (required).
  std::function<torch::Tensor(int step, std::mt19937_64& rng)> loss;
  // Between backward and clipping (optional), e.g. dropping frozen tensors' gradients.
  std::function<void()> after_backward;
  // Predictions of the validation records' labelled minutes (empty: no validation).
  std::function<std::vector<eval::RecordPredictions>()> validate;
};

struct LoopPlan {
  int steps = 1;                 // per epoch
  double warmup = 0;             // fraction of all steps with a linear warm-up (0: none)
  double clip_norm = 5;          // gradient-norm clip
  size_t minutes_per_epoch = 0;  // for EpochStats::train_minutes and the min/s figure
  bool has_validation = false;
};

struct LoopResult {
  std::vector<EpochStats> curve;
  int best_epoch = 0;        // 1-based; the network holds this epoch's weights
  double train_seconds = 0;  // in optimisation steps (validation excluded)
  size_t trained_minutes = 0;
};

LoopResult run_epochs(torch::nn::Module& net, torch::optim::AdamW& opt, const LoopOptions& o,
                      const LoopPlan& plan, const EpochHooks& hooks);

// The learning rate at global step `step` of `total`: linear warm-up over `warmup_steps`, then
// cosine decay to zero.
double scheduled_lr(double peak, int step, int total, int warmup_steps);
void set_lr(torch::optim::AdamW& opt, double lr);

// Whether `o` asks to resume and its checkpoint exists.
bool can_resume(const LoopOptions& o);

// The options of fold f (0-based) of k: its progress label, seed + f, its checkpoint prefix.
template <class Options>
Options fold_options(const Options& o, size_t f, size_t k);
// The options of the final model on all records: `epochs`, no early stopping, label "final".
template <class Options>
Options final_options(const Options& o, int epochs);
// The options of ensemble member m (0-based) of n: seed + 1000 m (apart from the folds' seed + f),
// its label and checkpoint. Member 0 keeps the options as they are.
template <class Options>
Options member_options(const Options& o, size_t m, size_t n);

// The predictions of a night's labelled minutes from its per-minute logits (unlabelled minutes
// dropped): what validation and out-of-fold evaluation score.
eval::RecordPredictions labelled_predictions(const std::string& record,
                                             std::optional<double> ref_ahi,
                                             const std::vector<uint8_t>& labels,
                                             const std::vector<float>& logits);

std::string curves_csv_header();
std::string curves_csv(const std::vector<EpochStats>& curve, const std::string& run);
void add_curves_json(nlohmann::json& out, const std::vector<EpochStats>& curve,
                     const std::string& run);

// ---- templates ----

std::string fold_label(size_t f, size_t k);

template <class Options>
Options fold_options(const Options& o, size_t f, size_t k) {
  Options fo = o;
  fo.label = fold_label(f, k);
  fo.seed = o.seed + f;
  if (!o.checkpoint.empty()) fo.checkpoint = o.checkpoint + ".fold" + std::to_string(f + 1);
  return fo;
}

template <class Options>
Options final_options(const Options& o, int epochs) {
  Options fo = o;
  fo.epochs = epochs, fo.patience = 0, fo.label = "final";
  if (!fo.checkpoint.empty()) fo.checkpoint += ".final";
  return fo;
}

template <class Options>
Options member_options(const Options& o, size_t m, size_t n) {
  if (m == 0 && n <= 1) return o;
  Options mo = o;
  mo.seed = o.seed + 1000 * m;
  mo.label = o.label + " member " + std::to_string(m + 1) + "/" + std::to_string(n);
  if (!o.checkpoint.empty()) mo.checkpoint = o.checkpoint + ".member" + std::to_string(m + 1);
  return mo;
}

}  // namespace somna::train
