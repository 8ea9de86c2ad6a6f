#pragma once
// Training of the RR network on labelled nights: random crops of whole nights (minute-aligned),
// class-weighted BCE on labelled minutes, AdamW with a cosine learning-rate schedule, early
// stopping on the validation records, augmentation (amplitude scaling, Gaussian noise, baseline
// wander, +-2 s time jitter), deterministic for a given seed (crops and dropout are reseeded every
// epoch, so a resumed run continues exactly), checkpoints after every epoch, per-epoch curves.
// cross_validate() runs record-level k-fold CV and returns out-of-fold predictions of every
// labelled minute.

#include <functional>
#include <string>
#include <vector>

#include "eval/metrics.hpp"
#include "train/dataset.hpp"
#include "train/rr_module.hpp"

namespace somna::train {

struct TrainOptions {
  model::RRNetConfig net;
  int epochs = 30;
  int batch = 16;
  int crop_minutes = 64;
  int steps_per_epoch = 0;  // 0: enough crops to cover the training minutes once
  double lr = 3e-3, weight_decay = 1e-2;
  int patience = 8;  // epochs without validation-AUC gain before stopping (0: never)
  // Keep the epoch with the best validation AUC (true) or the last epoch (false: no model
  // selection on the validation records, so CV figures carry no selection bias).
  bool select_best = true;
  double label_smoothing = 0;  // targets become eps/2 and 1 - eps/2
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
  size_t train_minutes = 0;
};

struct TrainResult {
  RRNet net{nullptr};
  std::vector<EpochStats> curve;
  int best_epoch = 0;  // 1-based; the returned net holds this epoch's weights
};

TrainResult train_rr(const std::vector<LabelledNight>& data, const std::vector<size_t>& train_idx,
                     const std::vector<size_t>& val_idx, const TrainOptions& options);

// Per-minute predictions on labelled minutes of one night (unlabelled ones dropped).
eval::RecordPredictions predict_night(RRNet net, const LabelledNight& night, int channels);

struct CvResult {
  std::vector<std::vector<size_t>> folds;
  std::vector<int> best_epochs;
  std::vector<std::vector<EpochStats>> curves;
  std::vector<eval::RecordPredictions> predictions;  // out-of-fold, one per record
};
CvResult cross_validate(const std::vector<LabelledNight>& data, int k, const TrainOptions& options);

std::string curves_csv(const std::vector<EpochStats>& curve, const std::string& run);

}  // namespace somna::train
