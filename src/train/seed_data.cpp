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
  const io::Record rec = io::read_record(record_file(base));  // REC.hea, or an NSRR REC.edf
  const size_t ch = io::choose_channel(rec, {}, rec.path);
  const io::Channel& ecg = rec.channels[ch];
  if (ecg.samples.empty() || !(ecg.fs > 0)) {
    throw DatasetError(rec.path, "the seed network needs the raw ECG; channel '" + ecg.name +
                                     "' holds no samples");
  }
  n.ecg = dsp::resample_linear(ecg.samples, ecg.fs, spec.fs);
  n.labels = minute_labels(base, analysis::night_minutes(ecg.duration_s()), ecg.fs, o, csv);
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
  const LabelledRecords records = labelled_records(dir, o);
  std::vector<SeedNight> out;
  for (const auto& path : records.paths) {
    out.push_back(load_seed_night(path, o, spec, records.csv_labels()));
    out.back().ref_ahi = records.ahi_of(path);
  }
  return out;
}

}  // namespace somna::train
