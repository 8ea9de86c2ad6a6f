// WFDB signal decoding without the shared data: every storage format from bytes built here,
// skew and multi-frequency frames, multi-segment layouts, and bad input (truncated or hostile
// files) giving one clear error.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "common/error.hpp"
#include "io/wfdb_record.hpp"

namespace somna::io {
namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

// Packs samples the way each format stores them (the inverse of the reader).
Bytes encode(int format, const std::vector<int32_t>& v) {
  Bytes b;
  auto put16 = [&](uint32_t x) {
    b.push_back(static_cast<uint8_t>(x & 0xFF));
    b.push_back(static_cast<uint8_t>((x >> 8) & 0xFF));
  };
  switch (format) {
    case 8: {
      int32_t prev = 0;  // the header's initial value is 0 in these tests
      for (int32_t x : v) {
        b.push_back(static_cast<uint8_t>(static_cast<int8_t>(x - prev)));
        prev = x;
      }
      break;
    }
    case 80:
      for (int32_t x : v) b.push_back(static_cast<uint8_t>(x + 128));
      break;
    case 16:
      for (int32_t x : v) put16(static_cast<uint32_t>(x));
      break;
    case 61:
      for (int32_t x : v) {
        b.push_back(static_cast<uint8_t>((x >> 8) & 0xFF));
        b.push_back(static_cast<uint8_t>(x & 0xFF));
      }
      break;
    case 160:
      for (int32_t x : v) put16(static_cast<uint32_t>(x + 32768));
      break;
    case 24:
      for (int32_t x : v) {
        for (int k = 0; k < 3; ++k) b.push_back(static_cast<uint8_t>((x >> (8 * k)) & 0xFF));
      }
      break;
    case 32:
      for (int32_t x : v) {
        for (int k = 0; k < 4; ++k) b.push_back(static_cast<uint8_t>((x >> (8 * k)) & 0xFF));
      }
      break;
    case 212:
      for (size_t i = 0; i < v.size(); i += 2) {
        const uint32_t a = static_cast<uint32_t>(v[i]) & 0xFFF;
        const uint32_t c = i + 1 < v.size() ? static_cast<uint32_t>(v[i + 1]) & 0xFFF : 0;
        b.push_back(static_cast<uint8_t>(a & 0xFF));
        b.push_back(static_cast<uint8_t>(((a >> 8) & 0x0F) | ((c >> 4) & 0xF0)));
        if (i + 1 < v.size()) b.push_back(static_cast<uint8_t>(c & 0xFF));
      }
      break;
    case 310:
      for (size_t i = 0; i < v.size(); i += 3) {
        auto at = [&](size_t k) { return k < v.size() ? static_cast<uint32_t>(v[k]) & 0x3FF : 0; };
        const uint32_t w0 = (at(i) << 1) | ((at(i + 2) & 0x1F) << 11);
        const uint32_t w1 = (at(i + 1) << 1) | ((at(i + 2) >> 5) << 11);
        put16(w0);
        if (i + 1 < v.size()) put16(w1);
      }
      break;
    case 311:
      for (size_t i = 0; i < v.size(); i += 3) {
        auto at = [&](size_t k) { return k < v.size() ? static_cast<uint32_t>(v[k]) & 0x3FF : 0; };
        const uint32_t w = at(i) | (at(i + 1) << 10) | (at(i + 2) << 20);
        const size_t n = i + 2 < v.size() ? 4 : i + 1 < v.size() ? 3 : 2;
        for (size_t k = 0; k < n; ++k) b.push_back(static_cast<uint8_t>((w >> (8 * k)) & 0xFF));
      }
      break;
  }
  return b;
}

struct MemoryRecord {
  std::map<std::string, Bytes> files;
  WfdbOpener opener() const {
    return [this](const std::string& name) {
      const auto it = files.find(name);
      if (it == files.end()) throw FormatError(name, "cannot open: not in memory");
      return wfdb::memory_source(name, it->second.data(), it->second.size());
    };
  }
  Record read(const std::string& header, ReadOptions o = {}, WfdbReadRange r = {}) const {
    o.keep_digital = true;
    return decode_wfdb(parse_wfdb_header(header, "m.hea"), opener(), o, r);
  }
};

std::vector<int32_t> ramp(size_t n, int32_t lo, int32_t hi) {
  std::vector<int32_t> v(n);
  std::mt19937 rng(static_cast<unsigned>(n));
  const uint64_t span = static_cast<uint64_t>(int64_t{hi} - lo);
  for (auto& x : v) x = static_cast<int32_t>(lo + static_cast<int64_t>(rng() % span));
  return v;
}

TEST(WfdbSignal, EveryFormatDecodesWhatWasEncoded) {
  struct F {
    int format, lo, hi;
  } formats[] = {{8, -100, 100},
                 {80, -127, 127},
                 {16, -32767, 32767},
                 {61, -32767, 32767},
                 {160, -32767, 32767},
                 {24, -8388607, 8388607},
                 {32, -2000000000, 2000000000},
                 {212, -2047, 2047},
                 {310, -511, 511},
                 {311, -511, 511}};
  for (const F& f : formats) {
    for (size_t n : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 1000u, 1001u, 1002u}) {
      SCOPED_TRACE("format " + std::to_string(f.format) + ", " + std::to_string(n) + " samples");
      std::vector<int32_t> v = ramp(n, f.lo, f.hi);
      if (f.format == 8) {  // differences must fit in 8 bits
        int32_t x = 0;
        for (auto& s : v) s = x = x + static_cast<int32_t>(static_cast<uint32_t>(s) % 200) - 100;
      }
      MemoryRecord m;
      m.files["x.dat"] = encode(f.format, v);
      const std::string hea = "m 1 100 " + std::to_string(n) + "\nx.dat " +
                              std::to_string(f.format) + " 50(10)/uV 0 0 0 0 0 X\n";
      const Record r = m.read(hea);
      ASSERT_EQ(r.channels[0].digital, v);
      EXPECT_NEAR(r.channels[0].samples[n - 1], (v[n - 1] - 10) / 50.0,
                  1e-6 * (1 + std::fabs(v[n - 1])));
      EXPECT_EQ(r.channels[0].units, "uV");
      // Headers without a length read the same (except 310 with 2 samples in the last group,
      // whose 4 bytes cannot tell 2 samples from 3).
      const std::string no_len = "m 1 100\nx.dat " + std::to_string(f.format) + " 50(10)/uV\n";
      if (f.format != 310 || n % 3 != 2) {
        EXPECT_EQ(m.read(no_len).channels[0].digital, v);
      }
    }
  }
}

TEST(WfdbSignal, InvalidSampleIsNaN) {
  MemoryRecord m;
  m.files["x.dat"] = encode(16, {5, -32768, 7});
  const Record r = m.read("m 1 100 3\nx.dat 16 100\n");
  EXPECT_FLOAT_EQ(r.channels[0].samples[0], 0.05f);
  EXPECT_TRUE(std::isnan(r.channels[0].samples[1]));
  m.files["y.dat"] = encode(212, {-2048, 3});
  EXPECT_TRUE(std::isnan(m.read("m 1 100 2\ny.dat 212 100\n").channels[0].samples[0]));
}

TEST(WfdbSignal, SignalWithoutFileIsNaN) {
  MemoryRecord m;
  m.files["x.dat"] = encode(16, {1, 2, 3});
  const Record r = m.read("m 2 100 3\nx.dat 16\n~ 16x2 100 16 0 0 0 0 gap\n");
  ASSERT_EQ(r.channels[1].samples.size(), 6u);
  EXPECT_TRUE(std::isnan(r.channels[1].samples[5]));
  EXPECT_EQ(r.channels[1].digital[0], -32768);
  EXPECT_EQ(r.channels[0].digital, (std::vector<int32_t>{1, 2, 3}));
}

TEST(WfdbSignal, InterleavedFramesSkewAndOffset) {
  // Signal A: 2 samples per frame; B: 1 sample per frame, skew 1; 4 bytes of prolog.
  std::vector<int32_t> stream;
  for (int f = 0; f < 5; ++f) {
    stream.push_back(10 * f);
    stream.push_back(10 * f + 1);
    stream.push_back(100 + f);
  }
  MemoryRecord m;
  Bytes data = {1, 2, 3, 4};
  const Bytes body = encode(16, stream);
  data.insert(data.end(), body.begin(), body.end());
  m.files["x.dat"] = data;
  const Record r = m.read("m 2 50 5\nx.dat 16x2+4 1 16 0 0 0 0 A\nx.dat 16:1+4 1 16 0 0 0 0 B\n");
  ASSERT_EQ(r.channels[0].digital.size(), 10u);
  EXPECT_DOUBLE_EQ(r.channels[0].fs, 100);
  EXPECT_EQ(r.channels[0].digital[3], 11);
  ASSERT_EQ(r.channels[1].digital.size(), 5u);
  EXPECT_EQ(r.channels[1].digital[0], 101);  // skew 1: frame 0 takes stored frame 1
  EXPECT_EQ(r.channels[1].digital[3], 104);
  EXPECT_TRUE(std::isnan(r.channels[1].samples[4]));  // past the stored frames
  // A window and one channel.
  WfdbReadRange w;
  w.from = 2;
  w.to = 4;
  w.channels = {1};
  const Record part = m.read("m 2 50 5\nx.dat 16x2+4\nx.dat 16:1+4\n", {}, w);
  ASSERT_EQ(part.channels.size(), 1u);
  EXPECT_EQ(part.channels[0].digital, (std::vector<int32_t>{103, 104}));
}

TEST(WfdbSignalBad, TruncatedFileNamesBothLengths) {
  MemoryRecord m;
  m.files["x.dat"] = encode(16, ramp(75, -100, 100));
  try {
    m.read("m 1 100 100\nx.dat 16\n");
    FAIL() << "no error";
  } catch (const TruncatedError& e) {
    const std::string what = e.what();
    // No option is suggested: analyze and the server have none (callers that do add the hint).
    EXPECT_EQ(what.find("allow-truncated"), std::string::npos) << what;
    EXPECT_NE(what.find("x.dat"), std::string::npos) << what;
    EXPECT_NE(what.find("75"), std::string::npos) << what;
    EXPECT_NE(what.find("100"), std::string::npos) << what;
    EXPECT_NE(what.find("200 bytes"), std::string::npos) << what;
  }
  ReadOptions o;
  o.allow_truncated = true;
  EXPECT_EQ(m.read("m 1 100 100\nx.dat 16\n", o).channels[0].samples.size(), 75u);
}

TEST(WfdbSignalBad, SignalFileThatDoesNotFitTheHeaderIsWarnedAbout) {
  MemoryRecord m;
  const std::vector<int32_t> v = ramp(600, -2000, 2000);
  // A format-212 file declared as format 8: 1.5 times the bytes 600 samples need.
  m.files["x.dat"] = encode(212, v);
  Record r = m.read("m 1 100 600\nx.dat 8\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("x.dat holds 900 data bytes, 300 more than the 600 frames"),
            std::string::npos)
      << r.warnings[0];
  EXPECT_NE(r.warnings[0].find("format 8"), std::string::npos) << r.warnings[0];
  // Declared right: no warning.
  EXPECT_TRUE(m.read("m 1 100 600\nx.dat 212\n").warnings.empty());
  // No length in the header, two 16-bit signals, a file ending inside a frame.
  Bytes two = encode(16, ramp(20, -100, 100));
  two.push_back(0);
  two.push_back(0);
  m.files["y.dat"] = two;
  r = m.read("m 2 100\ny.dat 16\ny.dat 16\n");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("ends inside a frame"), std::string::npos) << r.warnings[0];
  EXPECT_EQ(r.channels[0].samples.size(), 10u);
}

TEST(WfdbSignalBad, HugeHeaderLengthIsCheckedBeforeAllocating) {
  MemoryRecord m;
  m.files["x.dat"] = encode(16, {1, 2, 3});
  EXPECT_THROW(m.read("m 1 100 1000000000000000\nx.dat 16\n"), FormatError);
  EXPECT_THROW(m.read("m 1 100 1000000000\nx.dat 16x16000000\n"), FormatError);
  // A signal without a file cannot make us allocate what the header says either.
  EXPECT_THROW(m.read("m 1 100 1000000000000\n~ 16\n"), FormatError);
}

TEST(WfdbSignalBad, UnsupportedFormatIsNamed) {
  MemoryRecord m;
  m.files["x.dat"] = {0, 0};
  try {
    m.read("m 1 100 1\nx.dat 999\n");
    FAIL() << "no error";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("unsupported format 999"), std::string::npos);
  }
}

TEST(WfdbSignalBad, InconsistentGroups) {
  MemoryRecord m;
  m.files["x.dat"] = Bytes(100, 0);
  m.files["y.dat"] = Bytes(100, 0);
  EXPECT_THROW(m.read("m 3 100 10\nx.dat 16\ny.dat 16\nx.dat 16\n"), FormatError);
  EXPECT_THROW(m.read("m 2 100 10\nx.dat 16\nx.dat 212\n"), FormatError);
  EXPECT_THROW(m.read("m 1 100 10\nx.dat 16\n", {}, WfdbReadRange{20, 30, {}}), FormatError);
  EXPECT_THROW(m.read("m 1 100 10\nx.dat 16\n", {}, WfdbReadRange{0, -1, {3}}), FormatError);
}

TEST(WfdbSignalBad, JunkDataNeverCrashes) {
  std::mt19937 rng(3);
  for (int format : {8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524}) {
    for (int trial = 0; trial < 20; ++trial) {
      MemoryRecord m;
      Bytes junk(rng() % 300);
      for (auto& b : junk) b = static_cast<uint8_t>(rng());
      m.files["x.dat"] = junk;
      const std::string f = std::to_string(format);
      try {
        m.read("m 2 100\nx.dat " + f + "x3:2\nx.dat " + f + "\n");
        m.read("m 2 100 50\nx.dat " + f + "\nx.dat " + f + ":1\n");
      } catch (const FormatError&) {
      } catch (const UnsupportedError&) {
      }
    }
  }
}

// Records on disk: paths, headers outside the folder, multi-segment layouts.
class WfdbDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = fs::temp_directory_path() /
           ("somna-wfdb-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_ / "rec");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  void write(const std::string& name, const Bytes& b) {
    std::ofstream(dir_ / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(WfdbDiskTest, SignalFileOutsideTheFolderIsRefused) {
  write("secret.dat", Bytes(20, 1));
  write("rec/a.hea", "a 1 100 10\n../secret.dat 16\n");
  write("rec/b.hea", "b 1 100 10\n" + path("secret.dat") + " 16\n");
  for (const char* rec : {"rec/a", "rec/b.hea"}) {
    try {
      read_wfdb(path(rec), ReadOptions{});
      FAIL() << "no error for " << rec;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("outside the record's folder"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(".hea"), std::string::npos);
    }
  }
}

TEST_F(WfdbDiskTest, BinaryJunkHeader) {
  Bytes junk(500);
  std::mt19937 rng(1);
  for (auto& b : junk) b = static_cast<uint8_t>(rng());
  write("rec/j.hea", junk);
  EXPECT_THROW(read_wfdb(path("rec/j"), ReadOptions{}), FormatError);
  EXPECT_THROW(read_wfdb(path("rec/none"), ReadOptions{}), FormatError);
}

TEST_F(WfdbDiskTest, MultiSegmentFixedAndVariable) {
  write("rec/s1.dat", encode(16, {1, 2, 3, 4}));  // 2 frames x 2 signals
  write("rec/s1.hea", "s1 2 10 2\ns1.dat 16 10 16 0 0 0 0 ECG\ns1.dat 16 10 16 0 0 0 0 RESP\n");
  write("rec/s2.dat", encode(16, {5, 6, 7}));  // 3 frames x 1 signal, gain differs
  write("rec/s2.hea", "s2 1 10 3\ns2.dat 16 20 16 0 0 0 0 ECG\n");
  write("rec/lay.hea", "lay 2 10 0\n~ 0 10 16 0 0 0 0 ECG\n~ 0 10 16 0 0 0 0 RESP\n");
  write("rec/var.hea", "var/4 2 10 7 10:00:00 01/02/2003\nlay 0\ns1 2\n~ 2\ns2 3\n");
  ReadOptions o;
  o.keep_digital = true;
  const Record r = read_wfdb(path("rec/var.hea"), o);
  EXPECT_EQ(r.format, "WFDB multi-segment");
  ASSERT_EQ(r.channels.size(), 2u);
  const auto& ecg = r.channels[0].samples;
  ASSERT_EQ(ecg.size(), 7u);
  EXPECT_FLOAT_EQ(ecg[0], 0.1f);
  EXPECT_FLOAT_EQ(ecg[1], 0.3f);
  EXPECT_TRUE(std::isnan(ecg[2]) && std::isnan(ecg[3]));
  EXPECT_FLOAT_EQ(ecg[4], 0.25f);                     // segment's own gain (20)
  EXPECT_TRUE(std::isnan(r.channels[1].samples[5]));  // RESP absent from s2
  EXPECT_EQ(r.channels[1].digital[5], -32768);
  EXPECT_EQ(r.start->year, 2003);
  // Fixed layout: every segment the same signals.
  write("rec/s3.dat", encode(16, {9, 9}));
  write("rec/s3.hea", "s3 2 10 1\ns3.dat 16 10 16 0 0 0 0 ECG\ns3.dat 16 10 16 0 0 0 0 RESP\n");
  write("rec/fix.hea", "fix/3 2 10 4\ns1 2\n~ 1\ns3 1\n");
  const Record f = read_wfdb(path("rec/fix"), o);
  EXPECT_EQ(f.channels[1].digital, (std::vector<int32_t>{2, 4, -32768, 9}));
  // Bad multi-segment headers.
  write("rec/bad1.hea", "bad1/2 2 10 9\ns1 2\ns3 1\n");  // lengths do not add up
  EXPECT_THROW(read_wfdb(path("rec/bad1"), o), FormatError);
  write("rec/bad2.hea", "bad2/2 2 10 3\ns1 2\nbad1 1\n");  // nested
  EXPECT_THROW(read_wfdb(path("rec/bad2"), o), FormatError);
  write("rec/bad3.hea", "bad3/2 2 10 1000000000000\nlay 0\n~ 1000000000000\n");
  EXPECT_THROW(read_wfdb(path("rec/bad3"), o), FormatError);
  write("rec/bad4.hea", "bad4/2 2 10 5\ns1 3\ns3 2\n");  // segment length differs from s1.hea
  EXPECT_THROW(read_wfdb(path("rec/bad4"), o), FormatError);
  // header_only reads no segment data.
  ReadOptions h;
  h.header_only = true;
  EXPECT_EQ(read_wfdb(path("rec/var"), h).channels[1].name, "RESP");
}

}  // namespace
}  // namespace somna::io
