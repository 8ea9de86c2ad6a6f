// `somna info` end to end: runs the built binary on the shared samples (WFDB 100, the EDF+
// test generator), on a CSV written here, and on bad input (exit code 2, one line naming the
// file); the --json output is parsed and checked field by field.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "io/edf_writer.hpp"
#include "support/cli_run.hpp"
#include "support/shared_data.hpp"

namespace {

namespace fs = std::filesystem;

using somna::test::kWfdbSamples;

using CliRun = somna::test::CliResult;

std::string quote(const std::string& s) {
  return somna::test::shell_quote(s);
}

fs::path temp_dir() {
  return somna::test::fresh_dir("info");
}

// Runs `somna info <args>`; stdout and stderr captured separately.
CliRun info(const std::string& args) {
  return somna::test::run_somna("info " + args);
}

TEST(CliInfo, WfdbRecordAsText) {
  const std::string hea = kWfdbSamples + "/100.hea";
  REQUIRE_SHARED(hea);
  const CliRun r = info(quote(hea));
  ASSERT_EQ(r.rc, 0) << r.err;
  for (const char* needle : {"WFDB", "MLII", "V5", "360", "650000", "0:30:06", "100.atr",
                             "2274 annotations", "69 M 1085 1629 x1"})
    EXPECT_NE(r.out.find(needle), std::string::npos) << needle << "\n" << r.out;
}

TEST(CliInfo, WfdbRecordAsJson) {
  const std::string hea = kWfdbSamples + "/100.hea";
  REQUIRE_SHARED(hea);
  const CliRun r = info("--json " + quote(kWfdbSamples + "/100"));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "WFDB");
  EXPECT_EQ(j["record"], "100");
  EXPECT_TRUE(j["start"].is_null());
  EXPECT_NEAR(j["duration_s"].get<double>(), 650000 / 360.0, 1e-6);
  ASSERT_EQ(j["channels"].size(), 2u);
  EXPECT_EQ(j["channels"][0]["name"], "MLII");
  EXPECT_EQ(j["channels"][0]["samples"], 650000);
  EXPECT_EQ(j["channels"][0]["gain"], 200.0);
  EXPECT_EQ(j["channels"][0]["baseline"], 1024.0);
  EXPECT_EQ(j["channels"][0]["format"], "212");
  bool atr = false;
  for (const auto& f : j["annotation_files"])
    if (f["extension"] == "atr") {
      atr = true;
      EXPECT_EQ(f["count"], 2274);
    }
  EXPECT_TRUE(atr) << r.out;
}

TEST(CliInfo, EdfAsJsonAndChannelChoice) {
  const std::string edf = kWfdbSamples + "/test_generator_2.edf";
  REQUIRE_SHARED(edf);
  CliRun r = info("--json " + quote(edf));
  ASSERT_EQ(r.rc, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "EDF+C");
  EXPECT_EQ(j["start"], "2009-12-10 12:44:02");
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 600.0);
  EXPECT_EQ(j["duration"], "0:10:00");
  ASSERT_EQ(j["channels"].size(), 11u);
  EXPECT_EQ(j["channels"][3]["name"], "ECG");
  EXPECT_EQ(j["channels"][3]["units"], "mV");
  EXPECT_EQ(j["channels"][0]["units"], "uV");
  EXPECT_EQ(j["channels"][3]["samples"], 120000);

  r = info("--json --channel ekg " + quote(edf));
  ASSERT_EQ(r.rc, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["channels"].size(), 1u);
  EXPECT_EQ(j["channels"][0]["name"], "ECG");

  r = info("--channel SpO2 " + quote(edf));
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("squarewave"), std::string::npos) << r.err;  // the channel list
}

TEST(CliInfo, EdfPlusAnnotationsSummarised) {
  const std::string edf = kWfdbSamples + "/test_edfann.edf";
  REQUIRE_SHARED(edf);
  const CliRun r = info("--json " + quote(edf));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["channels"].size(), 0u);
  // Counted independently in the raw bytes.
  std::ifstream in(edf, std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto occurrences = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = raw.find(what); at != std::string::npos; at = raw.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(j["event_texts"]["Sleep stage N2"].get<size_t>(), occurrences("Sleep stage N2\x14"));
  EXPECT_EQ(j["event_texts"]["Sleep stage W"].get<size_t>(), occurrences("Sleep stage W\x14"));
  EXPECT_EQ(j["events"].get<size_t>(), occurrences("Sleep stage") + occurrences("Lights"));
}

TEST(CliInfo, CsvNeedsFsWithoutTimeColumn) {
  const fs::path dir = temp_dir();
  const std::string csv = (dir / "night.csv").string();
  {
    std::ofstream out(csv);
    out << "ecg_uV\n";
    for (int i = 0; i < 500; ++i) out << (i % 50) * 10 << "\n";
  }
  CliRun r = info("--json --fs 250 " + quote(csv));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["format"], "CSV");
  EXPECT_EQ(j["record"], "night");
  ASSERT_EQ(j["channels"].size(), 1u);
  EXPECT_EQ(j["channels"][0]["name"], "ecg");
  EXPECT_EQ(j["channels"][0]["units"], "mV");
  EXPECT_EQ(j["channels"][0]["samples"], 500);
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 2.0);

  r = info(quote(csv));
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find(csv), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--fs"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  fs::remove_all(dir);
}

TEST(CliInfo, HeaderShownWhenTheLengthCannotBeFound) {
  const std::string hea = kWfdbSamples + "/drive02-no-len.hea";  // drive02.dat is not in the set
  REQUIRE_SHARED(hea);
  if (fs::exists(kWfdbSamples + "/drive02.dat")) GTEST_SKIP() << "drive02.dat present";
  const CliRun r = info("--json " + quote(hea));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_NE(j["problem"].get<std::string>().find("drive02.dat"), std::string::npos);
  ASSERT_EQ(j["channels"].size(), 5u);
  EXPECT_EQ(j["channels"][0]["name"], "ECG");
  EXPECT_TRUE(j["channels"][0]["samples"].is_null());
}

TEST(CliInfo, WarnsAboutAMissingSignalFile) {
  const std::string hea = kWfdbSamples + "/100.hea";
  REQUIRE_SHARED(hea);
  const fs::path dir = temp_dir();
  fs::copy_file(hea, dir / "100.hea");
  const CliRun r = info("--json " + quote((dir / "100.hea").string()));
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_NE(j["warnings"][0].get<std::string>().find("100.dat is missing"), std::string::npos);
  EXPECT_EQ(j["channels"][0]["samples"], 650000);  // from the header
  fs::remove_all(dir);
}

TEST(CliInfo, BadInputExitsWithCode2AndNamesTheFile) {
  const fs::path dir = temp_dir();
  const std::string junk = (dir / "junk.edf").string();
  {
    std::ofstream out(junk, std::ios::binary);
    out << "0       " << std::string(300, '\x7f');
  }
  const std::string missing = (dir / "nothing.hea").string();
  for (const std::string& path : {junk, missing, dir.string()}) {
    const CliRun r = info(quote(path));
    EXPECT_EQ(r.rc, 2) << path << ": " << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
  }
  fs::remove_all(dir);
}

TEST(CliInfo, TruncatedFileErrorNamesTheAllowTruncatedFlag) {
  const fs::path dir = temp_dir();
  somna::io::testing::EdfTestFile f;
  somna::io::testing::EdfTestSignal s;
  s.spr = 4;
  f.n_records = 4;
  s.digital.assign(16, 0);
  f.signals = {s};
  std::string bytes = somna::io::testing::edf_bytes(f);
  bytes.resize(bytes.size() - 8 * 2);  // two of the four data records missing
  const std::string path = (dir / "short.edf").string();
  somna::io::testing::write_bytes(path, bytes);
  CliRun r = info(quote(path));
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("add --allow-truncated"), std::string::npos) << r.err;
  r = info("--allow-truncated " + quote(path));
  EXPECT_EQ(r.rc, 0) << r.err;
  fs::remove_all(dir);
}

}  // namespace
