// `somna eval`: per-minute and per-night evaluation against reference labels (eval/metrics.hpp),
// JSON on stdout or --json, a self-contained HTML page with --html. Either scores labelled nights
// with a detector (--model FILE, or cvhr) or evaluates another system's predictions CSV
// (record,minute,p — or a 0/1 column named label/pred — with references from --data's .apn, or a
// truth column in the same CSV).

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/command.hpp"
#include "cli/detector_choice.hpp"
#include "common/error.hpp"
#include "eval/metrics.hpp"
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
  int ir = -1, im = -1, ip = -1, it = -1;
  for (int i = 0; i < int(head.size()); ++i) {
    const std::string& h = head[size_t(i)];
    if (h == "record")
      ir = i;
    else if (h == "minute")
      im = i;
    else if (h == "p" || h == "p_apnea" || h == "label" || h == "pred")
      ip = i;
    else if (h == "truth" || h == "reference")
      it = i;
  }
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

}  // namespace

SOMNA_COMMAND({"eval", "evaluate apnea detection against reference labels (metrics with CIs, HTML)",
               [](CLI::App& app) -> Runner {
                 auto a = std::make_shared<EvalArgs>();
                 app.add_option("--data", a->data, "folder of labelled records (.apn + beats)");
                 app.add_option("--model", a->model,
                                "detector: model file, or 'cvhr' (default: models/default)");
                 app.add_option("--predictions", a->predictions,
                                "CSV record,minute,p[,truth] from another system");
                 app.add_option("--beats", a->beats, "beat annotation extension or 'detect'");
                 app.add_option("--labels-csv", a->labels_csv,
                                "record,minute,label CSV instead of .apn");
                 app.add_option("--records", a->records, "only these records")->delimiter(',');
                 app.add_option("--threshold", a->threshold,
                                "decision threshold (default: the model's, 0.5)");
                 app.add_option("--bootstrap", a->bootstrap, "bootstrap replicates over records");
                 app.add_option("--seed", a->seed, "bootstrap seed");
                 app.add_option("--json", a->json, "write the JSON here (default: stdout)");
                 app.add_option("--html", a->html, "write a self-contained HTML page");
                 return [a]() -> int {
                   std::vector<eval::RecordPredictions> recs;
                   double thr = a->threshold;
                   std::string title;
                   train::DatasetOptions dopt;
                   dopt.beats = a->beats;
                   dopt.only = a->records;
                   dopt.labels_csv = a->labels_csv;
                   if (!a->predictions.empty()) {
                     const auto preds = read_predictions(a->predictions);
                     std::map<std::string, double> ahi;
                     std::map<std::string, std::vector<uint8_t>> labels;
                     if (!a->data.empty()) {
                       ahi = train::read_reference_ahi(
                           (std::filesystem::path(a->data) / "learning-set-info.txt").string());
                       for (const auto& n : train::load_dataset(a->data, dopt))
                         labels[n.name] = n.labels;
                     }
                     for (const auto& [name, mins] : preds) {
                       if (!a->records.empty() && std::find(a->records.begin(), a->records.end(),
                                                            name) == a->records.end())
                         continue;
                       eval::RecordPredictions r;
                       r.record = name;
                       if (ahi.count(name)) r.ref_ahi = ahi.at(name);
                       for (const auto& [m, pt] : mins) {
                         int truth = pt.second;
                         if (truth < 0) {
                           auto it = labels.find(name);
                           if (it == labels.end()) {
                             throw train::DatasetError(a->predictions,
                                                       "no reference labels for record '" + name +
                                                           "' (give --data or a truth column)");
                           }
                           if (m >= it->second.size() || it->second[m] == train::kUnlabelled)
                             continue;
                           truth = it->second[m];
                         }
                         r.p.push_back(pt.first);
                         r.label.push_back(uint8_t(truth));
                       }
                       recs.push_back(std::move(r));
                     }
                     title = "Somna evaluation of " +
                             std::filesystem::path(a->predictions).filename().string();
                     if (thr < 0) thr = 0.5;
                   } else {
                     if (a->data.empty())
                       throw Error({}, "give --data (with --model) or --predictions");
                     auto det = choose_detector(a->model);
                     if (thr < 0) thr = det->info().threshold;
                     for (const auto& n : train::load_dataset(a->data, dopt)) {
                       const auto s = det->score(n.input);
                       eval::RecordPredictions r;
                       r.record = n.name;
                       r.ref_ahi = n.ref_ahi;
                       for (size_t m = 0; m < n.labels.size() && m < s.p_apnea.size(); ++m) {
                         if (n.labels[m] == train::kUnlabelled) continue;
                         r.p.push_back(s.p_apnea[m]);
                         r.label.push_back(n.labels[m]);
                       }
                       recs.push_back(std::move(r));
                     }
                     title = "Somna evaluation of " + det->info().name;
                   }
                   if (recs.empty()) throw train::DatasetError(a->data, "no record to evaluate");
                   const auto r =
                       eval::evaluate(recs, thr, size_t(std::max(0, a->bootstrap)), a->seed);
                   if (a->json.empty())
                     std::cout << eval::to_json(r) << "\n";
                   else
                     std::ofstream(a->json) << eval::to_json(r) << "\n";
                   if (!a->html.empty()) std::ofstream(a->html) << report::eval_html(r, title);
                   std::cerr << fmt::format(
                       "{} records, {} minutes: accuracy {:.2f} %, Se {:.2f} %, Sp {:.2f} %, AUC "
                       "{:.4f}, AHI r {:.3f}\n",
                       r.n_records, r.n_minutes, 100 * r.accuracy.value, 100 * r.sensitivity.value,
                       100 * r.specificity.value, r.roc_auc.value, r.ahi_r.value);
                   return kExitOk;
                 };
               }});

}  // namespace somna::cli
