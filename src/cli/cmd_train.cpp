// `somna train --data DIR --out MODEL.safetensors`: trains the RR network on labelled nights
// (Apnea-ECG layout, or records + a label CSV). With --folds K (default 5) it first runs
// record-level K-fold cross-validation (folds by record, balanced over the a/b/c groups), evaluates
// the out-of-fold predictions of every labelled minute (eval::evaluate, CIs over records), then
// trains the final model on all nights for the median of the folds' best epochs and writes it
// with the CV figures and provenance in its metadata, plus a model card (--card) and the
// per-epoch curves (CSV and JSON).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "eval/metrics.hpp"
#include "model/model.hpp"
#include "train/dataset.hpp"
#include "train/model_writer.hpp"
#include "train/seed_run.hpp"
#include "train/trainer.hpp"

namespace somna::cli {
namespace {

struct TrainArgs {
  std::string data, labels_csv, beats = "qrs", out, card, curves, checkpoint;
  std::vector<std::string> records;
  int folds = 5, epochs = 30, final_epochs = 0, batch = 16, crop = 64, threads = 2, patience = 8;
  int bootstrap = 1000;
  double lr = 3e-3;
  uint64_t seed = 1;
  bool resume = false, no_progress = false, bf16 = false, no_augment = false,
       no_class_weight = false;
  std::string eval_json, eval_html;
  // RR network: architecture overrides (JSON merged over RRNetConfig), input channels, label
  // smoothing, no model selection on the validation folds.
  std::string arch;
  int channels = 2;
  double label_smoothing = 0;
  bool last_epoch = false;
  // --family seed (the raw-ECG network, src/train/seed_run.hpp):
  std::string family = "rr", pretrained;
  int context = 0, unfreeze_every = 0, windows_per_epoch = 0, pretrain_epochs = 0;
};

std::string git_commit() {
  std::string cmd = std::string("git -C '") + SOMNA_SOURCE_DIR + "' rev-parse HEAD 2>/dev/null";
  std::array<char, 128> buf{};
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    while (fgets(buf.data(), int(buf.size()), p)) out += buf.data();
    pclose(p);
  }
  while (!out.empty() && std::isspace(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char b[32];
  std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return b;
}

// --family seed: flags the user did not give take the seed trainer's defaults.
int run_seed_family(const TrainArgs& a, const CLI::App& app, const std::string& date,
                    const std::string& commit) {
  train::SeedRunOptions r;
  r.data = a.data;
  r.dataset.labels_csv = a.labels_csv;
  r.dataset.only = a.records;
  r.out = a.out, r.card = a.card, r.curves = a.curves;
  r.folds = app.count("--folds") ? a.folds : 0;
  r.final_epochs = a.final_epochs;
  r.bootstrap = size_t(a.bootstrap);
  r.eval_json = a.eval_json, r.eval_html = a.eval_html;
  r.date = date, r.git_commit = commit, r.version = SOMNA_VERSION;
  train::SeedTrainOptions& t = r.train;
  if (app.count("--epochs")) t.epochs = a.epochs;
  if (app.count("--batch")) t.batch = a.batch;
  if (app.count("--lr")) t.lr = a.lr;
  if (app.count("--patience")) t.patience = a.patience;
  t.seed = a.seed, t.threads = a.threads, t.bf16 = a.bf16, t.resume = a.resume;
  t.augment = !a.no_augment, t.class_weight = !a.no_class_weight, t.progress = !a.no_progress;
  t.checkpoint = a.checkpoint, t.pretrained = a.pretrained;
  if (app.count("--pretrain-epochs")) t.pretrain_epochs = a.pretrain_epochs;
  if (app.count("--unfreeze-every")) {
    t.unfreeze_every = a.unfreeze_every;
  } else if (t.pretrained.empty() && t.pretrain_epochs == 0) {
    t.unfreeze_every = 0;  // a random backbone: nothing to unfreeze gradually
  }
  t.windows_per_epoch = a.windows_per_epoch;
  r.dataset.beats = a.beats;
  t.input.context_minutes = a.context;
  if (a.context < 0 || a.context > 10) throw Error({}, "--context must be in 0..10 minutes");
  r.command = fmt::format(
      "somna train --family seed --data {}{}{} --folds {} --epochs {} --batch {} --lr {} "
      "--patience {} --seed {} --threads {} --context {}{}{}",
      a.data, a.labels_csv.empty() ? "" : " --labels-csv " + a.labels_csv,
      a.out.empty() ? "" : " --out " + a.out, r.folds, t.epochs, t.batch, t.lr, t.patience, t.seed,
      t.threads, a.context,
      (t.pretrained.empty() ? "" : " --pretrained " + t.pretrained) +
          (t.pretrain_epochs > 0 ? fmt::format(" --pretrain-epochs {}", t.pretrain_epochs) : ""),
      t.unfreeze_every > 0 ? fmt::format(" --unfreeze-every {}", t.unfreeze_every) : "");
  train::run_seed_training(r, std::cout);
  return kExitOk;
}

std::string pct(const eval::Ci& c) {
  return fmt::format("{:.1f} % (95 % CI {:.1f}–{:.1f})", 100 * c.value, 100 * c.lo, 100 * c.hi);
}
std::string dec(const eval::Ci& c) {
  return fmt::format("{:.3f} (95 % CI {:.3f}–{:.3f})", c.value, c.lo, c.hi);
}

std::string card(const TrainArgs& a, const std::string& command, const std::string& date,
                 const std::string& commit, const std::vector<train::LabelledNight>& data,
                 const train::CvResult* cv, const eval::EvalResult* ev, int final_epochs,
                 int64_t params, double seconds, const model::RRNetConfig& net) {
  size_t minutes = 0, apnea = 0;
  for (const auto& n : data) {
    for (uint8_t l : n.labels) minutes += l != train::kUnlabelled, apnea += l == 1;
  }
  std::string s = "# Somna model: " + std::filesystem::path(a.out).filename().string() + "\n\n";
  s += fmt::format(
      "RR network (`rr-cnn`): multi-scale 1-D CNN with squeeze-excitation over {} beat-derived "
      "channels ({}) resampled at 2 Hz over the whole night, pooled to one vector per minute, "
      "dilated temporal convolutions across neighbouring minutes (dilations {}){}, one logit per "
      "minute (docs/models.md); architecture `{}`. ",
      a.channels, fmt::join(features::rr_channel_names(a.channels), ", "),
      fmt::join(net.dilations, ", "),
      net.gru_hidden > 0
          ? fmt::format(", a bidirectional GRU ({} hidden) over the night's minute sequence",
                        net.gru_hidden)
          : "",
      net.to_json());
  s += fmt::format(
      "{} parameters. Produced by `somna train`; every figure below was computed by "
      "that run.\n\n",
      params);
  s += "## Data\n\n";
  s += fmt::format(
      "{} records from `{}` ({} labelled minutes, {} apnea = {:.1f} %), beats from "
      "`{}`, labels from {}.\n\n",
      data.size(), a.data, minutes, apnea,
      100.0 * double(apnea) / double(std::max<size_t>(1, minutes)),
      a.beats == "detect" ? "Somna's QRS detector" : "." + a.beats + " annotations",
      a.labels_csv.empty() ? "the .apn annotations" : "`" + a.labels_csv + "`");
  s += "## Protocol\n\n";
  if (cv && ev) {
    s += fmt::format(
        "{}-fold cross-validation by RECORD (folds balanced over the record groups "
        "a/b/c; no minute of a validation night is ever seen in training). Folds:\n\n",
        cv->folds.size());
    for (size_t f = 0; f < cv->folds.size(); ++f) {
      std::vector<std::string> names;
      for (size_t i : cv->folds[f]) names.push_back(data[i].name);
      s += fmt::format("- fold {}: {} ({} epoch {})\n", f + 1, fmt::join(names, " "),
                       a.last_epoch ? "last" : "best", cv->best_epochs[f]);
    }
    if (a.last_epoch) {
      s += fmt::format(
          "\nEvery labelled minute is scored (no minute excluded for noise or at the "
          "edges). No early stopping and no model selection on the validation records: each "
          "fold trains for a fixed {} epochs (cosine schedule to zero) and its last epoch "
          "scores the held-out nights. The final model is trained the same way on all {} "
          "nights for {} epochs, so the figures below are those of the procedure, estimated "
          "out of fold.\n\n",
          a.epochs, data.size(), final_epochs);
    } else {
      s += fmt::format(
          "\nEvery labelled minute is scored (no minute excluded for noise or at the "
          "edges). Early stopping on each fold's validation ROC-AUC (patience {}). The "
          "final model is trained on all {} nights for {} epochs (median of the folds' "
          "best epochs), so the figures below are those of the procedure, estimated "
          "out of fold.\n\n",
          a.patience, data.size(), final_epochs);
    }
    s += "## Cross-validated figures (out-of-fold, threshold 0.5)\n\n";
    s += fmt::format("95 % CIs by bootstrap over records ({} replicates).\n\n", ev->bootstrap);
    s += "| per minute | value |\n|---|---|\n";
    s += "| accuracy | " + pct(ev->accuracy) + " |\n";
    s += "| sensitivity | " + pct(ev->sensitivity) + " |\n";
    s += "| specificity | " + pct(ev->specificity) + " |\n";
    s += "| PPV | " + pct(ev->ppv) + " |\n";
    s += "| NPV | " + pct(ev->npv) + " |\n";
    s += "| F1 | " + pct(ev->f1) + " |\n";
    s += "| MCC | " + dec(ev->mcc) + " |\n";
    s += "| ROC-AUC | " + dec(ev->roc_auc) + " |\n";
    s += "| PR-AUC | " + dec(ev->pr_auc) + " |\n\n";
    s += fmt::format(
        "Per night ({} records with a reference AHI; estimate = predicted apnea "
        "minutes per hour): Pearson r {}, MAE {} events/h; diagnosis at AHI ≥ 5 "
        "correct in {:.1f} %; AASM severity class agreement {:.1f} % (κ {:.2f}).\n\n",
        ev->n_ahi, dec(ev->ahi_r), dec(ev->ahi_mae), 100 * ev->diagnosis_accuracy,
        100 * ev->severity_agreement, ev->severity_kappa);
  } else {
    s += fmt::format("No cross-validation (--folds 0); trained on all nights for {} epochs.\n\n",
                     final_epochs);
  }
  s += "## Training\n\n";
  s += fmt::format(
      "AdamW (lr {}, weight decay 1e-2), cosine schedule, batch {} crops of {} "
      "minutes, {} BCE{}, augmentation {}, seed {}, {} threads; whole run "
      "{:.0f} s.\n\n",
      a.lr, a.batch, a.crop, a.no_class_weight ? "unweighted" : "class-weighted",
      a.label_smoothing > 0 ? fmt::format(" (label smoothing {})", a.label_smoothing) : "",
      a.no_augment ? "off"
                   : "(amplitude scaling, Gaussian noise, baseline wander, ±2 s time jitter)",
      a.seed, a.threads, seconds);
  s += "## Provenance\n\n";
  s += "- command: `" + command + "`\n- date: " + date + "\n- git commit: " + commit + "\n\n";
  s += "## Limits\n\nTrained on 35 nights of one database (Apnea-ECG learning set, mostly men, "
       "beats from its .qrs annotations). Minute labels, not events: the AHI estimate counts apnea "
       "minutes per hour. Not a medical device.\n";
  return s;
}

}  // namespace

SOMNA_COMMAND(
    {"train",
     "train the RR network (or --family seed) on labelled nights (record-level CV, final model, "
     "card)",
     [](CLI::App& app) -> Runner {
       auto a = std::make_shared<TrainArgs>();
       app.add_option("--data", a->data, "folder of records with labels (e.g. Apnea-ECG)")
           ->required();
       app.add_option("--labels-csv", a->labels_csv, "record,minute,label CSV instead of .apn");
       app.add_option("--beats", a->beats, "beat annotation extension (qrs, atr...) or 'detect'");
       app.add_option("--records", a->records, "only these records")->delimiter(',');
       app.add_option("--out", a->out, "model file to write (.safetensors)");
       app.add_option("--card", a->card, "model card to write (.md); default: OUT with .md");
       app.add_option("--curves", a->curves, "per-epoch curves prefix (.csv/.json); default: OUT");
       app.add_option("--folds", a->folds, "record-level CV folds (0: none)");
       app.add_option("--epochs", a->epochs, "maximum epochs per fold");
       app.add_option("--final-epochs", a->final_epochs, "epochs of the final model (0: from CV)");
       app.add_option("--patience", a->patience, "early-stopping patience (epochs)");
       app.add_option("--batch", a->batch, "crops per step");
       app.add_option("--crop", a->crop, "crop length (minutes)");
       app.add_option("--lr", a->lr, "peak learning rate");
       app.add_option("--seed", a->seed, "random seed (the run is deterministic)");
       app.add_option("--threads", a->threads, "torch threads");
       app.add_option("--bootstrap", a->bootstrap, "bootstrap replicates for the CIs");
       app.add_option("--checkpoint", a->checkpoint, "checkpoint prefix (saved every epoch)");
       app.add_flag("--resume", a->resume, "resume from --checkpoint");
       app.add_flag("--bf16", a->bf16, "bfloat16 autocast on CPU");
       app.add_flag("--no-augment", a->no_augment, "no augmentation");
       app.add_flag("--no-class-weight", a->no_class_weight,
                    "unweighted BCE (default: weight apnea minutes by negatives/positives)");
       app.add_flag("--no-progress", a->no_progress, "no progress bar");
       app.add_option("--eval-json", a->eval_json, "write the CV evaluation (JSON)");
       app.add_option("--eval-html", a->eval_html, "write the CV evaluation (HTML)");
       app.add_option("--arch", a->arch,
                      "RR network architecture overrides, JSON merged over the defaults, e.g. "
                      "'{\"dilations\":[1,2,4,8],\"gru_hidden\":24}' (docs/models.md)");
       app.add_option("--channels", a->channels,
                      "RR input channels: the first N of rr_z, corrected, rr_detr, rr_var")
           ->check(CLI::Range(1, features::kMaxRRChannels));
       app.add_option("--label-smoothing", a->label_smoothing, "label smoothing epsilon (0..0.5)")
           ->check(CLI::Range(0.0, 0.5));
       app.add_flag("--last-epoch", a->last_epoch,
                    "keep each fold's last epoch (no early stopping or model selection on the "
                    "validation records; the final model trains for --epochs)");
       app.add_option("--family", a->family,
                      "rr (RR network on beats, default) or seed (raw-ECG network; needs the ECG; "
                      "defaults: no CV unless --folds, 12 epochs, batch 32, lr 1e-3, patience 4, "
                      "3 pretraining epochs, unfreezing every epoch)")
           ->check(CLI::IsMember({"rr", "seed"}));
       app.add_option("--context", a->context, "seed: minutes of context each side of the minute");
       app.add_option("--pretrained", a->pretrained, "seed: backbone .safetensors (backbone.*)");
       app.add_option(
           "--unfreeze-every", a->unfreeze_every,
           "seed: gradual unfreezing period in epochs (default 1 with a pretrained backbone)");
       app.add_option("--pretrain-epochs", a->pretrain_epochs,
                      "seed: epochs of backbone pretraining on the local heart rate (needs beat "
                      "times: simulated nights or --beats annotations; default 3, 0: none)");
       app.add_option("--windows-per-epoch", a->windows_per_epoch,
                      "seed: minutes drawn per epoch (0: all)");
       CLI::App* app_ptr = &app;
       return [a, app_ptr]() -> int {
         const auto t0 = std::chrono::steady_clock::now();
         if (a->out.empty() && a->folds < 2)
           throw Error({}, "nothing to do: give --out and/or --folds >= 2");
         if (a->epochs < 1 || a->batch < 1 || a->crop < 1 || !(a->lr > 0)) {
           throw Error({}, "--epochs, --batch, --crop must be >= 1 and --lr > 0");
         }
         std::string command = "somna train";
         for (const auto& part : std::vector<std::pair<std::string, std::string>>{
                  {"--data", a->data},
                  {"--beats", a->beats},
                  {"--labels-csv", a->labels_csv},
                  {"--out", a->out},
                  {"--folds", std::to_string(a->folds)},
                  {"--epochs", std::to_string(a->epochs)},
                  {"--seed", std::to_string(a->seed)},
                  {"--threads", std::to_string(a->threads)},
                  {"--patience", std::to_string(a->patience)},
                  {"--batch", std::to_string(a->batch)},
                  {"--crop", std::to_string(a->crop)},
                  {"--lr", fmt::format("{}", a->lr)},
                  {"--channels", std::to_string(a->channels)},
                  {"--arch", a->arch.empty() ? "" : "'" + a->arch + "'"},
                  {"--label-smoothing",
                   a->label_smoothing > 0 ? fmt::format("{}", a->label_smoothing) : ""},
                  {"--last-epoch", a->last_epoch ? " " : ""},
                  {"--bootstrap", std::to_string(a->bootstrap)},
                  {"--no-class-weight", a->no_class_weight ? " " : ""}}) {
           if (!part.second.empty()) command += " " + part.first + " " + part.second;
         }
         const std::string date = utc_now(), commit = git_commit();
         if (a->family == "seed") {
           return run_seed_family(*a, *app_ptr, date, commit);
         }
         train::DatasetOptions dopt;
         dopt.beats = a->beats;
         dopt.labels_csv = a->labels_csv;
         dopt.only = a->records;
         dopt.spec.channels = a->channels;
         std::cerr << "loading " << a->data << " ...\n";
         const auto data = train::load_dataset(a->data, dopt);
         std::cerr << fmt::format("{} labelled nights\n", data.size());
         train::TrainOptions to;
         to.epochs = a->epochs, to.batch = a->batch, to.crop_minutes = a->crop, to.lr = a->lr;
         to.seed = a->seed, to.threads = a->threads, to.patience = a->patience;
         to.augment = !a->no_augment, to.class_weight = !a->no_class_weight, to.bf16 = a->bf16,
         to.progress = !a->no_progress;
         to.checkpoint = a->checkpoint, to.resume = a->resume;
         {
           nlohmann::json arch = nlohmann::json::parse(to.net.to_json());
           if (!a->arch.empty()) {
             try {
               arch.merge_patch(nlohmann::json::parse(a->arch));
             } catch (const std::exception& e) {
               throw Error({}, std::string("--arch is not JSON: ") + e.what());
             }
           }
           arch["in_channels"] = a->channels;
           to.net = model::RRNetConfig::from_json(arch.dump(), "--arch");
         }
         to.label_smoothing = a->label_smoothing, to.select_best = !a->last_epoch;
         const std::string curves = !a->curves.empty() ? a->curves
                                    : !a->out.empty()
                                        ? std::filesystem::path(a->out).replace_extension().string()
                                        : "train";
         std::string csv = "run,epoch,lr,train_loss,val_loss,val_accuracy,val_auc,seconds\n";
         nlohmann::json cj = nlohmann::json::object();
         auto add_curve = [&](const std::vector<train::EpochStats>& c, const std::string& run) {
           csv += train::curves_csv(c, run);
           for (const auto& e : c) {
             cj[run].push_back({{"epoch", e.epoch},
                                {"lr", e.lr},
                                {"train_loss", e.train_loss},
                                {"val_loss", e.val_loss},
                                {"val_accuracy", e.val_accuracy},
                                {"val_auc", e.val_auc},
                                {"seconds", e.seconds}});
           }
         };
         std::optional<train::CvResult> cv;
         std::optional<eval::EvalResult> ev;
         int final_epochs = a->final_epochs > 0 ? a->final_epochs : a->epochs;
         if (a->folds >= 2) {
           cv = train::cross_validate(data, a->folds, to);
           ev = eval::evaluate(cv->predictions, 0.5, size_t(a->bootstrap), a->seed);
           for (size_t f = 0; f < cv->curves.size(); ++f)
             add_curve(cv->curves[f], fmt::format("fold{}", f + 1));
           std::vector<int> be = cv->best_epochs;
           std::sort(be.begin(), be.end());
           if (a->final_epochs <= 0) final_epochs = std::max(1, be[be.size() / 2]);
           std::cout << fmt::format(
               "CV ({} folds by record, {} minutes): accuracy {:.2f} % [{:.2f}, {:.2f}], "
               "Se {:.2f} %, Sp {:.2f} %, F1 {:.3f}, AUC {:.4f} [{:.4f}, {:.4f}], "
               "AHI r {:.3f}, MAE {:.1f}\n",
               a->folds, ev->n_minutes, 100 * ev->accuracy.value, 100 * ev->accuracy.lo,
               100 * ev->accuracy.hi, 100 * ev->sensitivity.value, 100 * ev->specificity.value,
               ev->f1.value, ev->roc_auc.value, ev->roc_auc.lo, ev->roc_auc.hi, ev->ahi_r.value,
               ev->ahi_mae.value);
           if (!a->eval_json.empty()) std::ofstream(a->eval_json) << eval::to_json(*ev) << "\n";
           if (!a->eval_html.empty()) {
             std::ofstream(a->eval_html)
                 << eval::to_html(*ev, "Somna RR network: record-level cross-validation");
           }
         }
         if (!a->out.empty()) {
           std::vector<size_t> all(data.size());
           for (size_t i = 0; i < all.size(); ++i) all[i] = i;
           train::TrainOptions fo = to;
           fo.epochs = final_epochs, fo.patience = 0, fo.label = "final";
           if (!to.checkpoint.empty()) fo.checkpoint = to.checkpoint + ".final";
           train::TrainResult r = train::train_rr(data, all, {}, fo);
           add_curve(r.curve, "final");
           const double secs =
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
           std::map<std::string, std::string> md;
           nlohmann::json prov = {
               {"data", fmt::format("{} nights from {}", data.size(),
                                    std::filesystem::path(a->data).filename().string())},
               {"beats", a->beats},
               {"command", command},
               {"date", date},
               {"git_commit", commit},
               {"final_epochs", final_epochs},
               {"seed", a->seed}};
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
           md[model::meta::kVersion] = SOMNA_VERSION;
           train::save_rr_model(a->out, r.net, dopt.spec, md);
           const std::string card_path =
               !a->card.empty() ? a->card
                                : std::filesystem::path(a->out).replace_extension(".md").string();
           std::ofstream(card_path)
               << card(*a, command, date, commit, data, cv ? &*cv : nullptr, ev ? &*ev : nullptr,
                       final_epochs, train::parameter_count(*r.net), secs, to.net);
           std::cout << "wrote " << a->out << " and " << card_path << "\n";
         }
         std::ofstream(curves + ".curves.csv") << csv;
         std::ofstream(curves + ".curves.json") << cj.dump(1) << "\n";
         return kExitOk;
       };
     }});

}  // namespace somna::cli
