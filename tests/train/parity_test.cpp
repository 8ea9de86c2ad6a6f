// Somna's own inference (model/rr_network.hpp, model/seed_network.hpp, no LibTorch) against the
// LibTorch modules it was trained as: every logit (and the seed family's confidences and
// attention weights) within 1e-5 (relative above 1), for several architectures with every tensor
// randomised (batch norm statistics and GRN included, so nothing is a no-op), and for the shipped
// default model.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/error.hpp"
#include "model/model.hpp"
#include "model/rr_network.hpp"
#include "model/seed_network.hpp"
#include "model/weights.hpp"
#include "train/rr_module.hpp"
#include "train/seed_module.hpp"

using namespace somna;

namespace {

constexpr float kTolerance = 1e-5f;

// Every floating tensor redrawn: weights as initialised but rescaled, batch-norm statistics and
// affine parameters away from their identity defaults, GRN's zeros made non-zero.
void randomise(torch::nn::Module& m, uint64_t seed) {
  torch::manual_seed(seed);
  torch::NoGradGuard ng;
  for (auto& kv : m.named_parameters()) {
    auto& t = kv.value();
    const std::string& k = kv.key();
    if (k.find("grn_") != std::string::npos || k.find("bn.bias") != std::string::npos) {
      t.copy_(torch::randn_like(t) * 0.2);
    } else if (k.find("bn.weight") != std::string::npos ||
               k.find("norm.weight") != std::string::npos) {
      t.copy_(torch::rand_like(t) + 0.5);
    } else {
      t.mul_(torch::rand_like(t) + 0.5);
    }
  }
  for (auto& kv : m.named_buffers()) {
    auto& t = kv.value();
    if (!t.is_floating_point()) continue;
    if (kv.key().find("running_var") != std::string::npos) {
      t.copy_(torch::rand_like(t) + 0.5);
    } else {
      t.copy_(torch::randn_like(t) * 0.3);
    }
  }
}

model::StFile tensors_of(torch::nn::Module& m) {
  model::StFile f;
  f.tensors = train::module_tensors(m);
  return f;
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b,
                  const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  // 1e-5 absolute, relative where |value| > 1: float32 rounding grows with the size of the sums
  // behind a value (batch norm is folded into the convolution at load, and the kernels sum in
  // another order than LibTorch's), not with a constant. Seen: the trained default ensemble's
  // members, logits up to |4-7|, differ by 2.4e-6, 6.2e-6 and 1.05e-5 (2.8e-6 of |value|).
  float worst = 0, largest = 0, worst_scaled = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const float d = std::abs(a[i] - b[i]);
    worst = std::max(worst, d);
    largest = std::max(largest, std::abs(b[i]));
    worst_scaled = std::max(worst_scaled, d / std::max(1.f, std::abs(b[i])));
  }
  std::printf("parity %s: largest |difference| %.3g over %zu values (largest |value| %.3g)\n",
              what.c_str(), worst, a.size(), largest);
  EXPECT_LE(worst_scaled, kTolerance) << what << ": largest difference " << worst
                                      << " (relative to max(1, |value|): " << worst_scaled << ")";
}

std::vector<float> to_vector(const torch::Tensor& t) {
  const auto c = t.contiguous();
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

features::NightFeatures random_features(int channels, size_t minutes, int spm, uint64_t seed) {
  torch::manual_seed(seed);
  features::NightFeatures f;
  f.n_minutes = minutes;
  f.n_samples = minutes * size_t(spm);
  f.values = to_vector(torch::randn({channels, int64_t(f.n_samples)}));
  return f;
}

void check_rr(const model::RRNetConfig& cfg, uint64_t seed, size_t minutes) {
  train::RRNet net(cfg);
  randomise(*net, seed);
  net->eval();
  const auto f = random_features(cfg.in_channels, minutes, cfg.samples_per_minute(), seed + 1);
  const auto expected = train::night_logits(net, f, cfg.in_channels);
  const model::StFile file = tensors_of(*net);
  const model::RRNetwork own(cfg, model::Weights(file, "parity"));
  expect_close(own.logits(f), expected, "rr " + cfg.to_json());
}

void check_seed(const model::SeedNetConfig& cfg, int samples, int batch, uint64_t seed) {
  train::SeedNet net(cfg);
  randomise(*net, seed);
  net->eval();
  torch::manual_seed(seed + 1);
  const auto x = torch::randn({batch, 1, samples});
  train::SeedOutput expected;
  {
    c10::InferenceMode guard;
    expected = net->forward(x);
  }
  const model::StFile file = tensors_of(*net);
  const model::SeedNetwork own(cfg, model::Weights(file, "parity"));
  const auto got = own.forward(to_vector(x).data(), batch, samples);
  const std::string what = "seed " + cfg.to_json();
  EXPECT_EQ(got.steps, expected.attention.size(1)) << what;
  expect_close(got.logit, to_vector(expected.logit), what + " logit");
  expect_close(got.confidence, to_vector(expected.confidence), what + " confidence");
  expect_close(got.attention, to_vector(expected.attention), what + " attention");
}

}  // namespace

TEST(ParityRR, DefaultArchitecture) {
  check_rr(model::RRNetConfig{}, 1, 40);
}

TEST(ParityRR, ShippedShapeFourChannelsFourDilations) {
  model::RRNetConfig c;
  c.in_channels = 4;
  c.dilations = {1, 2, 4, 8};
  check_rr(c, 2, 480);  // a whole 8-hour night
}

TEST(ParityRR, GruOtherPoolsAndWidths) {
  model::RRNetConfig c;
  c.in_channels = 3;
  c.widths = {6, 15};
  c.pools = {10, 12};
  c.dilations = {3};
  c.se_reduction = 2;
  c.gru_hidden = 16;
  check_rr(c, 3, 25);
}

// Every network of the shipped model (an ensemble: each member under its prefix).
TEST(ParityRR, ShippedDefaultModel) {
  const std::string path = std::string(SOMNA_SOURCE_DIR) + "/models/default.safetensors";
  const model::StFile file = model::read_safetensors(path);
  const auto cfg = model::RRNetConfig::from_json(file.metadata.at("somna.architecture"), path);
  const size_t members = file.metadata.count(model::meta::kMembers)
                             ? std::stoul(file.metadata.at(model::meta::kMembers))
                             : 1;
  const auto f = random_features(cfg.in_channels, 480, cfg.samples_per_minute(), 9);
  for (size_t k = 0; k < members; ++k) {
    train::RRNet net(cfg);
    train::load_module_tensors(*net, file.tensors, path, model::member_prefix(k));
    net->eval();
    const model::RRNetwork own(cfg, model::Weights(file, path, model::member_prefix(k)));
    expect_close(own.logits(f), train::night_logits(net, f, cfg.in_channels),
                 "models/default member " + std::to_string(k + 1));
  }
}

TEST(ParitySeed, TinyNetwork) {
  model::SeedNetConfig c;
  c.dims = {8, 12, 16};
  c.lstm_hidden = 8;
  c.mlp = {24, 8};
  check_seed(c, 6000, 3, 4);
}

TEST(ParitySeed, DefaultNetworkBatchOfFive) {
  check_seed(model::SeedNetConfig{}, 6000, 5, 5);
}

TEST(ParitySeed, NoDropoutOneLstmLayerDeeperStagesShortKernel) {
  model::SeedNetConfig c;
  c.lead_channels = 4;
  c.dims = {8, 16};
  c.depths = {2, 0};
  c.stem_stride = 4;
  c.kernel = 7;
  c.lstm_hidden = 6;
  c.lstm_layers = 1;
  c.mlp = {10};
  c.dropout = 0;  // the MLP's Sequential indices shift without Dropout modules
  check_seed(c, 3 * 1000, 2, 6);
}

TEST(ParityWeights, MissingOrMisShapedTensorNamesIt) {
  model::RRNetConfig c;
  train::RRNet net(c);
  model::StFile file = tensors_of(*net);
  file.tensors.erase("blocks.1.se2.bias");
  try {
    model::RRNetwork own(c, model::Weights(file, "m.safetensors"));
    FAIL() << "no error";
  } catch (const model::ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("missing tensor 'blocks.1.se2.bias'"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("m.safetensors"), std::string::npos) << e.what();
  }
  file = tensors_of(*net);
  file.tensors["head.weight"].shape = {1, 48};
  try {
    model::RRNetwork own(c, model::Weights(file, "m.safetensors"));
    FAIL() << "no error";
  } catch (const model::ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'head.weight' has shape [1,48], the network "
                                         "needs [1,48,1]"),
              std::string::npos)
        << e.what();
  }
}
