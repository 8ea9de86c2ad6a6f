// analyze_night end to end on an 8-hour 100 Hz synthetic night, one core: reading the WFDB
// record, beat detection, RR cleaning, quality, the CVHR detector and the report object
// (BM_AnalyzeNight8hFromFile); the same without reading; and the HTML report separately.
// Report the median: analysis_bench --benchmark_repetitions=10 --benchmark_report_aggregates_only

#include <benchmark/benchmark.h>

#include <cmath>
#include <string>

#include "analysis/cvhr_detector.hpp"
#include "analysis/night_input.hpp"
#include "analysis/night_report.hpp"
#include "common/temp_dir.hpp"
#include "dsp/beats.hpp"
#include "io/record.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "sim/synthetic_night.hpp"
#include "sim/wfdb_writer.hpp"

namespace {

struct Fixture {
  somna::TempDir dir{{}, "somna-analysis-bench-"};  // removed at exit
  std::string path;
  somna::io::Record record;
  Fixture() {
    somna::sim::NightSpec spec = somna::sim::random_night_spec(42, true, 8);
    const somna::sim::SimulatedNight n = somna::sim::simulate_night(spec);
    const std::string base = dir.path() + "/night8h";
    somna::sim::write_wfdb_record(base, n.record);
    path = base + ".hea";
    record = somna::io::read_record(path);
  }
};

const Fixture& fixture() {
  static const Fixture f;
  return f;
}

void BM_AnalyzeNight8hFromFile(benchmark::State& state) {
  const Fixture& f = fixture();
  const somna::analysis::CvhrDetector det;
  for (auto _ : state) {
    const somna::io::Record r = somna::io::read_record(f.path);
    const somna::analysis::NightReport rep = somna::analysis::analyze_night(r, det);
    benchmark::DoNotOptimize(rep.ahi);
  }
  state.SetLabel("8 h, 100 Hz, read + beats + detector + report object");
}
BENCHMARK(BM_AnalyzeNight8hFromFile)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AnalyzeNight8hInMemory(benchmark::State& state) {
  const Fixture& f = fixture();
  const somna::analysis::CvhrDetector det;
  for (auto _ : state) {
    const somna::analysis::NightReport rep = somna::analysis::analyze_night(f.record, det);
    benchmark::DoNotOptimize(rep.ahi);
  }
}
BENCHMARK(BM_AnalyzeNight8hInMemory)->Unit(benchmark::kMillisecond)->UseRealTime();

// Where the time goes: the QRS detector alone, and the analysis given the beats (RR cleaning,
// minute quality without the ECG checks, CVHR detector, HRV, report object).
void BM_DetectBeats8h(benchmark::State& state) {
  const Fixture& f = fixture();
  for (auto _ : state) {
    const somna::dsp::Beats b = somna::dsp::detect_beats(f.record.channels[0]);
    benchmark::DoNotOptimize(b.r_time_s.data());
  }
}
BENCHMARK(BM_DetectBeats8h)->Unit(benchmark::kMillisecond)->UseRealTime();

// The per-minute ECG quality checks alone (flat line, gaps, saturation, noise, beat checks).
void BM_MinuteQuality8h(benchmark::State& state) {
  const Fixture& f = fixture();
  const somna::io::Channel& ch = f.record.channels[0];
  const somna::dsp::Beats beats = somna::dsp::detect_beats(ch);
  const size_t n_min = somna::analysis::night_minutes(ch.duration_s());
  for (auto _ : state) {
    const auto q = somna::dsp::minute_quality(&ch, beats, n_min);
    benchmark::DoNotOptimize(q.data());
  }
}
BENCHMARK(BM_MinuteQuality8h)->Unit(benchmark::kMillisecond)->UseRealTime();

// The CVHR detector alone, given the beats (its own RR preparation included).
void BM_CvhrDetector8h(benchmark::State& state) {
  const Fixture& f = fixture();
  const somna::io::Channel& ch = f.record.channels[0];
  const somna::analysis::NightInput in =
      somna::analysis::night_input(&ch, somna::dsp::detect_beats(ch), ch.duration_s());
  const somna::analysis::CvhrDetector det;
  for (auto _ : state) {
    const somna::analysis::MinuteScores s = det.score(in);
    benchmark::DoNotOptimize(s.events_per_hour);
  }
}
BENCHMARK(BM_CvhrDetector8h)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_AnalyzeNight8hFromBeats(benchmark::State& state) {
  const Fixture& f = fixture();
  const somna::analysis::CvhrDetector det;
  somna::analysis::Options o;
  o.beats = somna::dsp::detect_beats(f.record.channels[0]);
  somna::io::Record header = f.record;
  header.channels[0].samples.clear();
  for (auto _ : state) {
    const somna::analysis::NightReport rep = somna::analysis::analyze_night(header, det, o);
    benchmark::DoNotOptimize(rep.ahi);
  }
}
BENCHMARK(BM_AnalyzeNight8hFromBeats)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Reports8h(benchmark::State& state) {
  const Fixture& f = fixture();
  const somna::analysis::NightReport rep =
      somna::analysis::analyze_night(f.record, somna::analysis::CvhrDetector());
  for (auto _ : state) {
    const std::string html = somna::report::html_report(rep, &f.record);
    const std::string json = somna::report::night_report_json(rep).dump();
    benchmark::DoNotOptimize(html.size() + json.size());
  }
  state.SetLabel("HTML + JSON text");
}
BENCHMARK(BM_Reports8h)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
