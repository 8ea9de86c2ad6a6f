// The RR network with the optional bidirectional GRU across minutes and 4 input channels: one
// logit per minute for any night length, the model file's metadata describes the architecture
// and the input fully (a saved and loaded model scores as the module did, within 1e-5), bad values
// raise ModelError.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "model/model.hpp"
#include "train/model_writer.hpp"
#include "train/rr_module.hpp"
#include "train/threads.hpp"

using namespace somna;

namespace {
model::RRNetConfig gru_config() {
  model::RRNetConfig c;
  c.in_channels = 4;
  c.dilations = {1, 2, 4, 8};
  c.gru_hidden = 16;
  return c;
}
analysis::NightInput input(size_t minutes) {
  dsp::Beats b;
  double t = 0.5;
  while (t < 60.0 * double(minutes)) {
    b.r_time_s.push_back(t);
    t += 0.9 + 0.1 * std::sin(t / 7.0) + 0.05 * std::sin(t / 90.0);
  }
  b.duration_s = 60.0 * double(minutes);
  return analysis::night_input(nullptr, b, b.duration_s);
}
}  // namespace

TEST(RRNetGru, OneLogitPerMinuteAnyLength) {
  torch::manual_seed(1);
  train::RRNet net(gru_config());
  net->eval();
  for (int64_t m : {1, 9, 64}) {
    auto y = net->forward(torch::randn({3, 4, m * 120}));
    EXPECT_EQ(y.sizes(), (std::vector<int64_t>{3, m}));
  }
  EXPECT_LT(train::parameter_count(*net), 80000);
}

TEST(RRNetGru, ConfigRoundTripsThroughJson) {
  const auto c = gru_config();
  const auto d = model::RRNetConfig::from_json(c.to_json());
  EXPECT_EQ(d.gru_hidden, 16);
  EXPECT_EQ(d.in_channels, 4);
  EXPECT_EQ(d.dilations, c.dilations);
  // Absent in older files: no GRU.
  EXPECT_EQ(
      model::RRNetConfig::from_json(
          R"({"in_channels":2,"widths":[12,24,48],"pools":[4,5,6],"dilations":[1],"se_reduction":4})")
          .gru_hidden,
      0);
  auto bad = nlohmann::json::parse(c.to_json());
  bad["gru_hidden"] = -3;
  EXPECT_THROW(model::RRNetConfig::from_json(bad.dump(), "x"), model::ModelError);
  bad["gru_hidden"] = 16;
  bad["dropout"] = 1.5;
  EXPECT_THROW(model::RRNetConfig::from_json(bad.dump(), "x"), model::ModelError);
}

TEST(RRModelGru, SaveLoadScoresAsTheModuleAndMetadataDescribesIt) {
  torch::manual_seed(2);
  train::RRNet net(gru_config());
  net->eval();
  features::RRFeatureSpec spec;
  spec.channels = 4;
  const auto in = input(50);
  std::vector<float> direct;
  {
    // The caller's thread count differs from the process's: the module's scoring sets its own
    // (train/threads.hpp), so its logits do not depend on the machine.
    const train::TorchThreads other(at::get_num_threads() + 1);
    direct = train::night_logits(net, features::rr_features(in.rr, 50, spec), 4);
  }
  const TempDir dir;
  const std::string path = dir.path() + "/gru.safetensors";
  train::save_rr_model(path, net, spec, {});
  const model::StFile f = model::read_safetensors(path);
  const auto arch = nlohmann::json::parse(f.metadata.at(model::meta::kArchitecture));
  EXPECT_EQ(arch.at("gru_hidden"), 16);
  EXPECT_EQ(arch.at("dilations"), (std::vector<int>{1, 2, 4, 8}));
  const auto inp = nlohmann::json::parse(f.metadata.at(model::meta::kInput));
  EXPECT_EQ(inp.at("channels"), 4);
  EXPECT_EQ(inp.at("channel_names"),
            (std::vector<std::string>{"rr_z", "corrected", "rr_detr", "rr_var"}));
  EXPECT_EQ(inp.at("detrend_s"), 300.0);
  EXPECT_TRUE(f.tensors.count("gru.weight_ih_l0_reverse"));
  const auto s = model::load_detector(path)->score(in);
  ASSERT_EQ(s.logit.size(), 50u);
  for (size_t i = 0; i < 50; ++i) EXPECT_NEAR(s.logit[i], direct[i], 1e-5);

  // An input spec with more channels than the features provide is refused.
  model::StFile g = f;
  auto bad = inp;
  bad["channels"] = 5;
  g.metadata[model::meta::kInput] = bad.dump();
  model::write_safetensors(path, g);
  EXPECT_THROW(model::load_detector(path), model::ModelError);
}
