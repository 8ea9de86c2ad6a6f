// The seed raw-ECG network as a training family (see family.hpp): raw-ECG nights with labels
// (train/seed_data.hpp), train_seed (train/seed_trainer.hpp), save_seed_model.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "train/family.hpp"
#include "train/model_writer.hpp"
#include "train/rr_module.hpp"
#include "train/run.hpp"
#include "train/seed_data.hpp"

namespace somna::train {

namespace {

class SeedFamily : public FamilyOf<SeedNight, SeedTrainOptions, SeedNet> {
 public:
  explicit SeedFamily(const RunOptions& o) : FamilyOf(o, o.seed) {}

  std::string title() const override { return "Somna seed raw-ECG network"; }
  std::vector<SeedNight> load_nights() const override {
    return load_seed_dataset(run_.data, run_.dataset, o_.input);
  }

  TrainedNetwork train(const std::vector<size_t>& tr, const std::vector<size_t>& va, size_t f,
                       size_t k, int final_epochs) override {
    SeedTrainResult r = train_seed(data_, tr, va, stage_options(f, k, final_epochs));
    nets_ = {r.net};
    return {r.curve, r.best_epoch, r.windows_per_second};
  }

  std::vector<float> minute_logits(const SeedNight& n) override {
    return seed_scores(nets_.front(), n.ecg.data(), n.ecg.size(), n.labels.size(), o_.input).logit;
  }

  void save(const std::string& path, std::map<std::string, std::string> md) override {
    save_seed_model(path, nets_.front(), o_.input, std::move(md));
  }

  void add_provenance(nlohmann::json& prov) const override {
    prov["pretrained"] = o_.pretrained;
    prov["unfreeze_every"] = o_.unfreeze_every;
  }

  CardText card_text(int64_t params, int final_epochs, size_t n_records, double throughput,
                     double seconds) const override {
    CardText c;
    c.description = description(params);
    c.sources = "labels from " + (run_.dataset.labels_csv.empty()
                                      ? "the ." + run_.dataset.labels_ext + " annotations"
                                      : "`" + run_.dataset.labels_csv + "`");
    c.epoch_word = "best";
    c.selection = fmt::format(
        "Early stopping on each fold's validation ROC-AUC (patience {}); the final model is "
        "trained on all {} records for {} epochs",
        o_.patience, n_records, final_epochs);
    c.training = training(throughput, seconds);
    c.limits =
        "Minute labels, not events. A network trained on synthetic nights has learnt the "
        "simulator's apnea pattern (cyclic heart-rate variation and breathing-modulated R "
        "amplitude), not real patients'. Not a medical device.";
    return c;
  }

 private:
  std::string description(int64_t params) const {
    const model::SeedNetConfig& net = o_.net;
    return fmt::format(
        "Seed raw-ECG network (`seed-ecg`): lead projection 1→{}, 1-D ConvNeXt-V2 backbone "
        "(dims {}, depths {}, stem stride {}), {}-layer BiLSTM ({} hidden), additive attention, "
        "multi-scale pooling, MLP {} with LayerNorm, logit + confidence (docs/models.md). {} "
        "parameters. Input: ECG at {} Hz, the minute plus {} minute(s) each side, normalised per "
        "window (IQR clip k = {}, z-score).",
        net.lead_channels, fmt::join(net.dims, "/"), fmt::join(net.depths, "/"), net.stem_stride,
        net.lstm_layers, net.lstm_hidden, fmt::join(net.mlp, "→"), params, o_.input.fs,
        o_.input.context_minutes, o_.input.clip_iqr);
  }

  std::string training(double throughput, double seconds) const {
    return fmt::format(
        "AdamW (lr {}, weight decay {}), {:.0f} % linear warm-up then cosine, batch {}, {} BCE "
        "(+ {} × confidence BCE), augmentation {}, gradual unfreezing {}, pretrained backbone "
        "{}, seed {}, {} threads{}; training throughput {:.1f} minutes/s (final model); whole "
        "run {:.0f} s.",
        o_.lr, o_.weight_decay, 100 * o_.warmup, o_.batch,
        o_.class_weight ? "class-weighted" : "unweighted", o_.confidence_weight,
        o_.augment ? "(amplitude ×e^U(−0.3,0.3), polarity flip 30 %, Gaussian noise, baseline "
                     "wander, ±2 s shift)"
                   : "off",
        o_.unfreeze_every > 0 ? fmt::format("every {} epoch(s)", o_.unfreeze_every) : "off",
        o_.pretrained.empty() ? "none" : "`" + o_.pretrained + "`", o_.seed, o_.threads,
        o_.bf16 ? ", bf16 autocast" : "", throughput, seconds);
  }
};

}  // namespace

std::unique_ptr<Family> seed_family(const RunOptions& options) {
  return std::make_unique<SeedFamily>(options);
}

}  // namespace somna::train
