// CSV / plain text: every layout docs/formats.md promises (one column, time+value, several
// columns, separators, decimal comma, units in the header, a PhysioNet-style units row), the
// errors (no fs, bad number with line and column, uneven time, ragged rows) and junk input.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "common/error.hpp"
#include "io/csv_reader.hpp"

namespace somna::io {
namespace {

Record parse(const std::string& text, double fs = 0, const std::string& channel = {}) {
  ReadOptions opt;
  opt.fs = fs;
  opt.channel = channel;
  return parse_csv(text, "mem.csv", opt);
}

std::string error_of(const std::string& text, double fs = 0) {
  try {
    parse(text, fs);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Csv, OneColumnNeedsFs) {
  const Record rec = parse("0.1\n0.2\n-0.3\n", 100);
  EXPECT_EQ(rec.format, "CSV");
  EXPECT_EQ(rec.name, "mem");
  ASSERT_EQ(rec.channels.size(), 1u);
  const Channel& ch = rec.channels[0];
  EXPECT_EQ(ch.name, "ECG");
  EXPECT_EQ(ch.units, "mV");
  EXPECT_EQ(ch.format, "CSV");
  EXPECT_DOUBLE_EQ(ch.fs, 100);
  ASSERT_EQ(ch.samples.size(), 3u);
  EXPECT_FLOAT_EQ(ch.samples[2], -0.3f);
  EXPECT_EQ(ch.n_samples, 3);
  EXPECT_DOUBLE_EQ(rec.duration_s(), 0.03);
  const std::string msg = error_of("0.1\n0.2\n");
  EXPECT_NE(msg.find("--fs"), std::string::npos) << msg;
  EXPECT_NE(msg.find("mem.csv"), std::string::npos) << msg;
  EXPECT_NE(error_of("0.1\n", -5).find("must be > 0"), std::string::npos);
}

TEST(Csv, TimeValueWithHeaderGivesFs) {
  std::ostringstream text;
  text << "time,ecg\n";
  for (int i = 0; i < 1000; ++i) text << i * 0.004 << "," << std::sin(i * 0.1) << "\n";
  const Record rec = parse(text.str());
  ASSERT_EQ(rec.channels.size(), 1u);
  EXPECT_EQ(rec.channels[0].name, "ecg");
  EXPECT_DOUBLE_EQ(rec.channels[0].fs, 250.0);
  EXPECT_DOUBLE_EQ(rec.frame_fs, 250.0);
  EXPECT_EQ(rec.channels[0].samples.size(), 1000u);
  EXPECT_NEAR(rec.channels[0].samples[10], std::sin(1.0), 1e-5);
}

TEST(Csv, TimeColumnDetectedWithoutHeaderAndRoundedTimes) {
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(3);  // 360 Hz printed to the millisecond: steps of 2 or 3 ms
  for (int i = 0; i < 720; ++i) text << i / 360.0 << "\t" << (i % 7) * 0.01 << "\n";
  const Record rec = parse(text.str());
  ASSERT_EQ(rec.channels.size(), 1u);
  EXPECT_DOUBLE_EQ(rec.channels[0].fs, 360.0);
  EXPECT_NEAR(rec.channels[0].samples[8], 0.01, 1e-6);
}

TEST(Csv, SeveralColumnsSemicolonDecimalCommaAndUnits) {
  const Record rec = parse(
      "Time (ms);ECG_uV;Resp [V];Pleth\n"
      "0;1000;0,5;1\n"
      "10;-250,5;0,25;2\n"
      "20;;0;3\n");
  ASSERT_EQ(rec.channels.size(), 3u);
  EXPECT_DOUBLE_EQ(rec.channels[0].fs, 100.0);
  EXPECT_EQ(rec.channels[0].name, "ECG");
  EXPECT_EQ(rec.channels[0].units, "mV");
  EXPECT_FLOAT_EQ(rec.channels[0].samples[0], 1.0f);
  EXPECT_FLOAT_EQ(rec.channels[0].samples[1], -0.2505f);
  EXPECT_TRUE(std::isnan(rec.channels[0].samples[2]));  // empty field: a gap
  EXPECT_EQ(rec.channels[1].name, "Resp");
  EXPECT_EQ(rec.channels[1].units, "mV");
  EXPECT_FLOAT_EQ(rec.channels[1].samples[0], 500.0f);
  EXPECT_EQ(rec.channels[2].name, "Pleth");
  EXPECT_EQ(rec.channels[2].units, "mV");  // no units given: mV assumed
  EXPECT_FLOAT_EQ(rec.channels[2].samples[2], 3.0f);
}

TEST(Csv, ChannelChoice) {
  const std::string text = "t,Resp,EKG II\n0,1,2\n0.5,3,4\n";
  const Record rec = parse(text, 0, "ecg");
  ASSERT_EQ(rec.channels.size(), 1u);
  EXPECT_EQ(rec.channels[0].name, "EKG II");
  EXPECT_FLOAT_EQ(rec.channels[0].samples[1], 4.0f);
  EXPECT_DOUBLE_EQ(rec.channels[0].fs, 2.0);
  EXPECT_EQ(parse(text, 0, "0").channels.at(0).name, "Resp");
  EXPECT_THROW(parse(text, 0, "SpO2"), FormatError);
  const Record all = parse(text);
  EXPECT_EQ(choose_channel(all, "", "mem.csv"), 1u);
}

TEST(Csv, WhitespaceCommentsBomCrLf) {
  const Record rec = parse(
      "\xEF\xBB\xBF# exported by a monitor\r\n# second note\r\n\r\n"
      "  1   10\r\n  2   20\r\n  3   30\r\n",
      0);
  ASSERT_EQ(rec.channels.size(), 1u);  // the first column rises uniformly: time
  EXPECT_DOUBLE_EQ(rec.channels[0].fs, 1.0);
  EXPECT_FLOAT_EQ(rec.channels[0].samples[2], 30.0f);
  ASSERT_GE(rec.comments.size(), 2u);
  EXPECT_EQ(rec.comments[0], "exported by a monitor");
}

TEST(Csv, TwoValueColumnsWithoutHeaderNeedFs) {
  const Record rec = parse("5,1\n3,2\n4,3\n", 50);
  ASSERT_EQ(rec.channels.size(), 2u);  // first column does not rise: both are values
  EXPECT_EQ(rec.channels[0].name, "ch0");
  EXPECT_DOUBLE_EQ(rec.channels[1].fs, 50.0);
}

TEST(Csv, PhysioNetStyleUnitsRowAndClockTimes) {
  const Record rec = parse(
      "'Elapsed time','MLII','V5'\n"
      "'hh:mm:ss.mmm','mV','mV'\n"
      "'0:00.000',-0.145,-0.065\n"
      "'0:00.003',-0.145,-0.065\n"
      "'0:00.006',-0.145,-0.065\n"
      "'0:00.008',-0.145,-0.065\n"
      "'0:00.011',-0.145,-0.065\n"
      "'0:00.014',-0.145,-0.065\n"
      "'0:00.017',-0.145,-0.065\n"
      "'0:00.019',-0.120,-0.065\n");
  ASSERT_EQ(rec.channels.size(), 2u);
  EXPECT_EQ(rec.channels[0].name, "MLII");
  EXPECT_NEAR(rec.channels[0].fs, 368.4, 0.1);  // 7 steps in 19 ms (times are rounded)
  EXPECT_FLOAT_EQ(rec.channels[0].samples[7], -0.12f);
  EXPECT_EQ(rec.find_ecg(), std::optional<size_t>(0));
}

TEST(Csv, IndexColumnIsDropped) {
  const Record rec = parse("sample,ecg\n0,1\n1,2\n", 10);
  ASSERT_EQ(rec.channels.size(), 1u);
  EXPECT_EQ(rec.channels[0].name, "ecg");
}

TEST(Csv, ErrorsNameLineAndColumn) {
  std::string msg = error_of("time,ecg\n0,1\n0.01,abc\n0.02,3\n");
  EXPECT_NE(msg.find("line 3, column 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"abc\""), std::string::npos) << msg;
  msg = error_of("time,ecg\n0,1\n0.01,2\n0.05,3\n0.06,3\n");
  EXPECT_NE(msg.find("not uniform"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 4"), std::string::npos) << msg;
  msg = error_of("1,2\n3\n", 10);
  EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 2"), std::string::npos) << msg;
  EXPECT_NE(error_of("").find("no data rows"), std::string::npos);
  EXPECT_NE(error_of("# only a comment\n").find("no data rows"), std::string::npos);
  EXPECT_NE(error_of("time,ecg\n").find("no data rows after the header"), std::string::npos);
  EXPECT_NE(error_of("time,ecg\n0,1\n0,2\n").find("does not increase"), std::string::npos);
  EXPECT_NE(error_of("time,ecg\n0,1\n0.1,2\n", 50).find("time column says 10"), std::string::npos);
  EXPECT_NE(error_of(std::string("1\n2\0\n", 5), 10).find("NUL"), std::string::npos);
  EXPECT_NE(error_of("1\n1e999\n", 10).find("out of range"), std::string::npos);
  EXPECT_NE(error_of("1\n" + std::string(52, '1') + "\n", 10).find("line 2, column 1"),
            std::string::npos);  // finite as double, infinite as float
  EXPECT_NE(error_of("time\n1\n2\n").find("no signal values"), std::string::npos);
  // A clock value is only a time in a time column.
  EXPECT_NE(error_of("ecg,resp\n1:30,2\n", 10).find("line 2, column 1"), std::string::npos);
}

TEST(Csv, HugeFiniteNumbersAreOutOfRangeNotNotANumber) {
  // 1e300 is a finite double but no float: a sample cannot hold it.
  std::string msg = error_of("1\n1e300\n", 10);
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 2, column 1"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("not a number"), std::string::npos) << msg;
  msg = error_of("time,ecg\n0,1\n0.1,-1e300\n");
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 3, column 2"), std::string::npos) << msg;
  msg = error_of("1\ninf\n", 10);
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  // Large values that fit a float are read.
  EXPECT_FLOAT_EQ(parse("1\n1e30\n", 10).channels.at(0).samples.at(1), 1e30f);
  // Volts that overflow once in mV.
  msg = error_of("ecg_V\n1\n3e38\n", 10);
  EXPECT_NE(msg.find("out of range in mV"), std::string::npos) << msg;
}

TEST(Csv, SignedNanIsAGapLikeNan) {
  const Record rec = parse("1\n-nan\n+nan\nNaN\nNA\n\"-nan\"\n2\n", 10);
  const std::vector<float>& x = rec.channels.at(0).samples;
  ASSERT_EQ(x.size(), 7u);
  for (size_t i = 1; i <= 5; ++i) EXPECT_TRUE(std::isnan(x[i])) << i;
  EXPECT_FLOAT_EQ(x[6], 2.0f);
  // Only the nan token is signed: "-na" and "-nanx" stay errors.
  EXPECT_NE(error_of("1\n-na\n", 10).find("not a number"), std::string::npos);
  EXPECT_NE(error_of("1\n-nanx\n", 10).find("not a number"), std::string::npos);
}

TEST(Csv, FirstLineOfNanIsDataNotAHeader) {
  Record rec = parse("nan\n1\n2\n", 10);
  ASSERT_EQ(rec.channels.size(), 1u);
  EXPECT_EQ(rec.channels[0].name, "ECG");
  ASSERT_EQ(rec.channels[0].samples.size(), 3u);
  EXPECT_TRUE(std::isnan(rec.channels[0].samples[0]));
  rec = parse("-nan,nan\n1,2\n3,4\n", 10);
  ASSERT_EQ(rec.channels.size(), 2u);
  EXPECT_EQ(rec.channels[0].samples.size(), 3u);
  // A header line still is one, and a second line of nan after it is data, not units.
  rec = parse("ecg\nnan\n1\n", 10);
  EXPECT_EQ(rec.channels.at(0).name, "ecg");
  EXPECT_EQ(rec.channels.at(0).units, "mV");
  EXPECT_EQ(rec.channels.at(0).samples.size(), 2u);
}

TEST(Csv, BackwardsTimeNamesTheOffendingPairOfLines) {
  std::string msg = error_of("time,ecg\n0,1\n0.01,2\n0.02,3\n0.015,4\n0.03,5\n");
  EXPECT_NE(msg.find("does not increase"), std::string::npos) << msg;
  EXPECT_NE(msg.find("0.015 s at line 5 after 0.02 s at line 4"), std::string::npos) << msg;
  // Overall backwards (the old message named only the first and last values).
  msg = error_of("time,ecg\n3,1\n2,2\n1,3\n");
  EXPECT_NE(msg.find("2 s at line 3 after 3 s at line 2"), std::string::npos) << msg;
  // A repeated time is named the same way.
  msg = error_of("time,ecg\n0,1\n0.5,2\n0.5,3\n");
  EXPECT_NE(msg.find("0.5 s at line 4 after 0.5 s at line 3"), std::string::npos) << msg;
}

TEST(Csv, JunkNeverCrashes) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789.,;:\t -+eE#\n\r\"'nNaAtime_uV()[]";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text(rng() % 200, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    try {
      const Record rec = parse(text, trial % 2 ? 100 : 0);
      for (const Channel& ch : rec.channels) {
        EXPECT_GT(ch.fs, 0);
        EXPECT_EQ(ch.samples.size(), static_cast<size_t>(ch.n_samples));
      }
    } catch (const FormatError&) {
    }
  }
}

TEST(Csv, ReadRecordDispatchesTextFiles) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("somna-csv-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string name : {"a.csv", "a.txt", "a.tsv", "noext"}) {
    const std::string path = (dir / name).string();
    std::ofstream(path) << "time\tecg_mV\n0\t0.5\n0.002\t0.25\n0.004\t0\n";
    const Record rec = read_record(path);
    EXPECT_EQ(rec.format, "CSV") << name;
    ASSERT_EQ(rec.channels.size(), 1u) << name;
    EXPECT_DOUBLE_EQ(rec.channels[0].fs, 500.0) << name;
    EXPECT_EQ(rec.path, path);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace somna::io
