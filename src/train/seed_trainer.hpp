#pragma once
// Training of the seed raw-ECG network on labelled minutes: each step a batch of windows (the
// minute plus context, model/seed_model.hpp cut_window) drawn from the training records after a
// seeded shuffle, augmented (amplitude scaling, Gaussian noise, baseline wander, polarity flip,
// +-2 s shift), normalised per window; class-weighted BCE on the logit plus a small BCE teaching
// the confidence head whether the call is right; AdamW with linear warm-up then cosine decay;
// gradient clipping; early stopping on the validation records' ROC-AUC (best epoch kept).
// Gradual unfreezing (unfreeze_every > 0): the first epochs train the head only (backbone frozen,
// frozen tensors get no update at all), then one more backbone stage every unfreeze_every epochs
// from the last stage back, then the lead projection too. Deterministic for a seed (shuffles,
// augmentation and dropout are reseeded every epoch, so a resumed run continues identically);
// checkpoints after every epoch; per-epoch curves (EpochStats). The epoch loop itself is
// train/loop.hpp, shared with the RR family.

#include <string>
#include <vector>

#include "eval/metrics.hpp"
#include "train/loop.hpp"
#include "train/seed_data.hpp"
#include "train/seed_module.hpp"

namespace somna::train {

struct SeedTrainOptions : LoopOptions {
  SeedTrainOptions();  // the seed family's defaults: 12 epochs, batch 32, lr 1e-3, ...
  model::SeedNetConfig net;
  features::SeedInputSpec input;
  int windows_per_epoch = 0;  // 0: every labelled training minute once
  double warmup = 0.05;       // fraction of all steps with a linear warm-up
  double confidence_weight = 0.1;
  std::string pretrained;  // .safetensors with backbone.* tensors to start from
  int unfreeze_every = 1;  // gradual unfreezing period in epochs (0: all trainable from start)
  // Backbone pretraining before the apnea training (when no `pretrained` file is given): epochs
  // of regressing the local heart rate (from the nights' beat times) at every backbone step
  // through a linear read-out; no apnea label is used.
  int pretrain_epochs = 3;
  double pretrain_lr = 2e-3;
};

struct SeedTrainResult {
  SeedNet net{nullptr};
  std::vector<EpochStats> curve;
  int best_epoch = 0;
  double windows_per_second = 0;  // training throughput over the whole run (minutes/s)
};

// Backbone stages trainable at `epoch` (1-based) under unfreeze_every (set_trainable_stages arg).
int seed_trainable_stages(int epoch, int unfreeze_every, int n_stages);

SeedTrainResult train_seed(const std::vector<SeedNight>& data, const std::vector<size_t>& train_idx,
                           const std::vector<size_t>& val_idx, const SeedTrainOptions& options);

// Predictions of the labelled minutes of one night.
eval::RecordPredictions predict_seed_night(SeedNet& net, const SeedNight& night,
                                           const features::SeedInputSpec& spec);

// The backbone pretext task (see SeedTrainOptions::pretrain_epochs) on the records idx that have
// beat times; DatasetError when none has. Trains net's backbone in place.
void pretrain_seed_backbone(SeedNet& net, const std::vector<SeedNight>& data,
                            const std::vector<size_t>& idx, const SeedTrainOptions& options);
// Writes net's backbone.* tensors (+ architecture and input metadata, family
// "seed-ecg-backbone"): a file SeedTrainOptions::pretrained / load_pretrained_backbone accept.
void save_seed_backbone(const std::string& path, SeedNet& net, const features::SeedInputSpec& spec);

// Throws somna::Error with a clear message when bf16 autocast fails for this network here.
void check_seed_bf16(const model::SeedNetConfig& net, const features::SeedInputSpec& input);

}  // namespace somna::train
