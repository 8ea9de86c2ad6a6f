// The RR network as a training family (see family.hpp): nights of beats and labels
// (train/dataset.hpp), train_rr (train/trainer.hpp), save_rr_model.

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "model/model.hpp"
#include "train/family.hpp"
#include "train/model_writer.hpp"
#include "train/run.hpp"

namespace somna::train {

namespace {

class RRFamily : public FamilyOf<LabelledNight, TrainOptions, RRNet> {
 public:
  explicit RRFamily(const RunOptions& o) : FamilyOf(o, o.rr) {}

  std::string title() const override { return "Somna RR network"; }
  std::vector<LabelledNight> load_nights() const override {
    return load_dataset(run_.data, run_.dataset);
  }

  // One network, or --ensemble N of them (member seeds apart), on the same records.
  TrainedNetwork train(const std::vector<size_t>& tr, const std::vector<size_t>& va, size_t f,
                       size_t k, int final_epochs) override {
    const size_t n = size_t(std::max(1, o_.members));
    TrainedNetwork out;
    nets_.clear();
    for (size_t m = 0; m < n; ++m) {
      TrainResult r =
          train_rr(data_, tr, va, member_options(stage_options(f, k, final_epochs), m, n));
      nets_.push_back(r.net);
      if (m == 0) {
        out.curve = r.curve, out.best_epoch = r.best_epoch;
      } else {
        out.members.push_back(r.curve);
      }
    }
    return out;
  }

  // The mean of the networks' logits (what model::RRDetector scores).
  std::vector<float> minute_logits(const LabelledNight& n) override {
    return model::mean_logits(nets_.size(), [&](size_t k) {
      return night_logits(nets_[k], n.features, o_.net.in_channels);
    });
  }

  const analysis::NightInput* night_input(size_t i) const override { return &data_[i].input; }

  void save(const std::string& path, std::map<std::string, std::string> md) override {
    save_rr_model(path, nets_, run_.dataset.spec, std::move(md));
  }

  void add_provenance(nlohmann::json& prov) const override {
    prov["beats"] = run_.dataset.beats;
    if (nets_.size() > 1) prov["ensemble_members"] = nets_.size();
  }

  CardText card_text(int64_t params, int final_epochs, size_t n_records, double,
                     double seconds) const override {
    CardText c;
    c.description = description(params);
    c.sources =
        fmt::format("beats from `{}`, labels from {}",
                    run_.dataset.beats == "detect" ? "Somna's QRS detector"
                                                   : "." + run_.dataset.beats + " annotations",
                    run_.dataset.labels_csv.empty() ? "the .apn annotations"
                                                    : "`" + run_.dataset.labels_csv + "`");
    c.epoch_word = o_.select_best ? "best" : "last";
    c.selection = selection(final_epochs, n_records);
    c.training = training(seconds);
    c.limits =
        "Trained on 35 nights of one database (Apnea-ECG learning set, mostly men, beats from its "
        ".qrs annotations). Minute labels, not events: the network never saw an apnea event; the "
        "AHI is estimated from its minute probabilities and the CVHR detector's heart-rate dips "
        "by a four-weight estimator fitted on the same 35 nights' reference AHI. Not a medical "
        "device.";
    return c;
  }

 private:
  std::string description(int64_t params) const {
    const model::RRNetConfig& net = o_.net;
    return fmt::format(
               "RR network (`rr-cnn`): multi-scale 1-D CNN with squeeze-excitation over {} "
               "beat-derived "
               "channels ({}) resampled at 2 Hz over the whole night, pooled to one vector per "
               "minute, "
               "dilated temporal convolutions across neighbouring minutes (dilations {}){}, one "
               "logit "
               "per minute (docs/models.md); architecture `{}`. {} parameters.",
               net.in_channels, fmt::join(features::rr_channel_names(net.in_channels), ", "),
               fmt::join(net.dilations, ", "),
               net.gru_hidden > 0
                   ? fmt::format(
                         ", a bidirectional GRU ({} hidden) over the night's minute sequence",
                         net.gru_hidden)
                   : "",
               net.to_json(), params) +
           (o_.members > 1
                ? fmt::format(" The model is an ensemble of {} such networks trained alike on the "
                              "same records with seeds {} apart, scored by the mean of their "
                              "logits ({} parameters in all).",
                              o_.members, 1000, params * o_.members)
                : std::string());
  }

  std::string selection(int final_epochs, size_t n_records) const {
    if (!o_.select_best) {
      return fmt::format(
          "No early stopping and no model selection on the validation records: each fold trains "
          "for a fixed {} epochs (cosine schedule to zero) and its last epoch scores the held-out "
          "nights. The final model is trained the same way on all {} nights for {} epochs",
          o_.epochs, n_records, final_epochs);
    }
    return fmt::format(
        "Early stopping on each fold's validation ROC-AUC (patience {}). The final model is "
        "trained on all {} nights for {} epochs (median of the folds' best epochs)",
        o_.patience, n_records, final_epochs);
  }

  std::string training(double seconds) const {
    return fmt::format(
        "AdamW (lr {}, weight decay {}), cosine schedule, batch {} crops of {} minutes, {} "
        "BCE{}, augmentation {}, seed {}, {} threads; whole run {:.0f} s.",
        o_.lr, o_.weight_decay, o_.batch, o_.crop_minutes,
        o_.class_weight ? "class-weighted" : "unweighted",
        o_.label_smoothing > 0 ? fmt::format(" (label smoothing {})", o_.label_smoothing) : "",
        o_.augment ? "(amplitude scaling, Gaussian noise, baseline wander, ±2 s time jitter)"
                   : "off",
        o_.seed, o_.threads, seconds);
  }
};

}  // namespace

std::unique_ptr<Family> rr_family(const RunOptions& options) {
  return std::make_unique<RRFamily>(options);
}

}  // namespace somna::train
