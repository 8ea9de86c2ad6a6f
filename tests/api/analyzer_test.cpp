// libsomna's public API (src/api/somna.hpp): the Analyzer on the bundled sample night with the
// shipped model and with CVHR, on ECG samples in memory, clear errors; and the installed library
// used as another program would (cmake --install to a temporary prefix, a consumer compiled with
// pkg-config, run on the sample night).

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/somna.hpp"
#include "common/temp_dir.hpp"

namespace {

const std::string kSource = SOMNA_SOURCE_DIR;
const std::string kSample = kSource + "/data/samples/sample-night.hea";
const std::string kModel = kSource + "/models/default.safetensors";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST(Api, AnalyzesTheSampleNightWithTheShippedModel) {
  const somna::Analyzer a(kModel);
  const somna::Result r = a.analyze_file(kSample);
  EXPECT_EQ(r.detector, "rr-cnn");
  EXPECT_GT(r.recording_s, 3600);
  ASSERT_FALSE(r.minutes.empty());
  ASSERT_TRUE(r.ahi.has_value());
  EXPECT_GE(*r.ahi, 0);
  EXPECT_FALSE(r.severity.empty());
  EXPECT_NE(r.json.find("\"summary\""), std::string::npos);
  for (const auto& m : r.minutes) EXPECT_TRUE(m.p_apnea >= 0 && m.p_apnea <= 1);
}

TEST(Api, TrainingFreeDetectorAndEcgInMemory) {
  const somna::Analyzer cvhr;
  const somna::Result f = cvhr.analyze_file(kSample);
  EXPECT_EQ(f.detector, "cvhr-acat");
  // Ten minutes of a synthetic 1 Hz "ECG" of narrow spikes: beats are found, no AHI (too short).
  const double fs = 100;
  std::vector<float> ecg(size_t(600 * fs));
  for (size_t i = 0; i < ecg.size(); ++i) {
    const double ph = std::fmod(double(i) / fs, 1.0);
    ecg[i] = float(std::exp(-std::pow((ph - 0.5) / 0.012, 2)) + 0.02 * std::sin(double(i) * 0.3));
  }
  const somna::Result r = cvhr.analyze_ecg(ecg.data(), ecg.size(), fs, "spikes");
  EXPECT_EQ(r.record, "spikes");
  EXPECT_EQ(r.minutes.size(), 10u);
  EXPECT_FALSE(r.ahi.has_value());
}

TEST(Api, ErrorsNameTheFile) {
  try {
    somna::Analyzer bad("/nonexistent/model.safetensors");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.safetensors"), std::string::npos);
  }
  const somna::Analyzer a;
  try {
    a.analyze_file("/nonexistent/night.edf");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/night.edf"), std::string::npos);
  }
  EXPECT_EQ(somna::version(), SOMNA_VERSION_TEXT);
}

TEST(ApiInstallSlow, InstalledLibraryBuildsAndRunsAConsumer) {
  const somna::TempDir dir;
  const std::string prefix = dir.path() + "/prefix", log = dir.path() + "/log.txt";
  const std::string install = "cmake --install " + std::string(SOMNA_BUILD_DIR) + " --prefix " +
                              prefix + " > " + log + " 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0) << slurp(log);
  const std::string consumer = dir.path() + "/consumer.cpp";
  std::ofstream(consumer) << R"(#include <somna/somna.hpp>
#include <cstdio>
int main(int argc, char** argv) {
  somna::Analyzer a(argv[1]);
  somna::Result r = a.analyze_file(argv[2]);
  std::printf("%s %s %zu %.3f\n", somna::version().c_str(), r.detector.c_str(), r.minutes.size(),
              r.ahi ? *r.ahi : -1.0);
}
)";
  const std::string exe = dir.path() + "/consumer";
  const std::string build = "g++ -std=c++17 -O1 " + consumer + " -o " + exe +
                            " $(PKG_CONFIG_PATH=" + prefix +
                            "/lib/pkgconfig pkg-config --cflags --libs somna) > " + log + " 2>&1";
  ASSERT_EQ(std::system(build.c_str()), 0) << slurp(log);
  const std::string out = dir.path() + "/out.txt";
  const std::string run = exe + " " + prefix + "/share/somna/models/default.safetensors " +
                          kSample + " > " + out + " 2>&1";
  ASSERT_EQ(std::system(run.c_str()), 0) << slurp(out);
  const somna::Result direct = somna::Analyzer(kModel).analyze_file(kSample);
  char expected[128];
  std::snprintf(expected, sizeof expected, "%s rr-cnn %zu %.3f\n", SOMNA_VERSION_TEXT,
                direct.minutes.size(), direct.ahi ? *direct.ahi : -1.0);
  EXPECT_EQ(slurp(out), expected);
}
