// The RR network: scoring a whole 8-hour night (480 minutes) on one core — the detector's score()
// as analyze_night calls it (features from the cleaned RR series + Somna's own forward pass,
// model/rr_network.hpp), the own forward pass alone and LibTorch's forward of the same network
// for comparison; loading the shipped model; training throughput (labelled minutes per second,
// 2 threads) on synthetic 8-hour nights, features alone. Uses models/default.safetensors (and its
// architecture and input spec) when present, else a fresh network of the default architecture.
// Run: model_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only

#include <benchmark/benchmark.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "analysis/night_input.hpp"
#include "common/temp_dir.hpp"
#include "model/model.hpp"
#include "model/rr_network.hpp"
#include "train/model_writer.hpp"
#include "train/trainer.hpp"

namespace {

somna::analysis::NightInput night8h(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 0.02);
  somna::dsp::Beats b;
  double t = 0.4;
  while (t < 8 * 3600.0) {
    b.r_time_s.push_back(t);
    t += 0.9 + 0.1 * std::sin(t / 30.0) + g(rng);
  }
  b.duration_s = 8 * 3600.0;
  return somna::analysis::night_input(nullptr, std::move(b), 8 * 3600.0);
}

std::unique_ptr<somna::analysis::Detector> detector() {
  const std::string path = std::string(SOMNA_SOURCE_DIR) + "/models/default.safetensors";
  if (std::filesystem::exists(path)) return somna::model::load_detector(path);
  const somna::TempDir tmp({}, "somna-bench-rr-");
  const std::string file = tmp.path() + "/rr.safetensors";
  somna::train::RRNet net(somna::model::RRNetConfig{});
  somna::train::save_rr_model(file, net, {}, {});
  return somna::model::load_detector(file);
}

void BM_RRScoreNight8h(benchmark::State& state) {
  const auto in = night8h(1);
  const auto det = detector();
  for (auto _ : state) {
    auto s = det->score(in);
    benchmark::DoNotOptimize(s.p_apnea.data());
  }
  state.counters["minutes"] = 480;
}
BENCHMARK(BM_RRScoreNight8h)->Unit(benchmark::kMillisecond);

// Loading the shipped model as every command and the server do once (read, parse, fold, pack).
void BM_LoadDefaultModel(benchmark::State& state) {
  const std::string path = std::string(SOMNA_SOURCE_DIR) + "/models/default.safetensors";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("models/default.safetensors is absent");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(somna::model::load_detector(path).get());
}
BENCHMARK(BM_LoadDefaultModel)->Unit(benchmark::kMillisecond);

// The shipped model's architecture and input spec (weights do not change the cost).
std::pair<somna::model::RRNetConfig, somna::features::RRFeatureSpec> default_arch() {
  const std::string path = std::string(SOMNA_SOURCE_DIR) + "/models/default.safetensors";
  if (!std::filesystem::exists(path)) return {};
  const auto f = somna::model::read_safetensors(path);
  return {somna::model::RRNetConfig::from_json(f.metadata.at(somna::model::meta::kArchitecture)),
          somna::model::input_spec_from_json(f.metadata.at(somna::model::meta::kInput), path)};
}

void BM_RRFeatures8h(benchmark::State& state) {
  const auto in = night8h(1);
  const auto spec = default_arch().second;
  for (auto _ : state) {
    auto f = somna::analysis::rr_network_input(in, spec);
    benchmark::DoNotOptimize(f.values.data());
  }
}
BENCHMARK(BM_RRFeatures8h)->Unit(benchmark::kMillisecond);

void BM_RRForwardOwn8h(benchmark::State& state) {
  const auto in = night8h(1);
  const auto [cfg, spec] = default_arch();
  const auto f = somna::analysis::rr_network_input(in, spec);
  somna::train::RRNet net(cfg);  // weights do not change the cost
  somna::model::StFile file;
  file.tensors = somna::train::module_tensors(*net);
  const somna::model::RRNetwork own(cfg, somna::model::Weights(file, "bench"));
  for (auto _ : state) benchmark::DoNotOptimize(own.logits(f).data());
}
BENCHMARK(BM_RRForwardOwn8h)->Unit(benchmark::kMillisecond);

void BM_RRForwardLibTorch8h(benchmark::State& state) {
  const auto in = night8h(1);
  const auto [cfg, spec] = default_arch();
  const auto f = somna::analysis::rr_network_input(in, spec);
  somna::train::RRNet net(cfg);
  net->eval();
  torch::set_num_threads(1);
  for (auto _ : state)
    benchmark::DoNotOptimize(somna::train::night_logits(net, f, spec.channels).data());
}
BENCHMARK(BM_RRForwardLibTorch8h)->Unit(benchmark::kMillisecond);

void BM_RRTrainThroughput2Threads(benchmark::State& state) {
  std::vector<somna::train::LabelledNight> data;
  for (uint64_t s = 0; s < 4; ++s) {
    somna::train::LabelledNight n;
    n.name = "s" + std::to_string(s);
    n.group = "s";
    n.input = night8h(10 + s);
    n.labels.assign(480, 0);
    for (size_t m = 0; m < 480; ++m) n.labels[m] = (m / 20) % 2;
    n.features = somna::analysis::rr_network_input(n.input, default_arch().second);
    data.push_back(std::move(n));
  }
  somna::train::TrainOptions o;
  o.net = default_arch().first;
  o.crop_minutes = 128;
  o.epochs = 1;
  o.steps_per_epoch = 4;
  o.threads = 2;
  o.patience = 0;
  double minutes = 0;
  for (auto _ : state) {
    auto r = somna::train::train_rr(data, {0, 1, 2, 3}, {}, o);
    benchmark::DoNotOptimize(r.best_epoch);
    minutes += double(o.steps_per_epoch * o.batch * o.crop_minutes);
  }
  state.counters["minutes_per_s"] = benchmark::Counter(minutes, benchmark::Counter::kIsRate);
  torch::set_num_threads(1);
}
BENCHMARK(BM_RRTrainThroughput2Threads)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
