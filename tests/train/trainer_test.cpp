// Training: record-level folds, determinism, resume, learning on synthetic nights where apnea
// minutes carry cyclic heart-rate variation; the Apnea-ECG loader when the data is present.
#include "train/trainer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "support/shared_data.hpp"
#include "train/dataset.hpp"
#include "train/threads.hpp"

using namespace somna;

namespace {
// A night whose apnea minutes (runs of 5..15 min) show ~40 s cycles of bradycardia/tachycardia.
train::LabelledNight synthetic_night(const std::string& name, size_t minutes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  train::LabelledNight n;
  n.name = name;
  n.group = name.substr(0, 1);
  n.labels.assign(minutes, 0);
  for (size_t m = 0; m < minutes;) {
    const size_t len = 5 + size_t(u(rng) * 10);
    const bool ap = u(rng) < 0.45;
    for (size_t k = m; k < std::min(minutes, m + len); ++k) n.labels[k] = ap;
    m += len;
  }
  for (size_t k = 5; k < std::min<size_t>(minutes, 15); ++k) n.labels[k] = 1;  // both classes
  for (size_t k = 15; k < std::min<size_t>(minutes, 25); ++k) n.labels[k] = 0;
  dsp::Beats b;
  double t = 0.3;
  while (t < 60.0 * double(minutes)) {
    b.r_time_s.push_back(t);
    const size_t m = std::min(minutes - 1, size_t(t / 60));
    double rr = 0.95 + 0.03 * std::sin(t / 4.0) + 0.02 * (u(rng) - 0.5);
    if (n.labels[m]) rr += 0.12 * std::sin(6.283 * t / 40.0);
    t += rr;
  }
  b.duration_s = 60.0 * double(minutes);
  n.input.rr = dsp::clean_rr(b);
  n.input.n_minutes = minutes;
  n.input.duration_s = b.duration_s;
  n.input.beats = b;
  n.features = features::rr_features(n.input.rr, minutes, {});
  return n;
}

std::vector<train::LabelledNight> synthetic_set(size_t count, size_t minutes) {
  std::vector<train::LabelledNight> v;
  for (size_t i = 0; i < count; ++i) {
    v.push_back(
        synthetic_night(std::string(1, "abc"[i % 3]) + std::to_string(i), minutes, 100 + i));
  }
  return v;
}

train::TrainOptions tiny_rr_options() {
  train::TrainOptions o;
  o.epochs = 3;
  o.batch = 4;
  o.crop_minutes = 16;
  o.steps_per_epoch = 4;
  o.threads = 1;
  o.patience = 0;
  return o;
}
}  // namespace

TEST(Folds, ByRecordBalancedOverGroups) {
  std::vector<std::string> groups(35);
  for (size_t i = 0; i < 35; ++i) groups[i] = i < 20 ? "a" : i < 25 ? "b" : "c";
  const auto folds = train::record_folds(groups, 5, 1);
  ASSERT_EQ(folds.size(), 5u);
  std::set<size_t> seen;
  for (const auto& f : folds) {
    EXPECT_EQ(f.size(), 7u);
    size_t a = 0;
    for (size_t i : f) {
      EXPECT_TRUE(seen.insert(i).second);
      a += groups[i] == "a";
    }
    EXPECT_EQ(a, 4u);  // 20 'a' records over 5 folds
  }
  EXPECT_EQ(seen.size(), 35u);
  EXPECT_THROW(train::record_folds(groups, 1, 1), somna::train::DatasetError);
}

TEST(Trainer, DeterministicForASeed) {
  const auto data = synthetic_set(3, 40);
  const train::TorchThreads process(2);  // the options' 1 thread is for the training only
  const auto r1 = train::train_rr(data, {0, 1}, {2}, tiny_rr_options());
  EXPECT_EQ(at::get_num_threads(), 2);
  const auto r2 = train::train_rr(data, {0, 1}, {2}, tiny_rr_options());
  const auto p1 = train::predict_night(r1.net, data[2], 2).p;
  const auto p2 = train::predict_night(r2.net, data[2], 2).p;
  ASSERT_EQ(p1.size(), 40u);
  EXPECT_EQ(p1, p2);
  EXPECT_EQ(r1.curve.size(), 3u);
}

namespace {
// Three epochs straight through; then two epochs with a checkpoint, stopped, and resumed from it.
struct ResumeRuns {
  train::TrainResult full, interrupted, resumed;
};
ResumeRuns train_straight_and_resumed(const std::vector<train::LabelledNight>& data) {
  const TempDir dir;
  const std::string ck = dir.path() + "/ck";
  auto o = tiny_rr_options();
  auto full = train::train_rr(data, {0, 1}, {2}, o);
  o.checkpoint = ck;
  auto interrupted = o;
  interrupted.stop_after = 2;
  auto stopped = train::train_rr(data, {0, 1}, {2}, interrupted);
  o.resume = true;
  auto resumed = train::train_rr(data, {0, 1}, {2}, o);
  return {std::move(full), std::move(stopped), std::move(resumed)};
}
}  // namespace

TEST(Trainer, ResumeContinuesExactly) {
  const auto data = synthetic_set(3, 40);
  const auto r = train_straight_and_resumed(data);
  EXPECT_EQ(r.interrupted.curve.size(), 2u);
  EXPECT_EQ(r.resumed.curve.size(), 3u);
  EXPECT_EQ(r.resumed.best_epoch, r.full.best_epoch);
  EXPECT_EQ(train::predict_night(r.resumed.net, data[2], 2).p,
            train::predict_night(r.full.net, data[2], 2).p);
}

TEST(Trainer, ResumeBeforeAnyDefinedValidationAucKeepsNoBestEpoch) {
  // One-class validation night: AUC is undefined every epoch, so no epoch is "best" and the
  // result is the last epoch's weights, resumed or not.
  auto data = synthetic_set(3, 40);
  std::fill(data[2].labels.begin(), data[2].labels.end(), uint8_t(0));
  const auto r = train_straight_and_resumed(data);
  EXPECT_EQ(r.resumed.curve.size(), 3u);
  EXPECT_EQ(train::predict_night(r.resumed.net, data[2], 2).p,
            train::predict_night(r.full.net, data[2], 2).p);
}

TEST(TrainerSlow, LearnsSyntheticNights) {
  const auto data = synthetic_set(6, 90);
  auto o = tiny_rr_options();
  o.epochs = 12;
  o.steps_per_epoch = 8;
  o.crop_minutes = 32;
  o.batch = 8;
  const auto r = train::train_rr(data, {0, 1, 2, 3}, {4, 5}, o);
  std::vector<float> p;
  std::vector<uint8_t> y;
  for (size_t i : {4, 5}) {
    auto pr = train::predict_night(r.net, data[i], 2);
    p.insert(p.end(), pr.p.begin(), pr.p.end());
    y.insert(y.end(), pr.label.begin(), pr.label.end());
  }
  const double auc = eval::roc_auc(p, y);
  std::cout << "held-out synthetic AUC " << auc << "\n";
  EXPECT_GT(auc, 0.85);
}

TEST(Dataset, LabelCsvErrorsNameTheLine) {
  const TempDir dir;
  const std::string path = dir.path() + "/labels.csv";
  { std::ofstream(path) << "record,minute,label\nr1,0,N\nr1,1,X\n"; }
  try {
    train::read_label_csv(path);
    FAIL();
  } catch (const somna::train::DatasetError& e) {
    EXPECT_EQ(e.where(), "line 3");
  }
  EXPECT_THROW(train::load_dataset("/nonexistent", {}), somna::train::DatasetError);
}

TEST(DatasetApneaEcg, LoadsRecordWithLabelsAndAhi) {
  const std::string dir = test::kApneaEcg;
  REQUIRE_SHARED(dir + "/a01.qrs");
  train::DatasetOptions o;
  o.only = {"a01", "c01"};
  const auto d = train::load_dataset(dir, o);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].name, "a01");
  EXPECT_EQ(d[0].n_labelled(), 489u);  // learning-set-info says 490 minutes; a01.apn labels 489
  size_t ap = 0;
  for (uint8_t l : d[0].labels) ap += l == 1;
  EXPECT_GT(ap, 450u);
  ASSERT_TRUE(d[0].ref_ahi.has_value());
  EXPECT_DOUBLE_EQ(*d[0].ref_ahi, 69.6);
  EXPECT_EQ(d[0].features.n_samples, d[0].features.n_minutes * 120);
}

TEST(Trainer, LastEpochKeepsTheLastEpochNotTheBestOnValidation) {
  const auto data = synthetic_set(3, 40);
  auto o = tiny_rr_options();
  o.epochs = 4;
  o.select_best = false;
  o.patience = 1;  // no early stopping either: nothing is chosen on the validation record
  const auto r = train::train_rr(data, {0, 1}, {2}, o);
  EXPECT_EQ(r.curve.size(), 4u);
  EXPECT_EQ(r.best_epoch, 4);
}

TEST(Trainer, FourChannelsGruAndLabelSmoothing) {
  std::vector<train::LabelledNight> data = synthetic_set(3, 40);
  features::RRFeatureSpec spec;
  spec.channels = 4;
  for (auto& n : data) n.features = features::rr_features(n.input.rr, n.input.n_minutes, spec);
  auto o = tiny_rr_options();
  o.net.in_channels = 4;
  o.net.gru_hidden = 8;
  o.label_smoothing = 0.1;
  const auto r1 = train::train_rr(data, {0, 1}, {2}, o);
  const auto r2 = train::train_rr(data, {0, 1}, {2}, o);
  const auto p = train::predict_night(r1.net, data[2], 4).p;
  ASSERT_EQ(p.size(), 40u);
  EXPECT_EQ(p, train::predict_night(r2.net, data[2], 4).p);  // still deterministic
  for (const auto& e : r1.curve) EXPECT_TRUE(std::isfinite(e.train_loss));
  // A network of 2 channels refuses 4-channel features.
  EXPECT_THROW(train::train_rr(data, {0, 1}, {2}, tiny_rr_options()), somna::train::DatasetError);
}
