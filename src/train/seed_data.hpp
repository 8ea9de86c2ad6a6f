#pragma once
// Labelled raw-ECG nights for the seed network: the ECG resampled to the network's rate plus
// per-minute labels. From WFDB (or any readable) records with .apn annotations or a label CSV
// (the layout of train/dataset.hpp; beats are not needed), or straight from the simulator
// (sim::simulate_night with sim::random_night_spec: random per-night heart rate, noise, wander,
// amplitude, inversion, ectopy, apnea cycle length and swing, episode placement).

#include <optional>
#include <string>
#include <vector>

#include "sim/synthetic_night.hpp"
#include "train/dataset.hpp"
#include "train/seed_module.hpp"

namespace somna::train {

struct SeedNight {
  std::string name, group;       // group: first letter (folds are balanced over groups)
  std::vector<float> ecg;        // at the input spec's fs, physical units, NaN in gaps
  std::vector<uint8_t> labels;   // per minute: 0, 1 or kUnlabelled
  std::vector<double> r_time_s;  // beat times (s) when known: simulated, or beat annotations
  std::optional<double> ref_ahi;
  size_t n_labelled() const { return count_labelled(labels); }
};

SeedNight seed_night_from_simulation(const sim::SimulatedNight& night, const std::string& name,
                                     const features::SeedInputSpec& spec);

// `count` simulated nights of `hours` (seeds first_seed, first_seed+1, ...); every
// `no_apnea_every`-th night (0: none) has no apnea. Names "s000", "s001", ...
std::vector<SeedNight> synthetic_seed_nights(size_t count, double hours, uint64_t first_seed,
                                             const features::SeedInputSpec& spec,
                                             size_t no_apnea_every = 4);

// Every record in dir with labels (DatasetOptions::labels_ext / labels_csv / only; `beats` is
// used for beat times when the annotation file exists, else Somna's QRS detector); the ECG channel
// is chosen like analyze does. DatasetError naming the record when it has no ECG samples or no
// labelled minute, or when the folder has no labelled record.
std::vector<SeedNight> load_seed_dataset(const std::string& dir, const DatasetOptions& options,
                                         const features::SeedInputSpec& spec);

}  // namespace somna::train
