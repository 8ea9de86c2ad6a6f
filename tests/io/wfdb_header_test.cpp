// WFDB header parsing: every field of the record and signal lines, defaults, multi-segment
// lines, and each kind of malformed or hostile header giving one clear io::FormatError.

#include "io/wfdb_header.hpp"

#include <gtest/gtest.h>

#include <random>

#include "common/error.hpp"
#include "io/wfdb_util.hpp"

namespace somna::io {
namespace {

WfdbHeader parse(const std::string& text) {
  return parse_wfdb_header(text, "t.hea");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(WfdbHeader, RecordLineAllFields) {
  const WfdbHeader h = parse(
      "# before\n12726 3 250/24000(12) 825000 15:08:24.5 26/10/1994\n"
      "12726.dat 16 64.02(4)/mmHg 16 0 4004 -26056 0 ABP\n"
      "12726.dat 16 6554/mV 16 0 -12996 -24904 0 ECG\n"
      "12726.dat 16 174.83(11204)/degrees 16 0 11196 11564 0 Angle\n"
      "# <age>: 28\n");
  EXPECT_EQ(h.record_name, "12726");
  EXPECT_FALSE(h.is_multi_segment());
  EXPECT_EQ(h.n_signals, 3);
  EXPECT_DOUBLE_EQ(h.fs, 250);
  EXPECT_DOUBLE_EQ(*h.counter_freq, 24000);
  EXPECT_DOUBLE_EQ(*h.base_counter, 12);
  EXPECT_EQ(*h.n_samples, 825000);
  ASSERT_TRUE(h.start);
  EXPECT_EQ(h.start->hour, 15);
  EXPECT_EQ(h.start->minute, 8);
  EXPECT_DOUBLE_EQ(h.start->second, 24.5);
  EXPECT_EQ(h.start->day, 26);
  EXPECT_EQ(h.start->month, 10);
  EXPECT_EQ(h.start->year, 1994);
  ASSERT_EQ(h.comments.size(), 2u);
  EXPECT_EQ(h.comments[0], "before");
  EXPECT_EQ(h.comments[1], "<age>: 28");
  ASSERT_EQ(h.signals.size(), 3u);
  const WfdbSignalSpec& s = h.signals[0];
  EXPECT_EQ(s.file_name, "12726.dat");
  EXPECT_EQ(s.format, 16);
  EXPECT_DOUBLE_EQ(s.gain, 64.02);
  EXPECT_DOUBLE_EQ(s.baseline, 4);
  EXPECT_EQ(s.units, "mmHg");
  EXPECT_EQ(s.adc_resolution, 16);
  EXPECT_EQ(s.adc_zero, 0);
  EXPECT_EQ(s.initial_value, 4004);
  EXPECT_EQ(*s.checksum, -26056);
  EXPECT_EQ(s.block_size, 0);
  EXPECT_EQ(s.description, "ABP");
}

TEST(WfdbHeader, SignalLineDefaultsAndFormatModifiers) {
  const WfdbHeader h = parse(
      "r 3\n"
      "r.dat 212x4:2+24 0 12 1024\n"
      "r.dat 212\n"
      "s.dat 16 200(-3) 12 5 7 1 0 ECG lead II \n");
  EXPECT_DOUBLE_EQ(h.fs, 250);  // WFDB default
  EXPECT_FALSE(h.n_samples);
  EXPECT_FALSE(h.start);
  const WfdbSignalSpec& a = h.signals[0];
  EXPECT_EQ(a.samples_per_frame, 4);
  EXPECT_EQ(a.skew, 2);
  EXPECT_EQ(a.byte_offset, 24);
  EXPECT_DOUBLE_EQ(a.gain, 200);  // 0 = uncalibrated
  EXPECT_FALSE(a.gain_given);
  EXPECT_DOUBLE_EQ(a.baseline, 1024);  // = ADC zero when not given
  EXPECT_EQ(a.initial_value, 1024);
  EXPECT_EQ(a.units, "mV");
  const WfdbSignalSpec& b = h.signals[1];
  EXPECT_EQ(b.adc_resolution, 12);  // format default
  EXPECT_FALSE(b.checksum);
  EXPECT_EQ(b.description, "");
  const WfdbSignalSpec& c = h.signals[2];
  EXPECT_DOUBLE_EQ(c.baseline, -3);
  EXPECT_EQ(c.adc_zero, 5);
  EXPECT_EQ(c.description, "ECG lead II");
}

TEST(WfdbHeader, TimeOnlyAndShortTimes) {
  EXPECT_EQ(parse("r 0 1 3659 0:00 01/01/2001").start->year, 2001);
  const WfdbHeader h = parse("r 0 125 0    31:25.894");
  EXPECT_EQ(h.start->hour, 0);
  EXPECT_EQ(h.start->minute, 31);
  EXPECT_NEAR(h.start->second, 25.894, 1e-12);
  EXPECT_FALSE(h.start->has_date());
}

TEST(WfdbHeader, MultiSegment) {
  const WfdbHeader h = parse(
      "multi/4 2 125 3000 16:57:09.000 26/10/2137\nlayout 0\n~ 1000\nseg_1 1500\nseg_2 500\n");
  EXPECT_TRUE(h.is_multi_segment());
  EXPECT_EQ(h.n_segments, 4);
  ASSERT_EQ(h.segments.size(), 4u);
  EXPECT_EQ(h.segments[0].name, "layout");
  EXPECT_EQ(h.segments[0].length, 0);
  EXPECT_EQ(h.segments[1].name, "~");
  EXPECT_EQ(h.segments[3].length, 500);
}

TEST(WfdbHeader, NoSignals) {
  const WfdbHeader h = parse("r\n");
  EXPECT_EQ(h.n_signals, 0);
  EXPECT_TRUE(h.signals.empty());
}

TEST(WfdbHeaderBad, EachProblemIsNamed) {
  struct Case {
    const char* text;
    const char* expect;  // part of the message
  } cases[] = {
      {"", "no record line"},
      {"# only comments\n", "no record line"},
      {"r 1 0 100\nr.dat 16\n", "sampling frequency must be > 0"},
      {"r 1 -360 100\nr.dat 16\n", "sampling frequency must be > 0"},
      {"r 1 nan 100\nr.dat 16\n", "bad sampling frequency"},
      {"r 1 360 -5\nr.dat 16\n", "number of samples -5 is out of range"},
      {"r -1 360\n", "number of signals -1 is out of range"},
      {"r 1000000000 360 10\nr.dat 16\n", "declares 1000000000 signals but the header has 1"},
      {"r 99999999999999999999 360\n", "bad number of signals"},
      {"r 1 360 100\n../x.dat 16\n", "outside the record's folder"},
      {"r 1 360 100\n/etc/passwd 16\n", "outside the record's folder"},
      {"r 1 360 100\nsub/../../x.dat 16\n", "outside the record's folder"},
      {"r/2 1 360 100\n../seg 50\nb 50\n", "outside the record's folder"},
      {"r 1 360 100\nr.dat 16x-2\n", "samples per frame -2 is out of range"},
      {"r 1 360 100\nr.dat 16:-1\n", "skew -1 is out of range"},
      {"r 1 360 100\nr.dat abc\n", "bad signal format"},
      {"r 1 360 100\nr.dat 16 abc\n", "bad gain"},
      {"r 1 360 100\nr.dat\n", "has no format"},
      {"r 1 360 100 25:00:00\nr.dat 16\n", "base time hours 25"},
      {"r 1 360 100 10:00:00 32/01/2000\nr.dat 16\n", "base date day 32"},
      {"r 1 360 100 10:00:00 2000-01-01\nr.dat 16\n", "bad base date"},
      {"r 1 360 100\nr.dat 16\nr.dat 16\n", "unexpected line"},
      {"r/0 1 360\n", "number of segments 0 is out of range"},
      {"r\x01\x02 1\n", "bad record name"},
  };
  for (const Case& c : cases) {
    const std::string message = error_of(c.text);
    EXPECT_NE(message.find(c.expect), std::string::npos)
        << "header: " << c.text << "\nmessage: " << message;
    EXPECT_NE(message.find("t.hea"), std::string::npos) << message;
  }
  EXPECT_NE(error_of(std::string("r 1 360\0\nx", 10)).find("NUL"), std::string::npos);
  EXPECT_NE(error_of("r 1 360 100\n../x.dat 16\n").find("line 2"), std::string::npos);
}

TEST(WfdbHeaderBad, RandomTextNeverCrashes) {
  std::mt19937 rng(7);
  const std::string alphabet = "0123456789 ./x+:()#\n\t-~abc";
  for (int trial = 0; trial < 3000; ++trial) {
    std::string text(rng() % 80, ' ');
    for (char& ch : text) ch = alphabet[rng() % alphabet.size()];
    try {
      const WfdbHeader h = parse(text);
      EXPECT_GT(h.fs, 0);
      EXPECT_EQ(static_cast<int64_t>(h.is_multi_segment() ? h.segments.size() : h.signals.size()),
                h.is_multi_segment() ? h.n_segments : h.n_signals);
    } catch (const FormatError&) {
    }
  }
}

TEST(WfdbHeader, TextBecomesValidUtf8) {
  EXPECT_EQ(wfdb::to_utf8("abc"), "abc");
  EXPECT_EQ(wfdb::to_utf8("\xC2\xB5V"), "\xC2\xB5V");                    // valid UTF-8 kept
  EXPECT_EQ(wfdb::to_utf8("\xB0"), "\xC2\xB0");                          // Latin-1 degree sign
  EXPECT_EQ(wfdb::to_utf8("\xE2\x82"), "\xC3\xA2\xC2\x82");              // truncated sequence
  EXPECT_EQ(wfdb::to_utf8("\xED\xA0\x80"), "\xC3\xAD\xC2\xA0\xC2\x80");  // surrogate
  // test_generator_2.hea writes some units as the single byte 0xB0.
  const WfdbHeader h = parse("r 1 1 600\nr.dat 16x200 32.7675/\xB0 15 0 1487 0 0 sine 15 Hz\r\n");
  EXPECT_EQ(h.signals[0].units, "\xC2\xB0");
  EXPECT_EQ(h.signals[0].description, "sine 15 Hz");
}

TEST(WfdbHeader, FormatTables) {
  EXPECT_EQ(wfdb_default_resolution(212), 12);
  EXPECT_EQ(wfdb_default_resolution(80), 8);
  EXPECT_EQ(wfdb_default_resolution(311), 10);
  EXPECT_TRUE(wfdb_format_known(516));
  EXPECT_FALSE(wfdb_format_known(999));
}

}  // namespace
}  // namespace somna::io

namespace somna::io {
namespace {

TEST(WfdbHeaderRename, ReplacesTheRecordNameAndSignalFilesOnlyWhereTheParserSeesThem) {
  // Comments naming the file, a blank and a CR-only line between the signal lines.
  const std::string text =
      "# a.dat is mentioned here\r\nrec 2 100 4\r\na.dat 16 200 16 0 0 0 0 a.dat\n\n\r\n"
      "  b.dat\t16 200 16 0 0 0 0 B\n#b.dat\n";
  const WfdbHeader h = parse_wfdb_header(text, "rec.hea");
  const std::string out =
      rename_wfdb_header(h, text, "upload", {{"a.dat", "signal1.dat"}, {"b.dat", "signal0.dat"}});
  EXPECT_EQ(out,
            "# a.dat is mentioned here\r\nupload 2 100 4\r\nsignal1.dat 16 200 16 0 0 0 0 a.dat"
            "\n\n\r\n  signal0.dat\t16 200 16 0 0 0 0 B\n#b.dat\n");
  const WfdbHeader back = parse_wfdb_header(out, "upload.hea");
  EXPECT_EQ(back.signals[0].file_name, "signal1.dat");
  EXPECT_EQ(back.signals[1].file_name, "signal0.dat");
}

TEST(WfdbHeaderRename, OffsetsReferToTheUtf8Text) {
  const std::string latin1 = "# caf\xe9\nrec 1 100 4\nrec.dat 16 200 16 0 0 0 0 \xe9\n";
  const WfdbHeader h = parse_wfdb_header(latin1, "rec.hea");
  const std::string out = rename_wfdb_header(h, latin1, "upload", {{"rec.dat", "signal0.dat"}});
  const WfdbHeader back = parse_wfdb_header(out, "upload.hea");
  EXPECT_EQ(back.record_name, "upload");
  EXPECT_EQ(back.signals[0].file_name, "signal0.dat");
  EXPECT_EQ(back.signals[0].description, h.signals[0].description);
}

TEST(WfdbHeaderLimits, AHeaderLargerThanAnyRealOneIsRefusedBeforeParsing) {
  std::string text = "rec 1 100 10\nrec.dat 16\n";
  while (text.size() <= kMaxWfdbHeaderBytes) text += "#\n";
  try {
    parse_wfdb_header(text, "big.hea");
    FAIL() << "accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("big.hea"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("at most 256 KiB"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace somna::io
