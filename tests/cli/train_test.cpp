// `somna train` and `somna eval` end to end on a tiny beats-only data set in the Apnea-ECG layout
// (REC.hea, REC.qrs, REC.apn) written here: the model file loads, eval scores it, a predictions
// CSV is evaluated, bad input exits 2 with a message naming the file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "common/temp_dir.hpp"
#include "io/annotations.hpp"
#include "model/model.hpp"
#include "support/cli_run.hpp"

namespace fs = std::filesystem;
using namespace somna;

namespace {

using CliRun = test::CliResult;

CliRun run(const std::string& args, const fs::path& /*dir*/) {
  return test::run_somna(args);
}

// 60-minute record: apnea minutes 10-29 and 40-49 carry 40 s heart-rate cycles.
void write_record(const fs::path& dir, const std::string& name, uint64_t seed) {
  const double fs_hz = 100, minutes = 60;
  std::ofstream(dir / (name + ".hea")) << name << " 1 100 " << int64_t(minutes * 60 * fs_hz) << "\n"
                                       << name << ".dat 16 200 12 0 0 0 0 ECG\n";
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 0.01);
  auto apnea = [](size_t m) { return (m >= 10 && m < 30) || (m >= 40 && m < 50); };
  io::Annotations qrs;
  qrs.fs = fs_hz;
  for (double t = 0.5; t < minutes * 60 - 1;) {
    qrs.items.push_back({int64_t(std::llround(t * fs_hz)), io::ann::NORMAL, 0, 0, 0, {}});
    double rr = 0.9 + g(rng);
    if (apnea(size_t(t / 60))) rr += 0.12 * std::sin(6.283 * t / 40);
    t += rr;
  }
  io::write_annotations((dir / (name + ".qrs")).string(), qrs);
  io::Annotations apn;
  apn.fs = fs_hz;
  for (size_t m = 0; m < size_t(minutes); ++m) {
    apn.items.push_back(
        {int64_t(m * 6000), apnea(m) ? io::ann::APC : io::ann::NORMAL, 0, 0, 0, {}});
  }
  io::write_annotations((dir / (name + ".apn")).string(), apn);
}

}  // namespace

// A label file that covers only part of a night: training says so, naming the night and the file.
TEST(CliTrain, LabelsForPartOfANightAreNamedInAWarning) {
  SKIP_WITHOUT_TRAINER();
  const somna::TempDir tmp({}, "somna-cli-train-part-");
  const fs::path dir = tmp.path();
  fs::create_directories(dir / "data");
  write_record(dir / "data", "a0", 10);
  write_record(dir / "data", "b1", 11);
  const std::string labels = (dir / "labels.csv").string();
  {
    std::ofstream l(labels);
    l << "record,minute,label\n";
    for (int m = 0; m < 60; ++m) l << "a0," << m << "," << (m >= 10 && m < 30) << "\n";
    for (int m = 0; m < 20; ++m) l << "b1," << m << "," << (m >= 10) << "\n";
  }
  const CliRun r =
      run("train --data '" + (dir / "data").string() + "' --labels '" + labels +
              "' --folds 0 --epochs 1 --crop 16 --batch 4 --threads 1 --no-progress --out '" +
              (dir / "m.safetensors").string() + "'",
          dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.err.find("warning: b1: the reference labels (" + labels +
                       ") cover 20 of its 60 minutes; only those are learned from and scored"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("warning: a0"), std::string::npos) << r.err;
}

TEST(CliTrain, TrainsEvaluatesAndWritesCard) {
  SKIP_WITHOUT_TRAINER();
  const somna::TempDir tmp({}, "somna-cli-train-test-");  // removed however the test ends
  const fs::path dir = tmp.path();
  fs::create_directories(dir / "data");
  for (int i = 0; i < 4; ++i)
    write_record(dir / "data", std::string(1, "abab"[i]) + std::to_string(i), 10 + i);
  const std::string model = (dir / "m.safetensors").string();
  CliRun r = run("train --data '" + (dir / "data").string() +
                     "' --folds 2 --epochs 2 --crop 16 --batch 4 --ensemble 2 "
                     "--threads 1 --bootstrap 50 --no-progress --out '" +
                     model + "'",
                 dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("CV (2 folds by record"), std::string::npos) << r.out;
  // No learning-set-info.txt: no reference AHI, so no event-rate estimator, and it says so.
  EXPECT_NE(r.out.find("no event-rate AHI estimator: 0 nights with a reference AHI"),
            std::string::npos)
      << r.out;
  ASSERT_TRUE(fs::exists(model));
  ASSERT_TRUE(fs::exists(dir / "m.md"));
  ASSERT_TRUE(fs::exists(dir / "m.curves.csv"));
  auto det = model::load_detector(model);
  EXPECT_EQ(det->info().name, "rr-cnn");
  ASSERT_NE(dynamic_cast<const model::RRDetector*>(det.get()), nullptr);
  EXPECT_EQ(dynamic_cast<const model::RRDetector*>(det.get())->members(), 2u);
  std::ifstream card(dir / "m.md");
  const std::string c((std::istreambuf_iterator<char>(card)), std::istreambuf_iterator<char>());
  EXPECT_NE(c.find("cross-validation by RECORD"), std::string::npos);
  EXPECT_NE(c.find("git commit"), std::string::npos);
  EXPECT_NE(c.find("ensemble of 2 such networks"), std::string::npos) << c;
  {
    std::ifstream curves(dir / "m.curves.csv");
    const std::string k((std::istreambuf_iterator<char>(curves)), std::istreambuf_iterator<char>());
    EXPECT_NE(k.find("fold1.member2,"), std::string::npos) << k;
    EXPECT_NE(k.find("final.member2,"), std::string::npos);
  }

  r = run("eval --data '" + (dir / "data").string() + "' --model '" + model +
              "' --bootstrap 20 --html '" + (dir / "e.html").string() + "'",
          dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["records"], 4);
  EXPECT_EQ(j["minutes"], 240);
  EXPECT_TRUE(fs::exists(dir / "e.html"));
  // These are the model's training nights: a warning on stderr, in the JSON and on the page,
  // with the model's cross-validated figures beside.
  EXPECT_NE(r.err.find("warning: 4 of the 4 evaluated nights"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("training-set figures"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cross-validation (out-of-fold): accuracy"), std::string::npos) << r.err;
  EXPECT_EQ(j["training_nights_evaluated"].size(), 4u);
  EXPECT_TRUE(j["model_cross_validation"]["minute"].is_object());
  {
    std::ifstream page(dir / "e.html");
    const std::string h((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
    EXPECT_NE(h.find("training-set figures"), std::string::npos);
  }

  // Another system's predictions: everything 'apnea' -> Se 1, Sp 0.
  {
    std::ofstream p(dir / "p.csv");
    p << "record,minute,p\n";
    for (int i = 0; i < 4; ++i) {
      for (int m = 0; m < 60; ++m) p << "abab"[i] << i << "," << m << ",1\n";
    }
  }
  r = run("eval --data '" + (dir / "data").string() + "' --predictions '" +
              (dir / "p.csv").string() + "' --bootstrap 0",
          dir);
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto k = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(k["minute"]["sensitivity"]["value"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(k["minute"]["specificity"]["value"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(k["minute"]["accuracy"]["value"].get<double>(), 0.5);

  // Bad inputs.
  r = run("train --data '" + (dir / "nothing").string() + "' --folds 2", dir);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("nothing"), std::string::npos);
  { std::ofstream(dir / "bad.safetensors") << "garbage!"; }
  r = run("eval --data '" + (dir / "data").string() + "' --model '" +
              (dir / "bad.safetensors").string() + "'",
          dir);
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("bad.safetensors"), std::string::npos);
}
