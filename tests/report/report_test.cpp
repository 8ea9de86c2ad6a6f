// Reports from a NightReport built by hand: JSON conforms to docs/night-report.schema.json, the
// terminal table and timeline say what the report says, the HTML is self-contained and escaped;
// HtmlReportBrowser opens it in headless Chromium and checks that the timeline and summary render.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/night_report.hpp"
#include "common/error.hpp"
#include "common/temp_dir.hpp"
#include "report/html_report.hpp"
#include "report/json_report.hpp"
#include "report/schema_check.hpp"
#include "report/terminal_report.hpp"
#include "sim/synthetic_night.hpp"
#include "support/cli_run.hpp"

namespace somna::report {
namespace {

namespace fs = std::filesystem;

analysis::NightReport make_report(size_t n_minutes = 150) {
  analysis::NightReport r;
  r.record_name = "night<&>\"1\"";
  r.source_path = "/data/night1.hea";
  r.start = io::DateTime{2024, 3, 1, 23, 15, 0};
  r.recording_s = double(n_minutes) * 60;
  r.fs = 100;
  r.channel = "ECG";
  r.beat_source = "detector:test";
  r.detector.name = "cvhr-acat";
  r.detector.kind = "training-free";
  r.detector.threshold = 0.5;
  for (size_t m = 0; m < n_minutes; ++m) {
    analysis::MinuteResult x;
    x.t_s = 60.0 * double(m);
    const bool in_ep = (m >= 30 && m < 50) || (m >= 90 && m < 96);
    x.p_apnea = in_ep ? 0.9f : 0.05f;
    x.apnea = in_ep;
    x.heart_rate_bpm = 60 + 5 * std::sin(double(m) / 10);
    if (m >= 120 && m < 125) {
      x.excluded = true, x.apnea = false, x.quality = 0.1f, x.quality_reason = "flat line";
    } else {
      r.analysable_s += 60;
    }
    r.minutes.push_back(x);
  }
  r.episodes = {{1800, 1200, 0.9f, 20}, {5400, 360, 0.9f, 6}};
  r.events = {{1800, 1840, 0.8f}, {1845, 1890, 0.7f}};
  r.apnea_minutes = 26;
  r.ahi = 12.3;
  r.ahi_method = "detector events";
  r.ahi_note = "cvhr-acat events per hour";
  r.severity = analysis::Severity::Mild;
  r.has_apnea = true;
  r.hrv = {62, 45, 30, 1.5, 55, 70};
  r.exclusions = {"5 min excluded: flat line"};
  r.warnings = {"ECG channel 'ECG' is clipped: 40% of its samples sit at its extreme values"};
  r.n_beats = 9000;
  for (int i = 0; i < 9000; ++i) r.r_time_s.push_back(0.5 + i * 0.95);
  return r;
}

nlohmann::json load_schema() {
  std::ifstream in(std::string(SOMNA_SOURCE_DIR) + "/docs/night-report.schema.json");
  return nlohmann::json::parse(in);
}

TEST(JsonReport, ConformsToSchema) {
  const nlohmann::json schema = load_schema();
  const analysis::NightReport r = make_report();
  JsonOptions o;
  o.include_beats = true;
  const nlohmann::json j = night_report_json(r, o);
  EXPECT_EQ(testing::schema_check(j, schema), "");
  EXPECT_EQ(j["schema"], kNightReportSchema);
  EXPECT_DOUBLE_EQ(j["summary"]["ahi"].get<double>(), 12.3);
  EXPECT_EQ(j["summary"]["severity"], "mild");
  EXPECT_EQ(j["minutes"].size(), 150u);
  EXPECT_EQ(j["minutes"][35]["label"], "A");
  EXPECT_EQ(j["minutes"][0]["label"], "N");
  EXPECT_EQ(j["minutes"][121]["label"], "X");
  EXPECT_EQ(j["minutes"][121]["reason"], "flat line");
  EXPECT_EQ(j["record"]["start"], "2024-03-01 23:15:00");
  EXPECT_EQ(j["beats"].size(), 9000u);
  EXPECT_FALSE(night_report_json(r).contains("beats"));
  ASSERT_EQ(j["warnings"].size(), 1u);
  EXPECT_EQ(j["warnings"][0], r.warnings[0]);
}

TEST(JsonReport, NoAhiIsNullAndStillConforms) {
  analysis::NightReport r = make_report(60);
  r.ahi.reset();
  r.ahi_note = "no AHI: 1.0 h analysable";
  r.hrv.lf_hf = std::nan("");
  const nlohmann::json j = night_report_json(r);
  EXPECT_TRUE(j["summary"]["ahi"].is_null());
  EXPECT_TRUE(j["summary"]["severity"].is_null());
  EXPECT_TRUE(j["heart_rate"]["lf_hf"].is_null());
  // lf_hf null is outside the schema's "number": NaN must not come out of analyze_night.
  EXPECT_NE(testing::schema_check(j, load_schema()), "");
  r.hrv.lf_hf = 0;
  EXPECT_EQ(testing::schema_check(night_report_json(r), load_schema()), "");
}

TEST(JsonReport, NightProbabilityOnlyWhenCalibrated) {
  analysis::NightReport r = make_report();
  nlohmann::json j = night_report_json(r);
  EXPECT_TRUE(j["summary"]["night_probability"].is_null());
  EXPECT_TRUE(j["summary"]["night_logit"].is_null());
  EXPECT_EQ(terminal_summary(r).find("p(AHI >= 5)"), std::string::npos);
  r.ahi_method = "event-rate model";
  r.night_logit = 1.5;
  r.night_probability = 0.8176f;
  j = night_report_json(r);
  EXPECT_EQ(testing::schema_check(j, load_schema()), "");
  EXPECT_NEAR(j["summary"]["night_probability"].get<double>(), 0.8176, 1e-6);
  EXPECT_DOUBLE_EQ(j["summary"]["night_logit"].get<double>(), 1.5);
  EXPECT_NE(terminal_summary(r).find("p(AHI >= 5)        0.82 (calibrated"), std::string::npos)
      << terminal_summary(r);
  const std::string h = html_report(r, nullptr);
  EXPECT_NE(h.find("p(AHI ≥ 5) 0.82, calibrated with the model"), std::string::npos);
}

TEST(JsonReport, SchemaCheckerCatchesProblems) {
  const nlohmann::json schema = load_schema();
  nlohmann::json j = night_report_json(make_report());
  j["minutes"][3]["label"] = "Q";
  EXPECT_NE(testing::schema_check(j, schema).find("minutes[3].label"), std::string::npos);
  j = night_report_json(make_report());
  j["summary"].erase("ahi");
  EXPECT_NE(testing::schema_check(j, schema), "");
  j = night_report_json(make_report());
  j["extra"] = 1;
  EXPECT_NE(testing::schema_check(j, schema), "");
}

TEST(JsonReport, WriteFailsWithAClearError) {
  EXPECT_THROW(write_json_report(make_report(), "/nonexistent-dir/x.json"), Error);
}

TEST(TerminalReport, SummaryAndTimeline) {
  const analysis::NightReport r = make_report();
  const std::string s = terminal_summary(r);
  EXPECT_NE(s.find("12.3 events/h"), std::string::npos) << s;
  EXPECT_NE(s.find("mild"), std::string::npos);
  EXPECT_NE(s.find("2 h 30 min"), std::string::npos);
  EXPECT_NE(s.find("mean 62 bpm"), std::string::npos);
  EXPECT_NE(s.find("Warning "), std::string::npos) << s;
  EXPECT_NE(s.find("ECG channel 'ECG' is clipped"), std::string::npos) << s;
  const std::string t = terminal_timeline(r, {true, false});
  // 150 minutes -> 3 lines starting at the wall-clock hour.
  EXPECT_NE(t.find("23:15 |"), std::string::npos) << t;
  EXPECT_NE(t.find("00:15 |"), std::string::npos);
  EXPECT_NE(t.find("01:15 |"), std::string::npos);
  EXPECT_NE(t.find(std::string(20, 'A')), std::string::npos);
  EXPECT_NE(t.find("xxxxx"), std::string::npos);
  const std::string u = terminal_timeline(r);
  EXPECT_NE(u.find("█"), std::string::npos);
  EXPECT_NE(u.find("▁"), std::string::npos);
  analysis::NightReport none = make_report(60);
  none.ahi.reset();
  none.ahi_note = "no AHI: too short";
  EXPECT_NE(terminal_summary(none).find("not estimated"), std::string::npos);
  EXPECT_EQ(format_duration(59), "59 s");
  EXPECT_EQ(format_duration(3600 * 7 + 42 * 60 + 5), "7 h 42 min");
}

TEST(HtmlReport, SelfContainedAndEscaped) {
  const analysis::NightReport r = make_report();
  const std::string h = html_report(r, nullptr);
  EXPECT_EQ(h.rfind("<!doctype html>", 0), 0u);
  EXPECT_NE(h.find("id=\"timeline\""), std::string::npos);
  EXPECT_NE(h.find("id=\"hr\""), std::string::npos);
  EXPECT_NE(h.find("id=\"ahi\">12.3<"), std::string::npos);
  EXPECT_NE(h.find("night&lt;&amp;&gt;&quot;1&quot;"), std::string::npos);
  EXPECT_EQ(h.find("night<&>"), std::string::npos);
  // Nothing is fetched: no external scripts, styles, images or fonts.
  for (const char* bad : {"src=\"http", "href=\"http", "@import", "url(http", "<link"}) {
    EXPECT_EQ(h.find(bad), std::string::npos) << bad;
  }
  EXPECT_NE(h.find("class=\"episode\""), std::string::npos);
  EXPECT_NE(h.find("class=\"tacho\""), std::string::npos);
  EXPECT_NE(h.find("Hayano"), std::string::npos);
}

TEST(HtmlReport, ReferenceLabelsBandAndAgreement) {
  const analysis::NightReport r = make_report();
  HtmlOptions o;
  o.reference_minutes.assign(r.minutes.size(), 0);
  for (size_t m = 30; m < 50; ++m) o.reference_minutes[m] = 1;
  o.reference_source = "night.apn";
  const std::string h = html_report(r, nullptr, o);
  EXPECT_NE(h.find("class=\"ref-a\""), std::string::npos);
  // 145 analysable minutes; the report's apnea minutes 90..95 disagree with the reference.
  EXPECT_NE(h.find("agreement 96% of 145 minutes"), std::string::npos);
  EXPECT_EQ(html_report(r, nullptr).find("class=\"ref-a\""), std::string::npos);
}

TEST(HtmlReport, EcgStripsWhenTheRecordHasSamples) {
  sim::NightSpec spec;
  spec.hours = 2.5;
  const sim::SimulatedNight n = sim::simulate_night(spec);
  analysis::NightReport r = make_report();
  r.r_time_s = n.r_time_s;
  const std::string h = html_report(r, &n.record);
  EXPECT_NE(h.find("class=\"ecg\""), std::string::npos);
  EXPECT_NE(h.find("class=\"ecgline\""), std::string::npos);
  EXPECT_NE(h.find("class=\"beat\""), std::string::npos);
  EXPECT_NE(h.find("calm reference"), std::string::npos);
  EXPECT_LT(h.size(), 3u << 20);
}

// Headless Chromium (skipped when absent): the page loads, scripts run without errors and the
// summary and timeline are in the rendered DOM; a screenshot is produced.
std::string find_chromium() {
  for (const char* p :
       {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (fs::exists(p)) return p;
  }
  return {};
}

using test::slurp;

TEST(HtmlReportBrowser, RendersInChromium) {
  const std::string chromium = find_chromium();
  if (chromium.empty()) GTEST_SKIP() << "chromium not installed (scripts/setup installs it)";
  sim::NightSpec spec;
  spec.hours = 2.5;
  const sim::SimulatedNight n = sim::simulate_night(spec);
  analysis::NightReport r = make_report();
  r.r_time_s = n.r_time_s;
  TempDir scratch;
  const fs::path dir = scratch.path();
  const fs::path html = dir / "report.html", dom = dir / "dom.html", png = dir / "shot.png",
                 log = dir / "log.txt";
  write_html_report(r, &n.record, html.string());
  const std::string flags =
      " --headless --no-sandbox --disable-gpu --disable-background-networking"
      " --disable-dev-shm-usage --user-data-dir=" +
      (dir / "profile").string();
  const std::string url = "file://" + html.string();
  ASSERT_EQ(std::system((chromium + flags + " --enable-logging=stderr --v=0 --dump-dom " + url +
                         " > " + dom.string() + " 2> " + log.string())
                            .c_str()),
            0)
      << slurp(log);
  const std::string d = slurp(dom);
  EXPECT_NE(d.find("id=\"timeline\""), std::string::npos);
  EXPECT_NE(d.find("Estimated AHI"), std::string::npos);
  EXPECT_NE(d.find("12.3"), std::string::npos);
  EXPECT_NE(d.find("class=\"strip on\""), std::string::npos);
  EXPECT_EQ(slurp(log).find("Uncaught"), std::string::npos) << slurp(log);
  ASSERT_EQ(std::system((chromium + flags + " --screenshot=" + png.string() +
                         " --window-size=1400,1800 " + url + " > /dev/null 2>&1")
                            .c_str()),
            0);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 50000u);  // a blank page is a few KB
  // To look at it: SOMNA_KEEP_BROWSER_OUTPUT=DIR keeps the page, DOM, screenshot and log in DIR.
  if (const char* keep = std::getenv("SOMNA_KEEP_BROWSER_OUTPUT")) scratch.keep_as(keep);
}

}  // namespace
}  // namespace somna::report
