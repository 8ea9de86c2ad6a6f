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

struct NightSpec {
  double hours = 8;
  double fs = 100;
  double mean_hr_bpm = 65;
  double hrv_sd_bpm = 2;            // slow random heart-rate wander outside events
  std::vector<ApneaEpisode> episodes;
  double event_cycle_s = 45;        // one apnea + recovery cycle
  double event_hr_swing_bpm = 12;   // brady-tachy swing per event
  double resp_rate_hz = 0.25;
  double resp_amp_mod = 0.15;       // relative R-amplitude modulation by breathing
  double noise_mv = 0.02;
  double baseline_wander_mv = 0.1;
  double r_amp_mv = 1.2;
  bool inverted = false;
  uint64_t seed = 1;
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

}  // namespace somna::sim
