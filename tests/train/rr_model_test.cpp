// The RR network and its model file: shapes, one logit per minute, a saved and loaded model
// scores as the module did (Somna's own inference, within 1e-5), bad model files raise ModelError,
// the detector scores a night through analyze_night's NightInput (a model reading the cvhr
// channel finding the CVHR episodes itself).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "analysis/cvhr_detector.hpp"
#include "analysis/night_input.hpp"
#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "dsp/beats.hpp"
#include "model/model.hpp"
#include "train/model_writer.hpp"
#include "train/rr_module.hpp"
#include "train/threads.hpp"

using namespace somna;

namespace {
analysis::NightInput synthetic_input(size_t minutes) {
  dsp::Beats b;
  double t = 0.5;
  while (t < 60.0 * double(minutes)) {
    b.r_time_s.push_back(t);
    t += 0.9 + 0.15 * std::sin(t / 20.0);
  }
  b.duration_s = 60.0 * double(minutes);
  return analysis::night_input(nullptr, b, b.duration_s);
}
}  // namespace

TEST(RRNet, OneLogitPerMinuteAndCompact) {
  torch::manual_seed(0);
  train::RRNet net(model::RRNetConfig{});
  net->eval();
  EXPECT_EQ(net->samples_per_minute(), 120);
  const int64_t p = train::parameter_count(*net);
  EXPECT_GT(p, 20000);
  EXPECT_LT(p, 80000);
  auto y = net->forward(torch::randn({2, 2, 7 * 120}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{2, 7}));
}

TEST(RRModel, SaveLoadScoresAsTheModule) {
  torch::manual_seed(3);
  train::RRNet net(model::RRNetConfig{});
  net->eval();
  const auto in = synthetic_input(30);
  const features::RRFeatureSpec spec;
  const auto f = features::rr_features(in.rr, in.n_minutes, spec);
  std::vector<float> direct;
  {
    const train::TorchThreads other(at::get_num_threads() + 1);  // scoring sets its own
    direct = train::night_logits(net, f, spec.channels);
  }
  const TempDir dir;
  const std::string path = dir.path() + "/roundtrip.safetensors";
  train::save_rr_model(path, net, spec, {{model::meta::kThreshold, "0.4"}});
  auto det = model::load_detector(path);
  EXPECT_EQ(det->info().name, "rr-cnn");
  EXPECT_DOUBLE_EQ(det->info().threshold, 0.4);
  const auto s = det->score(in);
  ASSERT_EQ(s.logit.size(), 30u);
  ASSERT_EQ(s.p_apnea.size(), 30u);
  for (size_t i = 0; i < 30; ++i) {
    EXPECT_NEAR(s.logit[i], direct[i], 1e-5);
    EXPECT_NEAR(s.p_apnea[i], 1 / (1 + std::exp(-direct[i])), 1e-6);
  }
}

// A model reading the cvhr channel: the detector finds the CVHR episodes itself (analysis::
// cvhr_spans) and scores as the module does on features built with them.
TEST(RRModel, CvhrChannelModelFindsTheEpisodesItself) {
  dsp::Beats b;  // 60 s cycles of +-150 ms: what the CVHR detector calls apnea
  for (double t = 0.5; t < 60.0 * 40; t += 0.9 + 0.15 * std::sin(6.283 * t / 60.0))
    b.r_time_s.push_back(t);
  b.duration_s = 60.0 * 40;
  const auto in = analysis::night_input(nullptr, b, b.duration_s);
  const auto spans = analysis::cvhr_spans(in);
  ASSERT_GT(spans.size(), 10u);
  torch::manual_seed(5);
  model::RRNetConfig c;
  c.in_channels = features::kCvhrChannels;
  train::RRNet net(c);
  net->eval();
  features::RRFeatureSpec spec;
  spec.channels = features::kCvhrChannels;
  const auto with = train::night_logits(net, features::rr_features(in.rr, 40, spec, spans), 6);
  const auto without = train::night_logits(net, features::rr_features(in.rr, 40, spec), 6);
  const TempDir dir;
  const std::string path = dir.path() + "/cvhr.safetensors";
  train::save_rr_model(path, net, spec, {{model::meta::kThreshold, "0.5"}});
  const auto s = model::load_detector(path)->score(in);
  ASSERT_EQ(s.logit.size(), 40u);
  double moved = 0;
  for (size_t i = 0; i < 40; ++i) {
    EXPECT_NEAR(s.logit[i], with[i], 1e-5) << i;
    moved = std::max(moved, double(std::fabs(with[i] - without[i])));
  }
  EXPECT_GT(moved, 1e-4) << "the cvhr channel made no difference to the logits";
}

// An ensemble file: the detector scores the mean of its networks' logits; its member count and
// member tensors are checked.
TEST(RRModel, EnsembleScoresTheMeanOfItsNetworks) {
  const auto in = synthetic_input(40);
  const features::RRFeatureSpec spec;
  const auto f = features::rr_features(in.rr, in.n_minutes, spec);
  std::vector<train::RRNet> nets;
  std::vector<float> mean(40, 0.f);
  for (int k = 0; k < 3; ++k) {
    torch::manual_seed(10 + k);
    nets.emplace_back(model::RRNetConfig{});
    nets.back()->eval();
    const auto z = train::night_logits(nets.back(), f, spec.channels);
    for (size_t m = 0; m < 40; ++m) mean[m] += z[m] / 3;
  }
  const TempDir dir;
  const std::string path = dir.path() + "/ensemble.safetensors";
  train::save_rr_model(path, nets, spec, {});
  const auto det = model::load_detector(path);
  const auto* rr = dynamic_cast<const model::RRDetector*>(det.get());
  ASSERT_NE(rr, nullptr);
  EXPECT_EQ(rr->members(), 3u);
  const auto s = det->score(in);
  ASSERT_EQ(s.logit.size(), 40u);
  for (size_t m = 0; m < 40; ++m) EXPECT_NEAR(s.logit[m], mean[m], 1e-5) << m;
  analysis::NightInput two = in;  // the members on two threads: the same logits
  two.threads = 2;
  EXPECT_EQ(det->score(two).logit, s.logit);

  model::StFile file = model::read_safetensors(path);
  EXPECT_EQ(file.metadata.at(model::meta::kMembers), "3");
  const auto error_of = [&](const model::StFile& bad) {
    model::write_safetensors(path, bad);
    try {
      model::load_detector(path);
    } catch (const model::ModelError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  for (const char* count : {"0", "17", "two", "2x"}) {
    model::StFile bad = file;
    bad.metadata[model::meta::kMembers] = count;
    EXPECT_NE(error_of(bad).find("somna.members"), std::string::npos) << count;
  }
  model::StFile bad = file;
  bad.metadata[model::meta::kMembers] = "4";  // no member3.* tensors
  EXPECT_NE(error_of(bad).find("member3."), std::string::npos) << error_of(bad);
  // A broken event-rate AHI estimator: not JSON, another form, two weights, a weight not finite.
  const std::string form = analysis::AhiModel::kForm;
  for (const std::string& ahi :
       {std::string("{"), std::string(R"({"form":"other","weights":[1,2,3]})"),
        R"({"form":")" + form + R"(","weights":[1,2]})",
        R"({"form":")" + form + R"(","weights":[1,"x",3,4]})"}) {
    model::StFile broken = file;
    broken.metadata[model::meta::kAhiModel] = ahi;
    const std::string e = error_of(broken);
    EXPECT_NE(e.find("somna.ahi_model"), std::string::npos) << ahi << ": " << e;
    EXPECT_NE(e.find(path), std::string::npos) << e;
  }
}

TEST(RRModel, BadModelFilesRaiseModelError) {
  train::RRNet net(model::RRNetConfig{});
  const TempDir dir;
  const std::string path = dir.path() + "/bad.safetensors";
  // Missing tensor.
  model::StFile f;
  f.tensors = train::module_tensors(*net);
  f.tensors.erase(f.tensors.begin());
  f.metadata = {{model::meta::kFormat, "somna-model/1"},
                {model::meta::kFamily, "rr-cnn"},
                {model::meta::kArchitecture, model::RRNetConfig{}.to_json()},
                {model::meta::kInput, model::input_spec_json({})},
                {model::meta::kThreshold, "0.5"}};
  model::write_safetensors(path, f);
  EXPECT_THROW(model::load_detector(path), model::ModelError);
  // Not a Somna model.
  f.metadata.erase(model::meta::kFormat);
  model::write_safetensors(path, f);
  EXPECT_THROW(model::load_detector(path), model::ModelError);
  // Absurd architecture.
  f.tensors = train::module_tensors(*net);
  f.metadata[model::meta::kFormat] = "somna-model/1";
  f.metadata[model::meta::kArchitecture] =
      R"({"in_channels":2,"widths":[5],"pools":[120],"dilations":[],"se_reduction":4})";
  model::write_safetensors(path, f);
  EXPECT_THROW(model::load_detector(path), model::ModelError);
  // Truncated file.
  { std::ofstream(path, std::ios::binary) << "\x10\0\0\0"; }
  EXPECT_THROW(model::load_detector(path), model::ModelError);
}
