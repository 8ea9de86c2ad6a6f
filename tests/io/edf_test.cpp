// EDF / EDF+ / BDF through read_record: small files written byte by byte in the test (every value
// known), channel choice, EDF+ annotations and EDF+D gaps, bad input of every kind, and the
// shared samples (test_generator_2.edf against its WFDB twin, test_edfann.edf).

#include <biosig.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.hpp"
#include "io/edf_reader.hpp"
#include "io/edf_writer.hpp"
#include "io/record.hpp"
#include "io/wfdb_record.hpp"
#include "support/shared_data.hpp"

namespace somna::io {
namespace {

namespace fs = std::filesystem;
using testing::edf_bytes;
using testing::EdfTestFile;
using testing::EdfTestSignal;
using testing::tal;
using testing::write_bytes;

using test::kWfdbSamples;

class EdfFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("somna-edf-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    write_bytes(path, bytes);
    return path;
  }
  fs::path dir_;
};

void expect_error(const std::string& path, const std::string& needle, ReadOptions opt = {});

// ECG at 4 Hz in uV (gain 1: digital == microvolts) and Resp at 2 Hz in "%" over 3 records.
EdfTestFile two_channel_file() {
  EdfTestFile f;
  f.n_records = 3;
  EdfTestSignal ecg;
  ecg.label = "ECG II";
  ecg.units = "uV";
  ecg.phys_min = "-3000";
  ecg.phys_max = "3000";
  ecg.dig_min = "-3000";
  ecg.dig_max = "3000";
  ecg.spr = 4;
  for (int i = 0; i < 12; ++i) ecg.digital.push_back(i * 100 - 500);
  EdfTestSignal resp;
  resp.label = "Resp";
  resp.units = "%";
  resp.phys_min = "0";
  resp.phys_max = "100";
  resp.dig_min = "0";
  resp.dig_max = "200";
  resp.spr = 2;
  for (int i = 0; i < 6; ++i) resp.digital.push_back(i * 10);
  f.signals = {ecg, resp};
  return f;
}

TEST_F(EdfFiles, ReadsPhysicalValuesPerChannelRate) {
  const std::string path = write("two.edf", edf_bytes(two_channel_file()));
  ReadOptions opt;
  opt.keep_digital = true;
  const Record rec = read_record(path, opt);
  EXPECT_EQ(rec.format, "EDF");
  EXPECT_EQ(rec.name, "two");
  ASSERT_TRUE(rec.start.has_value());
  EXPECT_EQ(rec.start->to_string(), "2009-12-10 12:44:02");
  ASSERT_EQ(rec.channels.size(), 2u);
  const Channel& ecg = rec.channels[0];
  EXPECT_EQ(ecg.name, "ECG II");
  EXPECT_EQ(ecg.units, "mV");  // ECG in uV is kept in mV
  EXPECT_DOUBLE_EQ(ecg.fs, 4.0);
  EXPECT_DOUBLE_EQ(ecg.gain, 1000.0);  // ADC units per mV
  EXPECT_NEAR(ecg.baseline, 0.0, 1e-9);
  EXPECT_EQ(ecg.format, "EDF");
  ASSERT_EQ(ecg.samples.size(), 12u);
  for (int i = 0; i < 12; ++i) {
    EXPECT_NEAR(ecg.samples[i], (i * 100 - 500) / 1000.0, 1e-6) << i;
    EXPECT_EQ(ecg.digital[i], i * 100 - 500);
  }
  const Channel& resp = rec.channels[1];
  EXPECT_EQ(resp.units, "%");  // not an ECG: units as in the file
  EXPECT_DOUBLE_EQ(resp.fs, 2.0);
  ASSERT_EQ(resp.samples.size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(resp.samples[i], i * 5.0, 1e-5) << i;
  EXPECT_DOUBLE_EQ(rec.duration_s(), 3.0);
  EXPECT_DOUBLE_EQ(rec.frame_fs, 1.0);
}

// Our EDF decoder against libbiosig's (read_biosig opens the same file through sopen/sread).
void expect_same_as_biosig(const std::string& path) {
  const Record ours = read_record(path);
  const Record theirs = read_biosig(path, {});
  ASSERT_EQ(ours.channels.size(), theirs.channels.size()) << path;
  for (size_t c = 0; c < ours.channels.size(); ++c) {
    const Channel& a = ours.channels[c];
    const Channel& b = theirs.channels[c];
    EXPECT_EQ(a.name, b.name);
    if (b.units != "?") {  // libbiosig does not know the Latin-1 degree sign
      EXPECT_EQ(a.units, b.units) << a.name;
    }
    EXPECT_DOUBLE_EQ(a.fs, b.fs) << a.name;
    ASSERT_EQ(a.samples.size(), b.samples.size()) << a.name;
    for (size_t i = 0; i < a.samples.size(); ++i)
      ASSERT_NEAR(a.samples[i], b.samples[i], 1e-5 * (1 + std::fabs(b.samples[i])))
          << a.name << " sample " << i;
  }
}

TEST_F(EdfFiles, DecoderAgreesWithLibbiosig) {
  expect_same_as_biosig(write("two.edf", edf_bytes(two_channel_file())));
}

TEST_F(EdfFiles, EdfPlusDiscontinuousNeedsAnnotationSignal) {
  EdfTestFile f = two_channel_file();
  f.reserved = "EDF+D";  // found by fuzzing: libbiosig crashed on this, we refuse it
  expect_error(write("noann.edf", edf_bytes(f)), "without an annotation signal");
}

TEST_F(EdfFiles, HeaderOnlyGivesCountsWithoutSamples) {
  const std::string path = write("two.edf", edf_bytes(two_channel_file()));
  ReadOptions opt;
  opt.header_only = true;
  const Record rec = read_record(path, opt);
  ASSERT_EQ(rec.channels.size(), 2u);
  EXPECT_TRUE(rec.channels[0].samples.empty());
  EXPECT_EQ(rec.channels[0].n_samples, 12);
  EXPECT_EQ(rec.channels[1].n_samples, 6);
  EXPECT_DOUBLE_EQ(rec.duration_s(), 3.0);
}

TEST_F(EdfFiles, ChannelChoiceByLabelIndexAndAutomatic) {
  const std::string path = write("two.edf", edf_bytes(two_channel_file()));
  for (const std::string label : {"ecg", "EKG", "ECG II", "ecgii", "0"}) {
    ReadOptions opt;
    opt.channel = label;
    const Record rec = read_record(path, opt);
    ASSERT_EQ(rec.channels.size(), 1u) << label;
    EXPECT_EQ(rec.channels[0].name, "ECG II") << label;
    EXPECT_EQ(rec.channels[0].samples.size(), 12u);
  }
  ReadOptions opt;
  opt.channel = "resp";
  Record rec = read_record(path, opt);
  ASSERT_EQ(rec.channels.size(), 1u);
  EXPECT_EQ(rec.channels[0].name, "Resp");
  opt.channel = "1";
  EXPECT_EQ(read_record(path, opt).channels.at(0).name, "Resp");

  const Record all = read_record(path);
  EXPECT_EQ(choose_channel(all, "", path), 0u);
  EXPECT_EQ(all.find_ecg(), std::optional<size_t>(0));
  try {
    opt.channel = "EEG";
    read_record(path, opt);
    FAIL() << "no error for a missing channel";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("EEG"), std::string::npos) << msg;
    EXPECT_NE(msg.find("0 \"ECG II\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("1 \"Resp\""), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
  opt.channel = "7";
  EXPECT_THROW(read_record(path, opt), FormatError);
}

TEST_F(EdfFiles, AutomaticChoiceWithoutEcgListsChannels) {
  EdfTestFile f = two_channel_file();
  f.signals[0].label = "EEG Fpz";
  const std::string path = write("noecg.edf", edf_bytes(f));
  const Record rec = read_record(path);
  try {
    choose_channel(rec, "", path);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("EEG Fpz"), std::string::npos) << e.what();
  }
}

EdfTestSignal annotation_signal(std::vector<std::string> tals) {
  EdfTestSignal a;
  a.label = "EDF Annotations";
  a.units = "";
  a.spr = 30;  // 60 bytes per record
  a.tals = std::move(tals);
  return a;
}

TEST_F(EdfFiles, EdfPlusContinuousKeepsAnnotations) {
  EdfTestFile f = two_channel_file();
  f.reserved = "EDF+C";
  f.signals.push_back(annotation_signal(
      {tal("+0") + tal("+0.5", "Lights off", "2"), tal("+1") + tal("+1.25", "Apnea"), tal("+2")}));
  const std::string path = write("plus.edf", edf_bytes(f));
  const Record rec = read_record(path);
  EXPECT_EQ(rec.format, "EDF+C");
  ASSERT_EQ(rec.channels.size(), 2u);  // the annotation signal is not a channel
  ASSERT_EQ(rec.events.size(), 2u);
  EXPECT_EQ(rec.events[0].text, "Lights off");
  EXPECT_DOUBLE_EQ(rec.events[0].onset_s, 0.5);
  EXPECT_DOUBLE_EQ(rec.events[0].duration_s, 2.0);
  EXPECT_EQ(rec.events[1].text, "Apnea");
  EXPECT_DOUBLE_EQ(rec.events[1].onset_s, 1.25);
  EXPECT_EQ(rec.channels[0].samples.size(), 12u);
}

TEST_F(EdfFiles, EdfPlusContinuousSkipsMalformedAnnotations) {
  EdfTestFile f = two_channel_file();
  f.reserved = "EDF+C";
  f.signals.push_back(annotation_signal({tal("+0"), "junk", tal("+2") + tal("+2.5", "Arousal")}));
  const Record rec = read_record(write("badann.edf", edf_bytes(f)));
  EXPECT_EQ(rec.channels.at(0).samples.size(), 12u);  // the signals are intact
  ASSERT_EQ(rec.events.size(), 1u);
  EXPECT_EQ(rec.events[0].text, "Arousal");
  bool noted = false;
  for (const std::string& c : rec.comments) noted = noted || c.find("data record 1") != c.npos;
  EXPECT_TRUE(noted);
}

TEST_F(EdfFiles, EdfPlusDiscontinuousFillsGapsWithNaN) {
  EdfTestFile f = two_channel_file();
  f.reserved = "EDF+D";
  // records at 0 s, 1 s and 5 s: a 3-second gap after the second record.
  f.signals.push_back(annotation_signal({tal("+0"), tal("+1"), tal("+5")}));
  const std::string path = write("gaps.edf", edf_bytes(f));
  const Record rec = read_record(path);
  EXPECT_EQ(rec.format, "EDF+D");
  const Channel& ecg = rec.channels.at(0);
  ASSERT_EQ(ecg.samples.size(), 24u);  // 6 s at 4 Hz
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(ecg.samples[i], (i * 100 - 500) / 1000.0, 1e-6);
  for (int i = 8; i < 20; ++i) EXPECT_TRUE(std::isnan(ecg.samples[i])) << i;
  for (int i = 20; i < 24; ++i) EXPECT_NEAR(ecg.samples[i], ((i - 12) * 100 - 500) / 1000.0, 1e-6);
  const Channel& resp = rec.channels.at(1);
  ASSERT_EQ(resp.samples.size(), 12u);
  EXPECT_TRUE(std::isnan(resp.samples[4]));
  EXPECT_NEAR(resp.samples[10], 20.0, 1e-5);
  EXPECT_DOUBLE_EQ(rec.duration_s(), 6.0);

  ReadOptions head;
  head.header_only = true;
  EXPECT_EQ(read_record(path, head).channels.at(0).n_samples, 24);
}

TEST_F(EdfFiles, EdfPlusDiscontinuousRejectsOverlapAndAbsurdGaps) {
  EdfTestFile f = two_channel_file();
  f.reserved = "EDF+D";
  f.signals.push_back(annotation_signal({tal("+0"), tal("+0.5"), tal("+5")}));
  EXPECT_THROW(read_record(write("overlap.edf", edf_bytes(f))), FormatError);
  f.signals.back().tals = {tal("+0"), tal("+1"), tal("+99999999")};
  try {
    read_record(write("far.edf", edf_bytes(f)));
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("week"), std::string::npos) << e.what();
  }
  f.duration = "0.001";  // 6 kHz in all: 36M NaN for 18 stored samples
  f.signals.back().tals = {tal("+0"), tal("+0.001"), tal("+6000")};
  expect_error(write("gaps.edf", edf_bytes(f)), "refusing to fill");
  f.duration = "1";
  f.signals.back().tals = {tal("+0"), "junk", tal("+2")};
  EXPECT_THROW(read_record(write("badtal.edf", edf_bytes(f))), FormatError);
}

TEST_F(EdfFiles, BdfReads24BitSamples) {
  EdfTestFile f;
  f.bdf = true;
  f.reserved = "24BIT";
  f.n_records = 2;
  EdfTestSignal s;
  s.label = "EKG";
  s.units = "uV";
  s.phys_min = "-262144";
  s.phys_max = "262143";
  s.dig_min = "-8388608";
  s.dig_max = "8388607";
  s.spr = 3;
  s.digital = {-8388608, -1, 0, 1, 8388607, 123456};
  f.signals = {s};
  const std::string path = write("t.bdf", edf_bytes(f));
  ReadOptions opt;
  opt.keep_digital = true;
  const Record rec = read_record(path, opt);
  EXPECT_EQ(rec.format, "BDF");
  const Channel& ch = rec.channels.at(0);
  EXPECT_EQ(ch.format, "BDF");
  EXPECT_EQ(ch.adc_resolution, 24);
  ASSERT_EQ(ch.samples.size(), 6u);
  const double gain_uv = (8388607.0 + 8388608.0) / (262143.0 + 262144.0);
  const double base = -8388608.0 + 262144.0 * gain_uv;
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(ch.digital[i], s.digital[i]);
    EXPECT_NEAR(ch.samples[i], (s.digital[i] - base) / gain_uv / 1000.0, 1e-4) << i;
  }
}

TEST_F(EdfFiles, ExtensionDoesNotMatterContentDoes) {
  const std::string path = write("recording.bin", edf_bytes(two_channel_file()));
  EXPECT_EQ(read_record(path).format, "EDF");
}

// Expects a FormatError whose message contains `needle` and the path.
void expect_error(const std::string& path, const std::string& needle, ReadOptions opt) {
  try {
    const Record r = read_record(path, opt);
    ADD_FAILURE() << "no error for " << path << " (expected \"" << needle << "\")";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST_F(EdfFiles, BadInputGivesClearErrors) {
  const std::string good = edf_bytes(two_channel_file());
  expect_error(write("trunc.edf", good.substr(0, good.size() - 3)), "truncated");
  expect_error(write("trunc.edf", good.substr(0, good.size() - 3)),
               std::to_string(good.size() - 3));
  expect_error(write("head.edf", good.substr(0, 600)), "too short for its header");
  expect_error(write("short.edf", good.substr(0, 100)), "too short");
  expect_error(write("long.edf", good + "xx"), "bytes more");
  expect_error(write("junk.edf", std::string(1000, 'j')), "not an EDF");

  EdfTestFile f = two_channel_file();
  f.n_records_text = "9999999";
  expect_error(write("nrec.edf", edf_bytes(f)), "truncated");
  f = two_channel_file();
  f.n_records_text = "-5";
  expect_error(write("neg.edf", edf_bytes(f)), "negative");
  f = two_channel_file();
  f.duration = "0";
  expect_error(write("fs0.edf", edf_bytes(f)), "sampling frequency <= 0");
  f.duration = "-1";
  expect_error(write("fsneg.edf", edf_bytes(f)), "out of range");
  f.duration = "1e-9";
  expect_error(write("fshuge.edf", edf_bytes(f)), "absurd");
  f = two_channel_file();
  f.signals[0].spr_text = "0";
  expect_error(write("spr0.edf", edf_bytes(f)), "samples per data record");
  f = two_channel_file();
  f.ns_text = "9999";
  expect_error(write("ns.edf", edf_bytes(f)), "number of signals");
  f.ns_text = "0";
  expect_error(write("ns0.edf", edf_bytes(f)), "number of signals");
  f.ns_text = "ab";
  expect_error(write("nsx.edf", edf_bytes(f)), "not an integer");
  f = two_channel_file();
  f.header_bytes_text = "1024";
  expect_error(write("hlen.edf", edf_bytes(f)), "header length");
  f = two_channel_file();
  f.signals[0].dig_min = "5000";
  expect_error(write("dig.edf", edf_bytes(f)), "digital range");
  f = two_channel_file();
  f.signals[0].phys_max = f.signals[0].phys_min;
  expect_error(write("phys.edf", edf_bytes(f)), "physical minimum equals");
  f = two_channel_file();
  f.signals[0].phys_max = "abc";
  expect_error(write("physx.edf", edf_bytes(f)), "not a number");
  f = two_channel_file();
  f.start_date = "99.99.99";
  expect_error(write("date.edf", edf_bytes(f)), "out of range");
  f = two_channel_file();
  f.signals[0].spr_text = "99999999";
  expect_error(write("bigspr.edf", edf_bytes(f)), "out of range");
}

TEST_F(EdfFiles, AllowTruncatedKeepsCompleteRecords) {
  const std::string good = edf_bytes(two_channel_file());
  // 2 complete records (12 bytes each) and a bit of the third.
  const std::string path = write("trunc.edf", good.substr(0, 256 * 3 + 24 + 5));
  ReadOptions opt;
  opt.allow_truncated = true;
  const Record rec = read_record(path, opt);
  ASSERT_EQ(rec.channels.at(0).samples.size(), 8u);
  EXPECT_NEAR(rec.channels[0].samples[7], 0.2, 1e-6);
}

TEST_F(EdfFiles, NegativeOneRecordsMeansCountFromFileSize) {
  EdfTestFile f = two_channel_file();
  f.n_records_text = "-1";
  const Record rec = read_record(write("open.edf", edf_bytes(f)));
  EXPECT_EQ(rec.channels.at(0).samples.size(), 12u);
}

TEST_F(EdfFiles, RandomDamageNeverCrashes) {
  const std::string good = edf_bytes(two_channel_file());
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) bad[rng() % bad.size()] = static_cast<char>(rng() % 256);
    if (rng() % 3 == 0) bad.resize(rng() % bad.size());
    const std::string path = write("fuzz.edf", bad);
    try {
      const Record rec = read_record(path);
      for (const Channel& ch : rec.channels) EXPECT_LE(ch.samples.size(), 64u);
    } catch (const Error&) {
    }
  }
}

// A GDF file written by libbiosig itself: read_record sends .gdf to libbiosig (read_biosig).
TEST_F(EdfFiles, GdfThroughLibbiosig) {
  const std::string path = (dir_ / "night.gdf").string();
  HDRTYPE* h = constructHDR(2, 0);
  ASSERT_NE(h, nullptr);
  h->TYPE = GDF;
  h->VERSION = 3.0;
  h->SampleRate = 100;
  h->SPR = 100;
  h->NRec = 3;
  for (int k = 0; k < 2; ++k) {
    CHANNEL_TYPE* c = h->CHANNEL + k;
    std::snprintf(c->Label, sizeof(c->Label), "%s", k == 0 ? "ECG" : "Resp");
    c->OnOff = 1;
    c->SPR = k == 0 ? 100 : 50;
    c->GDFTYP = 3;  // int16
    c->PhysMin = -1000;
    c->PhysMax = 1000;
    c->DigMin = -32768;
    c->DigMax = 32767;
    c->Cal = (c->PhysMax - c->PhysMin) / (c->DigMax - c->DigMin);
    c->Off = c->PhysMin - c->Cal * c->DigMin;
    c->PhysDimCode = PhysDimCode(k == 0 ? "uV" : "%");
  }
  h = sopen(path.c_str(), "w", h);
  ASSERT_EQ(biosig_check_error(h), 0);
  // swrite takes NRec * SPR (the block rate) values per channel; every sample 500 uV / 500 %.
  const std::vector<double> data(3 * 100 * 2, 500.0);
  EXPECT_EQ(swrite(data.data(), 3, h), 3u);
  sclose(h);
  destructHDR(h);

  const Record rec = read_record(path);
  EXPECT_EQ(rec.format, "GDF");
  ASSERT_EQ(rec.channels.size(), 2u);
  EXPECT_EQ(rec.channels[0].name, "ECG");
  EXPECT_EQ(rec.channels[0].units, "mV");
  EXPECT_DOUBLE_EQ(rec.channels[0].fs, 100.0);
  EXPECT_DOUBLE_EQ(rec.channels[1].fs, 50.0);
  ASSERT_EQ(rec.channels[0].samples.size(), 300u);
  ASSERT_EQ(rec.channels[1].samples.size(), 150u);
  for (float v : rec.channels[0].samples) ASSERT_NEAR(v, 0.5, 1e-3);
  for (float v : rec.channels[1].samples) ASSERT_NEAR(v, 500.0, 0.1);
  ReadOptions opt;
  opt.channel = "resp";
  EXPECT_EQ(read_record(path, opt).channels.at(0).name, "Resp");
}

TEST(EdfHeader, ParsesFromMemory) {
  const std::string bytes = edf_bytes(two_channel_file());
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const EdfHeader h = parse_edf_header(p, bytes.size(), bytes.size(), "mem");
  EXPECT_EQ(h.signals.size(), 2u);
  EXPECT_EQ(h.n_records, 3);
  EXPECT_EQ(h.bytes_per_record, 12);
  EXPECT_EQ(h.signals[1].label, "Resp");
  EXPECT_DOUBLE_EQ(h.signals[1].gain(), 2.0);
  EXPECT_EQ(h.start.year, 2009);
  EXPECT_TRUE(looks_like_edf(p, bytes.size()));
}

TEST(EdfTals, ParsesOnsetsDurationsAndTexts) {
  const std::string b =
      tal("+3") + tal("+3.5", "A") + tal("-1", "B", "0.25") + std::string(5, '\0');
  const auto r = parse_edf_tals(reinterpret_cast<const uint8_t*>(b.data()), b.size(), "f", "r");
  ASSERT_TRUE(r.has_onset);
  EXPECT_DOUBLE_EQ(r.onset_s, 3.0);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[1].text, "B");
  EXPECT_DOUBLE_EQ(r.events[1].onset_s, -1.0);
  EXPECT_DOUBLE_EQ(r.events[1].duration_s, 0.25);
  const std::string bad = "3\x14\x14";
  EXPECT_THROW(parse_edf_tals(reinterpret_cast<const uint8_t*>(bad.data()), bad.size(), "f", "r"),
               FormatError);
}

TEST(EdfShared, TestGeneratorMatchesItsWfdbTwin) {
  const std::string edf = kWfdbSamples + "/test_generator_2.edf";
  REQUIRE_SHARED(edf);
  const Record e = read_record(edf);
  EXPECT_EQ(e.format, "EDF+C");
  ASSERT_TRUE(e.start.has_value());
  EXPECT_EQ(e.start->to_string(), "2009-12-10 12:44:02");
  ASSERT_EQ(e.channels.size(), 11u);  // 12 signals, one of them "EDF Annotations"
  const Record w = read_wfdb(kWfdbSamples + "/test_generator_2.hea", {});
  ASSERT_GE(w.channels.size(), 11u);
  size_t compared = 0;
  for (size_t c = 0; c < 11; ++c) {
    const Channel& a = e.channels[c];
    const Channel& b = w.channels[c];
    EXPECT_EQ(a.name, b.name);
    EXPECT_DOUBLE_EQ(a.fs, 200.0);
    ASSERT_EQ(a.samples.size(), 120000u) << a.name;
    ASSERT_EQ(b.samples.size(), a.samples.size()) << a.name;
    // The EDF maps digital -32768..32767 onto -1000..1000 uV (half an LSB offset, 0.0153 uV,
    // which the WFDB twin drops); the ECG channel is in mV on our side.
    const double scale = a.name == "ECG" ? 1000.0 : 1.0;
    if (a.name == "ECG") {
      EXPECT_EQ(a.units, "mV");
    }
    double worst = 0;
    for (size_t i = 0; i < a.samples.size(); ++i)
      worst = std::max(worst, std::fabs(a.samples[i] * scale - b.samples[i]));
    EXPECT_LT(worst, 0.016 + 1e-3) << a.name;
    compared += a.samples.size();
  }
  EXPECT_EQ(compared, 11u * 120000u);
}

TEST(EdfShared, TestGeneratorDecodedLikeLibbiosig) {
  const std::string edf = kWfdbSamples + "/test_generator_2.edf";
  REQUIRE_SHARED(edf);
  expect_same_as_biosig(edf);
}

TEST(EdfShared, AnnotationOnlyEdfPlus) {
  const std::string path = kWfdbSamples + "/test_edfann.edf";
  REQUIRE_SHARED(path);
  const Record rec = read_record(path);
  EXPECT_EQ(rec.format, "EDF+C");
  EXPECT_TRUE(rec.channels.empty());
  // Count the annotations independently in the raw bytes.
  std::ifstream in(path, std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t stages = 0;
  for (size_t at = raw.find("Sleep stage"); at != std::string::npos;
       at = raw.find("Sleep stage", at + 1))
    ++stages;
  size_t parsed = 0;
  for (const Event& ev : rec.events) parsed += ev.text.rfind("Sleep stage", 0) == 0;
  EXPECT_GT(stages, 10u);
  EXPECT_EQ(parsed, stages);
  ASSERT_FALSE(rec.events.empty());
  EXPECT_EQ(rec.events.front().text, "Sleep stage W");
  EXPECT_DOUBLE_EQ(rec.events.front().onset_s, 0.0);
  EXPECT_DOUBLE_EQ(rec.events.front().duration_s, 30.0);
  ReadOptions opt;
  opt.channel = "ECG";
  EXPECT_THROW(read_record(path, opt), FormatError);
}

}  // namespace
}  // namespace somna::io
