// `somna serve` as a process: the startup line, serving, the access log (refusals of the
// listener included), a graceful stop on SIGTERM that finishes the upload in flight before
// exiting 0, and the memory of past uploads given back once the server is idle.

#include <gtest/gtest.h>

#include <cstdio>
#include <future>

#include "server_harness.hpp"
#include "support/sanitizer.hpp"

namespace somna::server::testing {
namespace {

TEST(ServeCli, StartsServesAndStopsGracefullyOnSigterm) {
  ScratchDir d;
  const std::string log = d.str() + "/serve.log";
  ChildServer child({"--detector", "cvhr", "--threads", "1", "--web-root", d.str() + "/none"}, log);
  ASSERT_TRUE(child.wait_ready(60)) << read_bytes(log);
  const std::string out = read_bytes(log);
  EXPECT_NE(
      out.find("listening on http://127.0.0.1:" + std::to_string(child.port()) + " (detector cvhr"),
      std::string::npos)
      << out;
  EXPECT_NE(out.find("web root " + d.str() + "/none (not built: run make)"), std::string::npos)
      << out;
  httplib::Client c("127.0.0.1", child.port());
  c.set_read_timeout(60, 0);
  auto h = c.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  // A head too large for the listener: refused before cpp-httplib sees it, and still logged.
  const std::string huge = "GET /health HTTP/1.1\r\nX-Pad: " + std::string(40000, 'a') + "\r\n\r\n";
  EXPECT_NE(exchange_until_close(child.port(), huge, 30).find("431"), std::string::npos);
  // An upload in flight when SIGTERM arrives still gets its answer.
  auto pending = std::async(std::launch::async, [&] {
    httplib::Client pc("127.0.0.1", child.port());
    pc.set_read_timeout(60, 0);
    auto r = pc.Post("/predict", sample_upload());
    return r ? r->status : -1;
  });
  // Wait until the server is handling it (in flight: this /metrics request and the upload).
  for (int i = 0; i < 400; ++i) {
    auto m = c.Get("/metrics");
    if (m && m->body.find("somna_http_in_flight 2") != std::string::npos) break;
    if (pending.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const int rc = child.stop(SIGTERM, 30);
  EXPECT_EQ(pending.get(), 200);
  EXPECT_EQ(rc, 0) << read_bytes(log);
  const std::string after = read_bytes(log);
  EXPECT_NE(after.find("stopped"), std::string::npos) << after;
  // The access log has one line per request with its id, status, bytes and time.
  EXPECT_NE(after.find("GET /health 200 "), std::string::npos) << after;
  EXPECT_NE(after.find("POST /predict 200 "), std::string::npos) << after;
  EXPECT_NE(after.find("127.0.0.1 - - 431 "), std::string::npos) << after;
}

TEST(ServeCli, GivesTheUploadsMemoryBackOnceIdle) {
  if (test::kUnderSanitizer)
    GTEST_SKIP() << "under a sanitizer, glibc's malloc is not the allocator";
  ScratchDir d;
  const std::string log = d.str() + "/serve.log";
  ChildServer child({"--threads", "2", "--log-level", "warn"}, log);
  ASSERT_TRUE(child.wait_ready(120)) << read_bytes(log);
  const uint64_t rss0 = child.rss_bytes();
  httplib::Client c("127.0.0.1", child.port());
  c.set_read_timeout(120, 0);
  for (int i = 0; i < 3; ++i) {  // kept in the heap between uploads (the next one reuses it)
    auto r = c.Post("/predict", sample_upload());
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200) << r->body.substr(0, 300);
  }
  const uint64_t rss_busy = child.rss_bytes();
  // Given back a second after the last answer; allow for a slow machine.
  constexpr uint64_t kSlack = 6 << 20;
  uint64_t rss_idle = rss_busy;
  for (int i = 0; i < 200 && rss_idle >= rss0 + kSlack; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    rss_idle = child.rss_bytes();
  }
  EXPECT_LT(rss_idle, rss0 + kSlack) << "RSS at start " << rss0 / 1024 << " KB, after the uploads "
                                     << rss_busy / 1024 << " KB, idle " << rss_idle / 1024 << " KB";
  std::printf("RSS at start %.1f MB, after 3 uploads %.1f MB, idle %.1f MB\n", rss0 / 1048576.0,
              rss_busy / 1048576.0, rss_idle / 1048576.0);
}

TEST(ServeCli, RefusesABusyPortAndBadTls) {
  ScratchDir d;
  httplib::Server blocker;
  const int port = blocker.bind_to_any_port("127.0.0.1");
  const std::string exe = std::getenv("SOMNA_BINARY") ? std::getenv("SOMNA_BINARY") : SOMNA_BINARY;
  const std::string cmd = "timeout 60 " + exe + " serve --detector cvhr --port " +
                          std::to_string(port) + " > " + d.str() + "/busy.log 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 2) << read_bytes(d.str() + "/busy.log");
  EXPECT_NE(read_bytes(d.str() + "/busy.log").find("cannot listen"), std::string::npos);
  write_bytes(d.str() + "/c.pem", "x");
  const std::string tls = "timeout 60 " + exe + " serve --detector cvhr --port 0 --cert " +
                          d.str() + "/c.pem --key " + d.str() + "/c.pem > " + d.str() +
                          "/tls.log 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(tls.c_str())), 2) << read_bytes(d.str() + "/tls.log");
  EXPECT_NE(read_bytes(d.str() + "/tls.log").find("cannot start TLS"), std::string::npos);
}

}  // namespace
}  // namespace somna::server::testing
