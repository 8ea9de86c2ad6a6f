// Labelled raw-ECG nights for the seed network (see seed_data.hpp).

#include "train/seed_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "dsp/beats.hpp"
#include "io/annotations.hpp"
#include "io/record.hpp"

namespace somna::train {

namespace fs = std::filesystem;

size_t SeedNight::n_labelled() const {
  size_t n = 0;
  for (uint8_t v : labels) n += v != kUnlabelled;
  return n;
}

SeedNight seed_night_from_simulation(const sim::SimulatedNight& night, const std::string& name,
                                     const features::SeedInputSpec& spec) {
  SeedNight n;
  n.name = name;
  n.group = name.substr(0, 1);
  const io::Channel& ch = night.record.channels.at(0);
  n.ecg = dsp::resample_linear(ch.samples, ch.fs, spec.fs);
  n.labels = night.minute_apnea;
  n.r_time_s = night.r_time_s;
  return n;
}

std::vector<SeedNight> synthetic_seed_nights(size_t count, double hours, uint64_t first_seed,
                                             const features::SeedInputSpec& spec,
                                             size_t no_apnea_every) {
  std::vector<SeedNight> out;
  for (size_t i = 0; i < count; ++i) {
    const uint64_t seed = first_seed + i;
    const bool apnea = no_apnea_every == 0 || i % no_apnea_every != no_apnea_every - 1;
    sim::NightSpec s = sim::random_night_spec(seed, apnea, hours);
    s.fs = spec.fs;
    out.push_back(
        seed_night_from_simulation(sim::simulate_night(s), fmt::format("s{:03d}", i), spec));
  }
  return out;
}

namespace {

SeedNight load_seed_night(const std::string& base, const DatasetOptions& o,
                          const features::SeedInputSpec& spec,
                          const std::map<std::string, std::map<size_t, uint8_t>>* csv) {
  SeedNight n;
  n.name = fs::path(base).filename().string();
  n.group = n.name.substr(0, 1);
  const io::Record rec = io::read_record(base + ".hea");
  const size_t ch = io::choose_channel(rec, {}, rec.path);
  const io::Channel& ecg = rec.channels[ch];
  if (ecg.samples.empty() || !(ecg.fs > 0)) {
    throw DatasetError(base + ".hea", "the seed network needs the raw ECG; channel '" + ecg.name +
                                          "' holds no samples");
  }
  n.ecg = dsp::resample_linear(ecg.samples, ecg.fs, spec.fs);
  const size_t n_min = analysis::night_minutes(ecg.duration_s());
  n.labels.assign(n_min, kUnlabelled);
  if (csv) {
    auto it = csv->find(n.name);
    if (it == csv->end()) throw DatasetError(base, "no labels for this record in the label CSV");
    for (const auto& [m, v] : it->second) {
      if (m < n_min) n.labels[m] = v;
    }
  } else {
    const io::Annotations apn = io::read_annotations(base, o.labels_ext);
    const double afs = apn.fs > 0 ? apn.fs : ecg.fs;
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
  if (!o.beats.empty() && o.beats != "detect" && fs::exists(base + "." + o.beats)) {
    const io::Annotations ann = io::read_annotations(base, o.beats);
    const double bfs = ann.fs > 0 ? ann.fs : ecg.fs;
    for (const auto& a : ann.items) {
      const double t = double(a.sample) / bfs;
      if (io::is_beat_code(a.code) && (n.r_time_s.empty() || t > n.r_time_s.back())) {
        n.r_time_s.push_back(t);
      }
    }
  } else {
    n.r_time_s = dsp::detect_beats(ecg).r_time_s;  // for the backbone pretraining only
  }
  return n;
}

}  // namespace

std::vector<SeedNight> load_seed_dataset(const std::string& dir, const DatasetOptions& o,
                                         const features::SeedInputSpec& spec) {
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
  std::vector<SeedNight> out;
  for (const auto& s : names) {
    out.push_back(load_seed_night((fs::path(dir) / s).string(), o, spec,
                                  o.labels_csv.empty() ? nullptr : &csv));
    auto it = ahi.find(s);
    if (it != ahi.end()) out.back().ref_ahi = it->second;
  }
  return out;
}

std::vector<std::vector<size_t>> seed_folds(const std::vector<SeedNight>& nights, int k,
                                            uint64_t seed) {
  std::vector<LabelledNight> shells(nights.size());
  for (size_t i = 0; i < nights.size(); ++i) {
    shells[i].name = nights[i].name;
    shells[i].group = nights[i].group;
  }
  return record_folds(shells, k, seed);
}

}  // namespace somna::train
