// The `somna train --family seed` run (see seed_run.hpp).

#include "train/seed_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/error.hpp"
#include "model/model.hpp"
#include "train/model_writer.hpp"
#include "train/rr_module.hpp"

namespace somna::train {

namespace {

std::string pct(const eval::Ci& c) {
  return fmt::format("{:.1f} % (95 % CI {:.1f}–{:.1f})", 100 * c.value, 100 * c.lo, 100 * c.hi);
}
std::string dec(const eval::Ci& c) {
  return fmt::format("{:.3f} (95 % CI {:.3f}–{:.3f})", c.value, c.lo, c.hi);
}

std::string card(const SeedRunOptions& a, const std::vector<SeedNight>& data,
                 const SeedCvResult* cv, const eval::EvalResult* ev, int final_epochs,
                 int64_t params, double throughput, double seconds) {
  const SeedTrainOptions& t = a.train;
  size_t minutes = 0, apnea = 0;
  for (const auto& n : data) {
    for (uint8_t l : n.labels) minutes += l != kUnlabelled, apnea += l == 1;
  }
  std::string s = "# Somna model: " + std::filesystem::path(a.out).filename().string() + "\n\n";
  s += fmt::format(
      "Seed raw-ECG network (`seed-ecg`): lead projection 1→{}, 1-D ConvNeXt-V2 backbone "
      "(dims {}, depths {}, stem stride {}), {}-layer BiLSTM ({} hidden), additive attention, "
      "multi-scale pooling, MLP {} with LayerNorm, logit + confidence (docs/models.md). {} "
      "parameters. Input: ECG at {} Hz, the minute plus {} minute(s) each side, normalised per "
      "window (IQR clip k = {}, z-score). Produced by `somna train --family seed`; every figure "
      "below was computed by that run.\n\n",
      t.net.lead_channels, fmt::join(t.net.dims, "/"), fmt::join(t.net.depths, "/"),
      t.net.stem_stride, t.net.lstm_layers, t.net.lstm_hidden, fmt::join(t.net.mlp, "→"), params,
      t.input.fs, t.input.context_minutes, t.input.clip_iqr);
  s += "## Data\n\n";
  s += fmt::format(
      "{} records from `{}` ({} labelled minutes, {} apnea = {:.1f} %), labels from "
      "{}.\n\n",
      data.size(), a.data, minutes, apnea,
      100.0 * double(apnea) / double(std::max<size_t>(1, minutes)),
      a.dataset.labels_csv.empty() ? "the ." + a.dataset.labels_ext + " annotations"
                                   : "`" + a.dataset.labels_csv + "`");
  s += "## Protocol\n\n";
  if (cv && ev) {
    s += fmt::format(
        "{}-fold cross-validation by RECORD (no minute of a validation night is "
        "seen in training). Folds:\n\n",
        cv->folds.size());
    for (size_t f = 0; f < cv->folds.size(); ++f) {
      std::vector<std::string> names;
      for (size_t i : cv->folds[f]) names.push_back(data[i].name);
      s += fmt::format("- fold {}: {} (best epoch {})\n", f + 1, fmt::join(names, " "),
                       cv->best_epochs[f]);
    }
    s += fmt::format(
        "\nEarly stopping on each fold's validation ROC-AUC (patience {}); the final "
        "model is trained on all {} records for {} epochs.\n\n",
        t.patience, data.size(), final_epochs);
    s += "## Cross-validated figures (out-of-fold, threshold 0.5)\n\n";
    s += fmt::format("95 % CIs by bootstrap over records ({} replicates).\n\n", ev->bootstrap);
    s += "| per minute | value |\n|---|---|\n";
    s += "| accuracy | " + pct(ev->accuracy) + " |\n";
    s += "| sensitivity | " + pct(ev->sensitivity) + " |\n";
    s += "| specificity | " + pct(ev->specificity) + " |\n";
    s += "| F1 | " + pct(ev->f1) + " |\n";
    s += "| MCC | " + dec(ev->mcc) + " |\n";
    s += "| ROC-AUC | " + dec(ev->roc_auc) + " |\n";
    s += "| PR-AUC | " + dec(ev->pr_auc) + " |\n\n";
  } else {
    s += fmt::format("No cross-validation (--folds 0); trained on all records for {} epochs.\n\n",
                     final_epochs);
  }
  s += "## Training\n\n";
  s += fmt::format(
      "AdamW (lr {}, weight decay {}), {:.0f} % linear warm-up then cosine, batch {}, {} BCE "
      "(+ {} × confidence BCE), augmentation {}, gradual unfreezing {}, pretrained backbone {}, "
      "seed {}, {} threads{}; training throughput {:.1f} minutes/s (final model); whole run "
      "{:.0f} s.\n\n",
      t.lr, t.weight_decay, 100 * t.warmup, t.batch,
      t.class_weight ? "class-weighted" : "unweighted", t.confidence_weight,
      t.augment ? "(amplitude ×e^U(−0.3,0.3), polarity flip 30 %, Gaussian noise, baseline "
                  "wander, ±2 s shift)"
                : "off",
      t.unfreeze_every > 0 ? fmt::format("every {} epoch(s)", t.unfreeze_every) : "off",
      t.pretrained.empty() ? "none" : "`" + t.pretrained + "`", t.seed, t.threads,
      t.bf16 ? ", bf16 autocast" : "", throughput, seconds);
  s += "## Provenance\n\n";
  s += "- command: `" + a.command + "`\n- date: " + a.date + "\n- git commit: " + a.git_commit +
       "\n\n";
  s += "## Limits\n\nMinute labels, not events. A network trained on synthetic nights has learnt "
       "the simulator's apnea pattern (cyclic heart-rate variation and breathing-modulated R "
       "amplitude), not real patients'. Not a medical device.\n";
  return s;
}

}  // namespace

std::optional<eval::EvalResult> run_seed_training(const SeedRunOptions& a, std::ostream& out) {
  const auto t0 = std::chrono::steady_clock::now();
  if (a.out.empty() && a.folds < 2)
    throw Error({}, "nothing to do: give --out and/or --folds >= 2");
  std::cerr << "loading " << a.data << " (raw ECG) ...\n";
  const auto data = load_seed_dataset(a.data, a.dataset, a.train.input);
  std::cerr << fmt::format("{} labelled nights\n", data.size());
  const std::string curves = !a.curves.empty() ? a.curves
                             : !a.out.empty()
                                 ? std::filesystem::path(a.out).replace_extension().string()
                                 : "train";
  std::string csv = "run,epoch,lr,train_loss,val_loss,val_accuracy,val_auc,seconds\n";
  nlohmann::json cj = nlohmann::json::object();
  auto add_curve = [&](const std::vector<EpochStats>& c, const std::string& run) {
    csv += curves_csv(c, run);
    for (const auto& e : c) {
      cj[run].push_back({{"epoch", e.epoch},
                         {"lr", e.lr},
                         {"train_loss", e.train_loss},
                         {"val_loss", e.val_loss},
                         {"val_accuracy", e.val_accuracy},
                         {"val_auc", e.val_auc},
                         {"seconds", e.seconds},
                         {"train_minutes", e.train_minutes}});
    }
  };
  std::optional<SeedCvResult> cv;
  std::optional<eval::EvalResult> ev;
  int final_epochs = a.final_epochs > 0 ? a.final_epochs : a.train.epochs;
  if (a.folds >= 2) {
    cv = cross_validate_seed(data, a.folds, a.train);
    ev = eval::evaluate(cv->predictions, 0.5, a.bootstrap, a.train.seed);
    for (size_t f = 0; f < cv->curves.size(); ++f)
      add_curve(cv->curves[f], fmt::format("fold{}", f + 1));
    std::vector<int> be = cv->best_epochs;
    std::sort(be.begin(), be.end());
    if (a.final_epochs <= 0) final_epochs = std::max(1, be[be.size() / 2]);
    out << fmt::format(
        "CV ({} folds by record, {} minutes): accuracy {:.2f} % [{:.2f}, {:.2f}], Se {:.2f} %, "
        "Sp {:.2f} %, F1 {:.3f}, AUC {:.4f} [{:.4f}, {:.4f}]\n",
        a.folds, ev->n_minutes, 100 * ev->accuracy.value, 100 * ev->accuracy.lo,
        100 * ev->accuracy.hi, 100 * ev->sensitivity.value, 100 * ev->specificity.value,
        ev->f1.value, ev->roc_auc.value, ev->roc_auc.lo, ev->roc_auc.hi);
    if (!a.eval_json.empty()) std::ofstream(a.eval_json) << eval::to_json(*ev) << "\n";
    if (!a.eval_html.empty()) {
      std::ofstream(a.eval_html) << eval::to_html(
          *ev, "Somna seed raw-ECG network: record-level cross-validation");
    }
  }
  if (!a.out.empty()) {
    std::vector<size_t> all(data.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    SeedTrainOptions fo = a.train;
    fo.epochs = final_epochs, fo.patience = 0, fo.label = "final";
    if (!fo.checkpoint.empty()) fo.checkpoint += ".final";
    SeedTrainResult r = train_seed(data, all, {}, fo);
    add_curve(r.curve, "final");
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::map<std::string, std::string> md;
    nlohmann::json prov = {{"data", fmt::format("{} nights from {}", data.size(),
                                                std::filesystem::path(a.data).filename().string())},
                           {"command", a.command},
                           {"date", a.date},
                           {"git_commit", a.git_commit},
                           {"final_epochs", final_epochs},
                           {"seed", a.train.seed},
                           {"pretrained", a.train.pretrained},
                           {"unfreeze_every", a.train.unfreeze_every},
                           {"training_minutes_per_s", r.windows_per_second}};
    for (const auto& n : data) prov["records"].push_back(n.name);
    if (cv) {
      for (const auto& f : cv->folds) {
        std::vector<std::string> names;
        for (size_t i : f) names.push_back(data[i].name);
        prov["folds"].push_back(names);
      }
    }
    md[model::meta::kProvenance] = prov.dump();
    if (ev) md[model::meta::kEvaluation] = eval::to_json(*ev, -1);
    md[model::meta::kVersion] = a.version;
    save_seed_model(a.out, r.net, a.train.input, md);
    const std::string card_path =
        !a.card.empty() ? a.card : std::filesystem::path(a.out).replace_extension(".md").string();
    std::ofstream(card_path) << card(a, data, cv ? &*cv : nullptr, ev ? &*ev : nullptr,
                                     final_epochs, parameter_count(*r.net), r.windows_per_second,
                                     secs);
    out << fmt::format("training throughput {:.1f} minutes/s\n", r.windows_per_second);
    out << "wrote " << a.out << " and " << card_path << "\n";
  }
  std::ofstream(curves + ".curves.csv") << csv;
  std::ofstream(curves + ".curves.json") << cj.dump(1) << "\n";
  return ev;
}

}  // namespace somna::train
