#pragma once
// The one model-card writer of `somna train` (both families): the Markdown file beside a model
// file that says what the network is, on which data, under which protocol, with which
// cross-validated figures (computed by the run, with their CIs), how it was trained and by which
// command. The family's own paragraphs come in CardText (train/family.hpp).

#include <string>
#include <vector>

#include "eval/ahi_fit.hpp"
#include "eval/metrics.hpp"
#include "train/family.hpp"

namespace somna::train {

struct CardInput {
  std::string model_file;  // its file name titles the card
  std::string data_dir;
  std::vector<RecordInfo> records;
  const std::vector<std::vector<size_t>>* folds = nullptr;  // null: no cross-validation
  const std::vector<int>* fold_epochs = nullptr;
  const eval::EvalResult* evaluation = nullptr;
  const eval::AhiFit* ahi = nullptr;  // the event-rate AHI estimator's fit, when there is one
  int final_epochs = 0;
  std::string command, date, git_commit;
  CardText text;
};

std::string model_card(const CardInput& card);

}  // namespace somna::train
