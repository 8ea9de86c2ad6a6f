#pragma once
// Heart-rate variability summary of a night from its cleaned RR series: mean/min/max heart rate,
// SDNN and RMSSD (Task Force 1996, over intervals the cleaner kept), and LF/HF from the spectrum
// of the RR series resampled at 2 Hz (Nyquist 1 Hz, well above HF) (Welch: 256 s Hann segments,
// half overlap; LF 0.04-0.15 Hz, HF 0.15-0.40 Hz). Only beats inside `keep` windows count (the
// analysable minutes).

#include <vector>

#include "analysis/night_report.hpp"
#include "dsp/beats.hpp"

namespace somna::analysis {

// keep_minute[m] != 0 where minute m is analysable (empty: all are).
HrvSummary hrv_summary(const dsp::RRSeries& rr, const std::vector<uint8_t>& keep_minute);

// In-place radix-2 FFT of size n (a power of two) of re + i im, its twiddle factors computed once;
// used for the LF/HF spectrum (two real segments per transform).
class Fft {
 public:
  explicit Fft(size_t n);
  void transform(std::vector<double>& re, std::vector<double>& im) const;

 private:
  size_t n_;
  std::vector<double> wr_, wi_;  // e^(-2 pi i j / n), j < n / 2
};

}  // namespace somna::analysis
