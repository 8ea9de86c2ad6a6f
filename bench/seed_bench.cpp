// The seed raw-ECG network (default CPU size, one-minute windows at 100 Hz):
// training throughput in labelled minutes per second on 2 threads (one epoch of 128 windows on
// simulated nights: batch building with augmentation, per-window normalisation, forward,
// backward, AdamW), and scoring a whole 8-hour night (480 windows) on one core, as the detector
// does in analyze_night (Somna's own inference), and by the LibTorch module for comparison.
// Run: seed_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only

#include <benchmark/benchmark.h>

#include "model/seed_model.hpp"
#include "train/seed_module.hpp"
#include "train/rr_module.hpp"
#include "train/seed_trainer.hpp"

namespace {

const std::vector<somna::train::SeedNight>& nights() {
  static const auto v =
      somna::train::synthetic_seed_nights(2, 1.0, 77, somna::features::SeedInputSpec{}, 0);
  return v;
}

void BM_SeedTrainThroughput2Threads(benchmark::State& state) {
  somna::train::SeedTrainOptions o;
  o.epochs = 1;
  o.windows_per_epoch = 128;
  o.threads = 2;
  o.patience = 0;
  o.pretrain_epochs = 0;  // the apnea training step only (all tensors trainable)
  o.unfreeze_every = 0;
  double minutes = 0;
  for (auto _ : state) {
    auto r = somna::train::train_seed(nights(), {0, 1}, {}, o);
    benchmark::DoNotOptimize(r.best_epoch);
    minutes += double(o.windows_per_epoch);
  }
  state.counters["minutes_per_s"] = benchmark::Counter(minutes, benchmark::Counter::kIsRate);
  torch::set_num_threads(1);
}
BENCHMARK(BM_SeedTrainThroughput2Threads)->Unit(benchmark::kMillisecond)->UseRealTime();

std::vector<float> ecg8h() {
  std::vector<float> ecg;
  for (int k = 0; k < 8; ++k) ecg.insert(ecg.end(), nights()[0].ecg.begin(), nights()[0].ecg.end());
  return ecg;
}

// Somna's own inference (model/seed_network.hpp), as the detector scores a night.
void BM_SeedScoreNight8h(benchmark::State& state) {
  torch::manual_seed(1);
  somna::train::SeedNet net(somna::model::SeedNetConfig{});  // weights do not change the cost
  somna::model::StFile file;
  file.tensors = somna::train::module_tensors(*net);
  const somna::model::SeedNetwork own(net->config(), somna::model::Weights(file, "bench"));
  const somna::features::SeedInputSpec spec;
  const auto ecg = ecg8h();
  for (auto _ : state) {
    auto s = somna::model::seed_scores(own, ecg.data(), ecg.size(), 480, spec);
    benchmark::DoNotOptimize(s.logit.data());
  }
  state.counters["minutes"] = 480;
}
BENCHMARK(BM_SeedScoreNight8h)->Unit(benchmark::kMillisecond);

// The LibTorch module on the same night (what scoring cost before the own inference).
void BM_SeedScoreNight8hLibTorch(benchmark::State& state) {
  torch::set_num_threads(1);
  torch::manual_seed(1);
  somna::train::SeedNet net(somna::model::SeedNetConfig{});
  const somna::features::SeedInputSpec spec;
  const auto ecg = ecg8h();
  for (auto _ : state) {
    auto s = somna::train::seed_scores(net, ecg.data(), ecg.size(), 480, spec);
    benchmark::DoNotOptimize(s.logit.data());
  }
  state.counters["minutes"] = 480;
}
BENCHMARK(BM_SeedScoreNight8hLibTorch)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
