// End-to-end tests of the API over real HTTP on 127.0.0.1: GET /health, POST /predict with each
// input kind (WFDB .hea + .dat, EDF, CSV + fs), the original response shape field by field, the
// `night` member equal to report::night_report_json, the opt-in ECG, every error status, /metrics,
// and concurrent uploads.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "analysis/night_report.hpp"
#include "io/record.hpp"
#include "report/json_report.hpp"
#include "server_harness.hpp"

namespace somna::server::testing {
namespace {

TEST(ServerApi, HealthHasTheOriginalFieldsAndTheDetector) {
  auto det = default_detector();
  ServerOptions o;
  if (det->info().kind == "learned") o.model_file = source_dir() + "/models/default.safetensors";
  TestServer ts(o, det);
  auto c = ts.client();
  auto r = to_reply(c->Get("/health"));
  ASSERT_EQ(r.status, 200) << r.raw;
  const json& j = r.body;
  EXPECT_EQ(j["status"], "ok");
  const auto info = det->info();
  EXPECT_EQ(j["model_loaded"], info.kind == "learned");
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_TRUE(j["gpu_available"].is_boolean());
  ASSERT_TRUE(j["normalization"].is_object());
  EXPECT_TRUE(j["normalization"].contains("mean"));
  EXPECT_TRUE(j["normalization"].contains("std"));
  if (info.norm_std > 0) {
    EXPECT_DOUBLE_EQ(j["normalization"]["std"].get<double>(), info.norm_std);
  } else {
    EXPECT_TRUE(j["normalization"]["std"].is_null());
  }
  if (!o.model_file.empty()) {
    // The model file's own description of its (per-record) normalisation.
    EXPECT_TRUE(j["normalization"]["description"].is_object()) << j.dump();
  }
  EXPECT_TRUE(std::regex_match(j["version"].get<std::string>(), std::regex(R"(\d+\.\d+\.\d+.*)")));
  EXPECT_EQ(j["detector"]["name"], info.name);
  EXPECT_EQ(j["detector"]["kind"], info.kind);
  EXPECT_EQ(j["detector"]["trained_on"], info.trained_on);
  EXPECT_EQ(r.headers.count("X-Request-Id"), 1u);
  EXPECT_NE(r.headers.find("Content-Type")->second.find("application/json"), std::string::npos);
}

TEST(ServerApi, HealthOfTheTrainingFreeDetectorSaysNoModel) {
  TestServer ts({}, cvhr());
  auto r = to_reply(ts.client()->Get("/health"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["model_loaded"], false);
  EXPECT_EQ(r.body["detector"]["kind"], "training-free");
  EXPECT_TRUE(r.body["normalization"]["mean"].is_null());
}

// The original response shape, field by field, on the 3 h sample night; `night` is exactly what
// report::night_report_json says of the same analysis.
TEST(ServerApi, PredictWfdbSampleHasTheOriginalShapeAndTheNight) {
  auto det = default_detector();
  TestServer ts({}, det);
  auto c = ts.client();
  const Reply r = predict(*c, sample_upload());
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 500);
  const json& j = r.body;
  EXPECT_EQ(j["success"], true);

  const json& p = j["prediction"];
  ASSERT_TRUE(p.is_object());
  EXPECT_TRUE(p["has_apnea"].is_boolean());
  EXPECT_TRUE(p["probability"].is_number());
  EXPECT_GE(p["probability"].get<double>(), 0.0);
  EXPECT_LE(p["probability"].get<double>(), 1.0);
  EXPECT_TRUE(p["raw_logit"].is_number());
  EXPECT_TRUE(p["risk_level"].is_string());
  EXPECT_TRUE(std::regex_match(p["risk_color"].get<std::string>(), std::regex("#[0-9a-f]{6}")));
  EXPECT_TRUE(p["diagnosis"].is_string());

  const json& d = j["demographics"];
  EXPECT_EQ(d["record_name"], "sample-night");
  EXPECT_DOUBLE_EQ(d["sampling_frequency"].get<double>(), 100.0);
  EXPECT_NEAR(d["duration"].get<double>(), 10800.0, 1e-6);
  EXPECT_EQ(d["number_of_signals"], 1);

  // waveform: "x,y x,y ..." within the documented viewBox 0 0 1000 200.
  const std::string w = j["waveform"];
  std::istringstream ws(w);
  std::string pt;
  size_t n = 0;
  double last_x = -1, min_y = 1e9, max_y = -1e9;
  while (ws >> pt) {
    double x = 0, y = 0;
    char comma = 0;
    std::istringstream ps(pt);
    ASSERT_TRUE(ps >> x >> comma >> y) << pt;
    ASSERT_EQ(comma, ',');
    EXPECT_GT(x, last_x);
    EXPECT_GE(x, 0);
    EXPECT_LE(x, 1000);
    EXPECT_GE(y, 0);
    EXPECT_LE(y, 200);
    last_x = x;
    min_y = std::min(min_y, y);
    max_y = std::max(max_y, y);
    ++n;
  }
  EXPECT_EQ(n, 1000u);            // 10 s at 100 Hz = 1000 samples
  EXPECT_GT(max_y - min_y, 100);  // an ECG, not a flat line: R peaks span most of the height

  EXPECT_TRUE(std::regex_match(j["timestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_EQ(j["request_id"].get<std::string>(), r.headers.find("X-Request-Id")->second);
  EXPECT_FALSE(j.contains("ecg"));

  // night == night_report_json of the same analysis (timings and the source path aside).
  const io::Record rec = io::read_record(sample_base() + ".hea");
  const analysis::NightReport rep = analysis::analyze_night(rec, *det);
  json expect = report::night_report_json(rep);
  json got = j["night"];
  EXPECT_EQ(got["schema"], report::kNightReportSchema);
  EXPECT_EQ(got["record"]["source_path"], "sample-night.hea");  // never the server's temp path
  for (json* x : {&expect, &got}) {
    (*x)["summary"].erase("analysis_ms");
    (*x)["record"].erase("source_path");
  }
  EXPECT_EQ(got, expect);
  EXPECT_FALSE(got.contains("beats"));

  // prediction mirrors the night's summary.
  EXPECT_EQ(p["has_apnea"], got["summary"]["has_apnea"]);
  // The default model ships a calibrated night logistic, so both are numbers.
  ASSERT_TRUE(p["probability"].is_number()) << p.dump();
  EXPECT_NEAR(p["probability"].get<double>(), got["summary"]["night_probability"].get<double>(),
              1e-6);
  EXPECT_NEAR(p["raw_logit"].get<double>(), got["summary"]["night_logit"].get<double>(), 1e-6);
  ASSERT_TRUE(got["summary"]["ahi"].is_number());
  const double ahi = got["summary"]["ahi"];
  const std::string sev = got["summary"]["severity"];
  const std::map<std::string, std::string> level = {
      {"normal", "low"}, {"mild", "mild"}, {"moderate", "moderate"}, {"severe", "high"}};
  EXPECT_EQ(p["risk_level"], level.at(sev));
  EXPECT_NE(p["diagnosis"].get<std::string>().find(fmt::format("{:.1f}", ahi)), std::string::npos)
      << p["diagnosis"];
  EXPECT_EQ(got["minutes"].size(), 180u);
  // Nothing is left behind in the upload folder.
  EXPECT_EQ(ts.uploads().entries(), 0u);
}

TEST(ServerApi, PredictWithEcgAddsTheDownsampledChannelAndBeats) {
  TestServer ts;
  auto c = ts.client();
  auto items = sample_upload();
  items.push_back(field("ecg", "1"));
  const Reply r = predict(*c, items);
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 300);
  const json& e = r.body["ecg"];
  EXPECT_DOUBLE_EQ(e["fs"].get<double>(), 100.0);
  EXPECT_EQ(e["unit"], "mV");
  EXPECT_DOUBLE_EQ(e["start_s"].get<double>(), 0.0);
  EXPECT_EQ(e["samples"].size(), 1080000u);
  const json& beats = r.body["night"]["beats"];
  ASSERT_TRUE(beats.is_array());
  EXPECT_EQ(beats.size(), r.body["night"]["record"]["n_beats"].get<size_t>());
  // Same through the query parameter, asked as a browser asks: the answer is not compressed
  // (cpp-httplib's Brotli at its slowest quality took 12-36 s for this 6.5 MB answer).
  c->set_decompress(false);
  const Reply q = to_reply(
      c->Post("/predict?ecg=1", {{"Accept-Encoding", "gzip, deflate, br"}}, sample_upload()));
  ASSERT_EQ(q.status, 200);
  EXPECT_EQ(q.headers.count("Content-Encoding"), 0u);
  EXPECT_EQ(q.headers.find("Content-Type")->second, "application/json; charset=utf-8");
  EXPECT_EQ(q.body["ecg"]["samples"].size(), 1080000u);
}

TEST(ServerApi, PredictCsvWithFsAndAShortNightHasNoAhi) {
  // 30 min of the sample night as a one-column CSV at 100 Hz.
  const io::Record rec = io::read_record(sample_base() + ".hea");
  std::string csv = "ecg\n";
  for (size_t i = 0; i < 30 * 60 * 100; ++i)
    csv += fmt::format("{:.4f}\n", rec.channels[0].samples[i]);
  TestServer ts;
  auto c = ts.client();
  const Reply r = predict(*c, {text_part("short.csv", csv), field("fs", "100")});
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 300);
  EXPECT_EQ(r.body["demographics"]["record_name"], "short");
  EXPECT_NEAR(r.body["demographics"]["duration"].get<double>(), 1800, 1e-6);
  EXPECT_TRUE(r.body["night"]["summary"]["ahi"].is_null());
  EXPECT_EQ(r.body["prediction"]["risk_level"], "unknown");
  EXPECT_EQ(r.body["prediction"]["risk_color"], "#757575");
  EXPECT_NE(r.body["prediction"]["diagnosis"].get<std::string>().find("No AHI"), std::string::npos);
  // Without fs it cannot be read: 400 naming the file.
  const Reply e = predict(*c, {text_part("short.csv", csv)});
  expect_error(e, 400, "short.csv");
  // A bad fs.
  expect_error(predict(*c, {text_part("short.csv", csv), field("fs", "-3")}), 400, "fs");
  expect_error(predict(*c, {text_part("short.csv", csv), field("fs", "abc")}), 400, "fs");
}

TEST(ServerApi, PredictEdf) {
  const std::string edf = shared_data() + "/wfdb-samples/test_generator_2.edf";
  if (!fs::exists(edf)) GTEST_SKIP() << "shared data absent: " << edf;
  TestServer ts;
  auto c = ts.client();
  const Reply r = predict(*c, {file_part(edf)});
  ASSERT_EQ(r.status, 200) << r.raw.substr(0, 300);
  EXPECT_EQ(r.body["demographics"]["record_name"], "test_generator_2");
  EXPECT_GT(r.body["demographics"]["number_of_signals"].get<int>(), 1);
  EXPECT_EQ(r.body["night"]["record"]["source_path"], "test_generator_2.edf");
}

TEST(ServerApi, MissingAndMismatchedFilesAre400NamingWhatIsMissing) {
  TestServer ts;
  auto c = ts.client();
  expect_error(predict(*c, {field("fs", "100")}), 400, "no files uploaded");
  expect_error(predict(*c, {file_part(sample_base() + ".hea")}), 400,
               "sample-night.hea names sample-night.dat, which was not uploaded");
  expect_error(predict(*c, {file_part(sample_base() + ".dat")}), 400,
               "sample-night.dat was uploaded without its WFDB header (sample-night.hea)");
  expect_error(predict(*c, {file_part(sample_base() + ".hea"), file_part(sample_base() + ".dat"),
                            text_part("x.csv", "1\n2\n")}),
               400, "upload one record at a time");
  expect_error(predict(*c, {file_part(sample_base() + ".hea"), file_part(sample_base() + ".hea")}),
               400, "uploaded twice");
  // A header that does not parse names the uploaded file, not a server path.
  const Reply bad = predict(*c, {text_part("bad.hea", "bad 1 -5 100\nbad.dat 16\n"),
                                 text_part("bad.dat", std::string(200, '\0'))});
  expect_error(bad, 400, "bad.hea");
  EXPECT_EQ(bad.raw.find(ts.uploads().str()), std::string::npos) << bad.raw;
  // A .dat shorter than its header says: 400, message with the client's file name.
  const std::string hea = read_bytes(sample_base() + ".hea");
  const Reply shortdat = predict(*c, {text_part("sample-night.hea", hea),
                                      text_part("sample-night.dat", std::string(3000, '\0'))});
  expect_error(shortdat, 400, "sample-night.dat");
  EXPECT_EQ(shortdat.raw.find("signal0"), std::string::npos) << shortdat.raw;
  EXPECT_EQ(shortdat.raw.find("somna-upload"), std::string::npos) << shortdat.raw;
}

TEST(ServerApi, UnknownFormatIs415) {
  TestServer ts;
  auto c = ts.client();
  expect_error(predict(*c, {text_part("night.xyz", "hello")}), 415, "night.xyz: unknown format");
  // Not multipart at all.
  expect_error(to_reply(c->Post("/predict", "{}", "application/json")), 415, "multipart");
  // A WFDB signal format Somna lacks.
  const Reply u = predict(*c, {text_part("u.hea", "u 1 100 10\nu.dat 999\n"),
                               text_part("u.dat", std::string(20, '\0'))});
  EXPECT_TRUE(u.status == 415 || u.status == 400) << u.raw;
  EXPECT_EQ(u.body["success"], false);
}

TEST(ServerApi, ParsesButNoUsableEcgIs422) {
  TestServer ts;
  auto c = ts.client();
  // A record with no signals at all.
  const Reply r = predict(*c, {text_part("empty.hea", "empty 0 100 0\n")});
  expect_error(r, 422, "no signals");
  const std::string edf = shared_data() + "/wfdb-samples/test_edfann.edf";
  if (fs::exists(edf)) expect_error(predict(*c, {file_part(edf)}), 422, "test_edfann.edf");
  // Two channels, neither ECG-like: the message names the API's own way to choose.
  const Reply two = predict(*c, {text_part("rp.hea",
                                           "rp 2 100 6000\nrp.dat 16 200 16 0 0 0 0 RESP\n"
                                           "rp.dat 16 200 16 0 0 0 0 PLETH\n"),
                                 text_part("rp.dat", std::string(6000 * 2 * 2, '\0'))});
  EXPECT_GE(two.status, 400) << two.raw;
  EXPECT_LT(two.status, 500) << two.raw;
  EXPECT_NE(two.raw.find("form field 'channel'"), std::string::npos) << two.raw;
}

TEST(ServerApi, TooLargeIs413) {
  ServerOptions o;
  o.max_upload_mb = 1;  // the sample's .dat is 1.6 MB
  TestServer ts(o);
  auto c = ts.client();
  const Reply r = predict(*c, sample_upload());
  expect_error(r, 413);
  EXPECT_EQ(r.body["error"]["type"], "payload_too_large");
  // The server is still fine afterwards.
  EXPECT_EQ(to_reply(ts.client()->Get("/health")).status, 200);
}

TEST(ServerApi, InternalErrorIs500WithARequestIdAndNoDetails) {
  TestServer ts({}, std::make_shared<TestDetector>(TestDetector::Mode::Throw));
  auto c = ts.client();
  const Reply r = predict(*c, sample_upload());
  expect_error(r, 500, "internal error");
  EXPECT_EQ(r.raw.find("secret"), std::string::npos) << r.raw;
  const std::string id = r.body["error"]["request_id"];
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find(id), std::string::npos);
  EXPECT_EQ(r.headers.find("X-Request-Id")->second, id);
}

TEST(ServerApi, UnusableUploadFolderIs500NotTheClientsFault) {
  ServerOptions o;
  o.upload_dir = "/nonexistent/somna-uploads";
  TestServer ts(o);
  auto c = ts.client();
  const Reply r = predict(*c, sample_upload());
  expect_error(r, 500, "internal error");
  EXPECT_EQ(r.raw.find("/nonexistent"), std::string::npos) << r.raw;
}

TEST(ServerApi, UnknownRouteIs404JsonAndWrongMethodIs405) {
  TestServer ts;
  auto c = ts.client();
  expect_error(to_reply(c->Get("/api/nothing.json")), 404);
  expect_error(to_reply(c->Post("/nothing", "x", "text/plain")), 404, "POST /nothing");
  expect_error(to_reply(c->Delete("/predict")), 404);
  const Reply r = to_reply(c->Get("/predict"));
  expect_error(r, 405, "POST");
}

TEST(ServerApi, FullQueueIs503WithRetryAfter) {
  ServerOptions o;
  o.threads = 1;
  o.queue = 1;
  TestServer ts(o, std::make_shared<TestDetector>(TestDetector::Mode::Sleep, 1500));
  std::vector<std::thread> th;
  std::vector<Reply> replies(5);
  for (size_t i = 0; i < replies.size(); ++i) {
    th.emplace_back([&, i] {
      auto c = ts.client();
      replies[i] = predict(*c, sample_upload());
    });
  }
  for (auto& t : th) t.join();
  int ok = 0, busy = 0;
  for (const Reply& r : replies) {
    if (r.status == 200) ++ok;
    if (r.status == 503) {
      ++busy;
      expect_error(r, 503, "busy");
      EXPECT_EQ(r.headers.find("Retry-After")->second, "5");
    }
  }
  EXPECT_EQ(ok + busy, 5);
  EXPECT_GE(ok, 2);  // one running, one waiting
  EXPECT_GE(busy, 1);
  EXPECT_LE(ok, 4);
}

TEST(ServerApi, MetricsCountRequestsLatencyErrorsAndUploads) {
  TestServer ts;
  auto c = ts.client();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(to_reply(c->Get("/health")).status, 200);
  ASSERT_EQ(predict(*c, sample_upload()).status, 200);
  ASSERT_EQ(predict(*c, {text_part("x.xyz", "1")}).status, 415);
  ASSERT_EQ(to_reply(c->Get("/nope.js")).status, 404);
  // Metrics are recorded after each response is written: wait until the last one is counted.
  std::string t;
  for (int i = 0; i < 200; ++i) {
    auto m = c->Get("/metrics");
    ASSERT_TRUE(m);
    ASSERT_EQ(m->status, 200);
    EXPECT_NE(m->get_header_value("Content-Type").find("text/plain"), std::string::npos);
    t = m->body;
    if (m->body.find("somna_http_request_duration_seconds_count{path=\"static\"} 1\n") !=
            std::string::npos &&
        m->body.find("somna_http_request_duration_seconds_count{path=\"/predict\"} 2\n") !=
            std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(t.find("somna_http_requests_total{path=\"/health\",status=\"200\"} 3\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("somna_http_requests_total{path=\"/predict\",status=\"200\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("somna_http_requests_total{path=\"/predict\",status=\"415\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("somna_http_requests_total{path=\"static\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("somna_http_request_duration_seconds_count{path=\"/predict\"} 2\n"),
            std::string::npos);
  EXPECT_NE(t.find("somna_http_request_duration_seconds_bucket{path=\"/health\",le=\"+Inf\"} 3\n"),
            std::string::npos);
  EXPECT_NE(t.find("somna_http_errors_total{type=\"unsupported_media_type\"} 1\n"),
            std::string::npos);
  EXPECT_NE(t.find("somna_http_in_flight "), std::string::npos);
  // The sample's two files and the one byte of x.xyz.
  const size_t upload =
      read_bytes(sample_base() + ".hea").size() + read_bytes(sample_base() + ".dat").size() + 1;
  EXPECT_NE(t.find(fmt::format("somna_upload_bytes_total {}\n", upload)), std::string::npos) << t;
  EXPECT_NE(t.find("somna_analysis_workers 2\n"), std::string::npos);
  EXPECT_NE(t.find("somna_process_resident_memory_bytes "), std::string::npos);
}

TEST(ServerApi, ConcurrentUploadsAllSucceedWithTheSameAnswer) {
  ServerOptions o;
  o.threads = 2;
  o.queue = 16;
  TestServer ts(o);
  std::vector<std::thread> th;
  std::vector<Reply> replies(6);
  for (size_t i = 0; i < replies.size(); ++i) {
    th.emplace_back([&, i] {
      auto c = ts.client();
      replies[i] = predict(*c, sample_upload());
    });
  }
  for (auto& t : th) t.join();
  for (const Reply& r : replies) {
    ASSERT_EQ(r.status, 200) << r.raw.substr(0, 200);
    EXPECT_EQ(r.body["night"]["summary"]["ahi"], replies[0].body["night"]["summary"]["ahi"]);
  }
  std::set<std::string> ids;
  for (const Reply& r : replies) ids.insert(r.body["request_id"].get<std::string>());
  EXPECT_EQ(ids.size(), replies.size());
  EXPECT_EQ(ts.uploads().entries(), 0u);
}

}  // namespace
}  // namespace somna::server::testing
