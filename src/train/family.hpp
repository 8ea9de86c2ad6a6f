#pragma once
// What a training run (train/run.hpp) needs of a network family: its labelled records, training
// one network on some of them (the trainer of the family), that network's predictions, its model
// file, and the family's paragraphs of the model card. rr_family() (train/rr_family.cpp) and
// seed_family() (train/seed_family.cpp) are the two.

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "analysis/detector.hpp"
#include "eval/metrics.hpp"
#include "train/loop.hpp"
#include "train/rr_module.hpp"  // parameter_count

namespace somna::train {

struct RunOptions;

// One record as the run sees it, whatever the family's night holds.
struct RecordInfo {
  std::string name, group;
  size_t minutes = 0, apnea = 0;  // labelled minutes, apnea among them
  size_t night_minutes = 0;       // the night's minutes, labelled or not
};

RecordInfo record_info(const std::string& name, const std::string& group,
                       const std::vector<uint8_t>& labels);

// A trained network's scores of one record.
struct NightScores {
  std::vector<float> logits;         // every minute of the night
  std::vector<uint8_t> labels;       // every minute: 0, 1 or kUnlabelled
  eval::RecordPredictions labelled;  // the labelled minutes' probabilities and labels
};

struct TrainedNetwork {
  std::vector<EpochStats> curve;  // the (first) network's
  int best_epoch = 0;
  double minutes_per_second = 0;                      // training throughput (0: not measured)
  std::vector<std::vector<EpochStats>> members = {};  // an ensemble's other networks' curves
};

// The family's paragraphs of the model card (train/model_card.hpp).
struct CardText {
  std::string description;  // the network, its architecture and input
  std::string sources;      // where beats / ECG and labels came from
  std::string selection;    // how each fold's epoch was chosen, and the final model's epochs
  std::string epoch_word;   // "best" or "last": the folds' listed epoch
  std::string training;     // optimiser, schedule, batches, augmentation...
  std::string limits;
};

class Family {
 public:
  virtual ~Family() = default;
  virtual std::string title() const = 0;  // e.g. "Somna RR network"
  virtual int epochs() const = 0;         // the options' maximum epochs
  virtual uint64_t seed() const = 0;
  virtual std::vector<RecordInfo> load() = 0;  // reads the records; one RecordInfo each
  // Trains a network on records `train`, validating on `val` (empty: none), under the options
  // of fold f of k (fold_options) or, with k == 0, of the final model for `final_epochs`.
  virtual TrainedNetwork train(const std::vector<size_t>& train, const std::vector<size_t>& val,
                               size_t f, size_t k, int final_epochs) = 0;
  // The last trained network's scores of record i.
  virtual NightScores predict(size_t i) = 0;
  // Record i's detector input (beats, cleaned RR, minute quality) when the family's nights have
  // one: what the AHI estimator's features are computed from. Null: none (no AHI fit).
  virtual const analysis::NightInput* night_input(size_t) const { return nullptr; }
  virtual int64_t parameter_count() = 0;
  // Writes the last trained network as a model file with `metadata` added.
  virtual void save(const std::string& path, std::map<std::string, std::string> metadata) = 0;
  virtual void add_provenance(nlohmann::json& provenance) const = 0;  // the family's own fields
  virtual CardText card_text(int64_t params, int final_epochs, size_t n_records,
                             double minutes_per_second, double seconds) const = 0;
};

// What both families' Family implementations share: their options, nights and last network(s).
// Night has name, group and labels; Net is a LibTorch module holder.
template <class Night, class Options, class Net>
class FamilyOf : public Family {
 public:
  FamilyOf(const RunOptions& run, const Options& options) : run_(run), o_(options) {}
  int epochs() const override { return o_.epochs; }
  uint64_t seed() const override { return o_.seed; }
  std::vector<RecordInfo> load() override {
    data_ = load_nights();
    std::vector<RecordInfo> info;
    for (const auto& n : data_) info.push_back(record_info(n.name, n.group, n.labels));
    return info;
  }
  int64_t parameter_count() override { return train::parameter_count(*nets_.front()); }
  NightScores predict(size_t i) override {
    const Night& n = data_[i];
    NightScores s;
    s.logits = minute_logits(n);
    s.labels = n.labels;
    s.labelled = labelled_predictions(n.name, n.ref_ahi, n.labels, s.logits);
    return s;
  }

 protected:
  virtual std::vector<Night> load_nights() const = 0;
  // The last trained network's logit of every minute of night n.
  virtual std::vector<float> minute_logits(const Night& n) = 0;
  // The options of fold f of k, or (k == 0) of the final model for final_epochs.
  Options stage_options(size_t f, size_t k, int final_epochs) const {
    return k > 0 ? fold_options(o_, f, k) : final_options(o_, final_epochs);
  }

  const RunOptions& run_;
  const Options& o_;
  std::vector<Night> data_;
  std::vector<Net> nets_;  // the last trained network (an RR ensemble: its members)
};

std::unique_ptr<Family> rr_family(const RunOptions& options);
std::unique_ptr<Family> seed_family(const RunOptions& options);

}  // namespace somna::train
