// read_record as the front door: dispatch by extension and content, the errors for paths that
// are not recordings, WFDB record names and channel choice by label, and the Record helpers
// (DateTime::to_string, duration_s, find_ecg, choose_channel).

#include "io/record.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/error.hpp"
#include "io/channel_info.hpp"
#include "support/shared_data.hpp"

namespace somna::io {
namespace {

namespace fs = std::filesystem;

using test::kWfdbSamples;

class RecordFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("somna-rec-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  fs::path dir_;
};

template <typename E>
std::string error_of(const std::string& path, const ReadOptions& opt = {}) {
  try {
    read_record(path, opt);
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "(no error)";
}

TEST_F(RecordFiles, PathsThatAreNotRecordings) {
  const std::string missing = (dir_ / "missing.edf").string();
  std::string msg = error_of<FormatError>(missing);
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("no such file"), std::string::npos) << msg;
  msg = error_of<FormatError>(dir_.string());
  EXPECT_NE(msg.find("directory"), std::string::npos) << msg;
  const std::string empty = write("empty.csv", "");
  msg = error_of<FormatError>(empty);
  EXPECT_NE(msg.find("empty"), std::string::npos) << msg;
  EXPECT_NE(msg.find(empty), std::string::npos) << msg;
  EXPECT_NE(error_of<FormatError>("").find("no file"), std::string::npos);
}

TEST_F(RecordFiles, UnknownFormatsNameWhatIsKnown) {
  std::string junk(5000, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 7919) % 251);
  const std::string path = write("mystery.xyz", junk);
  const std::string msg = error_of<UnsupportedError>(path);
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("WFDB"), std::string::npos) << msg;
  EXPECT_NE(msg.find("EDF"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CSV"), std::string::npos) << msg;
  // A format libbiosig reads, named by its extension: libbiosig says it is not one.
  EXPECT_NE(error_of<UnsupportedError>(write("mystery.gdf", junk)).find("unknown file format"),
            std::string::npos);
  EXPECT_NE(error_of<UnsupportedError>(write("notes.log", "hello\n")).find("unknown text format"),
            std::string::npos);
  // An .edf that is not one.
  EXPECT_NE(error_of<FormatError>(write("fake.edf", "time,ecg\n0,1\n")).find("not an EDF"),
            std::string::npos);
}

TEST(RecordShared, WfdbByHeaderByNameAndByDatFile) {
  const std::string hea = kWfdbSamples + "/100.hea";
  REQUIRE_SHARED(hea);
  ReadOptions head;
  head.header_only = true;
  for (const std::string& path :
       {hea, kWfdbSamples + "/100", kWfdbSamples + "/100.dat", kWfdbSamples + "/100.atr"}) {
    const Record rec = read_record(path, head);
    EXPECT_EQ(rec.name, "100") << path;
    ASSERT_EQ(rec.channels.size(), 2u) << path;
    EXPECT_EQ(rec.channels[0].name, "MLII");
    EXPECT_DOUBLE_EQ(rec.channels[0].fs, 360.0);
  }
  ReadOptions v5;
  v5.channel = "v5";
  const Record one = read_record(hea, v5);
  ASSERT_EQ(one.channels.size(), 1u);
  EXPECT_EQ(one.channels[0].name, "V5");
  EXPECT_EQ(one.channels[0].samples.size(), 650000u);
  ReadOptions ecg;
  ecg.channel = "ECG";  // no label says ECG: the first ECG-like lead (MLII)
  const Record ml = read_record(hea, ecg);
  ASSERT_EQ(ml.channels.size(), 1u);
  EXPECT_EQ(ml.channels[0].name, "MLII");
  EXPECT_NEAR(ml.channels[0].samples[0], -0.145, 1e-6);  // 995 adu, gain 200, baseline 1024
  ReadOptions bad;
  bad.channel = "SpO2";
  const std::string msg = error_of<FormatError>(hea, bad);
  EXPECT_NE(msg.find("MLII"), std::string::npos) << msg;
  EXPECT_NE(msg.find("V5"), std::string::npos) << msg;
}

TEST(RecordHelpers, DateTimeToString) {
  DateTime t;
  t.hour = 7;
  t.minute = 5;
  t.second = 3;
  EXPECT_EQ(t.to_string(), "07:05:03");
  t.second = 3.25;
  EXPECT_EQ(t.to_string(), "07:05:03.250");
  t.year = 2009;
  t.month = 12;
  t.day = 10;
  t.second = 59.5;
  EXPECT_EQ(t.to_string(), "2009-12-10 07:05:59.500");
  t.second = 0;
  EXPECT_EQ(t.to_string(), "2009-12-10 07:05:00");
}

Record with_labels(std::initializer_list<const char*> labels) {
  Record r;
  for (const char* l : labels) {
    Channel c;
    c.name = l;
    c.fs = 100;
    r.channels.push_back(c);
  }
  return r;
}

TEST(RecordHelpers, FindEcgAndChooseChannel) {
  EXPECT_EQ(with_labels({"EEG Fpz", "EOG", "EKG II"}).find_ecg(), std::optional<size_t>(2));
  EXPECT_EQ(with_labels({"Resp", "ECG1", "ECG2"}).find_ecg(), std::optional<size_t>(1));
  EXPECT_EQ(with_labels({"ABP", "II"}).find_ecg(), std::optional<size_t>(1));
  EXPECT_EQ(with_labels({"V1", "MLII"}).find_ecg(), std::optional<size_t>(0));
  EXPECT_EQ(with_labels({"ABP", "PLETH"}).find_ecg(), std::nullopt);
  EXPECT_TRUE(is_ecg_label("Lead I"));
  EXPECT_TRUE(is_ecg_label("ecg_lead_2"));
  EXPECT_FALSE(is_ecg_label("Pleth"));

  const Record r = with_labels({"EEG C3", "EKG II", "ECG1"});
  EXPECT_EQ(choose_channel(r, "", "f"), 1u);
  EXPECT_EQ(choose_channel(r, "ecg", "f"), 1u);   // any ECG/EKG label
  EXPECT_EQ(choose_channel(r, "ECG1", "f"), 2u);  // exact label first
  EXPECT_EQ(choose_channel(r, "ekg_ii", "f"), 1u);
  EXPECT_EQ(choose_channel(r, "eeg", "f"), 0u);  // unique prefix
  EXPECT_EQ(choose_channel(r, "2", "f"), 2u);
  EXPECT_THROW(choose_channel(r, "3", "f"), FormatError);
  EXPECT_THROW(choose_channel(with_labels({"EEG C3", "EEG C4"}), "eeg", "f"), FormatError);
  EXPECT_THROW(choose_channel(with_labels({"A", "B"}), "", "f"), FormatError);
  EXPECT_EQ(choose_channel(with_labels({"Pleth"}), "", "f"), 0u);  // the only channel
  EXPECT_THROW(choose_channel(Record{}, "", "f"), FormatError);
}

TEST(RecordHelpers, DurationUsesLongestChannelAndHeaderCounts) {
  Record r = with_labels({"a", "b"});
  r.channels[0].samples.resize(250);
  r.channels[1].fs = 50;
  r.channels[1].n_samples = 200;  // header only
  EXPECT_DOUBLE_EQ(r.duration_s(), 4.0);
  EXPECT_DOUBLE_EQ(Record{}.duration_s(), 0.0);
}

TEST(RecordHelpers, UnitsAndMillivolts) {
  EXPECT_DOUBLE_EQ(millivolt_factor("uV"), 1e-3);
  EXPECT_DOUBLE_EQ(millivolt_factor("\xB5V"), 1e-3);      // Latin-1 micro sign
  EXPECT_DOUBLE_EQ(millivolt_factor("\xC2\xB5V"), 1e-3);  // UTF-8 micro sign
  EXPECT_DOUBLE_EQ(millivolt_factor(" mV "), 1.0);
  EXPECT_DOUBLE_EQ(millivolt_factor("V"), 1e3);
  EXPECT_DOUBLE_EQ(millivolt_factor("%"), 0.0);
  EXPECT_DOUBLE_EQ(millivolt_factor("UV"), 1e-3);  // any case
  EXPECT_DOUBLE_EQ(millivolt_factor("microvolts"), 1e-3);
  EXPECT_DOUBLE_EQ(millivolt_factor("Volt"), 1e3);
  EXPECT_DOUBLE_EQ(millivolt_factor("nV"), 1e-6);
  EXPECT_EQ(normalize_units("\xB5V"), "uV");
}

}  // namespace
}  // namespace somna::io
