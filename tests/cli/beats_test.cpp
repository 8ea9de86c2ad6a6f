// `somna beats` and `somna eval-beats` end to end: the built binary on MIT-BIH 100 (scores, the
// written .qrs read back and scored, CSV columns), on flat / short / noise CSV files (no beats,
// a reason, exit 0) and on bad input (exit 2, one line naming the file).

#include "dsp/beats.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "eval/beat_comparison.hpp"
#include "io/annotations.hpp"
#include "support/cli_run.hpp"
#include "support/shared_data.hpp"

namespace {

namespace fs = std::filesystem;

const std::string kRecord = somna::test::kWfdbSamples + "/100";

using CliRun = somna::test::CliResult;

using somna::test::run_somna;
using somna::test::shell_quote;

bool contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

TEST(CliEvalBeats, Mitbih100BothLeadsAndQrs) {
  REQUIRE_SHARED(kRecord + ".hea");
  CliRun r = run_somna("eval-beats " + shell_quote(kRecord) + " --ref atr --require 99.8");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "2273      0      0  100.000  100.000")) << r.out;
  r = run_somna("eval-beats " + shell_quote(kRecord + ".hea") + " --channel 1 --require 99.8");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "(V5)")) << r.out;
  r = run_somna("eval-beats " + shell_quote(kRecord) + " --test qrs --skip-first 300");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "first 300 s skipped")) << r.out;
  // Two records: per record and total lines.
  r = run_somna("eval-beats " + shell_quote(kRecord) + " " + shell_quote(kRecord));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "total")) << r.out;
  EXPECT_TRUE(contains(r.out, "4546")) << r.out;
  // An impossible requirement fails with exit 1; a too-narrow window shows the cost.
  EXPECT_EQ(run_somna("eval-beats " + shell_quote(kRecord) + " --window 0.001 --require 99").rc, 1);
}

TEST(CliEvalBeats, MissingRecordIsBadInput) {
  const CliRun r = run_somna("eval-beats /nonexistent/rec --ref atr");
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "/nonexistent/rec")) << r.err;
}

TEST(CliBeats, WritesWfdbAnnotationsReadBack) {
  REQUIRE_SHARED(kRecord + ".hea");
  const fs::path dir = somna::test::fresh_dir("beats");
  const std::string out = (dir / "100.qrs").string();
  const CliRun r =
      run_somna("beats " + shell_quote(kRecord) + " --out " + shell_quote(out) + " --progress");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "2273 beats")) << r.out;
  EXPECT_TRUE(contains(r.err, "100%")) << r.err;
  const somna::io::Annotations ann = somna::io::read_annotations(out);
  const somna::io::Annotations atr = somna::io::read_annotations(kRecord, "atr");
  somna::io::Annotations ours = ann;
  ours.fs = 360;  // no header beside the written file
  const auto m = somna::eval::compare_beats(somna::dsp::beats_from_annotations(atr).r_time_s,
                                            somna::dsp::beats_from_annotations(ours).r_time_s);
  EXPECT_GE(m.se(), 99.8);
  EXPECT_GE(m.ppv(), 99.8);
  fs::remove_all(dir);
}

TEST(CliBeats, WritesCsv) {
  REQUIRE_SHARED(kRecord + ".hea");
  const fs::path dir = somna::test::fresh_dir("beats");
  const std::string out = (dir / "beats.csv").string();
  const CliRun r =
      run_somna("beats " + shell_quote(kRecord) + " --channel V5 --out " + shell_quote(out));
  ASSERT_EQ(r.rc, 0) << r.err;
  std::ifstream f(out);
  std::string line;
  std::getline(f, line);
  EXPECT_EQ(line, "time_s,sample,rr_s,amp_mv,corrected");
  std::getline(f, line);
  EXPECT_EQ(std::count(line.begin(), line.end(), ','), 4) << line;
  size_t rows = 1;
  while (std::getline(f, line)) ++rows;
  EXPECT_GE(rows, 2270u);
  EXPECT_LE(rows, 2276u);
  fs::remove_all(dir);
}

// CSV of one column at 250 Hz.
std::string write_csv(const fs::path& dir, const std::string& name, const std::vector<float>& v) {
  const std::string p = (dir / name).string();
  std::ofstream f(p);
  f << "ecg_mV\n";
  for (float x : v) f << x << "\n";
  return p;
}

TEST(CliBeats, FlatShortAndNoiseGiveNoBeatsWithReason) {
  const fs::path dir = somna::test::fresh_dir("beats");
  const std::string flat = write_csv(dir, "flat.csv", std::vector<float>(250 * 90, 0.25f));
  CliRun r = run_somna("beats " + shell_quote(flat) + " --fs 250");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 beats")) << r.out;
  EXPECT_TRUE(contains(r.err, "flat line")) << r.err;

  const std::string shortf = write_csv(dir, "short.csv", {0.1f, 0.5f, 0.2f});
  r = run_somna("beats " + shell_quote(shortf) + " --fs 250 --out " +
                shell_quote((dir / "s.csv").string()));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 beats")) << r.out;

  std::mt19937 rng(1);
  std::normal_distribution<float> g(0, 1);
  std::vector<float> noise(250 * 120);
  for (float& x : noise) x = g(rng);
  const std::string nf = write_csv(dir, "noise.csv", noise);
  r = run_somna("beats " + shell_quote(nf) + " --fs 250 --out " +
                shell_quote((dir / "n.qrs").string()));
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "0 beats")) << r.out;
  EXPECT_TRUE(contains(r.err, "no beats detected")) << r.err;
  fs::remove_all(dir);
}

TEST(CliBeats, BadInputExit2) {
  const CliRun r = run_somna("beats /nonexistent/x.edf");
  EXPECT_EQ(r.rc, 2);
  EXPECT_TRUE(contains(r.err, "/nonexistent/x.edf")) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

}  // namespace
