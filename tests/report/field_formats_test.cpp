// The per-minute answer in the field's formats (report/field_formats.hpp), from a NightReport
// built by hand: WFDB minute annotations read back with io::read_annotations, challenge answers
// read back as the labels (train::read_label_file, as `somna eval --labels` does), the EDF+
// episodes read back by the EDF reader, the minute CSV; all four agree with the JSON's labels.

#include "report/field_formats.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "io/edf_reader.hpp"
#include "io/record.hpp"
#include "report/json_report.hpp"
#include "support/cli_run.hpp"
#include "train/dataset.hpp"

namespace somna::report {
namespace {

namespace fs = std::filesystem;

// 130.5 minutes (the last one partial): apnea runs at minutes 3-7 and 125-130, minute 5 of the
// first run excluded (so two episodes there), minutes 60-64 excluded with p over the threshold.
analysis::NightReport night() {
  analysis::NightReport r;
  r.record_name = "rec1";
  r.source_path = "/data/rec1.hea";
  r.start = io::DateTime{2024, 3, 1, 23, 15, 0};
  r.recording_s = 130.5 * 60;
  r.fs = 100;
  r.detector.threshold = 0.5;
  for (size_t m = 0; m < 131; ++m) {
    analysis::MinuteResult x;
    x.t_s = 60.0 * double(m);
    const bool run = (m >= 3 && m <= 7) || m >= 125;
    x.p_apnea = run ? 0.9f : 0.1f;
    x.excluded = m == 5 || (m >= 60 && m < 65);
    if (m >= 60 && m < 65) x.p_apnea = 0.8f;
    x.quality = x.excluded ? 0.2f : 0.95f;
    x.quality_reason = x.excluded ? "flat line" : "";
    x.apnea = x.p_apnea >= 0.5f && !x.excluded;
    r.minutes.push_back(x);
  }
  r.episodes = {{180, 120, 0.9f, 2}, {360, 120, 0.9f, 2}, {7500, 330, 0.9f, 6}};
  return r;
}

using somna::test::slurp;

TEST(FieldFormats, WfdbMinutesFollowTheApnConvention) {
  const analysis::NightReport r = night();
  TempDir dir;
  const std::string path = dir.path() + "/rec1.sapn";
  io::write_annotations(path, minute_annotations(r, 100));
  const io::Annotations back = io::read_annotations(path);
  EXPECT_DOUBLE_EQ(back.fs, 100);  // from the file's time-resolution note
  ASSERT_EQ(back.items.size(), r.minutes.size());
  for (size_t m = 0; m < r.minutes.size(); ++m) {
    const io::Annotation& a = back.items[m];
    EXPECT_EQ(a.sample, int64_t(m) * 6000) << m;  // minute * 60 s * 100 Hz, as Apnea-ECG's .apn
    EXPECT_EQ(io::code_mnemonic(a.code), std::string(minute_label(r.minutes[m])) == "A" ? "A" : "N")
        << m;
    EXPECT_EQ(a.aux, r.minutes[m].excluded ? "excluded: flat line" : "") << m;
  }
  // A beats-only night at its header's rate; no rate at all is refused.
  EXPECT_EQ(minute_annotations(r, 250).items.at(2).sample, 30000);
  EXPECT_THROW(minute_annotations(r, 0), Error);
}

TEST(FieldFormats, ChallengeAnswersReadBackAsTheLabels) {
  const analysis::NightReport r = night();
  const io::ChallengeRecord c = challenge_answer(r);
  EXPECT_EQ(c.name, "rec1");
  ASSERT_EQ(c.minutes.size(), r.minutes.size());
  TempDir dir;
  const std::string path = dir.path() + "/rec1.challenge.txt";
  io::write_challenge_answers(path, {c});
  EXPECT_EQ(slurp(path).substr(0, 8), "rec1\n 0 ");
  const auto labels = train::read_label_file(path);
  ASSERT_EQ(labels.count("rec1"), 1u);
  const auto& minutes = labels.at("rec1");
  ASSERT_EQ(minutes.size(), r.minutes.size());
  for (size_t m = 0; m < r.minutes.size(); ++m) {
    EXPECT_EQ(minutes.at(m), r.minutes[m].apnea ? 1 : 0) << m;  // excluded minutes are N
  }
}

TEST(FieldFormats, EdfEpisodesReadBackAsEvents) {
  const analysis::NightReport r = night();
  TempDir dir;
  const std::string path = dir.path() + "/rec1.annotations.edf";
  io::write_edf_annotations(path, episode_annotations(r));
  const io::Record rec = io::read_edf(path, {});
  ASSERT_TRUE(rec.start);
  EXPECT_EQ(rec.start->to_string(), "2024-03-01 23:15:00");
  ASSERT_EQ(rec.events.size(), r.episodes.size());
  for (size_t i = 0; i < r.episodes.size(); ++i) {
    EXPECT_DOUBLE_EQ(rec.events[i].onset_s, r.episodes[i].start_s);
    EXPECT_DOUBLE_EQ(rec.events[i].duration_s, r.episodes[i].duration_s);
    EXPECT_EQ(rec.events[i].text, kEpisodeAnnotationText);
  }
}

TEST(FieldFormats, MinuteCsvHasTheJsonLabels) {
  const analysis::NightReport r = night();
  std::istringstream csv(minutes_csv(r));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "record,minute,start_s,p,label,quality");
  size_t rows = 0;
  while (std::getline(csv, line)) {
    const analysis::MinuteResult& m = r.minutes.at(rows);
    std::ostringstream want;
    want << "rec1," << rows << "," << m.t_s << ",";
    EXPECT_EQ(line.rfind(want.str(), 0), 0u) << line;
    EXPECT_NE(line.find(std::string(",") + minute_label(m) + ","), std::string::npos) << line;
    ++rows;
  }
  EXPECT_EQ(rows, r.minutes.size());
  EXPECT_NE(minutes_csv(r).find("rec1,60,3600,0.8000,X,0.200\n"), std::string::npos);
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

TEST(FieldFormats, WritesAllFourAndNamesAFolderItCannotCreate) {
  const analysis::NightReport r = night();
  TempDir dir;
  const std::string out = dir.path() + "/ann";
  const AnnotationFiles f = write_annotation_files(r, out, 100);
  EXPECT_EQ(f.wfdb, out + "/rec1.sapn");
  EXPECT_EQ(f.challenge, out + "/rec1.challenge.txt");
  EXPECT_EQ(f.edf, out + "/rec1.annotations.edf");
  EXPECT_EQ(f.csv, out + "/rec1.minutes.csv");
  for (const std::string& p : {f.wfdb, f.challenge, f.edf, f.csv}) EXPECT_TRUE(fs::exists(p)) << p;
  std::ofstream(dir.path() + "/file") << "x";
  try {
    write_annotation_files(r, dir.path() + "/file/sub", 100);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir.path() + "/file/sub"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace somna::report
