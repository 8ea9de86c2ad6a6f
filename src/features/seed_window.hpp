#pragma once
// The seed raw-ECG network's input: one window of ECG per minute (the minute plus context minutes
// on each side, NaN outside the recording), resampled to the spec's rate, normalised per window
// (IQR clipping, then z-score). Training and inference both cut and normalise windows here.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace somna::features {

// How windows are cut from a night and normalised (the model file's somna.input).
struct SeedInputSpec {
  double fs = 100;          // ECG is resampled to this rate
  int context_minutes = 0;  // the window is minute m plus this many minutes on each side
  double clip_iqr = 8;      // clip to [Q1 - k IQR, Q3 + k IQR] before the z-score
  int64_t window_samples() const;
  std::string to_json() const;
  static SeedInputSpec from_json(const std::string& json, const std::string& file = {});
};

// In place: NaNs -> ignored for the statistics, clip to [Q1 - k IQR, Q3 + k IQR], z-score with
// the clipped mean and SD (a flat window becomes zeros), NaNs -> 0.
void normalise_window(float* x, size_t n, double clip_iqr);
// The same with a buffer the caller reuses from window to window.
void normalise_window(float* x, size_t n, double clip_iqr, std::vector<float>& scratch);

// The raw (not normalised) window of minute m from ecg (at spec.fs, n samples): samples
// [(m - c) * 60 fs, (m + 1 + c) * 60 fs), NaN outside the recording. out: window_samples().
void cut_window(const float* ecg, size_t n, size_t minute, const SeedInputSpec& spec, float* out);

// The windows of minutes [first_minute, first_minute + count), cut and normalised, one after the
// other in out (count * window_samples() values): a batch for the network.
void normalised_windows(const float* ecg, size_t n, size_t first_minute, size_t count,
                        const SeedInputSpec& spec, float* out);

}  // namespace somna::features
