// Synthetic nights: a heart-rate model (mean + slow wander + respiratory sinus arrhythmia +
// apnea cycles of bradycardia then tachycardia) integrated into beat times, rendered as an ECG by
// overlap-adding one beat waveform per beat (R amplitude modulated by breathing), plus baseline
// wander, noise and optional inversion. See tests/README.md for the model and its parameters.

#include "sim/synthetic_night.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "common/error.hpp"

namespace somna::sim {
namespace {

constexpr double kPi = 3.14159265358979323846;

double smoothstep(double x) {
  x = std::clamp(x, 0.0, 1.0);
  return x * x * (3 - 2 * x);
}

// Heart-rate offset (as a fraction of the swing) at phase u in [0,1) of one apnea cycle: a
// bradycardia that deepens through the apnea (first kApneaFraction of the cycle), then a sharp
// tachycardia at the recovery breaths. Peak-to-trough is about 1.
constexpr double kApneaFraction = 0.65;
double cycle_hr_shape(double u) {
  const double brady = smoothstep(u / 0.25) * (1 - smoothstep((u - kApneaFraction) / 0.1));
  const double z = (u - (kApneaFraction + 0.1)) / 0.07;
  return -0.35 * brady + 0.65 * std::exp(-0.5 * z * z);
}

// Ornstein-Uhlenbeck process sampled once a second, zero mean, stationary sd `sd`.
std::vector<double> ou_process(size_t n, double tau_s, double sd, std::mt19937_64& rng) {
  std::vector<double> x(n, 0.0);
  if (n == 0 || sd <= 0) return x;
  std::normal_distribution<double> g(0.0, 1.0);
  const double a = std::exp(-1.0 / tau_s);
  const double s = sd * std::sqrt(1 - a * a);
  x[0] = sd * g(rng);
  for (size_t i = 1; i < n; ++i) x[i] = a * x[i - 1] + s * g(rng);
  return x;
}

double at_second(const std::vector<double>& x, double t) {
  if (x.empty()) return 0;
  if (t <= 0) return x.front();
  const size_t i = static_cast<size_t>(t);
  if (i + 1 >= x.size()) return x.back();
  const double f = t - static_cast<double>(i);
  return x[i] * (1 - f) + x[i + 1] * f;
}

// Where breathing is in each apnea cycle: gain on respiratory modulation (reduced during the
// apnea, deep breaths at recovery) and the cycle's HR shape.
struct CycleState {
  double hr_shape = 0;
  double resp_gain = 1;
};

struct Cycle {
  double start_s, length_s;
};

CycleState cycle_state(const std::vector<Cycle>& cycles, double t) {
  // cycles are sorted; binary search the last one starting at or before t.
  auto it = std::upper_bound(cycles.begin(), cycles.end(), t,
                             [](double v, const Cycle& c) { return v < c.start_s; });
  if (it == cycles.begin()) return {};
  --it;
  const double u = (t - it->start_s) / it->length_s;
  if (u < 0 || u >= 1) return {};
  CycleState s;
  s.hr_shape = cycle_hr_shape(u);
  s.resp_gain = u < kApneaFraction ? 0.3 : 1.8;
  return s;
}

float template_at(const BeatTemplate& tp, double x) {
  if (x < 0) return 0;
  const size_t i = static_cast<size_t>(x);
  if (i + 1 >= tp.mv.size()) return 0;
  const double f = x - static_cast<double>(i);
  return static_cast<float>(tp.mv[i] * (1 - f) + tp.mv[i + 1] * f);
}

}  // namespace

BeatTemplate gaussian_template(double fs) {
  // (time of the wave relative to R in s, amplitude relative to R, width sd in s): P, Q, R, S, T.
  struct Wave {
    double t, a, w;
  };
  const Wave waves[] = {{-0.20, 0.15, 0.025},
                        {-0.030, -0.12, 0.010},
                        {0.0, 1.0, 0.011},
                        {0.032, -0.25, 0.011},
                        {0.28, 0.30, 0.055}};
  const double pre = 0.30, post = 0.50;
  BeatTemplate tp;
  tp.fs = fs;
  tp.r_index = static_cast<size_t>(std::lround(pre * fs));
  const size_t n = static_cast<size_t>(std::lround((pre + post) * fs)) + 1;
  tp.mv.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const double t = (static_cast<double>(i) - static_cast<double>(tp.r_index)) / fs;
    double v = 0;
    for (const Wave& w : waves) {
      const double z = (t - w.t) / w.w;
      v += w.a * std::exp(-0.5 * z * z);
    }
    tp.mv[i] = static_cast<float>(v);
  }
  return tp;
}

BeatTemplate average_template(const io::Channel& ecg, const std::vector<double>& r_times_s,
                              double out_fs) {
  const double fs = ecg.fs;
  if (fs <= 0 || ecg.samples.empty()) {
    throw analysis::AnalysisError(ecg.name, "average_template: channel has no samples");
  }
  const long pre = std::lround(0.30 * fs), post = std::lround(0.50 * fs);
  const long search = std::lround(0.03 * fs);
  const long n = static_cast<long>(ecg.samples.size());
  const size_t len = static_cast<size_t>(pre + post + 1);
  std::vector<std::vector<float>> columns(len);
  for (double r : r_times_s) {
    long c = std::lround(r * fs);
    if (c - pre - search < 0 || c + post + search >= n) continue;
    // Refine to the largest deviation from the window median within +-30 ms.
    long best = c;
    float best_v = -1;
    for (long k = c - search; k <= c + search; ++k) {
      const float v = std::fabs(ecg.samples[static_cast<size_t>(k)] -
                                ecg.samples[static_cast<size_t>(c - search)]);
      if (v > best_v) best_v = v, best = k;
    }
    c = best;
    bool ok = true;
    for (long k = c - pre; k <= c + post && ok; ++k) ok = std::isfinite(ecg.samples[size_t(k)]);
    if (!ok) continue;
    for (size_t j = 0; j < len; ++j) columns[j].push_back(ecg.samples[size_t(c - pre) + j]);
  }
  if (columns[0].size() < 10) {
    throw analysis::AnalysisError(ecg.name, "average_template: fewer than 10 usable beats");
  }
  // Median per sample: robust to the odd noisy or mislabelled beat.
  std::vector<float> med(len);
  for (size_t j = 0; j < len; ++j) {
    auto& col = columns[j];
    std::nth_element(col.begin(), col.begin() + long(col.size() / 2), col.end());
    med[j] = col[col.size() / 2];
  }
  // Baseline: the PR segment, 90..50 ms before R.
  std::vector<float> pr(med.begin() + (pre - std::lround(0.09 * fs)),
                        med.begin() + (pre - std::lround(0.05 * fs)) + 1);
  std::nth_element(pr.begin(), pr.begin() + long(pr.size() / 2), pr.end());
  const float base = pr[pr.size() / 2];
  for (float& v : med) v -= base;
  const float r = med[static_cast<size_t>(pre)];
  if (std::fabs(r) < 1e-6f) throw analysis::AnalysisError(ecg.name, "average_template: flat beat");
  for (float& v : med) v /= r;
  // Light Gaussian low-pass when the template will be sampled at a lower rate (anti-aliasing).
  if (out_fs > 0 && out_fs < fs) {
    const double sigma = 0.25 * fs / out_fs;
    const long half = static_cast<long>(std::ceil(3 * sigma));
    std::vector<float> sm(len, 0.f);
    for (long i = 0; i < long(len); ++i) {
      double acc = 0, wsum = 0;
      for (long k = -half; k <= half; ++k) {
        const long j = i + k;
        if (j < 0 || j >= long(len)) continue;
        const double w = std::exp(-0.5 * (k / sigma) * (k / sigma));
        acc += w * med[size_t(j)];
        wsum += w;
      }
      sm[size_t(i)] = static_cast<float>(acc / wsum);
    }
    const float r2 = sm[static_cast<size_t>(pre)];
    for (float& v : sm) v /= r2;
    med = std::move(sm);
  }
  // Taper the first and last 10% to zero so overlapping beats join without steps.
  const size_t taper = len / 10;
  for (size_t j = 0; j < taper; ++j) {
    const float w = static_cast<float>(0.5 - 0.5 * std::cos(kPi * double(j) / double(taper)));
    med[j] *= w;
    med[len - 1 - j] *= w;
  }
  BeatTemplate tp;
  tp.fs = fs;
  tp.r_index = static_cast<size_t>(pre);
  tp.mv = std::move(med);
  return tp;
}

SimulatedNight simulate_night(const NightSpec& spec) {
  if (!(spec.fs > 0 && spec.fs <= 10000)) {
    throw analysis::AnalysisError({}, "simulate_night: fs must be in (0, 10000]");
  }
  if (!(spec.hours >= 0 && spec.hours <= 48)) {
    throw analysis::AnalysisError({}, "simulate_night: hours must be in [0, 48]");
  }
  if (!(spec.mean_hr_bpm >= 30 && spec.mean_hr_bpm <= 180)) {
    throw analysis::AnalysisError({}, "simulate_night: mean heart rate must be in [30, 180] bpm");
  }
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> unif(0.0, 1.0);

  const bool external_beats = !spec.beat_times_s.empty();
  double duration = spec.hours * 3600;
  if (external_beats && duration <= 0) duration = spec.beat_times_s.back() + 2.0;
  if (duration <= 0) throw analysis::AnalysisError({}, "simulate_night: zero length");
  if (duration > 48 * 3600 || duration * spec.fs > 5e8) {
    throw analysis::AnalysisError({}, "simulate_night: longer than 48 h or 5e8 samples");
  }
  const size_t n_seconds = static_cast<size_t>(std::ceil(duration)) + 2;

  SimulatedNight out;

  // Apnea cycles inside each episode (jittered cycle length, whole cycles only).
  std::vector<Cycle> cycles;
  if (!external_beats) {
    std::vector<ApneaEpisode> eps = spec.episodes;
    std::sort(eps.begin(), eps.end(),
              [](const ApneaEpisode& a, const ApneaEpisode& b) { return a.start_s < b.start_s; });
    for (const ApneaEpisode& e : eps) {
      double t = std::max(e.start_s,
                          cycles.empty() ? 0.0 : cycles.back().start_s + cycles.back().length_s);
      const double end = std::min(e.start_s + e.duration_s, duration);
      for (;;) {
        const double len = spec.event_cycle_s * (0.85 + 0.3 * unif(rng));
        if (t + len > end) break;
        cycles.push_back({t, len});
        t += len;
      }
    }
    for (const Cycle& c : cycles) {
      out.events.push_back({c.start_s, c.start_s + c.length_s, 1.0f});
    }
  }

  // Slow heart-rate wander (two time scales) and breathing rate jitter, once a second.
  const std::vector<double> wander_slow = ou_process(n_seconds, 600, spec.hrv_sd_bpm, rng);
  const std::vector<double> wander_fast = ou_process(n_seconds, 20, 0.3 * spec.hrv_sd_bpm, rng);
  const std::vector<double> resp_jitter = ou_process(n_seconds, 60, 0.1, rng);
  // Respiratory phase by integrating the (jittered) rate second by second.
  std::vector<double> resp_phase(n_seconds + 1, 0.0);
  resp_phase[0] = 2 * kPi * unif(rng);
  for (size_t i = 0; i < n_seconds; ++i) {
    resp_phase[i + 1] = resp_phase[i] + 2 * kPi * spec.resp_rate_hz * (1 + resp_jitter[i]);
  }
  auto resp = [&](double t) { return std::sin(at_second(resp_phase, t)); };

  // Beat times.
  if (external_beats) {
    for (double t : spec.beat_times_s) {
      if (t >= 0 && t < duration) out.r_time_s.push_back(t);
    }
  } else {
    double t = 0.2 + 0.8 * unif(rng);
    while (t < duration) {
      out.r_time_s.push_back(t);
      const CycleState cs = cycle_state(cycles, t);
      double hr = spec.mean_hr_bpm + at_second(wander_slow, t) + at_second(wander_fast, t) +
                  spec.rsa_bpm * cs.resp_gain * resp(t) + spec.event_hr_swing_bpm * cs.hr_shape;
      hr = std::clamp(hr, 30.0, 180.0);
      double rr = 60.0 / hr;
      if (spec.ectopic_per_hour > 0 && unif(rng) < spec.ectopic_per_hour * rr / 3600) {
        // Premature beat at 65% of the interval, then a compensatory pause.
        const double early = t + 0.65 * rr;
        if (early < duration) out.r_time_s.push_back(early);
        rr *= 2;
      }
      t += rr;
    }
  }

  // Per-minute truth: a minute is apnea when an event covers at least 5 s of it.
  const size_t n_minutes = static_cast<size_t>(std::ceil(duration / 60.0));
  out.minute_apnea.assign(n_minutes, 0);
  for (const analysis::Event& e : out.events) {
    for (size_t m = static_cast<size_t>(e.start_s / 60); m < n_minutes && m * 60.0 < e.end_s; ++m) {
      const double overlap = std::min(e.end_s, m * 60.0 + 60) - std::max(e.start_s, m * 60.0);
      if (overlap >= 5) out.minute_apnea[m] = 1;
    }
  }

  // Render.
  const BeatTemplate tp = spec.beat_template.empty() ? gaussian_template(1000) : spec.beat_template;
  const size_t n = static_cast<size_t>(std::llround(duration * spec.fs));
  std::vector<float> x(n, 0.f);
  const double pre_s = static_cast<double>(tp.r_index) / tp.fs;
  const double post_s = static_cast<double>(tp.mv.size() - tp.r_index) / tp.fs;
  for (double tb : out.r_time_s) {
    const CycleState cs = cycle_state(cycles, tb);
    const double amp =
        spec.r_amp_mv * (1 + spec.resp_amp_mod * std::min(cs.resp_gain, 1.5) * resp(tb));
    const long i0 = std::max(0L, static_cast<long>(std::ceil((tb - pre_s) * spec.fs)));
    const long i1 =
        std::min(static_cast<long>(n) - 1, static_cast<long>(std::floor((tb + post_s) * spec.fs)));
    for (long i = i0; i <= i1; ++i) {
      const double dt = static_cast<double>(i) / spec.fs - tb;
      x[size_t(i)] += static_cast<float>(amp * template_at(tp, dt * tp.fs + double(tp.r_index)));
    }
  }
  // Baseline wander: three slow sinusoids plus a breathing component; white noise.
  double f[3], ph[3];
  for (int k = 0; k < 3; ++k) {
    f[k] = 0.03 + 0.3 * unif(rng);
    ph[k] = 2 * kPi * unif(rng);
  }
  // The wander (< 0.5 Hz) is computed on a 10 Hz grid and interpolated: sin() per sample
  // dominated the simulator's time.
  const double grid_hz = 10;
  const size_t n_grid = static_cast<size_t>(duration * grid_hz) + 2;
  std::vector<double> wander(n_grid);
  for (size_t g = 0; g < n_grid; ++g) {
    const double t = static_cast<double>(g) / grid_hz;
    double b = 0;
    for (int k = 0; k < 3; ++k) b += std::sin(2 * kPi * f[k] * t + ph[k]);
    wander[g] = spec.baseline_wander_mv * (b / 3 + 0.5 * resp(t));
  }
  const float sign = spec.inverted ? -1.f : 1.f;
  for (size_t i = 0; i < n; ++i) {
    const double gpos = static_cast<double>(i) / spec.fs * grid_hz;
    const size_t g = std::min(static_cast<size_t>(gpos), n_grid - 2);
    const double fr = gpos - static_cast<double>(g);
    const double b = wander[g] * (1 - fr) + wander[g + 1] * fr;
    x[i] = sign * static_cast<float>(x[i] + b + spec.noise_mv * gauss(rng));
  }

  io::Channel ch;
  ch.name = "ECG";
  ch.units = "mV";
  ch.fs = spec.fs;
  ch.gain = 200;
  ch.baseline = 0;
  ch.adc_resolution = 16;
  ch.format = "16";
  ch.n_samples = static_cast<int64_t>(n);
  ch.samples = std::move(x);
  out.record.name = "synthetic";
  out.record.format = "simulated";
  out.record.frame_fs = spec.fs;
  out.record.channels.push_back(std::move(ch));
  return out;
}

NightSpec random_night_spec(uint64_t seed, bool with_apnea, double hours) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + 17);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto range = [&](double a, double b) { return a + (b - a) * u(rng); };
  NightSpec s;
  s.hours = hours;
  s.seed = seed;
  s.mean_hr_bpm = range(52, 82);
  s.hrv_sd_bpm = range(1, 3);
  s.rsa_bpm = range(0.5, 3);
  s.resp_rate_hz = range(0.2, 0.3);
  s.resp_amp_mod = range(0.05, 0.2);
  s.noise_mv = range(0.005, 0.05);
  s.baseline_wander_mv = range(0.02, 0.2);
  s.r_amp_mv = range(0.6, 1.8);
  s.inverted = u(rng) < 0.1;
  s.ectopic_per_hour = range(0, 30);
  s.event_cycle_s = range(35, 65);
  s.event_hr_swing_bpm = range(8, 20);
  if (with_apnea) {
    // Episodes of 5..30 min, separated by 5..40 min of normal breathing, after 10..40 min.
    double t = range(600, 2400);
    const double end = hours * 3600 - 300;
    const int max_episodes = 3 + static_cast<int>(u(rng) * 8);
    for (int k = 0; k < max_episodes; ++k) {
      const double d = range(300, 1800);
      if (t + d > end) break;
      s.episodes.push_back({t, d});
      t += d + range(300, 2400);
    }
  }
  return s;
}

std::vector<double> fill_missed_beats(const std::vector<double>& t, size_t* n_filled) {
  std::vector<double> out;
  size_t filled = 0;
  if (t.size() < 3) {
    if (n_filled) *n_filled = 0;
    return t;
  }
  std::vector<double> rr(t.size() - 1);
  for (size_t i = 1; i < t.size(); ++i) rr[i - 1] = t[i] - t[i - 1];
  out.reserve(t.size() + t.size() / 10);
  out.push_back(t[0]);
  std::vector<double> w;
  for (size_t i = 0; i < rr.size(); ++i) {
    const size_t a = i > 30 ? i - 30 : 0, b = std::min(rr.size(), i + 31);
    w.assign(rr.begin() + long(a), rr.begin() + long(b));
    std::nth_element(w.begin(), w.begin() + long(w.size() / 2), w.end());
    const double ref = w[w.size() / 2];
    const double k = ref > 0 ? std::round(rr[i] / ref) : 1;
    if (k >= 2 && k <= 4 && std::fabs(rr[i] / ref - k) < 0.15 * k) {
      for (int j = 1; j < int(k); ++j) out.push_back(t[i] + rr[i] * j / k);
      filled += static_cast<size_t>(k) - 1;
    }
    out.push_back(t[i + 1]);
  }
  if (n_filled) *n_filled = filled;
  return out;
}

}  // namespace somna::sim
