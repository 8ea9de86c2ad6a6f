// Prometheus text metrics (metrics.hpp).

#include "server/metrics.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "server/http_status.hpp"

namespace somna::server {

std::string Metrics::path_label(const std::string& method, const std::string& path) {
  if (path == "/health" || path == "/predict" || path == "/metrics") return path;
  if (method == "GET" || method == "HEAD") return "static";
  return "other";
}

void Metrics::request_finished(const std::string& label, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{label, status}];
  Histogram& h = latency_[label];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
  if (status >= 400) ++errors_[http_status(status).type];
}

std::string Metrics::render() const {
  std::ostringstream o;
  std::lock_guard<std::mutex> lock(mutex_);
  o << "# HELP somna_http_requests_total HTTP requests by path and status.\n"
       "# TYPE somna_http_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    o << fmt::format("somna_http_requests_total{{path=\"{}\",status=\"{}\"}} {}\n", k.first,
                     k.second, n);
  }
  o << "# HELP somna_http_request_duration_seconds Time from routing to the response written.\n"
       "# TYPE somna_http_request_duration_seconds histogram\n";
  for (const auto& [path, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      o << fmt::format("somna_http_request_duration_seconds_bucket{{path=\"{}\",le=\"{}\"}} {}\n",
                       path, kBuckets[i], h.counts[i]);
    }
    o << fmt::format("somna_http_request_duration_seconds_bucket{{path=\"{}\",le=\"+Inf\"}} {}\n",
                     path, h.count);
    o << fmt::format("somna_http_request_duration_seconds_sum{{path=\"{}\"}} {:.6f}\n", path,
                     h.sum);
    o << fmt::format("somna_http_request_duration_seconds_count{{path=\"{}\"}} {}\n", path,
                     h.count);
  }
  o << "# HELP somna_http_errors_total Error responses by type.\n"
       "# TYPE somna_http_errors_total counter\n";
  for (const auto& [type, n] : errors_) {
    o << fmt::format("somna_http_errors_total{{type=\"{}\"}} {}\n", type, n);
  }
  o << "# HELP somna_http_in_flight Requests being handled.\n"
       "# TYPE somna_http_in_flight gauge\n"
    << "somna_http_in_flight " << in_flight_.load() << "\n";
  o << "# HELP somna_upload_bytes_total Bytes of files uploaded to /predict.\n"
       "# TYPE somna_upload_bytes_total counter\n"
    << "somna_upload_bytes_total " << upload_bytes_.load() << "\n";
  o << "# HELP somna_analysis_workers Analysis worker threads.\n"
       "# TYPE somna_analysis_workers gauge\n"
    << "somna_analysis_workers " << workers_.load() << "\n";
  o << "# HELP somna_analysis_queue_depth Analyses waiting for a worker.\n"
       "# TYPE somna_analysis_queue_depth gauge\n"
    << "somna_analysis_queue_depth " << queued_.load() << "\n";
  o << "# HELP somna_analysis_running Analyses running now.\n"
       "# TYPE somna_analysis_running gauge\n"
    << "somna_analysis_running " << running_.load() << "\n";
  o << "# HELP somna_process_resident_memory_bytes Resident set size of the server.\n"
       "# TYPE somna_process_resident_memory_bytes gauge\n"
    << "somna_process_resident_memory_bytes " << process_rss_bytes() << "\n";
  return o.str();
}

uint64_t process_rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream s(line.substr(6));
      uint64_t kb = 0;
      s >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

}  // namespace somna::server
