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
#include "io/challenge_answers.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"

namespace somna::train {

namespace fs = std::filesystem;

size_t count_labelled(const std::vector<uint8_t>& labels) {
  return size_t(
      std::count_if(labels.begin(), labels.end(), [](uint8_t v) { return v != kUnlabelled; }));
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

std::map<std::string, std::map<size_t, uint8_t>> read_label_file(const std::string& path) {
  constexpr size_t kSniffBytes = 4096;
  std::string head(kSniffBytes, '\0');
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DatasetError(path, "cannot open the label file");
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  if (!io::looks_like_challenge_answers(head)) return read_label_csv(path);
  std::map<std::string, std::map<size_t, uint8_t>> out;
  for (const io::ChallengeRecord& r : io::read_challenge_answers(path)) {
    auto& minutes = out[r.name];
    for (size_t m = 0; m < r.minutes.size(); ++m) minutes[m] = r.minutes[m] == 'A' ? 1 : 0;
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
  n.labels = minute_labels(base, n_min, hea.fs, o, csv);
  n.input = analysis::night_input(nullptr, std::move(beats), duration);
  n.features = features::rr_features(n.input.rr, n_min, o.spec);
  return n;
}

std::vector<uint8_t> minute_labels(const std::string& base, size_t n_min, double fs,
                                   const DatasetOptions& o,
                                   const std::map<std::string, std::map<size_t, uint8_t>>* csv) {
  std::vector<uint8_t> labels(n_min, kUnlabelled);
  if (csv) {
    auto it = csv->find(fs::path(base).filename().string());
    if (it == csv->end()) throw DatasetError(base, "no labels for this record in the label CSV");
    for (const auto& [m, v] : it->second) {
      if (m < n_min) labels[m] = v;
    }
  } else {
    const io::Annotations apn = io::read_annotations(base, o.labels_ext);
    const double afs = apn.fs > 0 ? apn.fs : fs;
    for (const auto& a : apn.items) {
      const size_t m = size_t(std::llround(double(a.sample) / afs / 60.0));
      if (m >= n_min) continue;
      if (a.code == io::ann::APC)
        labels[m] = 1;
      else if (a.code == io::ann::NORMAL)
        labels[m] = 0;
    }
  }
  if (count_labelled(labels) == 0) throw DatasetError(base, "no labelled minute");
  return labels;
}

const std::map<std::string, std::map<size_t, uint8_t>>* LabelledRecords::csv_labels() const {
  return csv.empty() ? nullptr : &csv;
}

std::optional<double> LabelledRecords::ahi_of(const std::string& path) const {
  auto it = ref_ahi.find(fs::path(path).filename().string());
  return it == ref_ahi.end() ? std::nullopt : std::optional<double>(it->second);
}

LabelledRecords labelled_records(const std::string& dir, const DatasetOptions& o) {
  if (!fs::is_directory(dir)) throw DatasetError(dir, "not a directory");
  LabelledRecords r;
  if (!o.labels_csv.empty()) r.csv = read_label_file(o.labels_csv);
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".hea") continue;
    const std::string stem = e.path().stem().string();
    const fs::path base = fs::path(dir) / stem;
    const bool has_labels = o.labels_csv.empty() ? fs::exists(base.string() + "." + o.labels_ext)
                                                 : r.csv.count(stem) > 0;
    if (!has_labels) continue;
    if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), stem) == o.only.end()) continue;
    r.paths.push_back(base.string());
  }
  std::sort(r.paths.begin(), r.paths.end());
  if (r.paths.empty()) {
    throw DatasetError(dir, "no record (.hea) with per-minute labels (." + o.labels_ext +
                                " or the label CSV) found");
  }
  r.ref_ahi = read_reference_ahi((fs::path(dir) / "learning-set-info.txt").string());
  return r;
}

std::vector<LabelledNight> load_dataset(const std::string& dir, const DatasetOptions& o) {
  const LabelledRecords records = labelled_records(dir, o);
  std::vector<LabelledNight> out;
  for (const auto& path : records.paths) {
    out.push_back(load_night(path, o, records.csv_labels()));
    out.back().ref_ahi = records.ahi_of(path);
  }
  return out;
}

std::vector<std::vector<size_t>> record_folds(const std::vector<std::string>& groups, int k,
                                              uint64_t seed) {
  if (k < 2 || size_t(k) > groups.size()) {
    throw DatasetError(
        {}, fmt::format("{} folds need at least {} records, have {}", k, k, groups.size()));
  }
  std::map<std::string, std::vector<size_t>> by_group;
  for (size_t i = 0; i < groups.size(); ++i) by_group[groups[i]].push_back(i);
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
