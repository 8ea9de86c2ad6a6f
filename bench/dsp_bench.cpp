// Speed of the dsp stage on its real path: detect_beats on 8-hour synthetic nights (somna's
// simulator, ECG-like P-QRS-T with noise and wander) at 100 Hz and 360 Hz and on MIT-BIH 100
// (real, 360 Hz, 30 min) when present; and beats-to-resampled-series (clean_rr + cubic-spline
// resampling of RR, amplitude and EDR at 4 Hz) for one night. Items = input samples (detector)
// or beats (series). Targets (issue 3): >= 50 M samples/s; series <= 5 ms per night.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dsp/beats.hpp"
#include "eval/beat_comparison.hpp"
#include "io/record.hpp"
#include "sim/synthetic_night.hpp"

namespace {

using namespace somna;

struct Night {
  io::Channel ecg;
  std::vector<double> truth;  // true R times
};

const Night& night(double fs) {
  static std::map<double, std::unique_ptr<Night>> cache;
  auto& slot = cache[fs];
  if (!slot) {
    sim::NightSpec spec;
    spec.hours = 8;
    spec.fs = fs;
    spec.seed = 11;
    spec.ectopic_per_hour = 20;
    for (double t = 3600; t < 5 * 3600; t += 1800) spec.episodes.push_back({t, 600});
    sim::SimulatedNight n = sim::simulate_night(spec);
    slot = std::make_unique<Night>(Night{std::move(n.record.channels.at(0)), n.r_time_s});
  }
  return *slot;
}

const io::Channel* mitbih100() {
  static std::unique_ptr<io::Channel> ch;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const std::string path = std::string(SOMNA_SHARED_DATA) + "/wfdb-samples/100";
    if (std::filesystem::exists(path + ".hea"))
      ch = std::make_unique<io::Channel>(io::read_record(path).channels.at(0));
  }
  return ch.get();
}

// Times detect_beats; reports beats found and, when the true beats are known, Se and +P (%) of
// the last run against them (150 ms window), so the figure is for a detector that works.
void run_detector(benchmark::State& state, const io::Channel& ch,
                  const std::vector<double>* truth = nullptr, int threads = 1) {
  dsp::DetectOptions o;
  o.threads = threads;
  dsp::Beats b;
  for (auto _ : state) {
    b = dsp::detect_beats(ch, o);
    benchmark::DoNotOptimize(b.r_time_s.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(ch.samples.size()));
  state.counters["beats"] = static_cast<double>(b.size());
  state.counters["samples"] = static_cast<double>(ch.samples.size());
  if (truth) {
    const eval::BeatMatch m = eval::compare_beats(*truth, b.r_time_s);
    state.counters["se_pct"] = m.se();
    state.counters["ppv_pct"] = m.ppv();
  }
}

void night_bench(benchmark::State& state, double fs) {
  const Night& n = night(fs);
  run_detector(state, n.ecg, &n.truth);
}
void BM_DetectNight100Hz(benchmark::State& state) {
  night_bench(state, 100);
}
void BM_DetectNight360Hz(benchmark::State& state) {
  night_bench(state, 360);
}
void BM_DetectNight128Hz(benchmark::State& state) {
  night_bench(state, 128);
}
void BM_DetectNight250Hz(benchmark::State& state) {
  night_bench(state, 250);
}

// The same night with DetectOptions::threads 2 (the server's: the filter passes' two halves at
// once), wall-clock time.
void BM_DetectNight100Hz2Threads(benchmark::State& state) {
  const Night& n = night(100);
  run_detector(state, n.ecg, &n.truth, 2);
}

void BM_DetectMitbih100(benchmark::State& state) {
  const io::Channel* ch = mitbih100();
  if (!ch) {
    state.SkipWithError("MIT-BIH 100 not found");
    return;
  }
  run_detector(state, *ch);
}

void BM_BeatsToSeries4Hz(benchmark::State& state) {
  const io::Channel& ch = night(100).ecg;
  const dsp::Beats beats = dsp::detect_beats(ch);
  const double t1 = ch.duration_s();
  for (auto _ : state) {
    const dsp::RRSeries rr = dsp::clean_rr(beats);
    const dsp::UniformSeries a = dsp::resample(rr.t_s, rr.rr_s, 4.0, 0.0, t1);
    const dsp::UniformSeries b = dsp::resample(rr.t_s, rr.amp_mv, 4.0, 0.0, t1);
    const dsp::UniformSeries c = dsp::resample(rr.t_s, rr.edr, 4.0, 0.0, t1);
    benchmark::DoNotOptimize(a.value.data());
    benchmark::DoNotOptimize(b.value.data());
    benchmark::DoNotOptimize(c.value.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(beats.size()));
  state.counters["beats"] = static_cast<double>(beats.size());
}

BENCHMARK(BM_DetectNight100Hz)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DetectNight100Hz2Threads)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DetectNight360Hz)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DetectNight128Hz)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DetectNight250Hz)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DetectMitbih100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BeatsToSeries4Hz)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
