// Is the apnea signal in the seed network's windows at all? On simulated nights (random
// per-night parameters), a simple RR score — the range of instantaneous heart rate over the
// window after a 5-beat running median — separates apnea from normal minutes almost perfectly
// from the one-minute window alone (so the seed network's default input is the minute, no
// context); the raw range does much worse, because premature beats dominate it — the confound a
// raw-ECG network has to learn to ignore.
#include <gtest/gtest.h>

#include <algorithm>

#include "eval/metrics.hpp"
#include "sim/synthetic_night.hpp"

using namespace somna;

namespace {
// Range (max - min) of the instantaneous heart rate 60/RR over beats in [t0, t1), after a 5-beat
// running median (premature beats — up to 30 an hour in random_night_spec — would otherwise
// dominate the range).
float hr_range(const std::vector<double>& r, double t0, double t1, bool median) {
  auto first = std::lower_bound(r.begin(), r.end(), t0);
  std::vector<float> hr;
  for (auto it = first; it + 1 < r.end() && *(it + 1) < t1; ++it) {
    hr.push_back(float(60.0 / (*(it + 1) - *it)));
  }
  if (hr.size() < 5) return 0.f;
  std::vector<float> f = hr;
  if (median) {
    for (size_t i = 2; i + 2 < hr.size(); ++i) {
      float w[5] = {hr[i - 2], hr[i - 1], hr[i], hr[i + 1], hr[i + 2]};
      std::nth_element(w, w + 2, w + 5);
      f[i] = w[2];
    }
    f = std::vector<float>(f.begin() + 2, f.end() - 2);
  }
  const auto mm = std::minmax_element(f.begin(), f.end());
  return *mm.second - *mm.first;
}
}  // namespace

TEST(SeedSignal, HeartRateRangeSeparatesApneaMinutes) {
  std::vector<float> raw, s0, s1;
  std::vector<uint8_t> y;
  for (uint64_t seed = 500; seed < 506; ++seed) {
    sim::NightSpec spec = sim::random_night_spec(seed, seed % 3 != 2, 2.0);
    spec.fs = 50;  // beat times do not depend on fs; rendering is cheaper
    const sim::SimulatedNight n = sim::simulate_night(spec);
    for (size_t m = 0; m < n.minute_apnea.size(); ++m) {
      const double t = 60.0 * double(m);
      raw.push_back(hr_range(n.r_time_s, t, t + 60, false));
      s0.push_back(hr_range(n.r_time_s, t, t + 60, true));
      s1.push_back(hr_range(n.r_time_s, t - 60, t + 120, true));
      y.push_back(n.minute_apnea[m]);
    }
  }
  ASSERT_GT(std::count(y.begin(), y.end(), 1), 50);
  const double auc_raw = eval::roc_auc(raw, y), auc_minute = eval::roc_auc(s0, y),
               auc_context = eval::roc_auc(s1, y);
  EXPECT_GT(auc_minute, 0.9) << "one-minute window";
  EXPECT_GT(auc_context, 0.9) << "minute +- 1 minute";
  EXPECT_LT(auc_raw, auc_minute) << "premature beats confound the raw range";
  std::printf("HR-range AUC: raw %.3f, 5-beat median: minute %.3f, minute+-1 %.3f\n", auc_raw,
              auc_minute, auc_context);
}
