// The seed raw-ECG network: output shapes, attention sums to 1, a pretrained backbone loads by
// tensor name from a .safetensors file the project writes, gradual unfreezing, save/load gives
// identical scores, a backbone file lacking tensors raises ModelError.
#include <gtest/gtest.h>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "train/rr_module.hpp"
#include "train/seed_module.hpp"

using namespace somna::model;
using namespace somna::train;
using namespace somna::features;  // SeedInputSpec, normalise_window

namespace {
SeedNetConfig tiny_seed_net() {
  SeedNetConfig c;
  c.dims = {8, 16};
  c.depths = {1, 1};
  c.stem_stride = 4;
  c.lstm_hidden = 8;
  c.mlp = {32, 16, 8};
  return c;
}
}  // namespace

TEST(SeedNet, ShapesAndAttention) {
  torch::manual_seed(0);
  SeedNet net(tiny_seed_net());
  net->eval();
  torch::NoGradGuard ng;
  const auto o = net->forward(torch::randn({3, 1, 800}));
  EXPECT_EQ(o.logit.sizes(), (std::vector<int64_t>{3}));
  EXPECT_EQ(o.confidence.sizes(), (std::vector<int64_t>{3}));
  EXPECT_EQ(o.attention.sizes(), (std::vector<int64_t>{3, 100}));  // 800 / 4 / 2
  EXPECT_TRUE(torch::allclose(o.attention.sum(1), torch::ones({3})));
  EXPECT_TRUE((o.confidence > 0).all().item<bool>() && (o.confidence < 1).all().item<bool>());
  SeedNet full(SeedNetConfig::paper_size());
  EXPECT_GT(parameter_count(*full), 1000000);  // BiLSTM 256 x 2 layers + MLP 1024
  SeedNet small(SeedNetConfig{});              // the CPU default
  EXPECT_LT(parameter_count(*small), 200000);
  EXPECT_EQ(SeedNetConfig{}.downsampling(), 32);  // 6000 samples -> 187 LSTM steps
}

TEST(SeedNet, PretrainedBackboneLoadsByNameAndUnfreezes) {
  torch::manual_seed(1);
  SeedNet a(tiny_seed_net());
  torch::manual_seed(2);
  SeedNet b(tiny_seed_net());
  a->eval(), b->eval();
  StFile f;
  f.tensors = module_tensors(*a);
  const somna::TempDir dir;
  const std::string path = dir.path() + "/backbone.safetensors";
  write_safetensors(path, f);
  load_pretrained_backbone(b, read_safetensors(path), path);
  torch::NoGradGuard ng;
  const auto x = torch::randn({2, 1, 400});
  EXPECT_TRUE(torch::equal(a->backbone()->forward(x), b->backbone()->forward(x)));
  // The heads are still b's own: outputs differ.
  EXPECT_FALSE(torch::equal(a->forward(x).logit, b->forward(x).logit));
  // A file without the backbone tensors.
  StFile empty;
  EXPECT_THROW(load_pretrained_backbone(b, empty, "empty.safetensors"), somna::model::ModelError);
  // Gradual unfreezing.
  b->set_trainable_stages(0);
  for (const auto& p : b->backbone()->parameters()) EXPECT_FALSE(p.requires_grad());
  b->set_trainable_stages(1);
  for (const auto& p : b->backbone()->stages[1]->parameters()) EXPECT_TRUE(p.requires_grad());
  for (const auto& p : b->backbone()->stages[0]->parameters()) EXPECT_FALSE(p.requires_grad());
  b->set_trainable_stages(-1);
  for (const auto& p : b->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(SeedNet, SaveLoadGivesIdenticalScores) {
  torch::manual_seed(3);
  SeedNet a(tiny_seed_net());
  a->eval();
  StFile f;
  f.tensors = module_tensors(*a);
  f.metadata["somna.architecture"] = tiny_seed_net().to_json();
  const somna::TempDir dir;
  const std::string path = dir.path() + "/full.safetensors";
  write_safetensors(path, f);
  torch::manual_seed(4);
  SeedNet b(tiny_seed_net());
  b->eval();
  load_module_tensors(*b, read_safetensors(path).tensors, path);
  torch::NoGradGuard ng;
  const auto x = torch::randn({2, 1, 400});
  EXPECT_TRUE(torch::equal(a->forward(x).logit, b->forward(x).logit));
}

TEST(SeedNet, ConfigRoundTripAndBadConfigs) {
  const SeedNetConfig c = SeedNetConfig::paper_size();
  const SeedNetConfig d = SeedNetConfig::from_json(c.to_json(), "x");
  EXPECT_EQ(d.to_json(), c.to_json());
  EXPECT_THROW(SeedNetConfig::from_json("{", "m.safetensors"), ModelError);
  SeedNetConfig bad = c;
  bad.depths = {1};
  EXPECT_THROW(SeedNetConfig::from_json(bad.to_json(), "m"), ModelError);
  SeedInputSpec in;
  EXPECT_EQ(in.window_samples(), 6000);  // one minute at 100 Hz
  in.context_minutes = 1;
  EXPECT_EQ(in.window_samples(), 18000);  // minute +- 1 minute
  EXPECT_EQ(SeedInputSpec::from_json(in.to_json()).to_json(), in.to_json());
  EXPECT_THROW(SeedInputSpec::from_json(R"({"fs":1,"context_minutes":0,"clip_iqr":5})", "m"),
               ModelError);
}

TEST(SeedNet, NormaliseWindowClipsAndStandardises) {
  std::vector<float> x(1000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 3.f + float(i % 10);  // IQR ~ 5
  x[500] = 1e6f;                                                     // artefact
  x[7] = NAN;
  normalise_window(x.data(), x.size(), 3.0);
  double s = 0, s2 = 0;
  for (float v : x) s += v, s2 += double(v) * v;
  EXPECT_NEAR(s / 1000, 0, 0.01);
  EXPECT_NEAR(std::sqrt(s2 / 1000), 1, 0.01);
  EXPECT_LT(x[500], 7.f);  // clipped at Q3 + 3 IQR (= 25) before the z-score
  EXPECT_EQ(x[7], 0.f);
  std::vector<float> flat(100, 2.f);
  normalise_window(flat.data(), flat.size(), 3.0);
  for (float v : flat) EXPECT_EQ(v, 0.f);
}
