// Unit tests of the server's parts without HTTP: the bounded worker pool, token and CORS checks,
// client file names, staging a WFDB upload (header rewritten to server names), path scrubbing in
// messages, the waveform and ECG members, static file lookup, access log lines, error mapping.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "common/error.hpp"
#include "io/record.hpp"
#include "io/wfdb_header.hpp"
#include "server/access_control.hpp"
#include "server/access_log.hpp"
#include "server/http_error.hpp"
#include "server/predict_response.hpp"
#include "server/static_files.hpp"
#include "server/upload.hpp"
#include "server/worker_pool.hpp"
#include "server_harness.hpp"
#include "support/shared_data.hpp"

namespace somna::server::testing {
namespace {

TEST(ServerWorkerPool, RunsJobsAndRefusesBeyondTheQueue) {
  WorkerPool pool(1, 1);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  auto blocker = [&] {
    gate.wait();
    ++ran;
  };
  auto a = pool.try_submit(blocker);  // runs
  ASSERT_TRUE(a.valid());
  for (int i = 0; i < 200 && pool.running() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto b = pool.try_submit(blocker);  // waits
  ASSERT_TRUE(b.valid());
  auto c = pool.try_submit(blocker);  // refused
  EXPECT_FALSE(c.valid());
  EXPECT_EQ(pool.queued(), 1);
  release.set_value();
  a.get();
  b.get();
  EXPECT_EQ(ran.load(), 2);
  // Exceptions travel through the future.
  auto d = pool.try_submit([] { throw std::runtime_error("boom"); });
  ASSERT_TRUE(d.valid());
  EXPECT_THROW(d.get(), std::runtime_error);
}

TEST(ServerAccessControl, BearerToken) {
  EXPECT_TRUE(bearer_token_ok("", ""));
  EXPECT_TRUE(bearer_token_ok("abc", "Bearer abc"));
  EXPECT_TRUE(bearer_token_ok("abc", "bearer abc"));
  EXPECT_FALSE(bearer_token_ok("abc", "Bearer abd"));
  EXPECT_FALSE(bearer_token_ok("abc", "Bearer abcd"));
  EXPECT_FALSE(bearer_token_ok("abc", "Bearer ab"));
  EXPECT_FALSE(bearer_token_ok("abc", "Basic abc"));
  EXPECT_FALSE(bearer_token_ok("abc", ""));
}

TEST(ServerAccessControl, CorsOrigins) {
  EXPECT_FALSE(allowed_origin({}, "https://a"));
  EXPECT_FALSE(allowed_origin({"https://a"}, ""));
  EXPECT_EQ(*allowed_origin({"https://a", "https://b"}, "https://b"), "https://b");
  EXPECT_FALSE(allowed_origin({"https://a"}, "https://a.evil"));
  EXPECT_EQ(*allowed_origin({"*"}, "https://x"), "*");
}

TEST(ServerUpload, ClientFileNames) {
  EXPECT_EQ(client_file_name("a01.hea"), "a01.hea");
  EXPECT_EQ(client_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(client_file_name("C:\\Users\\x\\a01.dat"), "a01.dat");
  EXPECT_EQ(client_file_name(std::string("a\r\nb\0.csv", 9)), "ab.csv");
  EXPECT_EQ(client_file_name(""), "unnamed");
  EXPECT_EQ(client_file_name("x/.."), "unnamed");
  EXPECT_EQ(client_file_name(std::string(500, 'a')).size(), 128u);
  EXPECT_EQ(lower_extension("A01.HEA"), ".hea");
  EXPECT_EQ(lower_extension("noext"), "");
  EXPECT_EQ(lower_extension(".hidden"), "");
}

TEST(ServerUpload, WfdbHeaderIsRewrittenToServerNames) {
  ScratchDir d;
  const std::string good =
      "# c\nmyrec 2 250 5\ndata/x.dat 16 200 16 0 0 0 0 ECG\r\n"
      "data/x.dat 16 200 16 0 0 0 0 RESP\n# trailing\n";
  const std::string dat(5 * 2 * 2, '\0');
  {
    TempDir t(d.str());
    const StagedRecord s = stage_upload({{"up/myrec.hea", good}, {"x.dat", dat}}, "", t);
    EXPECT_EQ(s.record_name, "myrec");
    EXPECT_EQ(s.client_file, "myrec.hea");
    EXPECT_EQ(s.read_path, t.path() + "/upload.hea");
    const std::string written = read_bytes(s.read_path);
    EXPECT_EQ(written,
              "# c\nupload 2 250 5\nsignal0.dat 16 200 16 0 0 0 0 ECG\r\n"
              "signal0.dat 16 200 16 0 0 0 0 RESP\n# trailing\n");
    EXPECT_FALSE(fs::exists(t.path() + "/signal0.dat"));  // read where it was uploaded
    EXPECT_EQ(s.wfdb_files.at("signal0.dat"), dat);
    const io::Record r = read_staged(s);
    EXPECT_EQ(r.channels.size(), 2u);
    EXPECT_EQ(r.channels[0].samples.size(), 5u);
    // Messages name the client's files.
    EXPECT_EQ(scrub_paths(t.path() + "/signal0.dat: too short; see " + t.path() + "/upload.hea", s,
                          t.path()),
              "x.dat: too short; see myrec.hea");
    EXPECT_EQ(scrub_paths("'signal0.dat' is odd", s, t.path()), "'x.dat' is odd");
  }
  EXPECT_EQ(d.entries(), 0u);  // TempDir removed its folder
}

TEST(ServerUpload, SignalFilesKeepTheirChannelsAcrossBlankAndCrOnlyLines) {
  ScratchDir d;
  TempDir t(d.str());
  // signal1.dat first, then a blank line and a CR-only line, then signal0.dat: each channel must
  // keep its own file (before: both were pointed at one file, silently).
  const std::string hea =
      "rec 2 100 4\nsignal1.dat 16 200 16 0 0 0 0 A\n\n\r\nsignal0.dat 16 200 16 0 0 0 0 B\n";
  const std::string one("\x01\x00\x01\x00\x01\x00\x01\x00", 8);
  const std::string two("\x02\x00\x02\x00\x02\x00\x02\x00", 8);
  const StagedRecord s =
      stage_upload({{"rec.hea", hea}, {"signal1.dat", one}, {"signal0.dat", two}}, "", t);
  const io::WfdbHeader staged = io::parse_wfdb_header(read_bytes(s.read_path), "staged");
  ASSERT_EQ(staged.signals.size(), 2u);
  EXPECT_EQ(s.wfdb_files.at(staged.signals[0].file_name), one);
  EXPECT_EQ(s.wfdb_files.at(staged.signals[1].file_name), two);
  const io::Record r = read_staged(s);
  ASSERT_EQ(r.channels.size(), 2u);
  EXPECT_EQ(r.channels[0].name, "A");
  EXPECT_FLOAT_EQ(r.channels[0].samples[0], 1.0f / 200);
  EXPECT_FLOAT_EQ(r.channels[1].samples[0], 2.0f / 200);
  StagedRecord by_label = s;  // a channel label is chosen as read_record chooses it
  by_label.read_options.channel = "b";
  const io::Record b = read_staged(by_label);
  ASSERT_EQ(b.channels.size(), 1u);
  EXPECT_EQ(b.channels[0].name, "B");
  // Written as well when asked (--keep), as the same record on disk.
  TempDir kept(d.str());
  const StagedRecord w =
      stage_upload({{"rec.hea", hea}, {"signal1.dat", one}, {"signal0.dat", two}}, "", kept, true);
  EXPECT_EQ(read_bytes(kept.path() + "/" + staged.signals[0].file_name), one);
  EXPECT_EQ(read_bytes(kept.path() + "/" + staged.signals[1].file_name), two);
  EXPECT_EQ(io::read_record(w.read_path).channels[1].samples, r.channels[1].samples);
}

TEST(ServerUpload, MitBih100IsStagedAsTheOriginal) {
  const std::string base = test::kWfdbSamples + "/100";
  REQUIRE_SHARED(base + ".hea");
  ScratchDir d;
  TempDir t(d.str());
  const std::string hea = read_bytes(base + ".hea"), dat = read_bytes(base + ".dat");
  const StagedRecord s = stage_upload({{"100.hea", hea}, {"100.dat", dat}}, "", t);
  const io::Record staged = read_staged(s);
  const io::Record original = io::read_record(base + ".hea");
  ASSERT_EQ(staged.channels.size(), original.channels.size());
  for (size_t c = 0; c < staged.channels.size(); ++c) {
    EXPECT_EQ(staged.channels[c].samples, original.channels[c].samples);
  }
}

TEST(ServerUpload, AHeaderLargerThanAnyRealOneIsRefusedBeforeParsing) {
  ScratchDir d;
  TempDir t(d.str());
  std::string hea = "rec 1 100 10\nrec.dat 16\n";
  while (hea.size() <= io::kMaxWfdbHeaderBytes) hea += "#\n";
  try {
    stage_upload({{"rec.hea", hea}, {"rec.dat", "xx"}}, "", t);
    FAIL() << "accepted";
  } catch (const HttpError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("at most 256 KiB"), std::string::npos) << e.what();
  }
}

TEST(ServerUpload, ErrorsNameTheFiles) {
  ScratchDir d;
  TempDir t(d.str());
  auto status_of = [&](const std::vector<UploadedPart>& parts, const std::string& fs = {}) {
    try {
      stage_upload(parts, fs, t);
    } catch (const HttpError& e) {
      return std::make_pair(e.status(), std::string(e.what()));
    }
    return std::make_pair(200, std::string());
  };
  EXPECT_EQ(status_of({}).first, 400);
  auto [s1, m1] = status_of({{"a01.hea", "a01 1 100 10\na01.dat 16\n"}});
  EXPECT_EQ(s1, 400);
  EXPECT_EQ(m1, "a01.hea names a01.dat, which was not uploaded");
  EXPECT_EQ(status_of({{"a01.hea", "a01 1 100 10\n../a01.dat 16\n"}, {"a01.dat", "x"}}).first, 400);
  EXPECT_EQ(status_of({{"m.hea", "m/2 1 100 20\nm_1 10\nm_2 10\n"}}).first, 415);
  EXPECT_EQ(status_of({{"a.edf", "x"}, {"b.edf", "y"}}).first, 400);
  EXPECT_EQ(status_of({{"a.mat", "x"}}).first, 415);
  EXPECT_EQ(status_of({{"a.csv", "1\n"}}, "0").first, 400);
  EXPECT_EQ(status_of({{"a.csv", "1\n"}}, "1e9").first, 400);
  EXPECT_EQ(status_of({{"a.csv", "1\n"}}, "250").first, 200);
  EXPECT_EQ(status_of({{"A.EDF", "x"}}).first, 200);
}

TEST(ServerPredictResponse, WaveformAndEcg) {
  io::Channel ch;
  ch.fs = 500;
  for (int i = 0; i < 500 * 20; ++i) ch.samples.push_back(i % 500 == 0 ? 1.0f : 0.0f);
  ch.samples[0] = NAN;  // a gap at the start is skipped
  const std::string w = waveform_points(ch);
  size_t points = 1;
  for (char c : w) points += c == ' ';
  EXPECT_EQ(points, 1000u);
  EXPECT_EQ(w.rfind("0.0,", 0), 0u);
  EXPECT_NE(w.find(" 1000.0,"), std::string::npos);
  const json e = ecg_json(ch);
  EXPECT_DOUBLE_EQ(e["fs"].get<double>(), 100.0);
  EXPECT_EQ(e["samples"].size(), 2000u);
  EXPECT_NEAR(e["samples"][100].get<double>(), 0.2, 1e-9);  // block of 5 with one 1.0
  EXPECT_NEAR(e["samples"][101].get<double>(), 0.0, 1e-9);
  io::Channel gap;
  gap.fs = 100;
  gap.samples.assign(300, NAN);
  EXPECT_EQ(waveform_points(gap), "");
  EXPECT_TRUE(ecg_json(gap)["samples"][0].is_null());
  io::Channel empty;
  EXPECT_EQ(waveform_points(empty), "");
}

TEST(ServerPredictResponse, RiskAndDiagnosis) {
  analysis::NightReport r;
  EXPECT_STREQ(risk_of(r).level, "unknown");
  r.ahi_note = "no AHI: 0.5 h analysable";
  EXPECT_EQ(diagnosis_of(r), "No AHI estimate: no AHI: 0.5 h analysable");
  r.ahi = 31.0;
  r.severity = analysis::Severity::Severe;
  r.has_apnea = true;
  EXPECT_STREQ(risk_of(r).level, "high");
  EXPECT_STREQ(risk_of(r).color, "#c62828");
  EXPECT_EQ(diagnosis_of(r), "Sleep apnea likely: estimated AHI 31.0 events/h (severe)");
  r.ahi = 2.0;
  r.severity = analysis::Severity::Normal;
  r.has_apnea = false;
  EXPECT_STREQ(risk_of(r).level, "low");
  EXPECT_EQ(diagnosis_of(r), "No sleep apnea: estimated AHI 2.0 events/h (normal)");
}

TEST(ServerStaticFiles, LookupAndTypes) {
  ScratchDir d;
  fs::create_directories(d.path / "assets");
  write_bytes(d.str() + "/index.html", "I");
  write_bytes(d.str() + "/assets/a.wasm", "W");
  EXPECT_EQ(content_type_for("x.WOFF2"), "font/woff2");
  EXPECT_EQ(content_type_for("x"), "application/octet-stream");
  EXPECT_EQ(find_static(d.str(), "/")->body, "I");
  EXPECT_EQ(find_static(d.str(), "/assets/a.wasm")->content_type, "application/wasm");
  EXPECT_EQ(find_static(d.str(), "/deep/route")->body, "I");
  EXPECT_FALSE(find_static(d.str(), "/nope.css"));
  EXPECT_FALSE(find_static(d.str(), "/../x.css"));
  EXPECT_FALSE(find_static("", "/"));
  EXPECT_FALSE(find_static("/nonexistent-root", "/"));
}

TEST(ServerAccessLog, LineHasIdStatusBytesAndNoControlCharacters) {
  const std::string l = access_log_line("0123456789abcdef", "127.0.0.1", "POST",
                                        "/predict\nreq=forged", 200, 1234, 12.34);
  EXPECT_EQ(l, "req=0123456789abcdef 127.0.0.1 POST /predict?req=forged 200 1234B 12.3ms");
}

TEST(ServerErrors, StageExceptionsMapToStatuses) {
  auto map = [](auto ex, Stage st) {
    return map_exception(std::make_exception_ptr(ex), st, nullptr);
  };
  EXPECT_EQ(map(io::FormatError("f", "bad"), Stage::Read).status, 400);
  EXPECT_EQ(map(io::UnsupportedError("f", "fmt 999"), Stage::Read).status, 415);
  EXPECT_EQ(map(analysis::AnalysisError("f", "no beats"), Stage::Analyse).status, 422);
  EXPECT_EQ(map(io::FormatError("f", "no ECG channel"), Stage::Analyse).status, 422);
  const MappedError m = map(model::ModelError("/models/x", "shape"), Stage::Analyse);
  EXPECT_EQ(m.status, 500);
  EXPECT_EQ(m.message, "internal error");
  EXPECT_TRUE(m.log_details);
  EXPECT_EQ(map(std::runtime_error("x"), Stage::Analyse).status, 500);
  EXPECT_EQ(map(HttpError(413, "big"), Stage::Upload).status, 413);
  const json b = error_body(422, "m", "id");
  EXPECT_EQ(b["error"]["type"], "unprocessable");
  EXPECT_EQ(b["success"], false);
}

}  // namespace
}  // namespace somna::server::testing
