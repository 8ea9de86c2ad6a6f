// End to end: `somna simulate` writes labelled synthetic nights (ECG + .apn + true beats),
// `somna train --family seed` writes a seed-ecg model file, card and curves, and `somna analyze
// --detector MODEL` scores a night with it; a folder without ECG samples is refused with exit 2.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/temp_dir.hpp"
#include "model/safetensors.hpp"

namespace fs = std::filesystem;

namespace {
int run(const std::string& args) {
  const std::string cmd = std::string(SOMNA_BINARY) + " " + args + " > /dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

TEST(SeedCliSlow, SimulateTrainAnalyze) {
  const somna::TempDir tmp;
  const fs::path dir = tmp.path();
  fs::create_directories(dir / "syn");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(run("simulate " + (dir / "syn" / ("s" + std::to_string(i))).string() +
                  " --hours 1 --write-beats --seed " + std::to_string(2000 + i)),
              0);
  }
  const std::string model = (dir / "seed.safetensors").string();
  ASSERT_EQ(run("train --family seed --data " + (dir / "syn").string() + " --out " + model +
                " --epochs 1 --pretrain-epochs 1 --windows-per-epoch 64 --threads 1 --no-progress"),
            0);
  const auto f = somna::model::read_safetensors(model);
  EXPECT_EQ(f.metadata.at("somna.family"), "seed-ecg");
  EXPECT_NE(f.metadata.at("somna.provenance").find("--family seed"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir / "seed.md"));
  EXPECT_TRUE(fs::exists(dir / "seed.curves.csv"));
  const std::string json = (dir / "s1.json").string();
  ASSERT_EQ(run("analyze " + (dir / "syn" / "s1.hea").string() + " --detector " + model +
                " --json " + json),
            0);
  std::ifstream in(json);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_NE(ss.str().find("seed-ecg"), std::string::npos);
  // No record with labels: exit 2 with an error naming the folder.
  fs::create_directories(dir / "empty");
  EXPECT_EQ(run("train --family seed --data " + (dir / "empty").string() + " --out " + model), 2);
}
