// `somna eval`: per-minute and per-night evaluation against reference labels (eval/metrics.hpp),
// JSON on stdout or --json, a self-contained HTML page with --html. Either scores labelled nights
// (Apnea-ECG layout, or NSRR EDF nights with their event XML: train/dataset.hpp) with a detector
// (--model FILE, or cvhr) or evaluates another system's predictions CSV
// (record,minute,p — or a 0/1 column named label/pred — with references from --data's labels, or a
// truth column in the same CSV, or from --labels: a record,minute,label CSV or PhysioNet/CinC
// Challenge 2000 answers, e.g. `somna analyze --annotations`' REC.challenge.txt). Nights the model
// was trained on (its file lists them) get a warning that the figures are training-set figures,
// with the model's cross-validated figures beside them.

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "analysis/night_report.hpp"
#include "cli/command.hpp"
#include "cli/detector_choice.hpp"
#include "common/error.hpp"
#include "eval/metrics.hpp"
#include "io/file_write.hpp"
#include "report/eval_html.hpp"
#include "train/dataset.hpp"

namespace somna::cli {
namespace {

struct EvalArgs {
  std::string data, model, predictions, beats = "qrs", json, html, labels_csv;
  std::vector<std::string> records;
  double threshold = -1;
  int bootstrap = 1000;
  uint64_t seed = 1;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> f;
  std::stringstream ss(line);
  std::string t;
  while (std::getline(ss, t, ',')) f.push_back(t);
  return f;
}

// record -> minute -> (p, truth or -1)
std::map<std::string, std::map<size_t, std::pair<float, int>>> read_predictions(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) throw train::DatasetError(path, "cannot open the predictions CSV");
  std::string line;
  if (!std::getline(in, line)) throw train::DatasetError(path, "empty predictions CSV");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  const auto head = split(line);
  // A probability column (p, p_apnea) is preferred over a 0/1 one (label, pred), so that
  // `somna analyze --annotations`' REC.minutes.csv (p and an A/N/X label) reads as probabilities.
  int ir = -1, im = -1, ip = -1, it = -1, ilabel = -1;
  for (int i = 0; i < int(head.size()); ++i) {
    const std::string& h = head[size_t(i)];
    if (h == "record")
      ir = i;
    else if (h == "minute")
      im = i;
    else if (h == "p" || h == "p_apnea")
      ip = i;
    else if ((h == "label" || h == "pred") && ilabel < 0)
      ilabel = i;
    else if (h == "truth" || h == "reference")
      it = i;
  }
  if (ip < 0) ip = ilabel;
  if (ir < 0 || im < 0 || ip < 0) {
    throw train::DatasetError(path, "header needs record, minute and p (or label/pred) columns",
                              "line 1");
  }
  std::map<std::string, std::map<size_t, std::pair<float, int>>> out;
  size_t ln = 1;
  while (std::getline(in, line)) {
    ++ln;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const auto f = split(line);
    const size_t need = size_t(std::max({ir, im, ip, it})) + 1;
    if (f.size() < need)
      throw train::DatasetError(path, "too few columns", fmt::format("line {}", ln));
    try {
      const long m = std::stol(f[size_t(im)]);
      const float p = std::stof(f[size_t(ip)]);
      if (m < 0 || !(p >= 0 && p <= 1)) throw std::out_of_range("range");
      int t = -1;
      if (it >= 0) t = std::stoi(f[size_t(it)]) ? 1 : 0;
      out[f[size_t(ir)]][size_t(m)] = {p, t};
    } catch (const std::exception&) {
      throw train::DatasetError(path, "minute must be >= 0 and p in [0,1]",
                                fmt::format("line {}", ln));
    }
  }
  return out;
}

// Per-minute labels (0, 1, kUnlabelled) of every record of a label file (train::read_label_file).
std::map<std::string, std::vector<uint8_t>> labels_from_file(const std::string& path) {
  std::map<std::string, std::vector<uint8_t>> out;
  for (const auto& [name, minutes] : train::read_label_file(path)) {
    std::vector<uint8_t>& v = out[name];
    v.assign(minutes.empty() ? 0 : minutes.rbegin()->first + 1, train::kUnlabelled);
    for (const auto& [m, label] : minutes) v[m] = label;
  }
  return out;
}

// Says so when the reference labels cover under 90 % of the minutes a record has scores for (a
// label file for part of the night, or for another night): only the labelled ones are scored.
void warn_if_partly_labelled(const EvalArgs& a, const std::string& record, size_t labelled,
                             size_t minutes) {
  std::cerr << train::partly_labelled_warning(record, a.labels_csv.empty() ? a.data : a.labels_csv,
                                              labelled, minutes, "scored");
}

// --predictions: another system's minute probabilities, references from the CSV's truth column
// or from --data's labels; the reference AHI from --data's nights (learning-set-info.txt, NSRR
// event files).
std::vector<eval::RecordPredictions> predictions_from_csv(const EvalArgs& a,
                                                          const train::DatasetOptions& dopt) {
  const auto preds = read_predictions(a.predictions);
  std::map<std::string, double> ahi;
  std::map<std::string, std::vector<uint8_t>> labels;
  if (!a.data.empty()) {
    ahi = train::read_reference_ahi(
        (std::filesystem::path(a.data) / "learning-set-info.txt").string());
    for (const auto& n : train::load_dataset(a.data, dopt)) {
      labels[n.name] = n.labels;
      if (n.ref_ahi) ahi.emplace(n.name, *n.ref_ahi);
    }
  } else if (!a.labels_csv.empty()) {
    labels = labels_from_file(a.labels_csv);
  }
  std::vector<eval::RecordPredictions> recs;
  for (const auto& [name, mins] : preds) {
    if (!a.records.empty() &&
        std::find(a.records.begin(), a.records.end(), name) == a.records.end())
      continue;
    eval::RecordPredictions r;
    r.record = name;
    if (ahi.count(name)) r.ref_ahi = ahi.at(name);
    for (const auto& [m, pt] : mins) {
      int truth = pt.second;
      if (truth < 0) {
        auto it = labels.find(name);
        if (it == labels.end()) {
          throw train::DatasetError(a.predictions, "no reference labels for record '" + name +
                                                       "' (give --data, --labels or a truth "
                                                       "column)");
        }
        if (m >= it->second.size() || it->second[m] == train::kUnlabelled) continue;
        truth = it->second[m];
      }
      r.p.push_back(pt.first);
      r.label.push_back(uint8_t(truth));
    }
    warn_if_partly_labelled(a, name, r.p.size(), mins.size());
    recs.push_back(std::move(r));
  }
  return recs;
}

// --data with a detector: every labelled minute's score, and the night's AHI as analyze_night
// gives it when the detector has an event-rate estimator (over the analysable minutes).
std::vector<eval::RecordPredictions> score_nights(const analysis::Detector& det, const EvalArgs& a,
                                                  const train::DatasetOptions& dopt) {
  const analysis::DetectorInfo info = det.info();
  std::vector<eval::RecordPredictions> recs;
  for (const auto& n : train::load_dataset(a.data, dopt)) {
    const auto s = det.score(n.input);
    eval::RecordPredictions r;
    r.record = n.name;
    r.ref_ahi = n.ref_ahi;
    for (size_t m = 0; m < n.labels.size() && m < s.p_apnea.size(); ++m) {
      if (n.labels[m] == train::kUnlabelled) continue;
      r.p.push_back(s.p_apnea[m]);
      r.label.push_back(n.labels[m]);
    }
    warn_if_partly_labelled(a, n.name, r.p.size(), s.p_apnea.size());
    if (info.ahi_model) {
      const auto f = analysis::night_ahi_features(
          n.input, s.p_apnea, analysis::analysable_minutes(n.input.quality), info.threshold);
      r.est_ahi = analysis::estimate_ahi(*info.ahi_model, f);
    }
    recs.push_back(std::move(r));
  }
  return recs;
}

// The evaluated nights the model was trained on (its file lists them).
std::vector<std::string> training_nights(const analysis::DetectorInfo& info,
                                         const std::vector<eval::RecordPredictions>& recs) {
  std::vector<std::string> seen;
  for (const auto& r : recs) {
    if (info.is_training_record(r.record)) seen.push_back(r.record);
  }
  return seen;
}

// The model's own cross-validated figures (from its file), one line; empty when it has none.
std::string cv_figures(const analysis::DetectorInfo& info) {
  if (info.cv_evaluation_json.empty()) return {};
  try {
    const auto j = nlohmann::json::parse(info.cv_evaluation_json);
    const auto v = [&](const char* section, const char* key) {
      const auto& x = j.at(section).at(key).at("value");
      return x.is_number() ? x.get<double>() : NAN;
    };
    return fmt::format(
        "its {}-record cross-validation (out-of-fold): accuracy {:.2f} %, Se {:.2f} %, Sp {:.2f} "
        "%, AUC {:.4f}",
        j.value("records", 0), 100 * v("minute", "accuracy"), 100 * v("minute", "sensitivity"),
        100 * v("minute", "specificity"), v("minute", "roc_auc"));
  } catch (const std::exception&) {
    return {};
  }
}

// The warning for figures computed on nights the model was trained on; empty when none is.
std::string training_set_warning(const analysis::DetectorInfo& info,
                                 const std::vector<std::string>& seen, size_t n_records) {
  if (seen.empty()) return {};
  std::string w = fmt::format(
      "{} of the {} evaluated nights ({}) are training nights of {}: these are training-set "
      "figures, not a test result.",
      seen.size(), n_records, fmt::join(seen, " "), info.name);
  const std::string cv = cv_figures(info);
  if (!cv.empty()) w += " For an honest estimate see " + cv;
  if (info.ahi_model && !info.ahi_model->summary.empty())
    w += (cv.empty() ? " Its AHI estimator: " : "; its AHI estimator, ") + info.ahi_model->summary;
  if (!cv.empty() || (info.ahi_model && !info.ahi_model->summary.empty())) w += ".";
  return w;
}

void write_outputs(const eval::EvalResult& r, const EvalArgs& a, const std::string& title,
                   const std::vector<std::string>& seen, const std::string& warning,
                   const analysis::DetectorInfo* info) {
  nlohmann::json j = eval::evaluation_json(r);
  if (info) {
    j["detector"] = info->name;
    j["training_nights_evaluated"] = seen;
    if (!warning.empty()) j["warning"] = warning;
    if (!info->cv_evaluation_json.empty() && !seen.empty()) {
      j["model_cross_validation"] = nlohmann::json::parse(info->cv_evaluation_json, nullptr, false);
    }
  }
  if (a.json.empty()) {
    std::cout << j.dump(2) << "\n";
  } else {
    io::write_file(a.json, j.dump(2) + "\n");
  }
  if (!a.html.empty()) io::write_file(a.html, report::eval_html(r, title, warning));
}

int run_eval(const EvalArgs& a) {
  train::DatasetOptions dopt;
  dopt.beats = a.beats;
  dopt.only = a.records;
  dopt.labels_csv = a.labels_csv;
  std::vector<eval::RecordPredictions> recs;
  std::optional<analysis::DetectorInfo> info;
  double thr = a.threshold;
  std::string title;
  if (!a.predictions.empty()) {
    recs = predictions_from_csv(a, dopt);
    title = "Somna evaluation of " + std::filesystem::path(a.predictions).filename().string();
    if (thr < 0) thr = 0.5;
  } else {
    if (a.data.empty()) throw Error({}, "give --data (with --model) or --predictions");
    const auto det = choose_detector(a.model);
    info = det->info();
    if (thr < 0) thr = info->threshold;
    recs = score_nights(*det, a, dopt);
    title = "Somna evaluation of " + info->name;
  }
  if (recs.empty()) throw train::DatasetError(a.data, "no record to evaluate");
  const auto r = eval::evaluate(recs, thr, size_t(std::max(0, a.bootstrap)), a.seed);
  const std::vector<std::string> seen =
      info ? training_nights(*info, recs) : std::vector<std::string>{};
  const std::string warning = info ? training_set_warning(*info, seen, recs.size()) : "";
  write_outputs(r, a, title, seen, warning, info ? &*info : nullptr);
  if (!warning.empty()) std::cerr << "warning: " << warning << "\n";
  std::cerr << fmt::format(
      "{} records, {} minutes: accuracy {:.2f} %, Se {:.2f} %, Sp {:.2f} %, AUC {:.4f}; AHI ({}) "
      "r {:.3f}, MAE {:.1f}{}\n",
      r.n_records, r.n_minutes, 100 * r.accuracy.value, 100 * r.sensitivity.value,
      100 * r.specificity.value, r.roc_auc.value, r.ahi_estimate, r.night.r.value,
      r.night.mae.value, seen.empty() ? "" : " (training nights)");
  return kExitOk;
}

}  // namespace

SOMNA_COMMAND({"eval", "evaluate apnea detection against reference labels (metrics with CIs, HTML)",
               [](CLI::App& app) -> Runner {
                 auto a = std::make_shared<EvalArgs>();
                 app.add_option("--data", a->data,
                                "folder of labelled records: REC.hea with .apn (+ beats), or "
                                "NSRR REC.edf with REC-nsrr.xml or REC.xml");
                 app.add_option("--model", a->model,
                                "detector: model file, or 'cvhr' (default: models/default)");
                 app.add_option("--predictions", a->predictions,
                                "CSV record,minute,p[,truth] from another system");
                 app.add_option("--beats", a->beats,
                                "beat annotation extension or 'detect' (NSRR EDF nights: always "
                                "detected)");
                 app.add_option("--labels,--labels-csv", a->labels_csv,
                                "reference labels instead of .apn: a record,minute,label CSV or "
                                "PhysioNet/CinC Challenge 2000 answers (record line, then one "
                                "' H AN...' line per hour)");
                 app.add_option("--records", a->records, "only these records")->delimiter(',');
                 app.add_option("--threshold", a->threshold,
                                "decision threshold (default: the model's, 0.5)");
                 app.add_option("--bootstrap", a->bootstrap, "bootstrap replicates over records");
                 app.add_option("--seed", a->seed, "bootstrap seed");
                 app.add_option("--json", a->json, "write the JSON here (default: stdout)");
                 app.add_option("--html", a->html, "write a self-contained HTML page");
                 return [a]() -> int { return run_eval(*a); };
               }});

}  // namespace somna::cli
