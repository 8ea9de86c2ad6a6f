// The seed network as a model file and a detector: saved with save_seed_model, loaded through
// load_detector (family "seed-ecg", Somna's own inference), it scores a night in analyze_night
// with the scores of the network it was saved from (within 1e-5); the ECG is resampled to the
// model's rate; a night with beats only, or a file with a bad seed architecture, raises ModelError.
#include "model/seed_model.hpp"

#include <gtest/gtest.h>

#include "analysis/night_report.hpp"
#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "model/model.hpp"
#include "sim/synthetic_night.hpp"
#include "train/model_writer.hpp"
#include "train/threads.hpp"

using namespace somna;
using namespace somna::model;
using namespace somna::train;
using dsp::resample_linear;
using features::SeedInputSpec;

namespace {
SeedNetConfig tiny_model_net() {
  SeedNetConfig c;
  c.dims = {8, 12, 16};
  c.depths = {1, 1, 1};
  c.lstm_hidden = 8;
  c.mlp = {24, 8};
  return c;
}
}  // namespace

TEST(SeedModel, SaveLoadScoresANightAsTheModule) {
  torch::manual_seed(5);
  SeedNet net(tiny_model_net());
  SeedInputSpec spec;        // 100 Hz
  spec.context_minutes = 1;  // windows overlap the night's edges
  const TempDir dir;
  const std::string path = dir.path() + "/m.safetensors";
  save_seed_model(path, net, spec, {{meta::kProvenance, R"({"data":"test"})"}});
  const auto det = load_detector(path);
  EXPECT_EQ(det->info().name, "seed-ecg");
  EXPECT_EQ(det->info().trained_on, "test");

  sim::NightSpec s = sim::random_night_spec(3, true, 0.25);
  s.fs = 100;
  const sim::SimulatedNight night = sim::simulate_night(s);
  const io::Channel& ch = night.record.channels[0];
  SeedTorchScores direct;
  {
    const TorchThreads other(at::get_num_threads() + 1);  // scoring sets its own
    direct = seed_scores(net, ch.samples.data(), ch.samples.size(), 15, spec);
  }
  ASSERT_EQ(direct.logit.size(), 15u);
  const analysis::NightReport rep = analysis::analyze_night(night.record, *det);
  ASSERT_EQ(rep.minutes.size(), 15u);
  for (size_t m = 0; m < 15; ++m) {
    // Somna's own inference against the LibTorch module (tests/train/parity_test.cpp).
    EXPECT_NEAR(rep.minutes[m].p_apnea, 1.f / (1.f + std::exp(-direct.logit[m])), 1e-5) << m;
  }
  // Beats only: the network needs the ECG.
  analysis::NightInput beats_only;
  beats_only.n_minutes = 15;
  EXPECT_THROW(det->score(beats_only), ModelError);
  // A damaged architecture.
  StFile f = read_safetensors(path);
  f.metadata[meta::kArchitecture] = R"({"lead_channels":12})";
  write_safetensors(path, f);
  EXPECT_THROW(load_detector(path), ModelError);
}

TEST(SeedModel, ResamplesTheEcgToTheModelRate) {
  std::vector<float> x(2001);
  for (size_t i = 0; i < x.size(); ++i) x[i] = float(i) * 0.5f;  // a ramp at 200 Hz
  const auto y = resample_linear(x, 200, 100);
  ASSERT_EQ(y.size(), 1001u);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_FLOAT_EQ(y[i], float(i));
  SeedInputSpec spec;
  spec.context_minutes = 0;
  spec.fs = 10;
  std::vector<float> w(size_t(spec.window_samples()));
  const std::vector<float> ecg(900, 1.f);  // 1.5 minutes at 10 Hz
  cut_window(ecg.data(), ecg.size(), 1, spec, w.data());
  EXPECT_EQ(w[0], 1.f);
  EXPECT_EQ(w[299], 1.f);
  EXPECT_TRUE(std::isnan(w[300]));  // past the end
}
