// Natural cubic spline resampling of an irregular series onto a uniform grid (RR, amplitude and
// EDR at the rate a model asks for; flat extrapolation outside the first/last knot), and linear
// resampling of a uniform signal to another rate.

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "dsp/beats.hpp"

namespace somna::dsp {

UniformSeries resample(const std::vector<double>& t_s, const std::vector<float>& v, double fs,
                       double t0_s, double t1_s) {
  UniformSeries out;
  out.t0_s = t0_s;
  out.fs = fs;
  if (!(fs > 0) || !std::isfinite(fs) || !std::isfinite(t0_s) || !std::isfinite(t1_s) ||
      !(t1_s > t0_s))
    return out;
  const double len = (t1_s - t0_s) * fs;
  if (len > 1e9) return out;  // refuse absurd grids rather than allocate them
  const size_t m = static_cast<size_t>(std::ceil(len - 1e-9));
  out.value.assign(m, std::numeric_limits<float>::quiet_NaN());

  // Knots: finite values at strictly increasing times.
  const size_t n_in = std::min(t_s.size(), v.size());
  std::vector<double> x, y;
  x.reserve(n_in);
  y.reserve(n_in);
  for (size_t i = 0; i < n_in; ++i) {
    if (!std::isfinite(t_s[i]) || !std::isfinite(v[i])) continue;
    if (!x.empty() && t_s[i] <= x.back()) continue;
    x.push_back(t_s[i]);
    y.push_back(v[i]);
  }
  const size_t n = x.size();
  if (n == 0) return out;  // nothing known: NaN everywhere
  if (n == 1) {
    std::fill(out.value.begin(), out.value.end(), static_cast<float>(y[0]));
    return out;
  }

  // Second derivatives of the natural spline (tridiagonal system, Thomas algorithm).
  std::vector<double> c(n, 0.0), dd(n, 0.0);
  for (size_t i = 1; i + 1 < n; ++i) {
    const double h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
    const double a = h0, b = 2 * (h0 + h1), cc = h1;
    const double r = 6 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
    const double denom = b - a * c[i - 1];
    c[i] = cc / denom;
    dd[i] = (r - a * dd[i - 1]) / denom;
  }
  std::vector<double> M(n, 0.0);
  for (size_t i = n - 1; i-- > 1;) M[i] = dd[i] - c[i] * M[i + 1];

  // Evaluation segment by segment, with the cubic in powers of (t - x[seg]).
  const double dt = 1.0 / fs;
  float* o = out.value.data();
  size_t j = 0;
  for (; j < m && t0_s + static_cast<double>(j) * dt <= x[0]; ++j) o[j] = static_cast<float>(y[0]);
  for (size_t seg = 0; seg + 1 < n && j < m; ++seg) {
    const double h = x[seg + 1] - x[seg];
    const double c0 = y[seg];
    const double c1 = (y[seg + 1] - y[seg]) / h - h * (2 * M[seg] + M[seg + 1]) / 6.0;
    const double c2 = M[seg] / 2.0;
    const double c3 = (M[seg + 1] - M[seg]) / (6.0 * h);
    for (; j < m; ++j) {
      const double t = t0_s + static_cast<double>(j) * dt;
      if (t >= x[seg + 1]) break;
      const double u = t - x[seg];
      o[j] = static_cast<float>(c0 + u * (c1 + u * (c2 + u * c3)));
    }
  }
  for (; j < m; ++j) o[j] = static_cast<float>(y[n - 1]);
  return out;
}

// Linear interpolation of a uniformly sampled signal (the ECG for the seed network's rate).
std::vector<float> resample_linear(const std::vector<float>& x, double fs_in, double fs_out) {
  if (x.empty() || std::abs(fs_in - fs_out) < 1e-9) return x;
  const size_t n = size_t(std::floor(double(x.size() - 1) * fs_out / fs_in)) + 1;
  std::vector<float> y(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = double(i) * fs_in / fs_out;
    const size_t j = std::min(x.size() - 1, size_t(t));
    const double f = t - double(j);
    y[i] = j + 1 < x.size() ? float(x[j] * (1 - f) + x[j + 1] * f) : x[j];
  }
  return y;
}

}  // namespace somna::dsp
