// The limits every reader checks against the header before allocating samples (io/limits.hpp):
// recordings longer than ReadOptions::max_duration_s (72 h by default) and absurd sampling
// frequencies are refused with an error naming the file, for WFDB (signals with and without a
// file, multi-segment), EDF and CSV, without the reader first allocating what the header says.

#include "io/limits.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <string>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "edf_writer.hpp"
#include "io/csv_reader.hpp"
#include "io/record.hpp"

namespace somna::io {
namespace {

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Peak resident set of this process, in MiB.
double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The error read_record throws for `path`, and checks it came quickly and without allocating
// what the header declares (peak RSS grows by less than 64 MiB).
std::string refused_cheaply(const std::string& path, const ReadOptions& options = {}) {
  const double rss_before = peak_rss_mib();
  const auto t0 = std::chrono::steady_clock::now();
  std::string what = "(no error)";
  try {
    read_record(path, options);
  } catch (const FormatError& e) {
    what = e.what();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(seconds, 1.0) << what;
  EXPECT_LT(peak_rss_mib() - rss_before, 64.0) << what;
  return what;
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << text;
}

TEST(ReadLimits, GapFilledWfdbSignalLongerThan72HoursIsRefusedBeforeAllocating) {
  TempDir dir;
  // The 307-byte upload of the issue: 536870000 frames of a signal without a file ("~").
  const std::string hea = dir.path() + "/rec.hea";
  write_file(hea, "rec 1 100 536870000\n~ 16 200 12 0 0 0 0 ECG\n");
  const std::string what = refused_cheaply(hea);
  expect_contains(what, hea);
  expect_contains(what, "at most 72 h");
  expect_contains(what, "536870000 samples at 100 Hz");
  // The CLI case: 2e8 frames.
  write_file(hea, "rec 2 100 200000000\n~ 16 200 12 0 0 0 0 ECG\n~ 16 200 12 0 0 0 0 resp\n");
  expect_contains(refused_cheaply(hea), "at most 72 h");
}

TEST(ReadLimits, WfdbSignalFileLongerThanTheLimitIsRefused) {
  TempDir dir;
  // 73 h at 1 Hz, format 16: a real 526 kB file.
  const int64_t n = 73 * 3600;
  write_file(dir.path() + "/long.dat", std::string(static_cast<size_t>(2 * n), '\0'));
  const std::string hea = dir.path() + "/long.hea";
  write_file(hea, "long 1 1 " + std::to_string(n) + "\nlong.dat 16 200 16 0 0 0 0 ECG\n");
  expect_contains(refused_cheaply(hea), "at most 72 h");
  ReadOptions unlimited;
  unlimited.max_duration_s = 0;
  EXPECT_EQ(read_record(hea, unlimited).channels.at(0).samples.size(), static_cast<size_t>(n));
  ReadOptions header_only;
  header_only.header_only = true;  // allocates nothing: no limit
  EXPECT_NO_THROW(read_record(hea, header_only));
}

TEST(ReadLimits, MultiSegmentRecordLongerThanTheLimitIsRefused) {
  TempDir dir;
  write_file(dir.path() + "/seg.hea", "seg 1 100 300000000\n~ 16 200 12 0 0 0 0 ECG\n");
  const std::string hea = dir.path() + "/multi.hea";
  write_file(hea, "multi/1 1 100 300000000\nseg 300000000\n");
  expect_contains(refused_cheaply(hea), "at most 72 h");
}

TEST(ReadLimits, EdfLongerThanTheLimitIsRefused) {
  TempDir dir;
  testing::EdfTestFile f;
  testing::EdfTestSignal s;
  s.spr = 1;
  f.n_records = 73 * 3600;  // 73 h at 1 Hz
  s.digital.assign(static_cast<size_t>(f.n_records), 0);
  f.signals = {s};
  const std::string path = dir.path() + "/long.edf";
  testing::write_bytes(path, testing::edf_bytes(f));
  const std::string what = refused_cheaply(path);
  expect_contains(what, path);
  expect_contains(what, "at most 72 h");
}

TEST(ReadLimits, CsvLongerThanTheLimitIsRefused) {
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "0.5\n";
  ReadOptions o;
  o.fs = 0.01;  // 3000 samples at 0.01 Hz: 83 h
  try {
    parse_csv(text, "slow.csv", o);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    expect_contains(e.what(), "slow.csv");
    expect_contains(e.what(), "at most 72 h");
  }
}

TEST(ReadLimits, AbsurdSamplingFrequenciesAreRefusedNamingTheFile) {
  TempDir dir;
  const std::string hea = dir.path() + "/fs.hea";
  for (const char* fs : {"1e-300", "0.0001", "2e6"}) {
    write_file(hea, std::string("fs 1 ") + fs + " 10\n~ 16 200 12 0 0 0 0 ECG\n");
    ReadOptions header_only;
    header_only.header_only = true;
    std::string what = "(no error)";
    try {
      read_record(hea, header_only);
    } catch (const FormatError& e) {
      what = e.what();
    }
    expect_contains(what, hea);
    expect_contains(what, "absurd");
    EXPECT_LT(what.size(), 300u) << what;  // no 300-digit numbers
  }
  // EDF: 1 sample per 1e6 s record.
  testing::EdfTestFile f;
  testing::EdfTestSignal s;
  s.spr = 1;
  s.digital = {0};
  f.signals = {s};
  f.duration = "1000000";
  const std::string edf = dir.path() + "/slow.edf";
  testing::write_bytes(edf, testing::edf_bytes(f));
  expect_contains(refused_cheaply(edf), "absurd");
  // CSV: a given fs.
  ReadOptions o;
  o.fs = 1e-300;
  try {
    parse_csv("1\n2\n", "tiny.csv", o);
    FAIL() << "no error";
  } catch (const FormatError& e) {
    expect_contains(e.what(), "tiny.csv");
    expect_contains(e.what(), "1e-300 Hz is absurd");
  }
}

TEST(ReadLimits, CheckFunctionsAcceptTheRangeEnds) {
  EXPECT_NO_THROW(check_sampling_frequency("f", kMinSamplingHz));
  EXPECT_NO_THROW(check_sampling_frequency("f", kMaxSamplingHz));
  EXPECT_THROW(check_sampling_frequency("f", std::nan("")), FormatError);
  EXPECT_NO_THROW(check_duration("f", 72 * 3600, 1, 72 * 3600));
  EXPECT_THROW(check_duration("f", 72 * 3600 + 1, 1, 72 * 3600), FormatError);
  EXPECT_NO_THROW(check_duration("f", 1e30, 1, 0));  // 0: no limit
}

}  // namespace
}  // namespace somna::io
