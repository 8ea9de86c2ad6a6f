// `somna serve`: the HTTP API and the web page (src/server/, docs/api.md, docs/deploy.md). Picks
// the detector like `somna analyze` (cli/detector_choice), then serves until SIGINT/SIGTERM,
// finishing the requests in flight.

#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/command.hpp"
#include "cli/detector_choice.hpp"
#include "common/allocator_tuning.hpp"
#include "server/server.hpp"

namespace somna::cli {
namespace {

std::atomic<int> g_signal{0};

extern "C" void on_stop_signal(int sig) {
  g_signal.store(sig);
}

struct ServeArgs {
  server::ServerOptions opt;
  std::string detector;
  std::string log_level = "info";
};

int run_serve(ServeArgs a) {
  spdlog::set_level(spdlog::level::from_str(a.log_level));
  keep_freed_memory_in_one_heap();  // not main's policy: given back when idle (idle RSS)
  if (a.opt.token.empty()) {
    if (const char* t = std::getenv("SOMNA_TOKEN")) a.opt.token = t;
  }
  std::shared_ptr<const analysis::Detector> det = choose_detector(a.detector);
  // The model file behind it (its metadata describes the normalisation for /health).
  if (det->info().kind == "learned") {
    a.opt.model_file = a.detector.empty() ? default_model_path() : a.detector;
  }
  server::Server srv(a.opt, det);
  srv.bind();

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::atomic<bool> done{false};
  std::thread watcher([&] {
    while (!done.load()) {
      if (g_signal.load() != 0) {
        spdlog::info("signal {}: finishing requests in flight, then stopping", g_signal.load());
        srv.stop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  std::cout << srv.startup_line() << std::endl;
  if (!a.opt.token.empty())
    std::cout << "bearer token required (all endpoints but /health)" << std::endl;
  srv.run();
  done.store(true);
  watcher.join();
  std::cout << "stopped" << std::endl;
  return kExitOk;
}

SOMNA_COMMAND(
    {"serve", "Serve the HTTP API and the web page", [](CLI::App& app) -> Runner {
       auto a = std::make_shared<ServeArgs>();
       a->opt.web_root = server::default_web_root();
       app.add_option("--host", a->opt.host, "Address to listen on")->capture_default_str();
       app.add_option("--port", a->opt.port, "Port (0: any free port)")
           ->check(CLI::Range(0, 65535))
           ->capture_default_str();
       app.add_option("--detector", a->detector,
                      "cvhr, or a model file (default: models/default.safetensors when "
                      "present, else cvhr)");
       app.add_option("--web-root", a->opt.web_root, "Built web page served at /")
           ->capture_default_str();
       app.add_option("--max-upload-mb", a->opt.max_upload_mb,
                      "Largest request body accepted (413 above)")
           ->check(CLI::Range(0.001, 65536.0))
           ->capture_default_str();
       app.add_option("--timeout", a->opt.timeout_s,
                      "Seconds a request (head and body) may take to arrive, and each write")
           ->check(CLI::Range(1, 3600))
           ->capture_default_str();
       app.add_option("--header-timeout", a->opt.header_timeout_s,
                      "Seconds a request head may take to arrive (at most --timeout)")
           ->check(CLI::Range(1, 3600))
           ->capture_default_str();
       app.add_option("--max-connections", a->opt.max_connections,
                      "Open connections; beyond, the longest-idle is closed, or 503")
           ->check(CLI::Range(1, server::kMaxConnectionsLimit))
           ->capture_default_str();
       app.add_option("--threads", a->opt.threads, "Analysis workers (default: hardware threads)")
           ->check(CLI::Range(1, 1024));
       app.add_option("--queue", a->opt.queue,
                      "Analyses that may wait for a worker before /predict answers 503 "
                      "(default: 16 x threads)")
           ->check(CLI::Range(1, 100000));
       app.add_option("--max-inflight-mb", a->opt.max_inflight_mb,
                      "Upload bodies held in memory at once, MiB (503 beyond)")
           ->check(CLI::Range(1.0, 1048576.0))
           ->capture_default_str();
       app.add_option("--token", a->opt.token,
                      "Bearer token required on all endpoints but /health (or env "
                      "SOMNA_TOKEN)");
       app.add_option("--cors-origin", a->opt.cors_origins,
                      "Allowed browser origin (repeatable; '*' for any)");
       app.add_option("--cert", a->opt.cert_file, "TLS certificate (PEM); serve HTTPS")
           ->check(CLI::ExistingFile);
       app.add_option("--key", a->opt.key_file, "TLS private key (PEM)")->check(CLI::ExistingFile);
       app.add_option("--keep", a->opt.keep_dir,
                      "Keep each request's uploads in DIR/<request id>/ (debugging)");
       app.add_option("--upload-dir", a->opt.upload_dir,
                      "Folder for the per-request temporary upload folders (default: "
                      "TMPDIR or /tmp)")
           ->check(CLI::ExistingDirectory);
       app.add_option("--log-level", a->log_level, "trace, debug, info, warn, error")
           ->capture_default_str();
       return [a]() { return run_serve(*a); };
     }});

}  // namespace
}  // namespace somna::cli
