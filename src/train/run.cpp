// The training run (see run.hpp).

#include "train/run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "analysis/night_report.hpp"
#include "common/error.hpp"
#include "eval/ahi_fit.hpp"
#include "io/file_write.hpp"
#include "model/model.hpp"
#include "report/eval_html.hpp"
#include "train/family.hpp"
#include "train/model_card.hpp"
#include "train/model_writer.hpp"

namespace somna::train {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct CvOutcome {
  std::vector<std::vector<size_t>> folds;
  std::vector<int> best_epochs;
  std::vector<eval::RecordPredictions> predictions;  // out-of-fold, one per record
  std::vector<NightScores> nights;                   // out-of-fold, every minute of each record
};

// The per-epoch curves of every network the run trains, written once at the end.
struct Curves {
  std::string csv = curves_csv_header();
  nlohmann::json json = nlohmann::json::object();
  void add(const std::vector<EpochStats>& curve, const std::string& run) {
    csv += curves_csv(curve, run);
    add_curves_json(json, curve, run);
  }
  // A network's curve, and an ensemble's other members as RUN.member2, ...
  void add(const TrainedNetwork& net, const std::string& run) {
    add(net.curve, run);
    for (size_t m = 0; m < net.members.size(); ++m)
      add(net.members[m], run + ".member" + std::to_string(m + 2));
  }
};

std::unique_ptr<Family> make_family(const RunOptions& o) {
  if (o.family == "rr") return rr_family(o);
  if (o.family == "seed") return seed_family(o);
  throw Error({}, "unknown model family '" + o.family + "' (rr or seed)");
}

std::vector<RecordInfo> load_records(Family& family, const RunOptions& o) {
  std::cerr << "loading " << o.data << " ...\n";
  std::vector<RecordInfo> records = family.load();
  std::cerr << fmt::format("{} labelled nights\n", records.size());
  const std::string source = o.dataset.labels_csv.empty() ? o.data : o.dataset.labels_csv;
  for (const RecordInfo& r : records)
    std::cerr << partly_labelled_warning(r.name, source, r.minutes, r.night_minutes,
                                         "learned from and scored");
  return records;
}

// One network per fold on the other records; its predictions of the fold's records.
CvOutcome cross_validate(Family& family, const std::vector<RecordInfo>& records, int k,
                         Curves& curves) {
  CvOutcome cv;
  std::vector<std::string> groups;
  for (const auto& r : records) groups.push_back(r.group);
  cv.folds = record_folds(groups, k, family.seed());
  cv.predictions.resize(records.size());
  cv.nights.resize(records.size());
  for (size_t f = 0; f < cv.folds.size(); ++f) {
    std::vector<size_t> tr;
    for (size_t i = 0; i < records.size(); ++i) {
      if (std::find(cv.folds[f].begin(), cv.folds[f].end(), i) == cv.folds[f].end())
        tr.push_back(i);
    }
    const TrainedNetwork net = family.train(tr, cv.folds[f], f, size_t(k), 0);
    cv.best_epochs.push_back(net.best_epoch);
    curves.add(net, fmt::format("fold{}", f + 1));
    for (size_t i : cv.folds[f]) {
      cv.nights[i] = family.predict(i);
      cv.predictions[i] = cv.nights[i].labelled;
    }
  }
  return cv;
}

// --final-epochs, else the median of the folds' best epochs, else the options' epochs.
int final_epochs(const RunOptions& o, const Family& family, const std::optional<CvOutcome>& cv) {
  if (o.final_epochs > 0) return o.final_epochs;
  if (!cv) return family.epochs();
  std::vector<int> be = cv->best_epochs;
  std::sort(be.begin(), be.end());
  return std::max(1, be[be.size() / 2]);
}

void report_cv(const RunOptions& o, const eval::EvalResult& ev, std::ostream& out) {
  out << fmt::format(
      "CV ({} folds by record, {} minutes): accuracy {:.2f} % [{:.2f}, {:.2f}], Se {:.2f} %, "
      "Sp {:.2f} %, F1 {:.3f}, AUC {:.4f} [{:.4f}, {:.4f}]{}\n",
      o.folds, ev.n_minutes, 100 * ev.accuracy.value, 100 * ev.accuracy.lo, 100 * ev.accuracy.hi,
      100 * ev.sensitivity.value, 100 * ev.specificity.value, ev.f1.value, ev.roc_auc.value,
      ev.roc_auc.lo, ev.roc_auc.hi,
      ev.n_ahi > 0 ? fmt::format(", apnea minutes/h vs AHI r {:.3f}, MAE {:.1f}", ev.night.r.value,
                                 ev.night.mae.value)
                   : "");
}

// The event-rate AHI estimator (eval/ahi_fit.hpp), fitted on the out-of-fold minute
// probabilities of the nights with a reference AHI, with its leave-one-record-out figures.
// None when the family's nights have no detector input or fewer than 5 nights have a reference.
std::optional<eval::AhiFit> fit_ahi_estimator(const RunOptions& o, const Family& family,
                                              const std::vector<RecordInfo>& records,
                                              const CvOutcome& cv, std::ostream& out) {
  std::vector<eval::AhiNight> nights;
  for (size_t i = 0; i < records.size(); ++i) {
    const analysis::NightInput* in = family.night_input(i);
    const auto& ref = cv.nights[i].labelled.ref_ahi;
    if (!in || !ref) continue;
    const std::vector<float> p = model::scores_from_logits(cv.nights[i].logits).p_apnea;
    nights.push_back({records[i].name,
                      analysis::night_ahi_features(
                          *in, p, analysis::analysable_minutes(in->quality), kModelThreshold),
                      *ref});
  }
  if (nights.size() < 5) {
    out << fmt::format(
        "no event-rate AHI estimator: {} nights with a reference AHI (learning-set-info.txt) "
        "and beats, at least 5 are needed\n",
        nights.size());
    return std::nullopt;
  }
  eval::AhiFit fit = eval::fit_ahi(nights, o.bootstrap, family.seed());
  out << fmt::format("AHI estimate, {}\n", eval::loro_summary(fit));
  out << fmt::format(
      "  beside it, apnea minutes per hour: r {:.3f}, MAE {:.1f}, apnea yes/no {}/{}, severity "
      "{}/{}\n",
      fit.minutes.r.value, fit.minutes.mae.value, fit.minutes.diagnosis_correct, fit.minutes.n,
      fit.minutes.severity_agree, fit.minutes.n);
  return fit;
}

// --eval-json (the CV figures, with the AHI estimator's under "ahi_estimator") and --eval-html.
void write_cv_files(const RunOptions& o, const Family& family, const eval::EvalResult& ev,
                    const std::optional<eval::AhiFit>& ahi) {
  if (!o.eval_json.empty()) {
    nlohmann::json j = eval::evaluation_json(ev);
    if (ahi) j["ahi_estimator"] = eval::to_json(*ahi);
    io::write_file(o.eval_json, j.dump(2) + "\n");
  }
  if (!o.eval_html.empty()) {
    io::write_file(o.eval_html,
                   report::eval_html(ev, family.title() + ": record-level cross-validation"));
  }
}

// --oof-csv: every minute's out-of-fold probability (label empty where the minute has none;
// analysable: 1 when the AHI counts the minute, empty when the family's nights do not say).
void write_oof_csv(const RunOptions& o, const Family& family,
                   const std::vector<RecordInfo>& records, const CvOutcome& cv) {
  if (o.oof_csv.empty()) return;
  std::ofstream f(o.oof_csv);
  f << "record,minute,label,p,analysable\n";
  for (size_t i = 0; i < records.size(); ++i) {
    const NightScores& n = cv.nights[i];
    const analysis::NightInput* in = family.night_input(i);
    const std::vector<uint8_t> keep =
        in ? analysis::analysable_minutes(in->quality) : std::vector<uint8_t>{};
    for (size_t m = 0; m < n.logits.size(); ++m) {
      const uint8_t l = m < n.labels.size() ? n.labels[m] : kUnlabelled;
      f << fmt::format(
          "{},{},{},{:.6f},{}\n", records[i].name, m, l == kUnlabelled ? "" : std::to_string(l),
          1 / (1 + std::exp(-double(n.logits[m]))), m < keep.size() ? std::to_string(keep[m]) : "");
    }
  }
  if (!f) throw Error(o.oof_csv, "cannot write the out-of-fold probabilities");
}

std::map<std::string, std::string> model_metadata(const RunOptions& o, const Family& family,
                                                  const std::vector<RecordInfo>& records,
                                                  const std::optional<CvOutcome>& cv,
                                                  const std::optional<eval::EvalResult>& ev,
                                                  const std::optional<eval::AhiFit>& ahi,
                                                  int epochs, const TrainedNetwork& net) {
  nlohmann::json prov = {{"data", fmt::format("{} nights from {}", records.size(),
                                              fs::path(o.data).filename().string())},
                         {"command", o.command},
                         {"date", o.date},
                         {"git_commit", o.git_commit},
                         {"final_epochs", epochs},
                         {"seed", family.seed()}};
  family.add_provenance(prov);
  if (net.minutes_per_second > 0) prov["training_minutes_per_s"] = net.minutes_per_second;
  for (const auto& r : records) prov["records"].push_back(r.name);
  if (cv) {
    for (const auto& f : cv->folds) {
      std::vector<std::string> names;
      for (size_t i : f) names.push_back(records[i].name);
      prov["folds"].push_back(names);
    }
  }
  std::map<std::string, std::string> md;
  md[model::meta::kProvenance] = prov.dump();
  if (ev) md[model::meta::kEvaluation] = eval::to_json(*ev, -1);
  if (ahi) md[model::meta::kAhiModel] = analysis::to_json(ahi->model).dump();
  md[model::meta::kVersion] = o.version;
  return md;
}

// The final network on all records, its model file and its card.
void write_final_model(const RunOptions& o, Family& family, const std::vector<RecordInfo>& records,
                       const std::optional<CvOutcome>& cv,
                       const std::optional<eval::EvalResult>& ev,
                       const std::optional<eval::AhiFit>& ahi, Curves& curves, Clock::time_point t0,
                       std::ostream& out) {
  std::vector<size_t> all(records.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const int epochs = final_epochs(o, family, cv);
  const TrainedNetwork net = family.train(all, {}, 0, 0, epochs);
  curves.add(net, "final");
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  family.save(o.out, model_metadata(o, family, records, cv, ev, ahi, epochs, net));
  CardInput card;
  card.model_file = o.out, card.data_dir = o.data, card.records = records;
  if (cv) card.folds = &cv->folds, card.fold_epochs = &cv->best_epochs;
  card.evaluation = ev ? &*ev : nullptr;
  card.ahi = ahi ? &*ahi : nullptr;
  card.final_epochs = epochs;
  card.command = o.command, card.date = o.date, card.git_commit = o.git_commit;
  card.text = family.card_text(family.parameter_count(), epochs, records.size(),
                               net.minutes_per_second, seconds);
  const std::string card_path =
      !o.card.empty() ? o.card : fs::path(o.out).replace_extension(".md").string();
  io::write_file(card_path, model_card(card));
  if (net.minutes_per_second > 0) {
    out << fmt::format("training throughput {:.1f} minutes/s\n", net.minutes_per_second);
  }
  out << "wrote " << o.out << " and " << card_path << "\n";
}

void write_curves(const RunOptions& o, const Curves& curves) {
  const std::string prefix = !o.curves.empty() ? o.curves
                             : !o.out.empty()  ? fs::path(o.out).replace_extension().string()
                                               : "train";
  io::write_file(prefix + ".curves.csv", curves.csv);
  io::write_file(prefix + ".curves.json", curves.json.dump(1) + "\n");
}

}  // namespace

RecordInfo record_info(const std::string& name, const std::string& group,
                       const std::vector<uint8_t>& labels) {
  RecordInfo r{name, group, count_labelled(labels), 0, labels.size()};
  for (uint8_t l : labels) r.apnea += l == 1;
  return r;
}

std::optional<eval::EvalResult> run_training(const RunOptions& o, std::ostream& out) {
  const auto t0 = Clock::now();
  if (o.out.empty() && o.folds < 2)
    throw Error({}, "nothing to do: give --out and/or --folds >= 2");
  const std::unique_ptr<Family> family = make_family(o);
  const std::vector<RecordInfo> records = load_records(*family, o);
  Curves curves;
  std::optional<CvOutcome> cv;
  std::optional<eval::EvalResult> ev;
  std::optional<eval::AhiFit> ahi;
  if (o.folds >= 2) {
    cv = cross_validate(*family, records, o.folds, curves);
    ev = eval::evaluate(cv->predictions, kModelThreshold, o.bootstrap, family->seed());
    report_cv(o, *ev, out);
    ahi = fit_ahi_estimator(o, *family, records, *cv, out);
    write_cv_files(o, *family, *ev, ahi);
    write_oof_csv(o, *family, records, *cv);
  }
  if (!o.out.empty()) write_final_model(o, *family, records, cv, ev, ahi, curves, t0, out);
  write_curves(o, curves);
  return ev;
}

}  // namespace somna::train
