// `somna analyze` and `somna simulate` end to end: the bundled sample night (ECG -> report),
// real Apnea-ECG nights from their .qrs beats, a batch folder (reports, summary.csv, resume,
// shards, jobs), --annotations (the field's formats, read back and fed to `somna eval`), and bad
// input (exit code 2 with one line naming the file).

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "io/annotations.hpp"
#include "io/challenge_answers.hpp"
#include "io/edf_reader.hpp"
#include "support/cli_run.hpp"
#include "support/shared_data.hpp"

namespace {

namespace fs = std::filesystem;
namespace io = somna::io;

using somna::test::kApneaEcg;
const std::string kSample = std::string(SOMNA_SOURCE_DIR) + "/data/samples/sample-night.hea";

using somna::test::CliResult;
using somna::test::fresh_dir;
using somna::test::run_somna;
using somna::test::slurp;

std::string q(const std::string& s) {
  return somna::test::shell_quote(s);
}

TEST(CliAnalyze, SampleNightToJsonAndHtml) {
  const fs::path d = fresh_dir("sample");
  const CliResult r = run_somna("analyze " + q(kSample) + " --json " + q((d / "r.json").string()) +
                                " --html " + q((d / "r.html").string()));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Estimated AHI"), std::string::npos) << r.out;
  // The sample is built from a08, one of the default model's training nights: the report says so.
  EXPECT_NE(r.out.find("built from, a08, one of the nights"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Timeline"), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(slurp(d / "r.json"));
  EXPECT_EQ(j["schema"], "somna.night-report/1");
  EXPECT_EQ(j["record"]["name"], "sample-night");
  EXPECT_EQ(j["minutes"].size(), 180u);
  ASSERT_TRUE(j["summary"]["ahi"].is_number());
  EXPECT_GT(j["summary"]["ahi"].get<double>(), 5);  // a08's slice: an apnea-heavy first hour
  const std::string html = slurp(d / "r.html");
  EXPECT_NE(html.find("id=\"timeline\""), std::string::npos);
  EXPECT_NE(html.find("class=\"ecgline\""), std::string::npos);
  fs::remove_all(d);
}

TEST(CliAnalyze, ApneaEcgNightFromQrsBeats) {
  if (!fs::exists(kApneaEcg + "/a01.qrs")) GTEST_SKIP() << "no Apnea-ECG data in " << kApneaEcg;
  const fs::path d = fresh_dir("a01");
  const CliResult r =
      run_somna("analyze " + q(kApneaEcg + "/a01.hea") +
                " --beats qrs --detector cvhr --ascii --json " + q((d / "a01.json").string()));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("AAAAAAAAAA"), std::string::npos) << r.out;  // a01: apnea all night
  const nlohmann::json j = nlohmann::json::parse(slurp(d / "a01.json"));
  EXPECT_EQ(j["record"]["beat_source"], "annotation:qrs");
  EXPECT_EQ(j["summary"]["severity"], "severe");  // reference AHI 69.6
  EXPECT_EQ(j["detector"]["kind"], "training-free");
  fs::remove_all(d);
}

TEST(CliAnalyze, BadInputIsExitTwoWithTheFileNamed) {
  CliResult r = run_somna("analyze /nonexistent/night.hea");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("/nonexistent/night.hea"), std::string::npos) << r.err;
  if (fs::exists(kApneaEcg + "/a01.hea")) {
    r = run_somna("analyze " + q(kApneaEcg + "/a01.hea"));  // no .dat and no --beats
    EXPECT_EQ(r.rc, 2);
    EXPECT_NE(r.err.find("a01"), std::string::npos) << r.err;
  }
  r = run_somna("analyze " + q(kSample) + " --detector /nonexistent/model.safetensors");
  EXPECT_EQ(r.rc, 2) << r.err;
  r = run_somna("analyze " + q(kSample) + " --shard 1/2");
  EXPECT_EQ(r.rc, 2) << r.err;
}

TEST(CliAnalyze, TruncatedFileErrorSuggestsNoOptionAnalyzeLacks) {
  const fs::path dir = fresh_dir("trunc");
  {
    std::ofstream(dir / "t.hea") << "t 1 100 1000\nt.dat 16 200 16 0 0 0 0 ECG\n";
    std::ofstream(dir / "t.dat", std::ios::binary) << std::string(600, '\0');
  }
  const CliResult r = run_somna("analyze " + q((dir / "t.hea").string()));
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find("too short"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("allow-truncated"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

TEST(CliAnalyze, BadBeatAnnotationFileIsBlamedNotTheEcg) {
  const fs::path dir = fresh_dir("beats");
  for (const char* ext : {"hea", "dat"})
    fs::copy_file(fs::path(kSample).replace_extension(ext),
                  dir / (std::string("sample-night.") + ext));
  const std::string hea = (dir / "sample-night.hea").string();
  const std::string qrs = (dir / "sample-night.qrs").string();
  const std::pair<std::string, std::string> cases[] = {
      {std::string(), "annotation file is empty"},
      {std::string(2, '\0'), "holds no annotations: not a beat annotation file"},
      {std::string("\x00\xe4\x00\x00", 4), "not a WFDB annotation file"},
      // One rhythm annotation ('+', code 28, at sample 5): annotations, but no beat.
      {std::string("\x05\x70\0\0", 4), "no heartbeat among them"}};
  for (const auto& [bytes, expected] : cases) {
    std::ofstream(qrs, std::ios::binary | std::ios::trunc) << bytes;
    const CliResult r = run_somna("analyze " + q(hea) + " --beats qrs");
    EXPECT_EQ(r.rc, 2) << r.err;
    EXPECT_NE(r.err.find(qrs), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("no heartbeats found"), std::string::npos) << r.err;
  }
  fs::remove_all(dir);
}

TEST(CliAnalyze, DashWritesTheReportToStandardOutput) {
  const bool dash_before = fs::exists("-");
  CliResult r = run_somna("analyze " + q(kSample) + " --json -");
  ASSERT_EQ(r.rc, 0) << r.err;
  nlohmann::json j;
  ASSERT_NO_THROW(j = nlohmann::json::parse(r.out)) << r.out.substr(0, 200);
  EXPECT_EQ(j.value("schema", ""), "somna.night-report/1");
  EXPECT_NE(r.err.find("AHI"), std::string::npos) << r.err;  // the summary, on stderr
  r = run_somna("analyze " + q(kSample) + " --html -");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<!doctype html>", 0), 0u) << r.out.substr(0, 100);
  EXPECT_EQ(r.out.find("HTML report:"), std::string::npos);
  EXPECT_EQ(fs::exists("-"), dash_before) << "a file named '-' was written";
  r = run_somna("analyze " + q(kSample) + " --json - --html -");
  EXPECT_EQ(r.rc, 2) << r.err;
}

// The JSON's per-minute labels ("A", "N", "X").
std::string json_labels(const nlohmann::json& j) {
  std::string out;
  for (const auto& m : j["minutes"]) out += m["label"].get<std::string>();
  return out;
}

TEST(CliAnalyze, AnnotationsInTheFieldsFormatsReadBackAndEvaluate) {
  const fs::path d = fresh_dir("ann");
  const fs::path ann = d / "ann";
  CliResult r = run_somna("analyze " + q(kSample) + " --json " + q((d / "r.json").string()) +
                          " --annotations " + q(ann.string()));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("Annotations: " + (ann / "sample-night.sapn").string()), std::string::npos)
      << r.out;
  const nlohmann::json j = nlohmann::json::parse(slurp(d / "r.json"));
  const std::string labels = json_labels(j);
  ASSERT_EQ(labels.size(), 180u);
  std::string letters = labels;  // excluded minutes (X) are N in the A/N formats
  for (char& c : letters) c = c == 'A' ? 'A' : 'N';

  // WFDB, the .apn convention: one annotation a minute at minute * 60 s * 100 Hz.
  const io::Annotations apn = io::read_annotations((ann / "sample-night.sapn").string());
  EXPECT_DOUBLE_EQ(apn.fs, 100);
  ASSERT_EQ(apn.items.size(), 180u);
  for (size_t m = 0; m < apn.items.size(); ++m) {
    EXPECT_EQ(apn.items[m].sample, int64_t(m) * 6000);
    EXPECT_EQ(io::code_mnemonic(apn.items[m].code), std::string(1, letters[m])) << m;
  }
  // The challenge answers: one record, three hours of letters.
  const auto ch = io::read_challenge_answers((ann / "sample-night.challenge.txt").string());
  ASSERT_EQ(ch.size(), 1u);
  EXPECT_EQ(ch[0].name, "sample-night");
  EXPECT_EQ(ch[0].minutes, letters);
  // EDF+: one annotation per episode of the JSON.
  const io::Record edf = io::read_edf((ann / "sample-night.annotations.edf").string(), {});
  ASSERT_EQ(edf.events.size(), j["episodes"].size());
  ASSERT_FALSE(edf.events.empty());  // the sample (a08's first hours) has apnea
  for (size_t i = 0; i < edf.events.size(); ++i) {
    EXPECT_DOUBLE_EQ(edf.events[i].onset_s, j["episodes"][i]["start_s"].get<double>());
    EXPECT_DOUBLE_EQ(edf.events[i].duration_s, j["episodes"][i]["duration_s"].get<double>());
    EXPECT_EQ(edf.events[i].text, "Apnea (Somna)");
  }
  // CSV: a header and a row a minute, the JSON's label in each.
  const std::string csv = slurp(ann / "sample-night.minutes.csv");
  EXPECT_EQ(csv.rfind("record,minute,start_s,p,label,quality\n", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 181);
  EXPECT_NE(csv.find("\nsample-night,0,0,"), std::string::npos);

  // `somna eval` reads the CSV as predictions and the challenge answers as reference labels: at
  // the detector's threshold every A minute is a true positive and none is missed.
  const double thr = j["detector"]["threshold"].get<double>();
  r = run_somna("eval --predictions " + q((ann / "sample-night.minutes.csv").string()) +
                " --labels " + q((ann / "sample-night.challenge.txt").string()) +
                " --bootstrap 0 --threshold " + std::to_string(thr));
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json e = nlohmann::json::parse(r.out);
  EXPECT_EQ(e["minutes"], 180);
  EXPECT_EQ(e["confusion"]["tp"], std::count(labels.begin(), labels.end(), 'A'));
  EXPECT_EQ(e["confusion"]["fn"], 0);
  fs::remove_all(d);
}

TEST(CliAnalyze, AnnotationsFolderThatCannotBeWrittenIsExitTwo) {
  const fs::path d = fresh_dir("annbad");
  std::ofstream(d / "file") << "x";
  const std::string bad = (d / "file" / "sub").string();
  const CliResult r = run_somna("analyze " + q(kSample) + " --annotations " + q(bad));
  EXPECT_EQ(r.rc, 2) << r.err;
  EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
  const CliResult none = run_somna("analyze " + q(kSample) + " --annotations");
  EXPECT_EQ(none.rc, 2);
  EXPECT_NE(none.err.find("--annotations needs a folder"), std::string::npos) << none.err;
  fs::remove_all(d);
}

TEST(CliAnalyze, BatchWritesAnnotationsBesideTheReports) {
  const fs::path in = fresh_dir("annin");
  for (const char* ext : {".hea", ".dat", ".apn"})
    fs::copy_file(std::string(SOMNA_SOURCE_DIR) + "/data/samples/sample-night" + ext,
                  in / (std::string("sample-night") + ext));
  // Reports and annotations into the records' own folder: the reference .apn stays untouched,
  // and the EDF+ annotation file is not taken for a recording when the folder is run again.
  const std::string apn_before = slurp(in / "sample-night.apn");
  CliResult r =
      run_somna("analyze " + q(in.string()) + " --out " + q(in.string()) + " --annotations");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  for (const char* f :
       {"sample-night.json", "sample-night.html", "sample-night.sapn", "sample-night.challenge.txt",
        "sample-night.annotations.edf", "sample-night.minutes.csv"})
    EXPECT_TRUE(fs::exists(in / f)) << f;
  EXPECT_EQ(slurp(in / "sample-night.apn"), apn_before);
  r = run_somna("analyze " + q(in.string()) + " --out " + q(in.string()) + " --annotations");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 analysed, 1 skipped"), std::string::npos) << r.out;
  // Asking for annotations later redoes a record whose reports exist but whose files do not.
  fs::remove(in / "sample-night.sapn");
  r = run_somna("analyze " + q(in.string()) + " --out " + q(in.string()) + " --annotations");
  EXPECT_NE(r.out.find("1 analysed, 0 skipped"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(in / "sample-night.sapn"));
  fs::remove_all(in);
}

TEST(CliEval, MalformedChallengeLabelsNameTheFileAndLine) {
  const fs::path d = fresh_dir("evalbad");
  std::ofstream(d / "p.csv") << "record,minute,p\nr1,0,0.9\nr1,1,0.1\n";
  std::ofstream(d / "answers.txt") << "r1\n 0 AN?\n";
  CliResult r = run_somna("eval --predictions " + q((d / "p.csv").string()) + " --labels " +
                          q((d / "answers.txt").string()) + " --bootstrap 0");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.err.find((d / "answers.txt").string() + ", line 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'?' is not A (apnea) or N (normal)"), std::string::npos) << r.err;
  std::ofstream(d / "answers.txt", std::ios::trunc) << "r1\n 0 AN\n";
  r = run_somna("eval --predictions " + q((d / "p.csv").string()) + " --labels " +
                q((d / "answers.txt").string()) + " --bootstrap 0");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["minute"]["accuracy"]["value"], 1.0);
  fs::remove_all(d);
}

// Labels for a part of the night only (here 2 minutes) are scored, and said to be a part: with
// another system's predictions, and with a folder of nights scored by the detector.
TEST(CliEval, LabelsForPartOfTheNightAreNamedInAWarning) {
  const fs::path d = fresh_dir("evalpart");
  std::ofstream p(d / "p.csv");
  p << "record,minute,p\n";
  for (int m = 0; m < 10; ++m) p << "sample-night," << m << "," << (m % 2 ? 0.9 : 0.1) << "\n";
  p.close();
  const std::string answers = (d / "answers.txt").string();
  std::ofstream(answers) << "sample-night\n 0 NA\n";
  const std::string warning =
      "warning: sample-night: the reference labels (" + answers + ") cover 2 of its ";
  fs::create_directories(d / "data");
  for (const char* ext : {".hea", ".dat"})
    fs::copy_file(fs::path(kSample).replace_extension(ext),
                  d / "data" / (std::string("sample-night") + ext));
  for (const std::string& source :
       {"--predictions " + q((d / "p.csv").string()),
        "--data " + q((d / "data").string()) + " --beats detect --model cvhr"}) {
    const CliResult r = run_somna("eval " + source + " --labels " + q(answers) + " --bootstrap 0");
    ASSERT_EQ(r.rc, 0) << r.err;
    EXPECT_NE(r.err.find(warning), std::string::npos) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out)["minutes"], 2) << source;
  }
  EXPECT_NE(run_somna("eval --predictions " + q((d / "p.csv").string()) + " --labels " + q(answers))
                .err.find(warning + "10 minutes"),
            std::string::npos);
  fs::remove_all(d);
}

TEST(CliAnalyzeSlow, BatchFolderResumeShardsAndJobs) {
  if (!fs::exists(kApneaEcg + "/a01.qrs")) GTEST_SKIP() << "no Apnea-ECG data in " << kApneaEcg;
  const fs::path in = fresh_dir("in"), out = fresh_dir("out");
  for (const char* rec : {"a01", "b01", "c01"}) {
    for (const char* ext : {".hea", ".qrs", ".apn"}) {
      fs::copy_file(kApneaEcg + "/" + rec + ext, in / (std::string(rec) + ext));
    }
  }
  CliResult r = run_somna("analyze " + q(in.string()) + " --beats qrs --detector cvhr --out " +
                          q(out.string()) + " --jobs 2 --progress");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  for (const char* rec : {"a01", "b01", "c01"}) {
    EXPECT_TRUE(fs::exists(out / (std::string(rec) + ".json"))) << rec;
    EXPECT_TRUE(fs::exists(out / (std::string(rec) + ".html"))) << rec;
  }
  const std::string csv = slurp(out / "summary.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 4) << csv;
  EXPECT_EQ(csv.rfind("record,ahi,severity", 0), 0u);
  EXPECT_NE(csv.find("\na01,"), std::string::npos);
  // Resumed: nothing to do.
  r = run_somna("analyze " + q(in.string()) + " --beats qrs --detector cvhr --out " +
                q(out.string()));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(r.out.find("0 analysed, 3 skipped"), std::string::npos) << r.out;
  // Shards split the folder: 0/2 takes a01 and c01, 1/2 takes b01.
  const fs::path s0 = fresh_dir("s0");
  r = run_somna("analyze " + q(in.string()) + " --beats qrs --detector cvhr --out " +
                q(s0.string()) + " --shard 0/2");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(fs::exists(s0 / "a01.json"));
  EXPECT_TRUE(fs::exists(s0 / "c01.json"));
  EXPECT_FALSE(fs::exists(s0 / "b01.json"));
  r = run_somna("analyze " + q(in.string()) + " --beats qrs --out " + q(s0.string()) +
                " --shard 2/2");
  EXPECT_EQ(r.rc, 2);
  // A broken record fails alone: exit 1, an error file, the others done.
  std::ofstream(in / "zz.hea") << "zz 1 100 1000\nzz.dat 16 200 16 0 0 0 0 ECG\n";
  r = run_somna("analyze " + q(in.string()) + " --beats qrs --detector cvhr --out " +
                q(out.string()));
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_TRUE(fs::exists(out / "zz.error.txt"));
  EXPECT_NE(slurp(out / "summary.csv").find("\nzz,"), std::string::npos);
  fs::remove_all(in), fs::remove_all(out), fs::remove_all(s0);
}

TEST(CliSimulate, WritesANightThatAnalyzeReads) {
  const fs::path d = fresh_dir("sim");
  const std::string base = (d / "night").string();
  CliResult r =
      run_somna("simulate " + q(base) + " --hours 2.5 --seed 3 --format 212 --start 23:00:00");
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_TRUE(fs::exists(base + ".hea"));
  EXPECT_TRUE(fs::exists(base + ".dat"));
  EXPECT_TRUE(fs::exists(base + ".apn"));
  r = run_somna("analyze " + q(base + ".hea") + " --detector cvhr --json " + q(base + ".json"));
  ASSERT_EQ(r.rc, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(slurp(base + ".json"));
  EXPECT_EQ(j["record"]["start"], "23:00:00");
  EXPECT_TRUE(j["summary"]["ahi"].is_number());
  r = run_somna("simulate " + q(base) + " --format 8");
  EXPECT_EQ(r.rc, 2);
  fs::remove_all(d);
}

}  // namespace
