// Cohorts end to end (docs/cohorts.md): the Slurm array script run as plain bash with the array
// variables set, and the Kubernetes Indexed Job's command line with JOB_COMPLETION_INDEX, over a
// small cohort of Apnea-ECG nights (beats from .qrs), give exactly the reports and summary of
// one unsharded run; a shard killed midway leaves no half-written report, and its re-run
// analyses only what is missing; `somna summary`'s errors and exit codes.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/cli_run.hpp"
#include "support/shared_data.hpp"

namespace {

namespace fs = std::filesystem;
using somna::test::CliResult;
using somna::test::fresh_dir;
using somna::test::run_shell;
using somna::test::run_somna;
using somna::test::shell_quote;
using somna::test::slurp;

using somna::test::kApneaEcg;
const std::string kSource = SOMNA_SOURCE_DIR;
const std::string kArrayScript = kSource + "/deploy/slurm/somna-array.sbatch";
const std::string kSummaryScript = kSource + "/deploy/slurm/somna-summary.sbatch";
const std::string kJobManifest = kSource + "/deploy/k8s/somna-indexed-job.yaml";

// Removes the folders it was given when the test ends, passed or not.
struct Cleanup {
  std::vector<fs::path> dirs;
  ~Cleanup() {
    for (const auto& d : dirs) fs::remove_all(d);
  }
  fs::path add(const fs::path& d) {
    dirs.push_back(d);
    return d;
  }
};

// Copies the nights (header, beats, reference labels) into `dir`.
void make_cohort(const fs::path& dir, const std::vector<std::string>& records) {
  for (const std::string& rec : records) {
    for (const char* ext : {".hea", ".qrs", ".apn"}) {
      fs::copy_file(kApneaEcg + "/" + rec + ext, dir / (rec + ext));
    }
  }
}

std::vector<std::string> apnea_ecg_records() {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(kApneaEcg)) {
    if (e.path().extension() == ".qrs") v.push_back(e.path().stem().string());
  }
  std::sort(v.begin(), v.end());
  return v;
}

// Scheduler variables unset, so that the test's own environment cannot leak into a shard.
const std::string kCleanEnv =
    "env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT -u SLURM_ARRAY_TASK_MIN "
    "-u SLURM_ARRAY_TASK_MAX -u SLURM_ARRAY_TASK_STEP -u JOB_COMPLETION_INDEX "
    "-u SOMNA_SHARD_COUNT -u SLURM_CPUS_PER_TASK SOMNA=" +
    shell_quote(SOMNA_BINARY) + " ";

// Slurm task `id` of an array `first`..`first + n - 1`, as the script sees it.
std::string slurm_task(int id, int first, int n, const fs::path& cohort, const fs::path& out) {
  return kCleanEnv + "SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
         " SLURM_ARRAY_TASK_COUNT=" + std::to_string(n) +
         " SLURM_ARRAY_TASK_MIN=" + std::to_string(first) +
         " SLURM_ARRAY_TASK_MAX=" + std::to_string(first + n - 1) + " bash " +
         shell_quote(kArrayScript) + " " + shell_quote(cohort.string()) + " " +
         shell_quote(out.string()) + " --beats qrs";
}

// The Indexed Job's container arguments (the manifest's one-line `args: [...]`), with its
// cohort and output folders replaced by ours.
std::string k8s_args(const fs::path& cohort, const fs::path& out) {
  std::ifstream in(kJobManifest);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("args: [");
    if (at == std::string::npos) continue;
    std::string args;
    for (std::string a : nlohmann::json::parse(line.substr(at + 6))) {
      if (a == "/data/cohort") a = cohort.string();
      if (a == "/data/out") a = out.string();
      args += " " + shell_quote(a);
    }
    return args;
  }
  ADD_FAILURE() << "no args: [...] line in " << kJobManifest;
  return {};
}

std::string k8s_pod(int index, int n, const fs::path& cohort, const fs::path& out) {
  return kCleanEnv + "JOB_COMPLETION_INDEX=" + std::to_string(index) +
         " SOMNA_SHARD_COUNT=" + std::to_string(n) + " " + shell_quote(SOMNA_BINARY) +
         k8s_args(cohort, out) + " --beats qrs";
}

// Runs the commands at once (as an array's tasks run), each logging to log_dir/task<i>.log;
// the exit code is the first non-zero one.
CliResult run_concurrently(const std::vector<std::string>& commands, const fs::path& log_dir) {
  std::string script = "rc=0; pids=\"\";";
  for (size_t i = 0; i < commands.size(); ++i) {
    script += " ( " + commands[i] + " ) >" +
              shell_quote((log_dir / ("task" + std::to_string(i) + ".log")).string()) +
              " 2>&1 & pids=\"$pids $!\";";
  }
  script += " for p in $pids; do wait $p || rc=$?; done; exit $rc";
  return run_shell("bash -c " + shell_quote(script));
}

// A report's text without what differs from run to run: the analysis time (JSON analysis_ms,
// the HTML report's "Analysis time" row).
std::string without_timing(const fs::path& p) {
  static const std::regex json_ms("\"analysis_ms\": [-+.0-9eE]+");
  static const std::regex html_ms("Analysis time</th><td>[^<]*</td>");
  const std::string text = slurp(p);
  if (p.extension() == ".json") return std::regex_replace(text, json_ms, "\"analysis_ms\": 0");
  if (p.extension() == ".html") return std::regex_replace(text, html_ms, "Analysis time");
  return text;
}

std::map<std::string, std::string> reports_of(const fs::path& dir) {
  std::map<std::string, std::string> m;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("summary.", 0) == 0) continue;
    m[name] = without_timing(e.path());
  }
  return m;
}

// The summary page with its folder names (shown on the page) made alike.
std::string page_of(const fs::path& dir) {
  std::string h = slurp(dir / "summary.html");
  const std::string name = dir.string();
  for (size_t at; (at = h.find(name)) != std::string::npos;) h.replace(at, name.size(), "OUT");
  return h;
}

void expect_same_cohort(const fs::path& ref, const fs::path& got, const std::string& what) {
  const auto a = reports_of(ref), b = reports_of(got);
  EXPECT_EQ(a.size(), b.size()) << what;
  for (const auto& [name, text] : a) {
    const auto it = b.find(name);
    ASSERT_NE(it, b.end()) << what << ": " << name << " missing";
    EXPECT_TRUE(it->second == text) << what << ": " << name << " differs";
  }
  EXPECT_EQ(slurp(ref / "summary.csv"), slurp(got / "summary.csv")) << what;
  EXPECT_EQ(page_of(ref), page_of(got)) << what;
}

// The masks above match what the reports hold (else the comparisons below would be vacuous or
// fail on timing alone).
TEST(CliCohort, TimingFieldsOfTheReportsAreMasked) {
  Cleanup c;
  const fs::path d = c.add(fresh_dir("mask"));
  const CliResult r =
      run_somna("analyze " + shell_quote(kSource + "/data/samples/sample-night.hea") +
                " --detector cvhr --json " + shell_quote((d / "r.json").string()) + " --html " +
                shell_quote((d / "r.html").string()));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_NE(slurp(d / "r.html").find("Analysis time</th><td>"), std::string::npos);
  EXPECT_EQ(without_timing(d / "r.html").find(" ms</td>"), std::string::npos);
  EXPECT_NE(slurp(d / "r.json").find("\"analysis_ms\": "), std::string::npos);
  EXPECT_TRUE(
      std::regex_search(without_timing(d / "r.json"), std::regex("\"analysis_ms\": 0[,\n}]")));
}

// The line a shard logs: its records and where its index came from (--array=1-3).
std::string shard_line(int index, size_t n_mine) {
  return std::to_string(n_mine) + " in shard " + std::to_string(index) +
         "/3 (SLURM_ARRAY_TASK_ID=" + std::to_string(index + 1) + " of SLURM_ARRAY_TASK_COUNT=3";
}

TEST(CliCohortSlow, ShardsFromSlurmAndKubernetesEqualOneUnshardedRun) {
  if (!fs::exists(kApneaEcg + "/a01.qrs")) GTEST_SKIP() << "no Apnea-ECG data in " << kApneaEcg;
  Cleanup c;
  const fs::path cohort = c.add(fresh_dir("cohort")), ref = c.add(fresh_dir("ref"));
  const fs::path slurm = c.add(fresh_dir("slurm")), k8s = c.add(fresh_dir("k8s"));
  const fs::path logs = c.add(fresh_dir("logs"));
  make_cohort(cohort, {"a01", "a02", "a03", "b01", "b02", "c01", "c02"});  // 3 + 2 + 2 a shard
  CliResult r = run_somna("analyze " + shell_quote(cohort.string()) + " --out " +
                          shell_quote(ref.string()) + " --beats qrs");
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  r = run_somna("summary " + shell_quote(ref.string()));
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("7 records: 7 with an AHI"), std::string::npos) << r.out;

  // Slurm: --array=1-3 (numbered from 1), three tasks at once, then the summary step.
  r = run_concurrently({slurm_task(1, 1, 3, cohort, slurm), slurm_task(2, 1, 3, cohort, slurm),
                        slurm_task(3, 1, 3, cohort, slurm)},
                       logs);
  ASSERT_EQ(r.rc, 0) << slurp(logs / "task0.log") << slurp(logs / "task1.log")
                     << slurp(logs / "task2.log");
  for (int i = 0; i < 3; ++i) {
    const std::string log = slurp(logs / ("task" + std::to_string(i) + ".log"));
    EXPECT_NE(log.find(shard_line(i, i == 0 ? 3 : 2)), std::string::npos) << log;
  }
  // Each task rewrote summary.csv when it ended; concurrent writers never leave a torn table.
  const std::string partial = slurp(slurm / "summary.csv");
  EXPECT_EQ(partial.rfind("record,ahi,", 0), 0u) << partial;
  EXPECT_EQ(partial.back(), '\n');
  r = run_shell(kCleanEnv + "bash " + shell_quote(kSummaryScript) + " " +
                shell_quote(slurm.string()));
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  expect_same_cohort(ref, slurm, "Slurm array");

  // Kubernetes: JOB_COMPLETION_INDEX 0..2 with the manifest's arguments.
  r = run_concurrently(
      {k8s_pod(0, 3, cohort, k8s), k8s_pod(1, 3, cohort, k8s), k8s_pod(2, 3, cohort, k8s)}, logs);
  ASSERT_EQ(r.rc, 0) << slurp(logs / "task0.log") << slurp(logs / "task1.log")
                     << slurp(logs / "task2.log");
  r = run_somna("summary " + shell_quote(k8s.string()));
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  expect_same_cohort(ref, k8s, "Kubernetes Indexed Job");

  // A shard outside the array, or no array at all: exit 2, nothing written.
  r = run_shell(kCleanEnv + "JOB_COMPLETION_INDEX=3 SOMNA_SHARD_COUNT=3 " +
                shell_quote(SOMNA_BINARY) + k8s_args(cohort, logs / "none"));
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("shard 3 of 3 does not exist"), std::string::npos) << r.err;
  r = run_shell(kCleanEnv + "bash " + shell_quote(kArrayScript) + " " +
                shell_quote(cohort.string()) + " " + shell_quote((logs / "none").string()));
  EXPECT_EQ(r.rc, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("none of them is set"), std::string::npos) << r.err;
}

struct stat stat_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st;
}

bool done(const fs::path& out, const std::string& rec) {
  return fs::exists(out / (rec + ".json")) && fs::exists(out / (rec + ".html"));
}

// Starts the one-task array script on `cohort` (stdout and stderr to `log`); returns its pid
// (the script execs somna, so this is somna's).
pid_t start_task(const fs::path& cohort, const fs::path& out, const fs::path& log) {
  const std::string cmd =
      "exec " + slurm_task(0, 0, 1, cohort, out) + " >" + shell_quote(log.string()) + " 2>&1";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST(CliCohortSlow, KilledShardLeavesNoHalfReportAndResumesOnlyWhatIsMissing) {
  if (!fs::exists(kApneaEcg + "/a01.qrs")) GTEST_SKIP() << "no Apnea-ECG data in " << kApneaEcg;
  Cleanup c;
  const fs::path cohort = c.add(fresh_dir("cohort")), out = c.add(fresh_dir("out"));
  const fs::path logs = c.add(fresh_dir("logs"));
  const std::vector<std::string> records = apnea_ecg_records();
  make_cohort(cohort, records);
  const pid_t pid = start_task(cohort, out, logs / "killed.log");
  ASSERT_GT(pid, 0);
  // SIGKILL as soon as the first night's reports are there (JSON, then HTML, is the order).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!done(out, records.front()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status))
      << "the shard ended before it was killed: " << slurp(logs / "killed.log");
  // Whatever is there is whole: every JSON report parses.
  std::map<std::string, struct stat> before;
  size_t n_done = 0;
  for (const std::string& rec : records) {
    if (fs::exists(out / (rec + ".json"))) {
      EXPECT_NO_THROW(nlohmann::json::parse(slurp(out / (rec + ".json")))) << rec;
    }
    if (done(out, rec)) {
      ++n_done;
      before[rec + ".json"] = stat_of(out / (rec + ".json"));
      before[rec + ".html"] = stat_of(out / (rec + ".html"));
    }
  }
  ASSERT_GE(n_done, 1u);
  ASSERT_LT(n_done, records.size()) << "the shard finished before the kill";

  const CliResult r = run_shell(slurm_task(0, 0, 1, cohort, out));
  ASSERT_EQ(r.rc, 0) << r.out << r.err;
  const std::string expected = std::to_string(n_done) + " already done, " +
                               std::to_string(records.size() - n_done) + " to analyse";
  EXPECT_NE((r.out + r.err).find(expected), std::string::npos) << r.out << r.err;
  for (const auto& [name, st] : before) {
    const struct stat now = stat_of(out / name);
    EXPECT_EQ(now.st_ino, st.st_ino) << name << " was rewritten";
    EXPECT_EQ(now.st_mtim.tv_sec, st.st_mtim.tv_sec) << name;
    EXPECT_EQ(now.st_mtim.tv_nsec, st.st_mtim.tv_nsec) << name;
  }
  for (const std::string& rec : records) EXPECT_TRUE(done(out, rec)) << rec;
  const std::string csv = slurp(out / "summary.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(records.size() + 1));
}

TEST(CliSummary, NoReportsMissingFolderAndSeveralFoldersWithoutOutput) {
  Cleanup c;
  const fs::path empty = c.add(fresh_dir("empty"));
  CliResult r = run_somna("summary " + shell_quote(empty.string()));
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("no night reports"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(empty.string()), std::string::npos) << r.err;
  r = run_somna("summary /nonexistent/somna-out");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("/nonexistent/somna-out"), std::string::npos) << r.err;
  r = run_somna("summary " + shell_quote(empty.string()) + " " + shell_quote(empty.string()));
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.err.find("--csv FILE"), std::string::npos) << r.err;
}

TEST(CliSummary, FailedRecordIsExitOneWithTableAndPageWritten) {
  Cleanup c;
  const fs::path out = c.add(fresh_dir("out")), merged = c.add(fresh_dir("merged"));
  std::ofstream(out / "zz.error.txt") << "zz.hea: no beats\n";
  std::ofstream(out / "yy.json") << "{\"schema\": \"somna.night-report/1\", \"summ";
  const CliResult r = run_somna("summary " + shell_quote(out.string()) + " --csv " +
                                shell_quote((merged / "c.csv").string()) + " --html " +
                                shell_quote((merged / "c.html").string()));
  EXPECT_EQ(r.rc, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("2 records: 0 with an AHI"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("FAILED yy: unreadable report " + (out / "yy.json").string()),
            std::string::npos)
      << r.out;
  EXPECT_NE(slurp(merged / "c.csv").find("\nzz,,,,,,,,,,,,,,zz.hea: no beats\n"),
            std::string::npos);
  EXPECT_NE(slurp(merged / "c.html").find("zz.hea: no beats"), std::string::npos);
}

}  // namespace
