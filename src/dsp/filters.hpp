#pragma once
// Filters for the dsp stage, designed from the sampling frequency at run time (never tuned to one
// rate) and written for speed: one pass over a float array, state in registers, no allocation per
// sample. Used by the QRS detector (band-pass for QRS energy) and by tests (anti-alias low-pass).

#include <cstddef>
#include <vector>

namespace somna::dsp {

// One second-order section, y = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
struct Biquad {
  float b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};

// Butterworth 2nd-order sections by the bilinear transform (pre-warped), cutoff fc in Hz at fs.
// fc must be in (0, fs/2).
Biquad butter_lowpass(double fc, double fs);
Biquad butter_highpass(double fc, double fs);

// Filters x in place through the sections in cascade, forward only (direct form I,
// zero initial state). The cascade runs in one loop over the samples.
void filter_inplace(const Biquad* sections, size_t n_sections, float* x, size_t n);
// Backward only (last sample first): the second half of a zero-phase pass.
void filter_backward_inplace(const Biquad* sections, size_t n_sections, float* x, size_t n);
// Zero-phase version: forward then backward through the cascade (squared magnitude response,
// no delay), as Matlab's filtfilt without padding.
void filtfilt_inplace(const Biquad* sections, size_t n_sections, float* x, size_t n);

// Low-pass of order 2*n_sections (cascaded identical Butterworth sections), zero phase; used as an
// anti-alias filter before decimation.
void lowpass_zero_phase(float* x, size_t n, double fc, double fs, int n_sections = 2);

}  // namespace somna::dsp
