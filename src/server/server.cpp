// HTTP server wiring: routes, auth, CORS, limits, metrics, access log (server.hpp).

#include "server/server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <torch/cuda.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "analysis/night_report.hpp"
#include "common/error.hpp"
#include "io/record.hpp"
#include "model/model.hpp"
#include "model/safetensors.hpp"
#include "server/access_control.hpp"
#include "server/access_log.hpp"
#include "server/http_error.hpp"
#include "server/predict_response.hpp"
#include "server/request_context.hpp"
#include "server/static_files.hpp"
#include "server/upload.hpp"
#include "server/worker_pool.hpp"

#ifndef SOMNA_VERSION
#define SOMNA_VERSION "0"
#endif

namespace somna::server {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// With the charset, Debian's cpp-httplib (built with Brotli) leaves JSON answers uncompressed: it
// would otherwise Brotli them at the slowest quality for every browser, which made a 6.5 MB
// /predict answer with the ECG take 12-36 s instead of 0.04 s. Compress in a reverse proxy.
constexpr const char* kJson = "application/json; charset=utf-8";

std::string dump(const json& j) {
  // Record names from headers may hold invalid UTF-8: replace rather than throw.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(dump(error_body(status, message, current_request().id)), kJson);
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer realm=\"somna\"");
  if (status == 503) res.set_header("Retry-After", "5");
}

bool has_body(const httplib::Request& req) {
  return req.has_header("Transfer-Encoding") ||
         (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0");
}

bool truthy(const std::string& v) {
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

// {mean, std} of the detector's input normalisation when it has global figures (null when it
// normalises per record), plus the model file's own description of it when there is one.
json normalization_of(const analysis::DetectorInfo& info, const std::string& model_file) {
  json n = {{"mean", nullptr}, {"std", nullptr}};
  if (info.norm_std > 0) n = {{"mean", info.norm_mean}, {"std", info.norm_std}};
  if (model_file.empty()) return n;
  try {
    const model::StFile f = model::read_safetensors(model_file);
    const auto it = f.metadata.find(model::meta::kNormalisation);
    if (it == f.metadata.end()) return n;
    json d = json::parse(it->second, nullptr, false);
    if (d.is_discarded()) d = it->second;
    if (d.is_object()) {
      if (d.contains("mean") && d["mean"].is_number()) n["mean"] = d["mean"];
      if (d.contains("std") && d["std"].is_number()) n["std"] = d["std"];
    }
    n["description"] = d;
  } catch (const std::exception& e) {
    spdlog::warn("{}: normalisation metadata not read ({})", model_file, e.what());
  }
  return n;
}

}  // namespace

struct Server::Impl {
  ServerOptions opt;
  std::shared_ptr<const analysis::Detector> detector;
  analysis::DetectorInfo info;
  json normalization;  // /health's normalization member
  bool gpu = false;
  bool tls = false;
  int port = -1;
  std::unique_ptr<httplib::Server> http;
  WorkerPool pool;
  Metrics metrics;

  Impl(ServerOptions o, std::shared_ptr<const analysis::Detector> d)
      : opt(std::move(o)),
        detector(std::move(d)),
        pool(resolved_threads(opt), resolved_queue(opt)) {
    if (!detector) throw Error({}, "somna serve needs a detector");
    info = detector->info();
    gpu = torch::cuda::is_available();
    normalization = normalization_of(info, opt.model_file);
    tls = !opt.cert_file.empty() || !opt.key_file.empty();
    if (tls) {
      if (opt.cert_file.empty() || opt.key_file.empty()) {
        throw Error({}, "TLS needs both --cert and --key");
      }
      for (const std::string& f : {opt.cert_file, opt.key_file}) {
        std::error_code ec;
        if (!fs::is_regular_file(f, ec)) throw Error(f, "no such file");
      }
      auto s = std::make_unique<httplib::SSLServer>(opt.cert_file.c_str(), opt.key_file.c_str());
      if (!s->is_valid()) {
        throw Error(opt.cert_file, "cannot start TLS with this certificate and key (" +
                                       opt.key_file + "): not PEM, or they do not match");
      }
      http = std::move(s);
    } else {
      http = std::make_unique<httplib::Server>();
    }
    setup();
  }

  bool web_built() const {
    std::error_code ec;
    return !opt.web_root.empty() && fs::is_regular_file(fs::path(opt.web_root) / "index.html", ec);
  }

  json health() const {
    return {
        {"status", "ok"},
        {"model_loaded", info.kind == "learned"},
        {"device", "cpu"},
        {"gpu_available", gpu},
        {"normalization", normalization},
        {"version", SOMNA_VERSION},
        {"detector", {{"name", info.name}, {"kind", info.kind}, {"trained_on", info.trained_on}}}};
  }

  void setup() {
    httplib::Server& s = *http;
    // Connection threads: every analysis worker and queued analysis can hold one, with room left
    // for /health, /metrics and the page while analyses run. cpp-httplib owns the queue it gets.
    const size_t connections = size_t(pool.threads() + pool.max_queued() + 8);
    s.new_task_queue = [connections] { return new httplib::ThreadPool(connections); };
    s.set_payload_max_length(static_cast<size_t>(opt.max_upload_mb * 1024.0 * 1024.0));
    s.set_read_timeout(opt.timeout_s, 0);
    s.set_write_timeout(opt.timeout_s, 0);
    // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let a second server
    // bind the same port silently instead of failing with "address in use".
    s.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof yes);
    });
    s.set_keep_alive_timeout(std::min(5, std::max(1, opt.timeout_s)));
    s.set_keep_alive_max_count(100);

    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      RequestContext& ctx = begin_request();
      ctx.counted = true;
      metrics.request_started();
      res.set_header("X-Request-Id", ctx.id);
      const auto origin = allowed_origin(opt.cors_origins, req.get_header_value("Origin"));
      if (origin) {
        res.set_header("Access-Control-Allow-Origin", *origin);
        res.set_header("Vary", "Origin");
        res.set_header("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
      }
      if (req.method == "OPTIONS") {
        res.status = 204;
        if (origin) {
          res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
          res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
          res.set_header("Access-Control-Max-Age", "600");
        }
        return httplib::Server::HandlerResponse::Handled;
      }
      // The token guards the API; the static page holds no data and is served without it (a
      // browser cannot attach a bearer token to the page load). Requests with a body are checked
      // in their handler, once the body is read, so the connection stays in step for keep-alive.
      const bool api = req.path == "/predict" || req.path == "/metrics";
      const bool static_get = (req.method == "GET" || req.method == "HEAD") && !api;
      if (req.path != "/health" && !static_get && !has_body(req) &&
          !bearer_token_ok(opt.token, req.get_header_value("Authorization"))) {
        send_error(res, 401, default_error_message(401));
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });

    s.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(dump(health()), kJson);
    });
    s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      metrics.set_pool(pool.threads(), pool.queued(), pool.running());
      res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    s.Get("/predict", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Allow", "POST, OPTIONS");
      send_error(res, 405, "use POST /predict with multipart/form-data field 'files'");
    });
    s.Post("/predict",
           [this](const httplib::Request& req, httplib::Response& res) { predict(req, res); });
    s.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
      if (auto f = find_static(opt.web_root, req.path)) {
        res.set_header("Cache-Control", f->cache_control);
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_content(std::move(f->body), f->content_type.c_str());
        return;
      }
      if (req.path == "/" || req.path == "/index.html") {
        res.set_content(web_not_built_page(opt.web_root), "text/html; charset=utf-8");
        return;
      }
      send_error(res, 404, "no such file or endpoint: " + req.path.substr(0, 200));
    });

    s.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request& req, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          std::string msg = default_error_message(res.status);
          if (res.status == 404) {
            msg = "no such endpoint: " + req.method + " " + req.path.substr(0, 200);
          }
          send_error(res, res.status, msg);
          return httplib::Server::HandlerResponse::Handled;
        }));
    s.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown exception";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          spdlog::error("req={} {} {}: internal error: {}", current_request().id, req.method,
                        req.path, what);
          send_error(res, 500, "internal error (request id " + current_request().id + ")");
        });
    s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const RequestContext ctx = finish_request();
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - ctx.start).count();
      if (ctx.counted) metrics.request_done();
      metrics.request_finished(Metrics::path_label(req.method, req.path), res.status, s);
      log_access(access_log_line(ctx.id, req.remote_addr, req.method, req.path, res.status,
                                 res.body.size(), s * 1000));
    });
  }

  void predict(const httplib::Request& req, httplib::Response& res) {
    const RequestContext& ctx = current_request();
    if (!bearer_token_ok(opt.token, req.get_header_value("Authorization"))) {
      send_error(res, 401, default_error_message(401));
      return;
    }
    if (!req.is_multipart_form_data()) {
      send_error(res, 415,
                 "POST /predict takes multipart/form-data with the recording in field 'files'");
      return;
    }
    std::vector<UploadedPart> parts;
    std::string fs_field, channel;
    bool want_ecg = truthy(req.get_param_value("ecg"));
    uint64_t bytes = 0;
    for (const auto& [key, item] : req.files) {
      if (key == "files" || key == "file") {
        parts.push_back({item.filename.empty() ? item.name : item.filename, item.content});
        bytes += item.content.size();
      } else if (key == "fs") {
        fs_field = item.content;
      } else if (key == "channel") {
        channel = item.content.substr(0, 64);
      } else if (key == "ecg") {
        want_ecg = want_ecg || truthy(item.content);
      }
    }
    metrics.add_upload_bytes(bytes);

    Stage stage = Stage::Upload;
    std::unique_ptr<TempDir> tmp;
    StagedRecord staged;
    try {
      tmp = std::make_unique<TempDir>(opt.upload_dir, "somna-upload-");
      staged = stage_upload(parts, fs_field, *tmp);
      std::string body;
      auto job = [&] {
        stage = Stage::Read;
        io::Record record = io::read_record(staged.read_path, staged.read_options);
        record.name = staged.record_name;
        stage = Stage::Analyse;
        analysis::Options ao;
        ao.channel = channel;
        analysis::NightReport rep = analysis::analyze_night(record, *detector, ao);
        rep.record_name = staged.record_name;
        PredictOptions po;
        po.include_ecg = want_ecg;
        po.channel = channel;
        po.client_file = staged.client_file;
        po.request_id = ctx.id;
        body = dump(predict_response(rep, record, po));
      };
      std::future<void> done = pool.try_submit(job);
      if (!done.valid()) {
        send_error(res, 503,
                   fmt::format("all {} analysis workers are busy and {} analyses are waiting; "
                               "retry later",
                               pool.threads(), pool.max_queued()));
        return;
      }
      done.get();
      res.set_content(std::move(body), kJson);
      if (!opt.keep_dir.empty()) tmp->keep_as((fs::path(opt.keep_dir) / ctx.id).string());
    } catch (...) {
      const std::string temp = tmp ? tmp->path() : std::string();
      const MappedError m =
          map_exception(std::current_exception(), stage,
                        [&](const std::string& s) { return scrub_paths(s, staged, temp); });
      if (m.log_details) {
        std::string what = "unknown exception";
        try {
          throw;
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("req={} POST /predict: internal error: {}", ctx.id, what);
        send_error(res, 500, "internal error (request id " + ctx.id + ")");
      } else {
        spdlog::info("req={} POST /predict: {} {}", ctx.id, m.status, m.message);
        send_error(res, m.status, m.message);
      }
      if (tmp && !opt.keep_dir.empty()) tmp->keep_as((fs::path(opt.keep_dir) / ctx.id).string());
    }
  }
};

Server::Server(ServerOptions options, std::shared_ptr<const analysis::Detector> detector)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(detector))) {}

Server::~Server() {
  stop();
}

int Server::bind() {
  Impl& m = *impl_;
  if (m.opt.port == 0) {
    m.port = m.http->bind_to_any_port(m.opt.host);
  } else {
    m.port = m.http->bind_to_port(m.opt.host, m.opt.port) ? m.opt.port : -1;
  }
  if (m.port <= 0) {
    throw Error(fmt::format("{}:{}", m.opt.host, m.opt.port),
                "cannot listen there (address in use, or not an address of this machine)");
  }
  return m.port;
}

void Server::run() {
  if (impl_->port <= 0) bind();
  impl_->http->listen_after_bind();
}

void Server::stop() {
  if (impl_ && impl_->http) impl_->http->stop();
}

bool Server::running() const {
  return impl_->http->is_running();
}

int Server::port() const {
  return impl_->port;
}

std::string Server::url() const {
  const std::string& h = impl_->opt.host;
  const std::string host = h.find(':') != std::string::npos ? "[" + h + "]" : h;
  return fmt::format("{}://{}:{}", impl_->tls ? "https" : "http", host, impl_->port);
}

std::string Server::startup_line() const {
  const Impl& m = *impl_;
  std::string web = m.opt.web_root.empty() ? std::string("none") : m.opt.web_root;
  if (!m.web_built()) web += " (not built: run make)";
  return fmt::format(
      "listening on {} (detector {} ({}), web root {}, {} analysis workers, queue {})", url(),
      m.info.name, m.info.kind, web, m.pool.threads(), m.pool.max_queued());
}

nlohmann::json Server::health() const {
  return impl_->health();
}

Metrics& Server::metrics() {
  return impl_->metrics;
}

}  // namespace somna::server
