#pragma once
// Server metrics in Prometheus text format (GET /metrics): requests by path and status, a latency
// histogram per path, errors by type, requests in flight, upload bytes, the analysis pool's queue
// and the process RSS. Thread-safe; paths are folded into a fixed set of labels so a client cannot
// grow the label space.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace somna::server {

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                      1,     2.5,  5,     10,   20,  30,   60};

  // "/health", "/predict", "/metrics", "static" (GET of anything else), or "other".
  static std::string path_label(const std::string& method, const std::string& path);

  void request_started() { in_flight_.fetch_add(1); }
  void request_done() { in_flight_.fetch_sub(1); }
  void request_finished(const std::string& path_label, int status, double seconds);
  void add_upload_bytes(uint64_t n) { upload_bytes_.fetch_add(n); }

  // Gauges sampled when rendering (set by the server before render()).
  void set_pool(int workers, int queued, int running) {
    workers_ = workers;
    queued_ = queued;
    running_ = running;
  }

  std::string render() const;

  int64_t in_flight() const { return in_flight_.load(); }

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, uint64_t> errors_;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<uint64_t> upload_bytes_{0};
  std::atomic<int> workers_{0}, queued_{0}, running_{0};
};

// Resident set size of this process in bytes (from /proc/self/status), 0 when unknown.
uint64_t process_rss_bytes();

}  // namespace somna::server
