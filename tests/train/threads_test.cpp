// The scoped LibTorch thread count: TorchThreads sets it and puts it back; scoring (night_logits,
// seed_scores, a loaded detector) runs at kScoringThreads whatever the caller has, so its scores
// are the same bit for bit at any thread count, and neither scoring nor training leaves the
// process's count changed.
#include "train/threads.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "dsp/beats.hpp"
#include "features/rr_features.hpp"
#include "train/rr_module.hpp"
#include "train/seed_module.hpp"

using namespace somna;

TEST(TorchThreads, SetsTheCountForTheScopeAndPutsItBack) {
  const int before = at::get_num_threads();
  {
    const train::TorchThreads t(before + 2);
    EXPECT_EQ(at::get_num_threads(), before + 2);
    {
      const train::ScoringThreads s;
      EXPECT_EQ(at::get_num_threads(), train::kScoringThreads);
    }
    EXPECT_EQ(at::get_num_threads(), before + 2);
    {
      const train::TorchThreads unchanged(0);
      EXPECT_EQ(at::get_num_threads(), before + 2);
    }
  }
  EXPECT_EQ(at::get_num_threads(), before);
}

TEST(TorchThreads, ScoresAreTheSameAtAnyThreadCount) {
  torch::manual_seed(4);
  model::RRNetConfig c;  // the shipped shape: 4 channels, dilations, GRU across minutes
  c.in_channels = 4;
  c.dilations = {1, 2, 4, 8};
  c.gru_hidden = 16;
  train::RRNet net(c);
  net->eval();
  dsp::Beats b;
  for (double t = 0.5; t < 60.0 * 90; t += 0.9 + 0.1 * std::sin(t / 7.0)) b.r_time_s.push_back(t);
  b.duration_s = 60.0 * 90;
  features::RRFeatureSpec spec;
  spec.channels = 4;
  const auto f = features::rr_features(dsp::clean_rr(b), 90, spec);

  torch::manual_seed(5);
  model::SeedNetConfig sc;
  sc.dims = {8, 12, 16};
  sc.depths = {1, 1, 1};
  sc.lstm_hidden = 8;
  sc.mlp = {24, 8};
  train::SeedNet seed(sc);
  features::SeedInputSpec si;
  si.context_minutes = 1;
  std::vector<float> ecg(size_t(6000 * 6));
  for (size_t i = 0; i < ecg.size(); ++i) ecg[i] = float(std::sin(double(i) * 0.07));

  const int before = at::get_num_threads();
  std::vector<float> rr_ref, seed_ref;
  for (int threads : {1, 2, 3, 4}) {
    const train::TorchThreads t(threads);
    const auto rr = train::night_logits(net, f, 4);
    const auto sd = train::seed_scores(seed, ecg.data(), ecg.size(), 6, si).logit;
    EXPECT_EQ(at::get_num_threads(), threads);  // scoring put the caller's count back
    if (rr_ref.empty()) rr_ref = rr, seed_ref = sd;
    EXPECT_EQ(rr, rr_ref) << threads << " threads";
    EXPECT_EQ(sd, seed_ref) << threads << " threads";
  }
  EXPECT_EQ(at::get_num_threads(), before);
}
