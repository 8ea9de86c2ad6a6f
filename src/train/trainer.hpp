#pragma once
// Training of the RR network on labelled nights: random crops of whole nights (minute-aligned),
// class-weighted BCE on labelled minutes, AdamW with a cosine learning-rate schedule, early
// stopping on the validation records, augmentation (amplitude scaling, Gaussian noise, baseline
// wander, +-2 s time jitter), deterministic for a given seed (crops and dropout are reseeded every
// epoch, so a resumed run continues exactly), checkpoints after every epoch, per-epoch curves.
// The epoch loop itself is train/loop.hpp, shared with the seed family.

#include <string>
#include <vector>

#include "eval/metrics.hpp"
#include "train/dataset.hpp"
#include "train/loop.hpp"
#include "train/rr_module.hpp"

namespace somna::train {

struct TrainOptions : LoopOptions {
  model::RRNetConfig net;
  int crop_minutes = 64;
  int steps_per_epoch = 0;     // 0: enough crops to cover the training minutes once
  double label_smoothing = 0;  // targets become eps/2 and 1 - eps/2
  int members = 1;             // networks per model, scored by the mean of their logits
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

}  // namespace somna::train
