// The model card (see model_card.hpp).

#include "train/model_card.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "train/model_writer.hpp"

namespace somna::train {

namespace {

std::string pct(const eval::Ci& c) {
  return fmt::format("{:.1f} % (95 % CI {:.1f}–{:.1f})", 100 * c.value, 100 * c.lo, 100 * c.hi);
}
std::string dec(const eval::Ci& c) {
  return fmt::format("{:.3f} (95 % CI {:.3f}–{:.3f})", c.value, c.lo, c.hi);
}

std::string data_section(const CardInput& c) {
  size_t minutes = 0, apnea = 0;
  for (const auto& r : c.records) minutes += r.minutes, apnea += r.apnea;
  return fmt::format(
      "## Data\n\n{} records from `{}` ({} labelled minutes, {} apnea = {:.1f} %), {}.\n\n",
      c.records.size(), c.data_dir, minutes, apnea,
      100.0 * double(apnea) / double(std::max<size_t>(1, minutes)), c.text.sources);
}

std::string folds_list(const CardInput& c) {
  std::string s;
  for (size_t f = 0; f < c.folds->size(); ++f) {
    std::vector<std::string> names;
    for (size_t i : (*c.folds)[f]) names.push_back(c.records[i].name);
    s += fmt::format("- fold {}: {} ({} epoch {})\n", f + 1, fmt::join(names, " "),
                     c.text.epoch_word, (*c.fold_epochs)[f]);
  }
  return s;
}

std::string figures(const eval::EvalResult& ev) {
  std::string s =
      fmt::format("## Cross-validated figures (out-of-fold, threshold {:g})\n\n", kModelThreshold);
  s += fmt::format("95 % CIs by bootstrap over records ({} replicates).\n\n", ev.bootstrap);
  s += "| per minute | value |\n|---|---|\n";
  s += "| accuracy | " + pct(ev.accuracy) + " |\n";
  s += "| sensitivity | " + pct(ev.sensitivity) + " |\n";
  s += "| specificity | " + pct(ev.specificity) + " |\n";
  if (std::isfinite(ev.ppv.value)) s += "| PPV | " + pct(ev.ppv) + " |\n";
  if (std::isfinite(ev.npv.value)) s += "| NPV | " + pct(ev.npv) + " |\n";
  s += "| F1 | " + pct(ev.f1) + " |\n";
  s += "| MCC | " + dec(ev.mcc) + " |\n";
  s += "| ROC-AUC | " + dec(ev.roc_auc) + " |\n";
  s += "| PR-AUC | " + dec(ev.pr_auc) + " |\n\n";
  if (ev.n_ahi > 0) {
    s += fmt::format(
        "Per night ({} records with a reference AHI; estimate = {}, over every labelled "
        "minute): Pearson r {}, MAE {} events/h; apnea yes/no at AHI ≥ 5 {}/{}; AASM severity "
        "class {}/{} (κ {:.2f}). The event-rate AHI estimate's figures (over analysable minutes, "
        "as `somna analyze` counts them) are in the AHI section below.\n\n",
        ev.n_ahi, ev.ahi_estimate, dec(ev.night.r), dec(ev.night.mae), ev.night.diagnosis_correct,
        ev.n_ahi, ev.night.severity_agree, ev.n_ahi, ev.night.severity_kappa);
  }
  return s;
}

std::string protocol_section(const CardInput& c) {
  std::string s = "## Protocol\n\n";
  if (!c.folds || !c.evaluation) {
    return s +
           fmt::format("No cross-validation (--folds 0); trained on all records for {} epochs.\n\n",
                       c.final_epochs);
  }
  s += fmt::format(
      "{}-fold cross-validation by RECORD (folds balanced over the record groups; no minute of "
      "a validation night is ever seen in training). Folds:\n\n",
      c.folds->size());
  s += folds_list(c);
  s += "\nEvery labelled minute is scored (no minute excluded for noise or at the edges). " +
       c.text.selection +
       ", so the figures below are those of the procedure, estimated out of fold.\n\n";
  return s + figures(*c.evaluation);
}

}  // namespace

std::string model_card(const CardInput& c) {
  std::string s =
      "# Somna model: " + std::filesystem::path(c.model_file).filename().string() + "\n\n";
  s += c.text.description +
       " Produced by `somna train`; every figure below was computed by that run.\n\n";
  s += data_section(c);
  s += protocol_section(c);
  if (c.ahi) s += eval::ahi_fit_markdown(*c.ahi);
  s += "## Training\n\n" + c.text.training + "\n\n";
  s += "## Provenance\n\n- command: `" + c.command + "`\n- date: " + c.date +
       "\n- git commit: " + c.git_commit + "\n\n";
  s += "## Limits\n\n" + c.text.limits + "\n";
  return s;
}

}  // namespace somna::train
