// Seed network windows (seed_window.hpp).

#include "features/seed_window.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.hpp"

namespace somna::features {

using model::ModelError;

int64_t SeedInputSpec::window_samples() const {
  return int64_t(std::llround(60.0 * fs)) * (2 * context_minutes + 1);
}

std::string SeedInputSpec::to_json() const {
  return nlohmann::json({{"series", "ecg"},
                         {"fs", fs},
                         {"context_minutes", context_minutes},
                         {"window_samples", window_samples()},
                         {"clip_iqr", clip_iqr},
                         {"normalisation",
                          "per window: clip to [Q1 - k IQR, Q3 + k IQR] (k = clip_iqr), then "
                          "z-score with the clipped mean/SD"}})
      .dump();
}

SeedInputSpec SeedInputSpec::from_json(const std::string& s, const std::string& file) {
  SeedInputSpec in;
  try {
    const auto j = nlohmann::json::parse(s);
    in.fs = j.at("fs").get<double>();
    in.context_minutes = j.at("context_minutes").get<int>();
    in.clip_iqr = j.at("clip_iqr").get<double>();
  } catch (const std::exception& e) {
    throw ModelError(file, std::string("bad seed input metadata: ") + e.what());
  }
  if (!(in.fs >= 10 && in.fs <= 1000) || in.context_minutes < 0 || in.context_minutes > 10 ||
      !(in.clip_iqr > 0)) {
    throw ModelError(file,
                     "seed input spec: fs must be in 10..1000 Hz, context 0..10 minutes, "
                     "clip_iqr > 0");
  }
  return in;
}

void normalise_window(float* x, size_t n, double k) {
  std::vector<float> scratch;
  normalise_window(x, n, k, scratch);
}

void normalise_window(float* x, size_t n, double k, std::vector<float>& v) {
  v.clear();
  v.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (std::isfinite(x[i])) v.push_back(x[i]);
  }
  if (v.size() < 4) {
    std::fill(x, x + n, 0.f);
    return;
  }
  auto q = [&](double f) {
    const size_t i = std::min(v.size() - 1, size_t(f * double(v.size() - 1)));
    std::nth_element(v.begin(), v.begin() + long(i), v.end());
    return double(v[i]);
  };
  const double q1 = q(0.25), q3 = q(0.75), iqr = q3 - q1;
  const double lo = q1 - k * iqr, hi = q3 + k * iqr;
  double sum = 0, sum2 = 0;
  size_t cnt = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    const double c = std::clamp(double(x[i]), lo, hi);
    sum += c, sum2 += c * c, ++cnt;
  }
  const double mean = sum / double(cnt);
  const double sd = std::sqrt(std::max(0.0, sum2 / double(cnt) - mean * mean));
  if (!(sd > 1e-9)) {
    std::fill(x, x + n, 0.f);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    x[i] = std::isfinite(x[i]) ? float((std::clamp(double(x[i]), lo, hi) - mean) / sd) : 0.f;
  }
}

void cut_window(const float* ecg, size_t n, size_t minute, const SeedInputSpec& spec, float* out) {
  const int64_t spm = int64_t(std::llround(60.0 * spec.fs));
  const int64_t w = spec.window_samples();
  const int64_t start = (int64_t(minute) - spec.context_minutes) * spm;
  for (int64_t i = 0; i < w; ++i) {
    const int64_t j = start + i;
    out[i] = j >= 0 && j < int64_t(n) ? ecg[j] : std::numeric_limits<float>::quiet_NaN();
  }
}

void normalised_windows(const float* ecg, size_t n, size_t first_minute, size_t count,
                        const SeedInputSpec& spec, float* out) {
  const size_t w = size_t(spec.window_samples());
  std::vector<float> scratch;
  for (size_t k = 0; k < count; ++k) {
    cut_window(ecg, n, first_minute + k, spec, out + k * w);
    normalise_window(out + k * w, w, spec.clip_iqr, scratch);
  }
}

}  // namespace somna::features
