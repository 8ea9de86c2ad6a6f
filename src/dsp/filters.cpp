// Biquad design (bilinear transform) and fused cascade filtering; see filters.hpp.

#include "dsp/filters.hpp"

#include <algorithm>
#include <cmath>

namespace somna::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Direct form I: the only loop-carried chain is y[n-1] -> y[n] (one multiply-add); the terms
// with x and y[n-2] are computed off that chain. (Transposed form II chains three.)
template <size_t N, bool Backward>
void cascade(const Biquad* s, float* x, size_t n) {
  float x1[N] = {}, x2[N] = {}, y1[N] = {}, y2[N] = {};
  for (size_t c = 0; c < n; ++c) {
    const size_t i = Backward ? n - 1 - c : c;
    float v = x[i];
    for (size_t k = 0; k < N; ++k) {
      const float p = s[k].b0 * v + s[k].b1 * x1[k] + s[k].b2 * x2[k] - s[k].a2 * y2[k];
      const float y = p - s[k].a1 * y1[k];
      x2[k] = x1[k];
      x1[k] = v;
      y2[k] = y1[k];
      y1[k] = y;
      v = y;
    }
    x[i] = v;
  }
}

void run(const Biquad* s, size_t ns, float* x, size_t n, bool backward) {
  // Fixed-size cascades keep the state in registers; longer ones run in chunks of 4.
  while (ns > 0) {
    const size_t take = std::min<size_t>(ns, 4);
    switch (take) {
      case 1:
        backward ? cascade<1, true>(s, x, n) : cascade<1, false>(s, x, n);
        break;
      case 2:
        backward ? cascade<2, true>(s, x, n) : cascade<2, false>(s, x, n);
        break;
      case 3:
        backward ? cascade<3, true>(s, x, n) : cascade<3, false>(s, x, n);
        break;
      default:
        backward ? cascade<4, true>(s, x, n) : cascade<4, false>(s, x, n);
        break;
    }
    s += take;
    ns -= take;
  }
}

}  // namespace

Biquad butter_lowpass(double fc, double fs) {
  const double k = std::tan(kPi * fc / fs);
  const double q = 1.0 / std::sqrt(2.0);
  const double norm = 1.0 / (1.0 + k / q + k * k);
  Biquad b;
  b.b0 = static_cast<float>(k * k * norm);
  b.b1 = static_cast<float>(2.0 * k * k * norm);
  b.b2 = b.b0;
  b.a1 = static_cast<float>(2.0 * (k * k - 1.0) * norm);
  b.a2 = static_cast<float>((1.0 - k / q + k * k) * norm);
  return b;
}

Biquad butter_highpass(double fc, double fs) {
  const double k = std::tan(kPi * fc / fs);
  const double q = 1.0 / std::sqrt(2.0);
  const double norm = 1.0 / (1.0 + k / q + k * k);
  Biquad b;
  b.b0 = static_cast<float>(norm);
  b.b1 = static_cast<float>(-2.0 * norm);
  b.b2 = b.b0;
  b.a1 = static_cast<float>(2.0 * (k * k - 1.0) * norm);
  b.a2 = static_cast<float>((1.0 - k / q + k * k) * norm);
  return b;
}

void filter_inplace(const Biquad* sections, size_t n_sections, float* x, size_t n) {
  run(sections, n_sections, x, n, false);
}

void filter_backward_inplace(const Biquad* sections, size_t n_sections, float* x, size_t n) {
  run(sections, n_sections, x, n, true);
}

void filtfilt_inplace(const Biquad* sections, size_t n_sections, float* x, size_t n) {
  run(sections, n_sections, x, n, false);
  run(sections, n_sections, x, n, true);
}

void lowpass_zero_phase(float* x, size_t n, double fc, double fs, int n_sections) {
  std::vector<Biquad> s(static_cast<size_t>(std::max(1, n_sections)), butter_lowpass(fc, fs));
  // Start from the first value so the step at the edges does not ring.
  if (n == 0) return;
  const float x0 = x[0];
  for (size_t i = 0; i < n; ++i) x[i] -= x0;
  filtfilt_inplace(s.data(), s.size(), x, n);
  for (size_t i = 0; i < n; ++i) x[i] += x0;
}

}  // namespace somna::dsp
