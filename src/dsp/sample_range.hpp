#pragma once
// Whole-stretch statistics of a signal's samples, gaps (NaN, infinities) left out, as vectorised
// passes: the per-minute quality checks need each minute's range, and the night's clipping check
// the channel's range and how many samples sit at it.

#include <cmath>
#include <cstdint>
#include <vector>

namespace somna::dsp {

struct SampleRange {
  float lo = INFINITY, hi = -INFINITY;  // of the finite samples (inf / -inf when there are none)
  int64_t non_finite = 0;
};
SampleRange sample_range(const float* x, int64_t n);

// Share of the finite samples that sit exactly at the channel's minimum or maximum. A real ECG
// reaches its extremes at a handful of samples; a clipped one (the ADC's limits, or a wrong gain
// or format) sits there for long stretches. Sets lo/hi to the extremes. 0 when the channel is
// constant (that is "flat", not "clipped") or holds no finite sample.
double clipped_share(const std::vector<float>& x, float& lo, float& hi);

}  // namespace somna::dsp
