// The cohort stage: reading report folders (schema check, error files, unreadable reports,
// duplicates across folders), the table (summary.csv's columns and formats, sorted), the counts,
// the page (self-contained, histogram with the AASM bands, counts, failures, nights without an
// AHI, escaping) and the shard an array job's environment names.

#include "cohort/cohort.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cohort/shard.hpp"
#include "common/error.hpp"
#include "common/temp_dir.hpp"

namespace somna::cohort {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A night report with the members the table reads (the real writer is tested in tests/report).
json report(const std::string& name, std::optional<double> ahi, const std::string& severity) {
  json s = {{"ahi", ahi ? json(*ahi) : json(nullptr)},
            {"severity", ahi ? json(severity) : json(nullptr)},
            {"has_apnea", ahi && *ahi >= 5},
            {"night_probability", 0.25},
            {"apnea_minutes", 42},
            {"ahi_note", ahi ? "" : "too little analysable signal"}};
  return {{"schema", "somna.night-report/1"},
          {"record",
           {{"name", name},
            {"recording_s", 8 * 3600.0},
            {"analysable_s", 7.5 * 3600},
            {"beat_source", "annotations (.qrs)"}}},
          {"summary", s},
          {"episodes", json::array({1, 2})},
          {"events", json::array({1, 2, 3})},
          {"heart_rate", {{"mean_bpm", 61.25}}},
          {"detector", {{"name", "cvhr"}}}};
}

void put(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

void put_report(const fs::path& dir, const std::string& name, std::optional<double> ahi,
                const std::string& severity) {
  put(dir / (name + ".json"), report(name, ahi, severity).dump(2));
}

std::vector<std::string> stems(const Cohort& c) {
  std::vector<std::string> v;
  for (const auto& r : c.rows) v.push_back(r.stem);
  return v;
}

TEST(CohortTable, ColumnsFormatsAndOrderOfSummaryCsv) {
  TempDir d;
  put_report(d.path(), "b02", 17.456, "moderate");
  put_report(d.path(), "a01", std::nullopt, "");
  put(fs::path(d.path()) / "c03.error.txt", "c03.hea: bad header, line 2\n");
  put(fs::path(d.path()) / "notes.txt", "not a report");
  put(fs::path(d.path()) / ".b02.json.tmp.77.0", "{ half a rep");  // a killed writer's leftover
  const Cohort c = read_cohort({d.path()});
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(cohort_csv(c),
            std::string(kCsvHeader) +
                "\n"
                "a01,,,0,0.2500,8.000,7.500,42,2,3,61.2,cvhr,annotations (.qrs),too little "
                "analysable signal,\n"
                "b02,17.46,moderate,1,0.2500,8.000,7.500,42,2,3,61.2,cvhr,annotations (.qrs),,\n"
                "c03,,,,,,,,,,,,,,\"c03.hea: bad header, line 2\"\n");
}

TEST(CohortTable, HeaderIsTheOneSummaryCsvHasAlwaysHad) {
  EXPECT_STREQ(kCsvHeader,
               "record,ahi,severity,has_apnea,night_probability,recording_h,analysable_h,"
               "apnea_minutes,episodes,events,mean_hr_bpm,detector,beat_source,note,error");
}

TEST(CohortReader, UnreadableReportIsAFailedRowNamingTheFile) {
  TempDir d;
  put(fs::path(d.path()) / "a01.json", "{\"schema\": \"somna.night-report/1\", \"summ");
  put(fs::path(d.path()) / "a02.json", "{\"schema\": \"somna.night-report/1\"}");
  const Cohort c = read_cohort({d.path()});
  ASSERT_EQ(c.rows.size(), 2u);
  for (const auto& r : c.rows) {
    EXPECT_TRUE(r.failed());
    EXPECT_NE(r.error.find("unreadable report " + d.path() + "/" + r.stem + ".json"),
              std::string::npos)
        << r.error;
  }
}

TEST(CohortReader, OtherJsonIsSkippedWithAWarning) {
  TempDir d;
  put(fs::path(d.path()) / "eval.json", "{\"schema\": \"somna.eval/1\"}");
  put_report(d.path(), "a01", 3.0, "normal");
  const Cohort c = read_cohort({d.path()});
  EXPECT_EQ(stems(c), std::vector<std::string>{"a01"});
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].find("eval.json: not a night report"), std::string::npos);
}

TEST(CohortReader, MissingFolderIsAnError) {
  EXPECT_THROW(read_cohort({"/nonexistent/somna-reports"}), Error);
}

TEST(CohortReader, DuplicatesKeepAReportThenTheFirstFolderAndWarn) {
  TempDir one, two;
  put_report(one.path(), "a01", 10.0, "mild");
  put_report(two.path(), "a01", 20.0, "moderate");          // the later folder loses
  put(fs::path(one.path()) / "a02.error.txt", "failed\n");  // a report elsewhere wins
  put_report(two.path(), "a02", 31.0, "severe");
  put_report(two.path(), "a03", 1.0, "normal");
  put(fs::path(two.path()) / "a03.error.txt", "stale\n");  // same folder: the report wins
  for (const auto& order : {std::vector<std::string>{one.path(), two.path()},
                            std::vector<std::string>{two.path(), one.path()}}) {
    const Cohort c = read_cohort(order);
    ASSERT_EQ(stems(c), (std::vector<std::string>{"a01", "a02", "a03"}));
    EXPECT_EQ(*c.rows[0].ahi, order[0] == one.path() ? 10.0 : 20.0);
    EXPECT_FALSE(c.rows[1].failed());
    EXPECT_EQ(c.rows[1].folder, two.path());
    EXPECT_FALSE(c.rows[2].failed());
    EXPECT_EQ(c.warnings.size(), 3u);
  }
  const Cohort c = read_cohort({one.path(), two.path()});
  EXPECT_EQ(c.warnings[0], "a01: a report in " + one.path() + " and a report in " + two.path() +
                               "; using a report in " + one.path());
}

TEST(CohortCounts, SeverityFailuresNoAhiAndMedian) {
  TempDir d;
  put_report(d.path(), "n1", 2.0, "normal");
  put_report(d.path(), "m1", 7.0, "mild");
  put_report(d.path(), "s1", 45.0, "severe");
  put_report(d.path(), "s2", 33.0, "severe");
  put_report(d.path(), "x1", std::nullopt, "");
  put(fs::path(d.path()) / "f1.error.txt", "no beats\n");
  const CohortCounts n = count_cohort(read_cohort({d.path()}));
  EXPECT_EQ(n.records, 6u);
  EXPECT_EQ(n.failed, 1u);
  EXPECT_EQ(n.no_ahi, 1u);
  EXPECT_EQ(n.severity, (std::array<size_t, 4>{1, 1, 0, 2}));
  EXPECT_DOUBLE_EQ(*n.median_ahi, 20.0);
}

TEST(CohortPage, SelfContainedWithBandsCountsFailuresAndEscaping) {
  TempDir d;
  put_report(d.path(), "n1", 2.0, "normal");
  put_report(d.path(), "m1", 7.0, "mild");
  put_report(d.path(), "s1", 150.0, "severe");  // beyond the axis: the last bin
  put_report(d.path(), "x<1>", std::nullopt, "");
  put(fs::path(d.path()) / "f&1.error.txt", "bad <header>\n");
  PageOptions o;
  o.sources = {d.path()};
  o.generator = "somna test";
  const std::string h = cohort_html(read_cohort({d.path()}), o);
  EXPECT_EQ(h.rfind("<!doctype html>", 0), 0u);
  for (const char* external : {"http://", "https://", "src=", "<link", "@import"}) {
    EXPECT_EQ(h.find(external), std::string::npos) << external;
  }
  EXPECT_NE(h.find("Cohort summary — 5 nights"), std::string::npos);
  EXPECT_NE(h.find("id=\"ahi-histogram\""), std::string::npos);
  for (const char* band : {">5 · mild<", ">15 · moderate<", ">30 · severe<"}) {
    EXPECT_NE(h.find(band), std::string::npos) << band;
  }
  EXPECT_NE(h.find("AHI 115+: 1 night(s)"), std::string::npos);
  EXPECT_NE(h.find("AHI 0–5: 1 night(s)"), std::string::npos);
  EXPECT_NE(h.find("AHI 5–10: 1 night(s)"), std::string::npos);
  EXPECT_NE(h.find(">mild</span></td><td>5 ≤ AHI &lt; 15</td><td>1</td>"), std::string::npos);
  EXPECT_NE(h.find("<td>f&amp;1</td><td>bad &lt;header&gt;</td>"), std::string::npos);
  EXPECT_NE(h.find("<td>x&lt;1&gt;</td><td>too little analysable signal</td>"), std::string::npos);
  EXPECT_EQ(h.find("x<1>"), std::string::npos);
  EXPECT_NE(h.find("Generated by somna test."), std::string::npos);
  EXPECT_EQ(h, cohort_html(read_cohort({d.path()}), o)) << "the page is deterministic";
  // Another detector on one night: the page says the nights were not analysed alike.
  json other = report("o1", 9.0, "mild");
  other["detector"]["name"] = "rr-cnn";
  put(fs::path(d.path()) / "o1.json", other.dump());
  EXPECT_NE(cohort_html(read_cohort({d.path()}), o)
                .find("analysed differently:</strong> cvhr, beats annotations (.qrs) (4); rr-cnn, "
                      "beats annotations (.qrs) (1)."),
            std::string::npos);
}

TEST(CohortPage, EmptyListsSayNone) {
  TempDir d;
  put_report(d.path(), "a1", 12.0, "mild");
  const std::string h = cohort_html(read_cohort({d.path()}));
  EXPECT_EQ(h.find("mixed-methods"), std::string::npos);
  EXPECT_NE(h.find("<p class=\"note\" id=\"failed\">None.</p>"), std::string::npos);
  EXPECT_NE(h.find("<p class=\"note\" id=\"no-ahi\">None.</p>"), std::string::npos);
}

// A fake environment from a map.
Environment env_of(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Shard, SlurmArraysFromZeroOneAndStepped) {
  Shard s = shard_from_environment(env_of({{"SLURM_ARRAY_TASK_ID", "2"},
                                           {"SLURM_ARRAY_TASK_COUNT", "3"},
                                           {"SLURM_ARRAY_TASK_MIN", "0"},
                                           {"SLURM_ARRAY_TASK_MAX", "2"}}));
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 3);
  s = shard_from_environment(env_of({{"SLURM_ARRAY_TASK_ID", "1"},
                                     {"SLURM_ARRAY_TASK_COUNT", "4"},
                                     {"SLURM_ARRAY_TASK_MIN", "1"},
                                     {"SLURM_ARRAY_TASK_MAX", "4"}}));
  EXPECT_EQ(s.index, 0);
  EXPECT_EQ(s.count, 4);
  EXPECT_NE(s.source.find("SLURM_ARRAY_TASK_MIN=1"), std::string::npos);
  s = shard_from_environment(env_of({{"SLURM_ARRAY_TASK_ID", "14"},
                                     {"SLURM_ARRAY_TASK_COUNT", "5"},
                                     {"SLURM_ARRAY_TASK_MIN", "10"},
                                     {"SLURM_ARRAY_TASK_STEP", "2"}}));
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 5);
}

TEST(Shard, KubernetesIndexedJob) {
  const Shard s =
      shard_from_environment(env_of({{"JOB_COMPLETION_INDEX", "4"}, {"SOMNA_SHARD_COUNT", "5"}}));
  EXPECT_EQ(s.index, 4);
  EXPECT_EQ(s.count, 5);
}

TEST(Shard, MissingOrInconsistentEnvironmentIsAnError) {
  const auto fails = [](std::map<std::string, std::string> vars, const std::string& expected) {
    const std::string what = error_of([&] { shard_from_environment(env_of(vars)); });
    EXPECT_NE(what.find(expected), std::string::npos) << what;
  };
  fails({}, "none of them is set");
  fails({{"SLURM_ARRAY_TASK_ID", "1"}}, "SLURM_ARRAY_TASK_COUNT is not set");
  fails({{"JOB_COMPLETION_INDEX", "1"}}, "SOMNA_SHARD_COUNT is not set");
  fails({{"JOB_COMPLETION_INDEX", "3"}, {"SOMNA_SHARD_COUNT", "3"}}, "shard 3 of 3 does not exist");
  fails({{"JOB_COMPLETION_INDEX", "1"}, {"SOMNA_SHARD_COUNT", "x3"}}, "is not a whole number");
  fails({{"SLURM_ARRAY_TASK_ID", "0"},
         {"SLURM_ARRAY_TASK_COUNT", "2"},
         {"JOB_COMPLETION_INDEX", "0"},
         {"SOMNA_SHARD_COUNT", "2"}},
        "both SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX");
  // --array=1,5,9: three tasks that are not one range from 1 to 9.
  fails({{"SLURM_ARRAY_TASK_ID", "5"},
         {"SLURM_ARRAY_TASK_COUNT", "3"},
         {"SLURM_ARRAY_TASK_MIN", "1"},
         {"SLURM_ARRAY_TASK_MAX", "9"}},
        "not one evenly stepped range");
  // An array starting at 1 read as if it started at 0 would run index N.
  fails({{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_COUNT", "3"}},
        "shard 3 of 3 does not exist");
}

TEST(Shard, OptionTextAndInShard) {
  EXPECT_EQ(resolve_shard("", env_of({})).count, 1);
  const Shard s = resolve_shard("1/3", env_of({}));
  EXPECT_EQ(s.index, 1);
  EXPECT_TRUE(in_shard(4, s));
  EXPECT_FALSE(in_shard(5, s));
  EXPECT_EQ(
      resolve_shard("auto", env_of({{"JOB_COMPLETION_INDEX", "0"}, {"SOMNA_SHARD_COUNT", "2"}}))
          .count,
      2);
  for (const char* bad : {"3/3", "-1/2", "1/0", "1/2x", "a/b"}) {
    EXPECT_NE(error_of([&] { resolve_shard(bad, env_of({})); }).find("--shard must be i/N"),
              std::string::npos)
        << bad;
  }
}

}  // namespace
}  // namespace somna::cohort
