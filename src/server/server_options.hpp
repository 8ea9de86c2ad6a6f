#pragma once
// Settings of `somna serve`: where it listens, the limits that keep it standing under load (upload
// size, timeouts, analysis workers and their queue), who may call it (bearer token, CORS origins),
// TLS, and where the web page is. Filled by src/cli/cmd_serve.cpp; the tests fill it directly.

#include <string>
#include <vector>

namespace somna::server {

// The most connections a server may hold: cpp-httplib, as Debian builds it, serves descriptors
// below FD_SETSIZE (1024) only; the rest is left for model, upload and log files.
constexpr int kMaxConnectionsLimit = 896;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (Server::bind() returns it)

  double max_upload_mb = 128;  // request bodies above this get 413
  int timeout_s = 60;          // a request (head and body) must arrive within this; each write too
  int header_timeout_s = 10;   // a request head must arrive within this (at most timeout_s)
  int max_connections = 512;   // open connections; beyond, the longest-idle one is closed, or 503
  int threads = 0;             // analysis workers; 0 = hardware threads
  int queue = 0;               // analyses waiting for a worker beyond which /predict answers 503;
                               // 0 = 16 x threads
  double max_inflight_mb = 1024;  // declared upload bodies held at once; beyond, 503

  std::string token;                      // bearer token for all but /health (empty: none)
  std::vector<std::string> cors_origins;  // allowed Origin values ("*" = any)

  std::string cert_file, key_file;  // both set: HTTPS

  // The model file the detector came from (/health shows its normalisation metadata); empty for
  // training-free detectors.
  std::string model_file;
  std::string web_root;    // built web page served at /; empty = none
  std::string keep_dir;    // keep each request's uploads in keep_dir/<request id>/ (debugging)
  std::string upload_dir;  // where the per-request private folders go; empty = system temp
};

// threads/queue with the defaults resolved.
int resolved_threads(const ServerOptions& o);
int resolved_queue(const ServerOptions& o);

// The built web page of this source tree (web/dist), the default --web-root.
std::string default_web_root();

}  // namespace somna::server
