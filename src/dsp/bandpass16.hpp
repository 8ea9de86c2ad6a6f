#pragma once
// The QRS detector's band-pass (a high-pass then a low-pass biquad, direct form I) over
// contiguous input as sixteen lanes in one AVX-512 register: lane l filters the l-th sixteenth of
// the samples from zero state `warm` samples before it (after it, backward), as the detector's
// four-lane SSE pass does with quarters (qrs_detector.cpp, bandpass_lanes). Each lane's loads and
// stores are sixteen consecutive samples, turned into sixteen steps of all lanes by an in-register
// transpose, so the pass runs at the filter's arithmetic, not at its recursion's latency: an
// 8-hour 100 Hz night's band-pass took ~5 ms in four lanes. The four-lane pass's operations per
// sample (the compiler fuses its multiply-adds here, AVX-512 having FMA); the output equals one
// pass over the whole signal to float precision (the start transient decays within `warm`
// samples), not bit for bit the four-lane one.

#include <cstdint>

#include "dsp/filters.hpp"

namespace somna::dsp {

// True where the CPU runs AVX-512 (and this build has the kernel: x86-64, GCC).
bool bandpass16_available();

// The band-pass of samples [0, nw) into out, reading in[j] - offset for in_lo <= j < in_hi (0
// outside: the signal's edges), in_lo <= 0 and nw <= in_hi; backward: last sample first. out may
// be in (the backward pass runs in place). Needs nw >= 64 warm (every lane longer than four
// warm-ups); throws std::invalid_argument otherwise, or where the kernel is not available.
// False when an input read was not finite: the filters' state stays NaN or infinite from there
// on, so the lanes' last outputs tell, without a check of every sample.
bool bandpass16(const Biquad& hp, const Biquad& lp, bool backward, const float* in, float offset,
                float* out, int64_t nw, int64_t in_lo, int64_t in_hi, int64_t warm);

}  // namespace somna::dsp
