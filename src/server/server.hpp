#pragma once
// `somna serve`: the HTTP API (GET /health, POST /predict, GET /metrics) and the web page from one
// process, on cpp-httplib (HTTPS when given a certificate). Routes, auth, CORS, limits, metrics and
// the access log are wired here; each job lives in its own file beside this one (upload.*,
// predict_response.*, worker_pool.*, static_files.*, access_control.*, access_log.*, metrics.*,
// http_error.*). API reference: docs/api.md; deployment: docs/deploy.md.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/detector.hpp"
#include "server/metrics.hpp"
#include "server/server_options.hpp"

namespace somna::server {

class Server {
 public:
  // `detector` is shared by every analysis (Detector::score is const and re-entrant).
  Server(ServerOptions options, std::shared_ptr<const analysis::Detector> detector);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port (port 0: any free port) and returns the port. Throws somna::Error naming the
  // address when it cannot (in use, bad host), or the certificate when TLS cannot start.
  int bind();
  // Serves until stop() (from any thread, or a signal handler's watcher); requests in flight are
  // finished first. Requires bind().
  void run();
  void stop();
  bool running() const;

  int port() const;
  std::string url() const;           // "http://127.0.0.1:8080" (https with TLS)
  std::string startup_line() const;  // "listening on URL (detector ..., web root ...)"

  nlohmann::json health() const;
  Metrics& metrics();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace somna::server
