#pragma once
// `somna train`: one training run for either network family — load the labelled records,
// record-level k-fold cross-validation (folds by record, balanced over the record groups) with
// out-of-fold predictions of every labelled minute, their evaluation (eval::evaluate, CIs over
// records), a final model on all records for the median of the folds' best epochs, written as a
// .safetensors model file with provenance and the CV figures in its metadata, one model card,
// and the per-epoch curves (CSV and JSON). What differs between the families (data, network,
// trainer, model file, the card's paragraphs) is a train::Family (train/family.hpp). The CLI
// (src/cli/cmd_train.cpp) maps its flags onto RunOptions.

#include <optional>
#include <ostream>
#include <string>

#include "eval/metrics.hpp"
#include "train/dataset.hpp"
#include "train/seed_trainer.hpp"
#include "train/trainer.hpp"

namespace somna::train {

struct RunOptions {
  std::string family = "rr";      // "rr" or "seed"
  std::string data;               // folder of records
  DatasetOptions dataset;         // beats / labels_ext / labels_csv / only / RR feature spec
  std::string out, card, curves;  // card, curves: default OUT with .md / OUT's stem
  int folds = 5;                  // 0: no cross-validation
  int final_epochs = 0;           // 0: median of the folds' best epochs (epochs without CV)
  size_t bootstrap = 1000;
  std::string eval_json, eval_html;
  std::string oof_csv;  // every minute's out-of-fold probability (record,minute,label,p)
  std::string command, date, git_commit, version;  // provenance
  TrainOptions rr;                                 // --family rr
  SeedTrainOptions seed;                           // --family seed
};

// Runs it; one summary line per stage on `out`, progress on stderr. Returns the CV evaluation
// when folds >= 2. Throws somna::Error (DatasetError...) naming the file on bad input.
std::optional<eval::EvalResult> run_training(const RunOptions& options, std::ostream& out);

}  // namespace somna::train
