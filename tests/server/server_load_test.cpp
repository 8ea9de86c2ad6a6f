// Bounded load test of `somna serve` on loopback (suite ServerLoad: the sanitizer run skips it).
// A child server with the default detector; N client threads send at a steady total rate (each
// client on its own fixed schedule, so a slow answer does not lower the offered load) a mix of
// valid uploads of the 3 h sample night and malformed ones (missing .dat, unknown type, broken
// header, garbage EDF, no files), plus /health and /metrics. After a warm-up it records the RSS of
// the server, runs for SOMNA_LOAD_SECONDS (default 5; scripts/loadtest uses 60), records the RSS
// again, and reports throughput, p50/p99 latency and the status counts. It asserts no 5xx, no
// transport failure, every request answered with the status its kind calls for, and RSS roughly
// flat (< +50 MB after warm-up).
// Knobs (env): SOMNA_LOAD_SECONDS, SOMNA_LOAD_RATE (requests/s, default 6), SOMNA_LOAD_CLIENTS
// (default 4), SOMNA_LOAD_THREADS (server analysis workers, default 2), SOMNA_LOAD_REPORT (a path
// to write the figures as JSON).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>

#include "server_harness.hpp"

namespace somna::server::testing {
namespace {

double env_or(const char* name, double dflt) {
  const char* v = std::getenv(name);
  if (!v || !*v) return dflt;
  return std::atof(v);
}

struct Kind {
  const char* name;
  int expect;  // status it must get
  std::function<httplib::Result(httplib::Client&)> send;
};

std::vector<Kind> request_kinds() {
  static const auto valid = std::make_shared<httplib::MultipartFormDataItems>(sample_upload());
  static const auto hea_only = std::make_shared<httplib::MultipartFormDataItems>(
      httplib::MultipartFormDataItems{file_part(sample_base() + ".hea")});
  static const std::string dat = read_bytes(sample_base() + ".dat");
  std::vector<Kind> k;
  // Half the requests are valid uploads, the other half malformed or light.
  for (int i = 0; i < 5; ++i) {
    k.push_back({"valid", 200, [](httplib::Client& c) { return c.Post("/predict", *valid); }});
  }
  k.push_back(
      {"missing-dat", 400, [](httplib::Client& c) { return c.Post("/predict", *hea_only); }});
  k.push_back({"unknown-type", 415, [](httplib::Client& c) {
                 return c.Post("/predict", httplib::MultipartFormDataItems{
                                               text_part("night.xyz", dat.substr(0, 100000))});
               }});
  k.push_back({"broken-header", 400, [](httplib::Client& c) {
                 return c.Post("/predict", httplib::MultipartFormDataItems{
                                               text_part("b.hea", "b 1 -100 5\nb.dat 16\n"),
                                               text_part("b.dat", dat.substr(0, 10))});
               }});
  k.push_back({"garbage-edf", 400, [](httplib::Client& c) {
                 return c.Post("/predict", httplib::MultipartFormDataItems{
                                               text_part("g.edf", dat.substr(0, 300000))});
               }});
  k.push_back({"health", 200, [](httplib::Client& c) { return c.Get("/health"); }});
  return k;
}

struct Sample {
  double ms;
  int status;
  int kind;
};

TEST(ServerLoad, SteadyMixOfValidAndMalformedUploads) {
  const double seconds = env_or("SOMNA_LOAD_SECONDS", 5);
  const double rate = env_or("SOMNA_LOAD_RATE", 6);
  const int clients = std::max(1, static_cast<int>(env_or("SOMNA_LOAD_CLIENTS", 4)));
  const int threads = std::max(1, static_cast<int>(env_or("SOMNA_LOAD_THREADS", 2)));
  ScratchDir d;
  const std::string log = d.str() + "/serve.log";
  ChildServer child({"--threads", std::to_string(threads), "--queue", "256", "--log-level", "warn"},
                    log);
  ASSERT_TRUE(child.wait_ready(120)) << read_bytes(log);
  const auto kinds = request_kinds();

  // Warm-up: every kind a few times (allocator pools, model, page cache).
  {
    httplib::Client c("127.0.0.1", child.port());
    c.set_read_timeout(120, 0);
    for (int round = 0; round < 3; ++round) {
      for (const Kind& k : kinds) {
        auto r = k.send(c);
        ASSERT_TRUE(r) << k.name << ": " << httplib::to_string(r.error());
        ASSERT_EQ(r->status, k.expect) << k.name << ": " << r->body.substr(0, 300);
      }
    }
  }
  const uint64_t rss_before = child.rss_bytes();

  // RSS of the server every second during the run: a leak grows steadily, warm-up does not.
  std::vector<uint64_t> rss_trace;
  std::atomic<bool> running{true};
  std::thread rss_monitor([&] {
    while (running.load()) {
      rss_trace.push_back(child.rss_bytes());
      for (int i = 0; i < 20 && running.load(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  std::mutex mu;
  std::vector<Sample> samples;
  std::atomic<int> failures{0};
  std::map<std::string, int> wrong;
  const auto t0 = std::chrono::steady_clock::now();
  const auto t_end = t0 + std::chrono::duration<double>(seconds);
  const double interval = clients / rate;  // each client's period
  std::vector<std::thread> th;
  for (int ci = 0; ci < clients; ++ci) {
    th.emplace_back([&, ci] {
      httplib::Client c("127.0.0.1", child.port());
      c.set_read_timeout(120, 0);
      c.set_keep_alive(true);
      size_t n = 0;
      for (;;) {
        // Client ci sends at t0 + (ci / clients + n) * interval: the clients interleave evenly.
        const auto due =
            t0 + std::chrono::duration<double>((double(ci) / clients + double(n)) * interval);
        if (due >= t_end) break;
        std::this_thread::sleep_until(due);
        const int kind = static_cast<int>((n * clients + size_t(ci)) % kinds.size());
        const auto s = std::chrono::steady_clock::now();
        auto r = kinds[size_t(kind)].send(c);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s).count();
        std::lock_guard<std::mutex> lock(mu);
        if (!r) {
          ++failures;
        } else {
          samples.push_back({ms, r->status, kind});
          if (r->status != kinds[size_t(kind)].expect) {
            ++wrong[fmt::format("{} -> {}", kinds[size_t(kind)].name, r->status)];
          }
        }
        ++n;
      }
    });
  }
  for (auto& t : th) t.join();
  running.store(false);
  rss_monitor.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const uint64_t rss_after = child.rss_bytes();

  std::vector<double> all, valid;
  int s5xx = 0;
  std::map<int, int> by_status;
  for (const Sample& s : samples) {
    all.push_back(s.ms);
    if (std::string(kinds[size_t(s.kind)].name) == "valid") valid.push_back(s.ms);
    if (s.status >= 500) ++s5xx;
    ++by_status[s.status];
  }
  auto pct = [](std::vector<double> v, double q) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * double(v.size())));
    return v[i];
  };
  // RSS at the middle of the run: growth in the second half shows a leak rather than warm-up.
  const uint64_t rss_mid = rss_trace.empty() ? rss_before : rss_trace[rss_trace.size() / 2];
  const uint64_t rss_peak =
      rss_trace.empty() ? rss_after : *std::max_element(rss_trace.begin(), rss_trace.end());
  std::string statuses;
  for (const auto& [st, n] : by_status) statuses += fmt::format(" {}:{}", st, n);
  const std::string report = fmt::format(
      "load: {:.0f} s, {} clients, offered {:.1f} req/s, server threads {}\n"
      "  requests {} ({} valid uploads of 1.6 MB), transport failures {}\n"
      "  throughput {:.2f} req/s ({:.2f} valid uploads/s)\n"
      "  latency all   p50 {:.1f} ms  p99 {:.1f} ms  max {:.1f} ms\n"
      "  latency valid p50 {:.1f} ms  p99 {:.1f} ms\n"
      "  statuses{}  5xx {}\n"
      "  server RSS after warm-up {:.1f} MB, after the run {:.1f} MB ({:+.1f} MB; mid-run {:.1f} "
      "MB, "
      "peak {:.1f} MB)\n",
      seconds, clients, rate, threads, samples.size(), valid.size(), failures.load(),
      double(samples.size()) / wall, double(valid.size()) / wall, pct(all, 0.5), pct(all, 0.99),
      pct(all, 1.0), pct(valid, 0.5), pct(valid, 0.99), statuses, s5xx, rss_before / 1048576.0,
      rss_after / 1048576.0, (double(rss_after) - double(rss_before)) / 1048576.0,
      rss_mid / 1048576.0, rss_peak / 1048576.0);
  std::cout << report << std::flush;
  if (const char* path = std::getenv("SOMNA_LOAD_REPORT"); path && *path) {
    const json j = {{"seconds", seconds},
                    {"clients", clients},
                    {"offered_rps", rate},
                    {"server_threads", threads},
                    {"requests", samples.size()},
                    {"valid_uploads", valid.size()},
                    {"transport_failures", failures.load()},
                    {"throughput_rps", double(samples.size()) / wall},
                    {"p50_ms", pct(all, 0.5)},
                    {"p99_ms", pct(all, 0.99)},
                    {"valid_p50_ms", pct(valid, 0.5)},
                    {"valid_p99_ms", pct(valid, 0.99)},
                    {"status_5xx", s5xx},
                    {"rss_before_mb", rss_before / 1048576.0},
                    {"rss_after_mb", rss_after / 1048576.0},
                    {"rss_mid_mb", rss_mid / 1048576.0},
                    {"rss_peak_mb", rss_peak / 1048576.0}};
    write_bytes(path, j.dump(2) + "\n");
  }

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(s5xx, 0);
  for (const auto& [what, n] : wrong) ADD_FAILURE() << n << " x " << what;
  EXPECT_GE(samples.size(), static_cast<size_t>(0.8 * rate * seconds));
  EXPECT_LT(double(rss_after) - double(rss_before), 50.0 * 1048576.0);
  EXPECT_EQ(child.stop(SIGTERM, 60), 0);
}

}  // namespace
}  // namespace somna::server::testing
