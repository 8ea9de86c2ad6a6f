// Seed raw-ECG network training on simulated nights (random per-night parameters): gradual
// unfreezing moves exactly the unfrozen tensors, a pretrained backbone written by the project
// loads by tensor name and stays put while frozen, the same seed gives identical weights, a
// resumed run continues identically, and (Slow) the network learns: held-out nights' per-minute
// AUC well above chance.
#include "train/seed_trainer.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "model/seed_model.hpp"
#include "train/model_writer.hpp"

using namespace somna;

namespace {

model::SeedNetConfig tiny_trainer_net() {
  model::SeedNetConfig c;
  c.dims = {8, 12, 16};
  c.depths = {1, 1, 1};
  c.stem_stride = 8;
  c.lstm_hidden = 8;
  c.mlp = {24, 8};
  return c;
}

train::SeedTrainOptions tiny_options() {
  train::SeedTrainOptions o;
  o.net = tiny_trainer_net();
  o.input.context_minutes = 0;
  o.epochs = 3;
  o.batch = 8;
  o.windows_per_epoch = 16;
  o.patience = 0;
  o.threads = 1;
  o.unfreeze_every = 0;
  o.pretrain_epochs = 0;
  return o;
}

const std::vector<train::SeedNight>& small_set() {
  // One hour each: both have apnea and normal minutes (validation AUC is defined).
  static const auto v = train::synthetic_seed_nights(2, 1.0, 900, features::SeedInputSpec{}, 0);
  return v;
}

std::map<std::string, torch::Tensor> params(train::SeedNet net) {
  std::map<std::string, torch::Tensor> m;
  for (const auto& kv : net->named_parameters()) m[kv.key()] = kv.value().detach().clone();
  return m;
}

bool same_prefix(const std::map<std::string, torch::Tensor>& a,
                 const std::map<std::string, torch::Tensor>& b, const std::string& prefix,
                 bool expect_equal) {
  bool all = true, any = false;
  for (const auto& [k, v] : a) {
    if (k.rfind(prefix, 0) != 0) continue;
    const bool eq = torch::equal(v, b.at(k));
    all = all && eq, any = any || !eq;
  }
  return expect_equal ? all : any;
}

}  // namespace

TEST(SeedTrainer, UnfreezingSchedule) {
  EXPECT_EQ(train::seed_trainable_stages(1, 0, 3), -1);  // off: everything trains
  EXPECT_EQ(train::seed_trainable_stages(1, 2, 3), 0);   // head only
  EXPECT_EQ(train::seed_trainable_stages(2, 2, 3), 0);
  EXPECT_EQ(train::seed_trainable_stages(3, 2, 3), 1);   // + last stage
  EXPECT_EQ(train::seed_trainable_stages(7, 2, 3), 3);   // all stages, lead still frozen
  EXPECT_EQ(train::seed_trainable_stages(9, 2, 3), -1);  // + lead projection
}

TEST(SeedTrainer, GradualUnfreezingMovesOnlyUnfrozenTensors) {
  auto o = tiny_options();
  o.unfreeze_every = 1;
  torch::manual_seed(o.seed);
  train::SeedNet init(o.net);  // the trainer's initial network (same seed, same construction)
  const auto p0 = params(init);
  o.stop_after = 1;  // epoch 1: head only
  auto r1 = train::train_seed(small_set(), {0, 1}, {}, o);
  const auto p1 = params(r1.net);
  EXPECT_TRUE(same_prefix(p0, p1, "backbone.", true));
  EXPECT_TRUE(same_prefix(p0, p1, "lstm.", false));
  EXPECT_TRUE(same_prefix(p0, p1, "mlp.", false));
  o.stop_after = 2;  // epoch 2: + the last backbone stage
  auto r2 = train::train_seed(small_set(), {0, 1}, {}, o);
  const auto p2 = params(r2.net);
  EXPECT_TRUE(same_prefix(p0, p2, "backbone.stage2.", false));
  EXPECT_TRUE(same_prefix(p0, p2, "backbone.stage1.", true));
  EXPECT_TRUE(same_prefix(p0, p2, "backbone.stage0.", true));
  EXPECT_TRUE(same_prefix(p0, p2, "backbone.lead.", true));
  // The returned network is fully trainable again.
  for (const auto& p : r2.net->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(SeedTrainer, PretrainedBackboneLoadsByNameAndStaysFrozen) {
  auto o = tiny_options();
  o.stop_after = 1;
  auto donor = train::train_seed(small_set(), {0}, {}, o);
  const TempDir dir;
  const std::string path = dir.path() + "/pretrained.safetensors";
  train::save_seed_model(path, donor.net, o.input, {});  // a model file the project writes
  o.pretrained = path;
  o.unfreeze_every = 2;
  o.seed = 7;
  auto r = train::train_seed(small_set(), {1}, {}, o);
  const auto pd = params(donor.net), pr = params(r.net);
  EXPECT_TRUE(same_prefix(pd, pr, "backbone.", true));  // loaded, then frozen for 2 epochs
  EXPECT_TRUE(same_prefix(pd, pr, "lstm.", false));     // the head is its own
  o.pretrained = dir.path() + "/missing.safetensors";
  EXPECT_THROW(train::train_seed(small_set(), {1}, {}, o), Error);
}

TEST(SeedTrainer, SameSeedSameWeightsAndResumeContinuesIdentically) {
  auto o = tiny_options();
  o.epochs = 2;
  const auto r0 = train::train_seed(small_set(), {0}, {1}, o);
  const auto a = params(r0.net);
  const auto b = params(train::train_seed(small_set(), {0}, {1}, o).net);
  EXPECT_TRUE(same_prefix(a, b, "", true));
  auto o2 = o;
  o2.seed = 2;
  EXPECT_TRUE(same_prefix(a, params(train::train_seed(small_set(), {0}, {1}, o2).net), "", false));
  // Interrupted after epoch 1, resumed from the checkpoint: same weights and curve.
  const TempDir dir;
  const std::string ck = dir.path() + "/ck";
  auto oc = o;
  oc.checkpoint = ck;
  oc.stop_after = 1;
  train::train_seed(small_set(), {0}, {1}, oc);
  oc.stop_after = 0;
  oc.resume = true;
  auto r = train::train_seed(small_set(), {0}, {1}, oc);
  const auto pr = params(r.net);
  for (const auto& [k, v] : a) {
    EXPECT_TRUE(torch::equal(v, pr.at(k)))
        << k << " max diff " << (v - pr.at(k)).abs().max().item<float>();
  }
  ASSERT_EQ(r.curve.size(), 2u);
  EXPECT_EQ(r.curve[0].train_loss, r0.curve[0].train_loss);
  EXPECT_EQ(r.curve[1].train_loss, r0.curve[1].train_loss);
}

TEST(SeedTrainer, Bf16EitherTrainsOrSaysWhy) {
  auto o = tiny_options();
  o.bf16 = true;
  o.epochs = 1;
  try {
    auto r = train::train_seed(small_set(), {0}, {}, o);
    EXPECT_TRUE(std::isfinite(r.curve.at(0).train_loss));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--bf16"), std::string::npos) << e.what();
  }
}

// The proof: trained on 9 simulated nights, scored on 3 other nights.
TEST(SeedTrainerSlow, LearnsOnHeldOutSyntheticNights) {
  // The defaults: CPU-sized network, one-minute windows, 3 epochs of backbone pretraining on the
  // local heart rate, then head first and one more backbone stage per epoch.
  train::SeedTrainOptions o;
  o.threads = 1;  // ctest runs another test beside it: a second thread would only wait
  o.epochs = 4;
  o.patience = 0;
  const auto data = train::synthetic_seed_nights(12, 2.0, 1000, o.input, 4);
  std::vector<size_t> tr, va;
  for (size_t i = 0; i < data.size(); ++i) (i % 4 == 1 ? va : tr).push_back(i);
  auto r = train::train_seed(data, tr, va, o);
  double best = 0;
  for (const auto& e : r.curve) best = std::max(best, e.val_auc);
  std::vector<float> p;
  std::vector<uint8_t> y;
  for (size_t i : va) {
    auto pr = train::predict_seed_night(r.net, data[i], o.input);
    p.insert(p.end(), pr.p.begin(), pr.p.end());
    y.insert(y.end(), pr.label.begin(), pr.label.end());
  }
  const double auc = eval::roc_auc(p, y);
  std::printf("held-out AUC %.3f (best epoch %d), %.1f minutes/s\n", auc, r.best_epoch,
              r.windows_per_second);
  EXPECT_NEAR(auc, best, 1e-6);  // the kept network is the best epoch's
  EXPECT_GT(auc, 0.85);
}
