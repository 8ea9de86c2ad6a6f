// `somna train --data DIR --out MODEL.safetensors`: the flags of a training run
// (train/run.hpp) — record-level cross-validation, the final model with its card and curves —
// for the RR network (default) or the seed raw-ECG network (--family seed). Flags a user does not
// give take the family's defaults (train::TrainOptions, train::SeedTrainOptions).

#include <fmt/format.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "common/error.hpp"
#include "model/model.hpp"
#include "train/run.hpp"

namespace somna::cli {
namespace {

struct TrainArgs {
  std::string family = "rr", data, labels_csv, beats = "qrs", out, card, curves, checkpoint;
  std::vector<std::string> records;
  int folds = 5, epochs = 30, final_epochs = 0, batch = 16, crop = 64, threads = 2, patience = 8;
  int bootstrap = 1000;
  double lr = 3e-3;
  uint64_t seed = 1;
  bool resume = false, no_progress = false, bf16 = false, no_augment = false,
       no_class_weight = false;
  std::string eval_json, eval_html, oof_csv;
  // RR network: architecture overrides (JSON merged over RRNetConfig), input channels, label
  // smoothing, no model selection on the validation folds.
  std::string arch;
  int channels = 2, ensemble = 1;
  double label_smoothing = 0;
  bool last_epoch = false;
  // Seed network.
  std::string pretrained;
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

std::string shell_quoted(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789-_./,:=+") == std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The command as the user gave it (the flags set; the rest are the defaults of the version and
// git commit the provenance also records).
std::string command_line(const CLI::App& app) {
  std::string cmd = "somna train";
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0 || opt->get_lnames().empty() || opt->get_lnames()[0] == "help") continue;
    cmd += " --" + opt->get_lnames()[0];
    if (opt->get_expected_max() == 0) continue;  // a flag
    std::vector<std::string> values;
    for (const auto& v : opt->results()) values.push_back(shell_quoted(v));
    cmd += " " + fmt::format("{}", fmt::join(values, ","));
  }
  return cmd;
}

// (train::run_training says when there is nothing to do: no --out and no folds.)
void check_args(const TrainArgs& a) {
  if (a.epochs < 1 || a.batch < 1 || a.crop < 1 || !(a.lr > 0)) {
    throw Error({}, "--epochs, --batch, --crop must be >= 1 and --lr > 0");
  }
  if (a.context < 0 || a.context > 10) throw Error({}, "--context must be in 0..10 minutes");
}

// The options both families share; `given(flag)`: whether the user set it (else the family's
// default stays).
template <class Options, class Given>
void loop_options(const TrainArgs& a, const Given& given, Options& t) {
  if (given("--epochs")) t.epochs = a.epochs;
  if (given("--batch")) t.batch = a.batch;
  if (given("--lr")) t.lr = a.lr;
  if (given("--patience")) t.patience = a.patience;
  t.seed = a.seed, t.threads = a.threads, t.bf16 = a.bf16, t.resume = a.resume;
  t.augment = !a.no_augment, t.class_weight = !a.no_class_weight, t.progress = !a.no_progress;
  t.checkpoint = a.checkpoint;
}

model::RRNetConfig rr_network(const TrainArgs& a) {
  nlohmann::json arch = nlohmann::json::parse(model::RRNetConfig().to_json());
  if (!a.arch.empty()) {
    try {
      arch.merge_patch(nlohmann::json::parse(a.arch));
    } catch (const std::exception& e) {
      throw Error({}, std::string("--arch is not JSON: ") + e.what());
    }
  }
  arch["in_channels"] = a.channels;
  return model::RRNetConfig::from_json(arch.dump(), "--arch");
}

void rr_options(const TrainArgs& a, train::TrainOptions& t) {
  loop_options(
      a, [](const char*) { return true; }, t);  // TrainArgs' defaults are the RR's
  t.crop_minutes = a.crop;
  t.net = rr_network(a);
  t.label_smoothing = a.label_smoothing, t.select_best = !a.last_epoch;
  t.members = a.ensemble;
}

void seed_options(const TrainArgs& a, const CLI::App& app, train::SeedTrainOptions& t) {
  loop_options(
      a, [&app](const char* flag) { return app.count(flag) > 0; }, t);
  t.pretrained = a.pretrained;
  if (app.count("--pretrain-epochs")) t.pretrain_epochs = a.pretrain_epochs;
  if (app.count("--unfreeze-every")) {
    t.unfreeze_every = a.unfreeze_every;
  } else if (t.pretrained.empty() && t.pretrain_epochs == 0) {
    t.unfreeze_every = 0;  // a random backbone: nothing to unfreeze gradually
  }
  t.windows_per_epoch = a.windows_per_epoch;
  t.input.context_minutes = a.context;
}

train::RunOptions run_options(const TrainArgs& a, const CLI::App& app) {
  train::RunOptions r;
  r.family = a.family, r.data = a.data;
  r.dataset.beats = a.beats, r.dataset.labels_csv = a.labels_csv, r.dataset.only = a.records;
  r.dataset.spec.channels = a.channels;
  r.out = a.out, r.card = a.card, r.curves = a.curves;
  // The seed family cross-validates only when asked (its runs are long).
  r.folds = a.family == "seed" && !app.count("--folds") ? 0 : a.folds;
  r.final_epochs = a.final_epochs;
  r.bootstrap = size_t(a.bootstrap);
  r.eval_json = a.eval_json, r.eval_html = a.eval_html, r.oof_csv = a.oof_csv;
  r.command = command_line(app), r.date = utc_now(), r.git_commit = git_commit();
  r.version = SOMNA_VERSION;
  if (a.family == "seed") {
    if (a.ensemble > 1) throw Error({}, "--ensemble is for the RR family (--family rr)");
    seed_options(a, app, r.seed);
  } else {
    rr_options(a, r.rr);
  }
  return r;
}

void add_flags(CLI::App& app, TrainArgs& a) {
  app.add_option("--data", a.data,
                 "folder of labelled records (Apnea-ECG REC.hea + REC.apn, or NSRR REC.edf + "
                 "REC-nsrr.xml)")
      ->required();
  app.add_option("--labels,--labels-csv", a.labels_csv,
                 "labels instead of .apn: record,minute,label CSV or PhysioNet/CinC 2000 answers");
  app.add_option("--beats", a.beats, "beat annotation extension (qrs, atr...) or 'detect'");
  app.add_option("--records", a.records, "only these records")->delimiter(',');
  app.add_option("--out", a.out, "model file to write (.safetensors)");
  app.add_option("--card", a.card, "model card to write (.md); default: OUT with .md");
  app.add_option("--curves", a.curves, "per-epoch curves prefix (.csv/.json); default: OUT");
  app.add_option("--folds", a.folds, "record-level CV folds (0: none)");
  app.add_option("--epochs", a.epochs, "maximum epochs per fold");
  app.add_option("--final-epochs", a.final_epochs, "epochs of the final model (0: from CV)");
  app.add_option("--patience", a.patience, "early-stopping patience (epochs)");
  app.add_option("--batch", a.batch, "crops per step");
  app.add_option("--crop", a.crop, "crop length (minutes)");
  app.add_option("--lr", a.lr, "peak learning rate");
  app.add_option("--seed", a.seed, "random seed (the run is deterministic)");
  app.add_option("--threads", a.threads, "torch threads");
  app.add_option("--bootstrap", a.bootstrap, "bootstrap replicates for the CIs");
  app.add_option("--checkpoint", a.checkpoint, "checkpoint prefix (saved every epoch)");
  app.add_flag("--resume", a.resume, "resume from --checkpoint");
  app.add_flag("--bf16", a.bf16, "bfloat16 autocast on CPU");
  app.add_flag("--no-augment", a.no_augment, "no augmentation");
  app.add_flag("--no-class-weight", a.no_class_weight,
               "unweighted BCE (default: weight apnea minutes by negatives/positives)");
  app.add_flag("--no-progress", a.no_progress, "no progress bar");
  app.add_option("--eval-json", a.eval_json, "write the CV evaluation (JSON)");
  app.add_option("--oof-csv", a.oof_csv,
                 "write every minute's out-of-fold probability (record,minute,label,p,analysable)");
  app.add_option("--eval-html", a.eval_html, "write the CV evaluation (HTML)");
  app.add_option("--arch", a.arch,
                 "RR network architecture overrides, JSON merged over the defaults, e.g. "
                 "'{\"dilations\":[1,2,4,8],\"gru_hidden\":24}' (docs/models.md)");
  app.add_option("--channels", a.channels,
                 "RR input channels: the first N of rr_z, corrected, rr_detr, rr_var, "
                 "vlf_power, cvhr (docs/models.md)")
      ->check(CLI::Range(1, features::kMaxRRChannels));
  app.add_option("--label-smoothing", a.label_smoothing, "label smoothing epsilon (0..0.5)")
      ->check(CLI::Range(0.0, 0.5));
  app.add_option("--ensemble", a.ensemble,
                 "RR: networks per model (each fold and the final model), trained alike with "
                 "seeds 1000 apart and scored by the mean of their logits")
      ->check(CLI::Range(1, model::kMaxMembers));
  app.add_flag("--last-epoch", a.last_epoch,
               "keep each fold's last epoch (no early stopping or model selection on the "
               "validation records; the final model trains for --epochs)");
  app.add_option("--family", a.family,
                 "rr (RR network on beats, default) or seed (raw-ECG network; needs the ECG; "
                 "defaults: no CV unless --folds, 12 epochs, batch 32, lr 1e-3, patience 4, "
                 "3 pretraining epochs, unfreezing every epoch)")
      ->check(CLI::IsMember({"rr", "seed"}));
  app.add_option("--context", a.context, "seed: minutes of context each side of the minute");
  app.add_option("--pretrained", a.pretrained, "seed: backbone .safetensors (backbone.*)");
  app.add_option("--unfreeze-every", a.unfreeze_every,
                 "seed: gradual unfreezing period in epochs (default 1 with a pretrained "
                 "backbone)");
  app.add_option("--pretrain-epochs", a.pretrain_epochs,
                 "seed: epochs of backbone pretraining on the local heart rate (needs beat "
                 "times: simulated nights or --beats annotations; default 3, 0: none)");
  app.add_option("--windows-per-epoch", a.windows_per_epoch,
                 "seed: minutes drawn per epoch (0: all)");
}

}  // namespace

SOMNA_COMMAND({"train",
               "train the RR network (or --family seed) on labelled nights (record-level CV, "
               "final model, card)",
               [](CLI::App& app) -> Runner {
                 auto a = std::make_shared<TrainArgs>();
                 add_flags(app, *a);
                 const CLI::App* app_ptr = &app;
                 return [a, app_ptr]() -> int {
                   check_args(*a);
                   train::run_training(run_options(*a, *app_ptr), std::cout);
                   return kExitOk;
                 };
               }});

}  // namespace somna::cli
