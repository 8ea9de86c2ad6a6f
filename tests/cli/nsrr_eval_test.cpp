// NSRR cohorts as labelled nights (train/dataset.hpp): per-minute labels and the reference AHI
// from the hand-made event file tests/data/nsrr/night-nsrr.xml, and `somna eval --data DIR` end to
// end on a small NSRR-like cohort written here (simulated ECG nights as EDF, each with a hand-made
// REC-nsrr.xml or REC.xml beside it) in a temporary folder the test removes.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "io/edf_writer.hpp"
#include "io/nsrr_events.hpp"
#include "sim/synthetic_night.hpp"
#include "support/cli_run.hpp"
#include "train/dataset.hpp"

namespace fs = std::filesystem;
using namespace somna;

namespace {

const std::string kEventsFile = std::string(SOMNA_SOURCE_DIR) + "/tests/data/nsrr/night-nsrr.xml";

using CliRun = somna::test::CliResult;
using somna::test::run_somna;

// A one-hour simulated night as an EDF with an EEG channel first and the ECG second (the loader
// must pick the ECG), 100 Hz, 1-s data records, in mV.
void write_edf_night(const fs::path& path, const std::vector<sim::ApneaEpisode>& episodes,
                     uint64_t seed) {
  sim::NightSpec spec;
  spec.hours = 1;
  spec.fs = 100;
  spec.episodes = episodes;
  spec.seed = seed;
  const sim::SimulatedNight night = sim::simulate_night(spec);
  const std::vector<float>& mv = night.record.channels.at(0).samples;
  io::testing::EdfTestFile f;
  f.duration = "1";
  f.n_records = int(mv.size() / 100);
  io::testing::EdfTestSignal eeg;
  eeg.label = "EEG(sec)";
  eeg.spr = 100;
  io::testing::EdfTestSignal ecg;
  ecg.label = "ECG";
  ecg.units = "mV";
  ecg.phys_min = "-5", ecg.phys_max = "5";
  ecg.spr = 100;
  for (size_t i = 0; i < size_t(f.n_records) * 100; ++i)
    ecg.digital.push_back(int32_t(std::lround(std::clamp(mv[i] / 5.0, -1.0, 1.0) * 32767)));
  f.signals = {eeg, ecg};
  io::testing::write_bytes(path.string(), io::testing::edf_bytes(f));
}

std::string scored_event(const std::string& type, const std::string& concept, double start,
                         double duration) {
  return "<ScoredEvent>\n<EventType>" + type + "</EventType>\n<EventConcept>" + concept +
         "</EventConcept>\n<Start>" + std::to_string(start) + "</Start>\n<Duration>" +
         std::to_string(duration) + "</Duration>\n</ScoredEvent>\n";
}

// An NSRR event file: one obstructive apnea every 60 s inside each episode, and (when `staged`)
// stage 2 sleep over the whole hour.
void write_events(const fs::path& path, const std::vector<sim::ApneaEpisode>& episodes,
                  bool staged) {
  std::string events = scored_event("", "Recording Start Time", 0, 3600);
  if (staged) events += scored_event("Stages|Stages", "Stage 2 sleep|2", 0, 3600);
  for (const sim::ApneaEpisode& e : episodes) {
    for (double t = e.start_s; t + 20 <= e.start_s + e.duration_s; t += 60)
      events += scored_event("Respiratory|Respiratory", "Obstructive apnea|Obstructive Apnea",
                             t + 20, 20);
  }
  std::ofstream(path) << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PSGAnnotation>\n"
                      << "<SoftwareVersion>Compumedics</SoftwareVersion>\n"
                      << "<EpochLength>30</EpochLength>\n<ScoredEvents>\n"
                      << events << "</ScoredEvents>\n</PSGAnnotation>\n";
}

const std::vector<sim::ApneaEpisode> kEpisodes = {{600, 900}, {2400, 600}};  // 15 + 10 apneas

// Two NSRR-like nights: shhs1-200001 (staged, REC-nsrr.xml), shhs1-200002 (no stages, REC.xml),
// and an EDF without an event file that is not a labelled night.
void write_cohort(const fs::path& dir) {
  write_edf_night(dir / "shhs1-200001.edf", kEpisodes, 3);
  write_events(dir / "shhs1-200001-nsrr.xml", kEpisodes, true);
  write_edf_night(dir / "shhs1-200002.edf", {kEpisodes[0]}, 4);
  write_events(dir / "shhs1-200002.xml", {kEpisodes[0]}, false);
  write_edf_night(dir / "unlabelled.edf", {}, 5);
}

}  // namespace

TEST(NsrrLabels, MinutesOverlappedByApneasOrHypopneasAreApnea) {
  const io::NsrrAnnotations a = io::read_nsrr_events(kEventsFile);
  const std::vector<uint8_t> labels = train::nsrr_minute_labels(a, 60);
  ASSERT_EQ(labels.size(), 60u);
  std::vector<size_t> apnea, unlabelled;
  for (size_t m = 0; m < labels.size(); ++m) {
    if (labels[m] == 1) apnea.push_back(m);
    if (labels[m] == train::kUnlabelled) unlabelled.push_back(m);
  }
  // OA 605.5-625.7 s, CA 700-730 s, MA 1190-1205 s, hypopnea 2000-2025 s; not the Unsure event
  // at 2500 s, the desaturation or the arousal.
  EXPECT_EQ(apnea, (std::vector<size_t>{10, 11, 12, 19, 20, 33}));
  // The hypnogram ends at 3000 s (then "Unscored|9"): minutes 50-59 carry no label.
  ASSERT_EQ(unlabelled.size(), 10u);
  EXPECT_EQ(unlabelled.front(), 50u);
  EXPECT_EQ(train::count_labelled(labels), 50u);
}

TEST(NsrrLabels, WithoutStagesEveryMinuteIsLabelledAndZeroLengthEventsCount) {
  io::NsrrAnnotations a;
  a.events = {{"Respiratory|Respiratory", "Hypopnea|Hypopnea", 59.5, 0, 1},
              {"Respiratory|Respiratory", "Central apnea|Central Apnea", 120, 60, 2},
              {"Respiratory|Respiratory", "Obstructive apnea|Obstructive Apnea", 3590, 30, 3}};
  const std::vector<uint8_t> labels = train::nsrr_minute_labels(a, 60);
  EXPECT_EQ(train::count_labelled(labels), 60u);
  std::vector<size_t> apnea;
  for (size_t m = 0; m < labels.size(); ++m)
    if (labels[m] == 1) apnea.push_back(m);
  EXPECT_EQ(apnea, (std::vector<size_t>{0, 2, 59}));  // 120-180 s is minute 2 only
}

TEST(NsrrLabels, ReferenceAhiIsPerHourOfSleepWhenStaged) {
  io::NsrrAnnotations a = io::read_nsrr_events(kEventsFile);
  // 4 events (3 apneas, 1 hypopnea) in 90 epochs of stage 2 or REM: 45 min of sleep.
  ASSERT_TRUE(train::nsrr_reference_ahi(a, 3600));
  EXPECT_NEAR(*train::nsrr_reference_ahi(a, 3600), 4 / 0.75, 1e-9);
  // Without the stage events: per hour of the recording.
  a.events.erase(std::remove_if(a.events.begin(), a.events.end(),
                                [](const io::NsrrEvent& e) { return e.type == "Stages|Stages"; }),
                 a.events.end());
  EXPECT_NEAR(*train::nsrr_reference_ahi(a, 3600), 4.0, 1e-9);
  EXPECT_NEAR(*train::nsrr_reference_ahi(a, 7200), 2.0, 1e-9);
  EXPECT_EQ(train::nsrr_reference_ahi(a, 0), std::nullopt);
  // Stages scored but no sleep: no AHI.
  io::NsrrAnnotations wake;
  wake.events = {{"Stages|Stages", "Wake|0", 0, 3600, 1}};
  EXPECT_EQ(train::nsrr_reference_ahi(wake, 3600), std::nullopt);
}

TEST(NsrrDataset, EdfNightsWithEventFilesAreLabelledNights) {
  const TempDir tmp({}, "somna-nsrr-dataset-test-");
  write_cohort(tmp.path());
  const train::LabelledRecords r = train::labelled_records(tmp.path(), {});
  ASSERT_EQ(r.paths.size(), 2u);  // not unlabelled.edf
  EXPECT_EQ(fs::path(r.paths[0]).filename(), "shhs1-200001");
  EXPECT_EQ(train::record_file(r.paths[0]), r.paths[0] + ".edf");
  EXPECT_EQ(train::nsrr_events_file(r.paths[1]), r.paths[1] + ".xml");
  // 25 apneas in 1 h of stage 2; 15 apneas in the 1-h recording (no stages).
  EXPECT_NEAR(r.ahi_of(r.paths[0]).value_or(-1), 25, 1e-9);
  EXPECT_NEAR(r.ahi_of(r.paths[1]).value_or(-1), 15, 1e-9);

  const std::vector<train::LabelledNight> nights = train::load_dataset(tmp.path(), {});
  ASSERT_EQ(nights.size(), 2u);
  const train::LabelledNight& n = nights[0];
  EXPECT_EQ(n.name, "shhs1-200001");
  EXPECT_EQ(n.labels.size(), 60u);
  EXPECT_EQ(n.n_labelled(), 60u);
  for (size_t m = 0; m < 60; ++m) {
    const bool in_episode = (m >= 10 && m < 25) || (m >= 40 && m < 50);
    EXPECT_EQ(n.labels[m], in_episode ? 1 : 0) << "minute " << m;
  }
  EXPECT_GT(n.input.beats.size(), 3000u);  // ~65 bpm detected from the ECG channel
  EXPECT_NEAR(n.ref_ahi.value_or(-1), 25, 1e-9);
}

TEST(NsrrDataset, AMalformedEventFileNamesItsFileAndLine) {
  const TempDir tmp({}, "somna-nsrr-dataset-test-");
  write_edf_night(fs::path(tmp.path()) / "n1.edf", {}, 6);
  std::ofstream(fs::path(tmp.path()) / "n1-nsrr.xml")
      << "<PSGAnnotation>\n<ScoredEvents>\n<ScoredEvent>\n<EventConcept>Hypopnea|Hypopnea"
         "</EventConcept>\n<Start>ten</Start>\n<Duration>10</Duration>\n</ScoredEvent>\n"
         "</ScoredEvents>\n</PSGAnnotation>\n";
  try {
    train::labelled_records(tmp.path(), {});
    ADD_FAILURE() << "read";
  } catch (const io::FormatError& e) {
    EXPECT_NE(e.file().find("n1-nsrr.xml"), std::string::npos) << e.what();
    EXPECT_EQ(e.where(), "line 5") << e.what();
    EXPECT_NE(e.message().find("event 1: <Start> 'ten' is not a number"), std::string::npos);
  }
}

TEST(CliEvalNsrr, EvaluatesAnNsrrCohort) {
  const TempDir tmp({}, "somna-nsrr-eval-test-");
  const fs::path dir = fs::path(tmp.path()) / "cohort";
  fs::create_directories(dir);
  write_cohort(dir);
  CliRun r = run_somna("eval --data '" + dir.string() + "' --model cvhr --bootstrap 0");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["records"], 2);
  EXPECT_EQ(j["minutes"], 120);
  EXPECT_EQ(j["apnea_minutes"], 40);  // 25 + 15 minutes holding an apnea
  ASSERT_EQ(j["per_record"].size(), 2u);
  EXPECT_EQ(j["per_record"][0]["record"], "shhs1-200001");
  EXPECT_NEAR(j["per_record"][0]["ref_ahi"].get<double>(), 25, 1e-9);
  EXPECT_NEAR(j["per_record"][1]["ref_ahi"].get<double>(), 15, 1e-9);

  // Another system's predictions, references and AHI from the NSRR files.
  {
    std::ofstream p(fs::path(tmp.path()) / "p.csv");
    p << "record,minute,p\n";
    for (const char* rec : {"shhs1-200001", "shhs1-200002"})
      for (int m = 0; m < 60; ++m) p << rec << "," << m << ",1\n";
  }
  r = run_somna("eval --data '" + dir.string() + "' --predictions '" +
                (fs::path(tmp.path()) / "p.csv").string() + "' --bootstrap 0");
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto k = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(k["minute"]["sensitivity"]["value"].get<double>(), 1.0);
  EXPECT_NEAR(k["minute"]["accuracy"]["value"].get<double>(), 40.0 / 120, 1e-9);
  EXPECT_NEAR(k["per_record"][1]["ref_ahi"].get<double>(), 15, 1e-9);

  // A damaged event file: exit 2, one line naming the file and the line.
  std::ofstream(dir / "shhs1-200002.xml") << "<PSGAnnotation>\n<ScoredEvents>\n";
  r = run_somna("eval --data '" + dir.string() + "' --model cvhr --bootstrap 0");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("shhs1-200002.xml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not well-formed XML"), std::string::npos) << r.err;
}

// somna train reads the same NSRR nights (labels and reference AHI from the XML) as eval.
TEST(CliTrainNsrr, TrainsOnAnNsrrCohort) {
  SKIP_WITHOUT_TRAINER();
  const TempDir tmp({}, "somna-nsrr-train-test-");
  const fs::path dir = fs::path(tmp.path()) / "cohort";
  fs::create_directories(dir);
  write_cohort(dir);
  const std::string model = (fs::path(tmp.path()) / "m.safetensors").string();
  const CliRun r = run_somna("train --data '" + dir.string() +
                             "' --folds 2 --epochs 2 --crop 16 --batch 4 --threads 1 "
                             "--bootstrap 20 --no-progress --out '" +
                             model + "'");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("CV (2 folds by record"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("0 nights with a reference AHI"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(model));
}
