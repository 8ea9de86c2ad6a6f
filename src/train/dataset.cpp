// Labelled nights (see dataset.hpp).

#include "train/dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"

namespace somna::train {

namespace fs = std::filesystem;

size_t LabelledNight::n_labelled() const {
  size_t n = 0;
  for (uint8_t v : labels) n += v != kUnlabelled;
  return n;
}

std::map<std::string, double> read_reference_ahi(const std::string& path) {
  std::map<std::string, double> out;
  std::ifstream in(path);
  if (!in) return out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    std::vector<std::string> f;
    std::string tok;
    while (ss >> tok) f.push_back(tok);
    // Record Length non-apn apnea hours AI HI AHI Age Sex ...
    if (f.size() >= 8 && f[0].size() == 3 && std::isalpha(static_cast<unsigned char>(f[0][0])) &&
        std::isdigit(static_cast<unsigned char>(f[0][1]))) {
      try {
        out[f[0]] = std::stod(f[7]);
      } catch (const std::exception&) {
        throw train::DatasetError(path, "AHI column is not a number", "record " + f[0]);
      }
    }
  }
  return out;
}

std::map<std::string, std::map<size_t, uint8_t>> read_label_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw DatasetError(path, "cannot open the label CSV");
  std::map<std::string, std::map<size_t, uint8_t>> out;
  std::string line;
  size_t ln = 0;
  while (std::getline(in, line)) {
    ++ln;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || (ln == 1 && line.find("record") != std::string::npos)) continue;
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string tok;
    while (std::getline(ss, tok, ',')) f.push_back(tok);
    if (f.size() < 3)
      throw DatasetError(path, "expected record,minute,label", fmt::format("line {}", ln));
    size_t minute = 0;
    try {
      const long m = std::stol(f[1]);
      if (m < 0 || m > 100000) throw std::out_of_range("minute");
      minute = size_t(m);
    } catch (const std::exception&) {
      throw DatasetError(path, "minute '" + f[1] + "' is not a minute index",
                         fmt::format("line {}", ln));
    }
    const std::string& l = f[2];
    uint8_t v;
    if (l == "1" || l == "A")
      v = 1;
    else if (l == "0" || l == "N")
      v = 0;
    else
      throw DatasetError(path, "label '" + l + "' is not 0/1/N/A", fmt::format("line {}", ln));
    out[f[0]][minute] = v;
  }
  return out;
}

LabelledNight load_night(const std::string& record_path, const DatasetOptions& o,
                         const std::map<std::string, std::map<size_t, uint8_t>>* csv) {
  LabelledNight n;
  std::string base = record_path;
  if (fs::path(base).extension() == ".hea") base = fs::path(base).replace_extension().string();
  n.name = fs::path(base).filename().string();
  n.group = n.name.substr(0, 1);
  const io::WfdbHeader hea = io::read_wfdb_header(base + ".hea");
  double duration = hea.n_samples ? double(*hea.n_samples) / hea.fs : 0;

  dsp::Beats beats;
  if (o.beats == "detect") {
    io::Record rec = io::read_record(base + ".hea");
    const size_t ch = io::choose_channel(rec, {}, rec.path);
    beats = dsp::detect_beats(rec.channels[ch]);
    duration = std::max(duration, rec.channels[ch].duration_s());
  } else {
    const io::Annotations ann = io::read_annotations(base, o.beats);
    beats = dsp::beats_from_annotations(ann, duration);
  }
  if (beats.size() < 2) throw DatasetError(base, "fewer than 2 beats");
  duration = std::max({duration, beats.duration_s, beats.r_time_s.back()});
  const size_t n_min = analysis::night_minutes(duration);
  n.labels.assign(n_min, kUnlabelled);
  if (csv) {
    auto it = csv->find(n.name);
    if (it == csv->end()) throw DatasetError(base, "no labels for this record in the label CSV");
    for (const auto& [m, v] : it->second) {
      if (m < n_min) n.labels[m] = v;
    }
  } else {
    const io::Annotations apn = io::read_annotations(base, o.labels_ext);
    const double afs = apn.fs > 0 ? apn.fs : hea.fs;
    for (const auto& a : apn.items) {
      const size_t m = size_t(std::llround(double(a.sample) / afs / 60.0));
      if (m >= n_min) continue;
      if (a.code == io::ann::APC)
        n.labels[m] = 1;
      else if (a.code == io::ann::NORMAL)
        n.labels[m] = 0;
    }
  }
  if (n.n_labelled() == 0) throw DatasetError(base, "no labelled minute");

  n.input = analysis::night_input(nullptr, std::move(beats), duration);
  n.features = features::rr_features(n.input.rr, n_min, o.spec);
  return n;
}

std::vector<LabelledNight> load_dataset(const std::string& dir, const DatasetOptions& o) {
  if (!fs::is_directory(dir)) throw DatasetError(dir, "not a directory");
  std::map<std::string, std::map<size_t, uint8_t>> csv;
  if (!o.labels_csv.empty()) csv = read_label_csv(o.labels_csv);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".hea") continue;
    const std::string stem = e.path().stem().string();
    const fs::path base = fs::path(dir) / stem;
    const bool has_labels =
        o.labels_csv.empty() ? fs::exists(base.string() + "." + o.labels_ext) : csv.count(stem) > 0;
    if (!has_labels) continue;
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), stem) == o.only.end()) continue;
    names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  if (names.empty()) {
    throw DatasetError(dir, "no record (.hea) with per-minute labels (." + o.labels_ext +
                                " or the label CSV) found");
  }
  const auto ahi = read_reference_ahi((fs::path(dir) / "learning-set-info.txt").string());
  std::vector<LabelledNight> out;
  for (const auto& s : names) {
    out.push_back(
        load_night((fs::path(dir) / s).string(), o, o.labels_csv.empty() ? nullptr : &csv));
    auto it = ahi.find(s);
    if (it != ahi.end()) out.back().ref_ahi = it->second;
  }
  return out;
}

std::vector<std::vector<size_t>> record_folds(const std::vector<LabelledNight>& nights, int k,
                                              uint64_t seed) {
  if (k < 2 || size_t(k) > nights.size()) {
    throw DatasetError(
        {}, fmt::format("{} folds need at least {} records, have {}", k, k, nights.size()));
  }
  std::map<std::string, std::vector<size_t>> by_group;
  for (size_t i = 0; i < nights.size(); ++i) by_group[nights[i].group].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<std::vector<size_t>> folds(static_cast<size_t>(k));
  size_t next = 0;
  for (auto& [g, idx] : by_group) {
    std::shuffle(idx.begin(), idx.end(), rng);
    for (size_t i : idx) folds[next++ % size_t(k)].push_back(i);
  }
  for (auto& f : folds) std::sort(f.begin(), f.end());
  return folds;
}

}  // namespace somna::train
