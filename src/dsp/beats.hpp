#pragma once
// Beats: what the dsp stage hands to everything after it — R-peak times and amplitudes from a QRS
// detector or an annotation file, the cleaned RR series, uniformly resampled series for models,
// and per-minute signal quality. Times are seconds from the recording start.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "io/annotations.hpp"
#include "io/record.hpp"

namespace somna::dsp {

struct Beats {
  std::vector<double> r_time_s;  // R-peak times, seconds from record start, increasing
  std::vector<float> r_amp_mv;   // R amplitude above local baseline (mV); empty when unknown
  std::vector<float> qrs_area;   // QRS area (mV*s), for EDR; empty when unknown
  std::string source;            // e.g. "detector:somna-qrs" or "annotation:qrs"
  double duration_s = 0;         // length of the signal the beats come from
  size_t size() const { return r_time_s.size(); }
};

// Options for the QRS detector; defaults work at any sampling frequency.
struct DetectOptions {
  bool refine_peaks = true;  // move each R to the true extremum of the filtered-free signal
  // Added: called a few times (after each pass, never per sample) with the fraction done, 0..1;
  // for progress bars. May be empty.
  std::function<void(double)> progress;
  // Threads the detector may use: 2 runs the two halves of the night's filter passes at once.
  // The beats are the same either way.
  int threads = 1;
};

// Detects QRS complexes in one ECG channel (any fs; inverted leads handled). Never throws on
// empty/constant/noise input: returns no beats.
Beats detect_beats(const io::Channel& ecg, const DetectOptions& options = {});
// The same on samples held elsewhere (e.g. a NumPy array): n samples at fs Hz, in mV.
Beats detect_beats(const float* samples, size_t n, double fs, const DetectOptions& options = {});

// Beats from a beat annotation file (codes where io::is_beat_code), at annotations.fs.
Beats beats_from_annotations(const io::Annotations& annotations, double duration_s = 0);

// RR after ectopic/artefact cleaning. t_s[i] is the time of the beat ending interval i.
struct RRSeries {
  std::vector<double> t_s;
  std::vector<float> rr_s;
  std::vector<float> amp_mv;       // R amplitude at those beats (empty when Beats had none)
  std::vector<float> edr;          // ECG-derived respiration samples at those beats (or empty)
  std::vector<uint8_t> corrected;  // 1 where the interval was replaced (ectopic/artefact)
  size_t n_corrected() const;
};

struct RRCleanOptions {
  float min_rr_s = 0.3f, max_rr_s = 2.0f;  // physiologic bounds
  float max_rel_change = 0.2f;             // vs local median; larger = ectopic/artefact
};
RRSeries clean_rr(const Beats& beats, const RRCleanOptions& options = {});

// A series sampled uniformly: value[i] at t0_s + i / fs.
struct UniformSeries {
  double t0_s = 0;
  double fs = 0;
  std::vector<float> value;
};
// Cubic-spline resampling of (t, v) onto [t0_s, t1_s) at fs; flat extrapolation at the ends.
UniformSeries resample(const std::vector<double>& t_s, const std::vector<float>& v, double fs,
                       double t0_s, double t1_s);

// Linear-interpolation resampling of x (uniform, at fs_in) to fs_out; NaNs propagate locally.
std::vector<float> resample_linear(const std::vector<float>& x, double fs_in, double fs_out);

// Per-minute signal quality in [0,1] with the reason when below 1 ("flat line", "saturation",
// "noise", "implausible heart rate", "too few beats", ...). ecg may be null (beats from an
// annotation file): then only beat-based checks apply.
struct MinuteQuality {
  float score = 1;
  std::string reason;  // empty when fine
};
std::vector<MinuteQuality> minute_quality(const io::Channel* ecg, const Beats& beats,
                                          size_t n_minutes);

}  // namespace somna::dsp
