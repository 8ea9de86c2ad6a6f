#pragma once
// Synthetic ECG nights with known answers: beat times with apnea-like cyclic variation of heart
// rate (CVHR) during placed apnea episodes, respiratory modulation of R amplitude and RR, a beat
// morphology template, noise and baseline wander. Used by tests, by training the raw-ECG network
// until raw ECG arrives, and documented in tests/README.md.

#include <cstdint>
#include <vector>

#include "analysis/detector.hpp"
#include "io/record.hpp"

namespace somna::sim {

struct ApneaEpisode {
  double start_s = 0, duration_s = 0;
};

// One heartbeat's waveform: samples at `fs`, the R peak at index `r_index`, in mV with the R
// peak at 1 (scaled by NightSpec::r_amp_mv when rendered).
struct BeatTemplate {
  double fs = 0;
  size_t r_index = 0;
  std::vector<float> mv;
  bool empty() const { return mv.empty(); }
};

struct NightSpec {
  double hours = 8;
  double fs = 100;
  double mean_hr_bpm = 65;
  double hrv_sd_bpm = 2;  // slow random heart-rate wander outside events
  std::vector<ApneaEpisode> episodes;
  double event_cycle_s = 45;       // one apnea + recovery cycle
  double event_hr_swing_bpm = 12;  // brady-tachy swing per event
  double resp_rate_hz = 0.25;
  double resp_amp_mod = 0.15;  // relative R-amplitude modulation by breathing
  double noise_mv = 0.02;
  double baseline_wander_mv = 0.1;
  double r_amp_mv = 1.2;
  bool inverted = false;
  uint64_t seed = 1;
  // Added fields (defaults keep the behaviour above):
  double rsa_bpm = 2;           // respiratory sinus arrhythmia amplitude (HR, peak)
  double ectopic_per_hour = 0;  // premature beats with compensatory pause
  // When non-empty: render these R times (seconds, increasing) instead of generating beats;
  // `hours` then only bounds the length (0 = up to the last beat + 2 s), episodes are unused.
  std::vector<double> beat_times_s;
  // When non-empty: the beat waveform; otherwise a sum-of-Gaussians P-QRS-T (ECGSYN-like).
  BeatTemplate beat_template;
};

struct SimulatedNight {
  io::Record record;                    // one channel "ECG", mV, at spec.fs
  std::vector<double> r_time_s;         // true R-peak times
  std::vector<uint8_t> minute_apnea;    // 1 where the minute overlaps an apnea event
  std::vector<analysis::Event> events;  // one per placed apnea cycle
};

SimulatedNight simulate_night(const NightSpec& spec);

// A random but plausible night (heart rate, noise, number and placement of episodes).
NightSpec random_night_spec(uint64_t seed, bool with_apnea, double hours = 8);

// The default P-QRS-T waveform (sum of Gaussians after McSharry et al. 2003, ECGSYN) at fs.
BeatTemplate gaussian_template(double fs);

// The average beat of `ecg` around `r_times_s` (median-aligned, baseline removed at the PR
// segment, normalised so R = 1), resampled to out_fs, from 0.30 s before to 0.50 s after R.
// Throws analysis::AnalysisError when fewer than 10 beats fit.
BeatTemplate average_template(const io::Channel& ecg, const std::vector<double>& r_times_s,
                              double out_fs);

// Beat times with missed beats filled in: an interval close to k times the local median interval
// (k = 2..4, within 15%) is split into k equal intervals. For rendering machine-annotated beats
// (e.g. Apnea-ECG's sqrs125 .qrs, which misses beats) into an ECG that has every beat.
// n_filled (optional) receives the number of beats added.
std::vector<double> fill_missed_beats(const std::vector<double>& r_times_s,
                                      size_t* n_filled = nullptr);

}  // namespace somna::sim
