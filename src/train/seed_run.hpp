#pragma once
// `somna train --family seed`: the whole run for the seed raw-ECG network — load the labelled
// records (raw ECG + .apn or label CSV), optional record-level k-fold cross-validation with
// out-of-fold evaluation of every labelled minute, a final model on all records for the median
// of the folds' best epochs, written as a .safetensors model file (family "seed-ecg") with
// architecture, input spec, provenance and the CV figures in its metadata, a model card, and the
// per-epoch curves (CSV and JSON). The CLI (src/cli/cmd_train.cpp) maps its flags onto this.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "eval/metrics.hpp"
#include "train/dataset.hpp"
#include "train/seed_trainer.hpp"

namespace somna::train {

struct SeedRunOptions {
  std::string data;        // folder of records
  DatasetOptions dataset;  // labels_ext / labels_csv / only
  std::string out, card, curves;
  int folds = 3;
  int final_epochs = 0;  // 0: median of the folds' best epochs (epochs without CV)
  size_t bootstrap = 1000;
  std::string eval_json, eval_html;
  std::string command, date, git_commit, version;
  SeedTrainOptions train;
};

// Runs it; one summary line per stage on `out`. Returns the CV evaluation when folds >= 2.
std::optional<eval::EvalResult> run_seed_training(const SeedRunOptions& options, std::ostream& out);

}  // namespace somna::train
