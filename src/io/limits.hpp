#pragma once
// Limits every reader checks against the header before it allocates any sample: a sampling
// frequency in a sane range, and a recording no longer than ReadOptions::max_duration_s (72 h by
// default, the longest span one analysis takes). Without them a 307-byte WFDB header
// ("rec 1 100 536870000" with a "~" signal) made the reader allocate gigabytes of NaN before the
// analysis refused the night as too long.

#include <cstdint>
#include <string>

namespace somna::io {

// Sampling frequencies outside [kMinSamplingHz, kMaxSamplingHz] are refused as absurd: no ECG,
// or any physiological signal a night holds, is sampled slower than once in 1000 s or faster
// than 1 MHz, and such values give durations of hundreds of digits.
constexpr double kMinSamplingHz = 1e-3;
constexpr double kMaxSamplingHz = 1e6;

// Throws io::FormatError naming `file` (and `where`, e.g. "signal 2") when fs is not a finite
// number in [kMinSamplingHz, kMaxSamplingHz].
void check_sampling_frequency(const std::string& file, double fs, const std::string& where = {});

// Throws io::FormatError naming `file` when `n_samples` samples at `fs` Hz last longer than
// `max_duration_s` (0: no limit). Call it with the length the header declares, before
// allocating: the message says how long the header says the recording is and what the limit is.
void check_duration(const std::string& file, double n_samples, double fs, double max_duration_s);

}  // namespace somna::io
