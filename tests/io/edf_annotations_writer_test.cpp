// EDF+ annotation files (io/edf_annotations_writer.hpp): written, then read back by Somna's EDF
// reader and by libbiosig; the header's start and recording fields; text EDF+ reserves refused.

#include "io/edf_annotations_writer.hpp"

#include <biosig.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "io/edf_reader.hpp"
#include "io/record.hpp"

namespace somna::io {
namespace {

EdfAnnotationFile night_with_episodes() {
  EdfAnnotationFile f;
  DateTime t;
  t.year = 2009, t.month = 12, t.day = 10, t.hour = 22, t.minute = 30, t.second = 5;
  f.start = t;
  f.duration_s = 3 * 3600 + 30;  // the last data record is partly beyond the recording
  f.annotations = {{3600, 60, "Apnea (Somna)"},
                   {120, 300, "Apnea (Somna)"},
                   {10800, 30, "Apnea (Somna)"},
                   {600, 0, "note, no duration"}};
  return f;
}

struct BiosigEvent {
  double onset_s, duration_s;
  std::string text;
};

// The event table libbiosig reads from the file (positions converted to seconds).
std::vector<BiosigEvent> biosig_events(const std::string& path) {
  struct Closer {
    void operator()(HDRTYPE* h) const {
      sclose(h);
      destructHDR(h);
    }
  };
  std::unique_ptr<HDRTYPE, Closer> h(sopen(path.c_str(), "r", constructHDR(0, 0)));
  EXPECT_TRUE(h);
  if (!h) return {};
  EXPECT_EQ(biosig_check_error(h.get()), 0) << h->AS.B4C_ERRMSG;
  const double rate = h->EVENT.SampleRate;
  std::vector<BiosigEvent> out;
  for (uint32_t k = 0; k < h->EVENT.N; ++k) {
    const uint16_t typ = h->EVENT.TYP[k];
    const std::string text = typ < h->EVENT.LenCodeDesc ? h->EVENT.CodeDesc[typ] : "";
    out.push_back({h->EVENT.POS[k] / rate, (h->EVENT.DUR ? h->EVENT.DUR[k] : 0) / rate, text});
  }
  return out;
}

TEST(EdfAnnotationsWriter, SomnasReaderReadsBackEveryAnnotation) {
  TempDir dir;
  const std::string path = dir.path() + "/night.annotations.edf";
  const EdfAnnotationFile f = night_with_episodes();
  write_edf_annotations(path, f);
  const Record rec = read_edf(path, {});
  EXPECT_EQ(rec.format, "EDF+C");
  EXPECT_TRUE(rec.channels.empty());  // annotations only
  ASSERT_TRUE(rec.start);
  EXPECT_EQ(rec.start->to_string(), "2009-12-10 22:30:05");
  ASSERT_EQ(rec.events.size(), 4u);
  const double onsets[] = {120, 600, 3600, 10800}, durations[] = {300, 0, 60, 30};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(rec.events[i].onset_s, onsets[i]);
    EXPECT_DOUBLE_EQ(rec.events[i].duration_s, durations[i]);
  }
  EXPECT_EQ(rec.events[0].text, "Apnea (Somna)");
  EXPECT_EQ(rec.events[1].text, "note, no duration");
  // 60-second data records covering the night (3 h 30 s: 181 records).
  const EdfHeader h = [&] {
    const std::string bytes = encode_edf_annotations(f);
    return parse_edf_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                            bytes.size(), "mem");
  }();
  EXPECT_EQ(h.n_records, 181);
  EXPECT_DOUBLE_EQ(h.record_duration, 60);
  ASSERT_EQ(h.signals.size(), 1u);
  EXPECT_TRUE(h.signals[0].is_annotation);
  EXPECT_EQ(h.recording, "Startdate 10-DEC-2009 X X Somna");
  EXPECT_EQ(h.patient, "X X X X");
}

TEST(EdfAnnotationsWriter, LibbiosigReadsTheSameAnnotations) {
  TempDir dir;
  const std::string path = dir.path() + "/night.annotations.edf";
  write_edf_annotations(path, night_with_episodes());
  const std::vector<BiosigEvent> events = biosig_events(path);
  ASSERT_EQ(events.size(), 4u);
  // libbiosig counts annotation-only files in data records (minutes): exact for whole minutes.
  const double onsets[] = {120, 600, 3600, 10800}, durations[] = {300, 0, 60, 0};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_NEAR(events[i].onset_s, onsets[i], 1e-6) << i;
    EXPECT_NEAR(events[i].duration_s, durations[i], 1e-6) << i;  // 30 s rounds down to 0 min
  }
  EXPECT_EQ(events[0].text, "Apnea (Somna)");
  EXPECT_EQ(events[1].text, "note, no duration");
}

TEST(EdfAnnotationsWriter, UnknownDateAndNoStart) {
  EdfAnnotationFile f;
  f.duration_s = 59.5;
  DateTime t;  // time of day only
  t.hour = 23, t.minute = 1, t.second = 2.7;
  f.start = t;
  std::string bytes = encode_edf_annotations(f);
  EXPECT_EQ(bytes.substr(168, 16), "01.01.8523.01.02");
  EXPECT_EQ(bytes.substr(88, 20), "Startdate X X X Somn");
  const EdfHeader h = parse_edf_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
                                       bytes.size(), "mem");
  EXPECT_EQ(h.n_records, 1);
  f.start.reset();
  f.duration_s = 0;
  bytes = encode_edf_annotations(f);
  EXPECT_EQ(bytes.substr(168, 16), "01.01.8500.00.00");
  EXPECT_EQ(bytes.substr(236, 8), "1       ");  // one data record even for an empty night
}

TEST(EdfAnnotationsWriter, RefusesWhatEdfPlusCannotHold) {
  EdfAnnotationFile f;
  f.duration_s = 600;
  f.annotations = {{60, 60, std::string("bad\x14text")}};
  EXPECT_THROW(encode_edf_annotations(f, "x.edf"), FormatError);
  f.annotations = {{-1, 60, "negative"}};
  EXPECT_THROW(encode_edf_annotations(f, "x.edf"), FormatError);
  f.annotations = {{60, NAN, "nan"}};
  EXPECT_THROW(encode_edf_annotations(f, "x.edf"), FormatError);
  f.annotations.clear();
  f.duration_s = -5;
  EXPECT_THROW(encode_edf_annotations(f, "x.edf"), FormatError);
  TempDir dir;
  f.duration_s = 60;
  EXPECT_THROW(write_edf_annotations(dir.path() + "/missing/x.edf", f), FormatError);
}

TEST(EdfAnnotationsWriter, SecondsAndTalText) {
  EXPECT_EQ(edf_seconds_text(60), "+60");
  EXPECT_EQ(edf_seconds_text(12.25), "+12.25");
  EXPECT_EQ(edf_seconds_text(-0.5), "-0.5");
  EXPECT_EQ(edf_seconds_text(0), "+0");
  EXPECT_EQ(edf_seconds_text(1e-7), "+0");
  EXPECT_EQ(edf_seconds_text(300, false), "300");
  EXPECT_EQ(edf_tal("+0"), std::string("+0\x14\x14\0", 5));
  EXPECT_EQ(edf_tal("+60", "Apnea", "120"), std::string("+60\x15"
                                                        "120\x14"
                                                        "Apnea\x14\0",
                                                        15));
  EXPECT_EQ(edf_field("abc", 5), "abc  ");
  EXPECT_EQ(edf_field("abcdef", 4), "abcd");
}

}  // namespace
}  // namespace somna::io
