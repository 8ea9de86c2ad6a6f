// HTTP server wiring: routes, auth, CORS, limits, metrics, access log (server.hpp).

#include "server/server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "analysis/night_report.hpp"
#include "common/allocator_tuning.hpp"
#include "common/error.hpp"
#include "io/record.hpp"
#include "model/model.hpp"
#include "model/safetensors.hpp"
#include "server/access_control.hpp"
#include "server/access_log.hpp"
#include "server/admission.hpp"
#include "server/connection.hpp"
#include "server/http_error.hpp"
#include "server/idle_trim.hpp"
#include "server/listener.hpp"
#include "server/predict_response.hpp"
#include "server/raw_response.hpp"
#include "server/request_context.hpp"
#include "server/request_head.hpp"
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

// Threads for the routes answered at once (health, metrics, the page, errors): never behind
// uploads.
constexpr size_t kLightThreads = 4;
constexpr int kMaxRequestsPerConnection = 100;

// The stream of the request this thread serves (for the error handler: a body cut off at the
// limit is 413, not cpp-httplib's 400).
thread_local const ConnectionStream* t_stream = nullptr;

// cpp-httplib's routing, handlers and response writing, run on a stream of ours.
class HttpCore : public httplib::Server {
 public:
  bool serve(httplib::Stream& s, bool close_connection, bool& connection_closed) {
    return process_request(s, close_connection, connection_closed, nullptr);
  }
};

// A listening TCP socket on host:port (0: any free port); -1 when it cannot be made.
int listen_socket(const std::string& host, int port, int& bound_port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* ai = found; ai && fd < 0; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR only: SO_REUSEPORT would let a second server bind the same port silently
    // instead of failing with "address in use".
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  if (fd < 0) return -1;
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  bound_port = a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&a)->sin6_port)
                                       : ntohs(reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  return fd;
}

}  // namespace

struct Server::Impl {
  ServerOptions opt;
  std::shared_ptr<const analysis::Detector> detector;
  analysis::DetectorInfo info;
  json normalization;  // /health's normalization member
  bool tls = false;
  int port = -1;
  std::unique_ptr<TlsContext> tls_context;
  HttpCore http;
  WorkerPool pool;
  Metrics metrics;
  AdmissionPolicy policy;
  // Uploads being received or analysed: at most one per worker and queue place, and at most
  // --max-inflight-mb of declared bodies, decided on the head, so a refused upload costs nothing
  // and an admitted one always finds a worker place.
  const int upload_slots;
  std::mutex uploads_mutex;
  int uploads = 0;
  uint64_t upload_bytes = 0;
  // The heap's free memory goes back to the kernel a second after the last upload is answered.
  IdleTrim idle_trim{std::chrono::seconds(1), give_free_memory_back};
  std::unique_ptr<Listener> listener;
  std::unique_ptr<httplib::ThreadPool> light_threads, upload_threads;
  std::atomic<bool> serving{false};

  Impl(ServerOptions o, std::shared_ptr<const analysis::Detector> d)
      : opt(std::move(o)),
        detector(std::move(d)),
        pool(resolved_threads(opt), resolved_queue(opt)),
        upload_slots(pool.threads() + pool.max_queued()) {
    if (!detector) throw Error({}, "somna serve needs a detector");
    if (opt.max_connections < 1 || opt.max_connections > kMaxConnectionsLimit) {
      throw Error({}, fmt::format("max connections must be 1 to {}, got {}", kMaxConnectionsLimit,
                                  opt.max_connections));
    }
    info = detector->info();
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
      tls_context = std::make_unique<TlsContext>(opt.cert_file, opt.key_file);
    }
    policy.token = opt.token;
    policy.max_upload_bytes = static_cast<uint64_t>(opt.max_upload_mb * 1024.0 * 1024.0);
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
        {"gpu_available", false},  // inference is Somna's own CPU code
        {"normalization", normalization},
        {"version", SOMNA_VERSION},
        {"detector", {{"name", info.name}, {"kind", info.kind}, {"trained_on", info.trained_on}}}};
  }

  ~Impl() {
    if (listener) listener->stop();
    shut_threads();
  }

  void shut_threads() {
    if (light_threads) light_threads->shutdown();
    if (upload_threads) upload_threads->shutdown();
    light_threads.reset();
    upload_threads.reset();
  }

  // --- Connections: heads decided on the listener thread, requests served on pool threads. ---

  ListenerLimits limits() const {
    ListenerLimits l;
    l.max_connections = opt.max_connections;
    l.head_timeout = std::chrono::seconds(std::min(opt.header_timeout_s, opt.timeout_s));
    l.idle_timeout = std::chrono::seconds(std::min(5, opt.timeout_s));
    return l;
  }

  void start_listening(int fd) {
    light_threads = std::make_unique<httplib::ThreadPool>(kLightThreads);
    upload_threads = std::make_unique<httplib::ThreadPool>(size_t(upload_slots));
    listener = std::make_unique<Listener>(
        fd, limits(), tls_context.get(),
        [this](std::shared_ptr<Connection> c, std::string_view head) {
          on_head(std::move(c), head);
        },
        [this](int status, const std::string& peer_ip) {
          // 408, 431, 503 decided by the listener itself: counted and logged, with no head.
          const Refusal r = refusal(status, default_error_message(status), nullptr);
          metrics.request_finished(Metrics::path_label("-", "-"), status, 0);
          log_access(access_log_line(r.id, peer_ip, "-", "-", status, r.answer.size(), 0));
          return r.answer;
        });
  }

  // What an upload may hold in memory: its declared body, or the limit when chunked.
  uint64_t upload_cost(const RequestHead& h) const {
    return h.content_length.value_or(policy.max_upload_bytes);
  }

  // A place for this upload, or the reason there is none.
  std::optional<std::string> reserve_upload(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(uploads_mutex);
    if (uploads >= upload_slots) {
      return fmt::format(
          "all {} analysis workers are busy and {} analyses are waiting; retry later",
          pool.threads(), pool.max_queued());
    }
    const auto budget = static_cast<uint64_t>(opt.max_inflight_mb * 1024 * 1024);
    if (uploads > 0 && upload_bytes + bytes > budget) {
      return fmt::format(
          "uploads in progress hold {:.0f} of the {:.0f} MiB this server keeps in "
          "memory at once; retry later",
          double(upload_bytes) / (1024 * 1024), opt.max_inflight_mb);
    }
    ++uploads;
    upload_bytes += bytes;
    idle_trim.busy();
    return std::nullopt;
  }

  void release_upload(uint64_t bytes) {
    std::lock_guard<std::mutex> lock(uploads_mutex);
    --uploads;
    upload_bytes -= bytes;
    idle_trim.idle();
  }

  void on_head(std::shared_ptr<Connection> c, std::string_view head_bytes) {
    RequestHead h;
    try {
      h = parse_request_head(head_bytes);
    } catch (const HttpError& e) {
      refuse(std::move(c), e.status(), e.what(), nullptr);
      return;
    }
    const Admission a = admit(h, policy);
    if (!a.admitted()) {
      refuse(std::move(c), a.status, a.message, &h);
      return;
    }
    if (a.lane == Lane::Upload) {
      if (auto busy = reserve_upload(upload_cost(h))) {
        refuse(std::move(c), 503, *busy, &h);
        return;
      }
    }
    const size_t head_size = head_bytes.size();
    auto job = [this, c = std::move(c), h = std::move(h), a, head_size] {
      serve(c, h, a, head_size);
    };
    (a.lane == Lane::Upload ? upload_threads : light_threads)->enqueue(std::move(job));
  }

  void serve(const std::shared_ptr<Connection>& c, const RequestHead& h, const Admission& a,
             size_t head_size) {
    // Chunked bodies declare no length: they may carry framing on top of max_body.
    const uint64_t framing = h.chunked ? a.max_body / 16 + 65536 : 0;
    ConnectionStream s(*c, c->request_start + std::chrono::seconds(opt.timeout_s),
                       head_size + a.max_body + framing, std::chrono::seconds(opt.timeout_s));
    const bool close = !h.keep_alive() || c->requests_served + 1 >= kMaxRequestsPerConnection;
    bool closed = false;
    t_stream = &s;
    const bool ok = http.serve(s, close, closed);
    t_stream = nullptr;
    ++c->requests_served;
    if (a.lane == Lane::Upload) release_upload(upload_cost(h));
    // Reused only when this request's bytes were read exactly: never in the middle of a body.
    const bool exact = !h.chunked && s.bytes_read() == head_size + h.content_length.value_or(0);
    if (ok && !close && !closed && !s.failed() && exact) {
      listener->resume(c);
    } else {
      listener->close(c);
    }
  }

  // An answer written by the listener itself, before cpp-httplib sees the request, and its id.
  struct Refusal {
    std::string id, answer;
  };
  Refusal refusal(int status, const std::string& message, const RequestHead* h) const {
    const std::string id = new_request_id();
    RawResponse r;
    r.status = status;
    r.content_type = kJson;
    r.body = dump(error_body(status, message, id));
    r.headers.emplace_back("X-Request-Id", id);
    if (status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"somna\"");
    if (status == 503) r.headers.emplace_back("Retry-After", "5");
    if (h) {
      if (const auto origin = allowed_origin(opt.cors_origins, h->field("Origin"))) {
        r.headers.emplace_back("Access-Control-Allow-Origin", *origin);
        r.headers.emplace_back("Vary", "Origin");
        r.headers.emplace_back("Access-Control-Expose-Headers", "X-Request-Id, Retry-After");
      }
    }
    return {id, render(r)};
  }

  void refuse(std::shared_ptr<Connection> c, int status, const std::string& message,
              const RequestHead* h) {
    Refusal r = refusal(status, message, h);
    const std::string method = h ? h->method : std::string("-");
    const std::string path = h ? h->path : std::string("-");
    metrics.request_finished(Metrics::path_label(method, path), status, 0);
    log_access(access_log_line(r.id, c->peer_ip(), method, path, status, r.answer.size(), 0));
    spdlog::debug("{} {} from {}: {} {}", method, path.substr(0, 200), c->peer_ip(), status,
                  message);
    listener->respond_and_close(std::move(c), std::move(r.answer));
  }

  void setup() {
    httplib::Server& s = http;
    s.set_payload_max_length(static_cast<size_t>(policy.max_upload_bytes));
    s.set_keep_alive_max_count(kMaxRequestsPerConnection);

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
      // Authorisation, body limits and admission were decided on the head (admission.hpp).
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
        [this](const httplib::Request& req, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          if (res.status == 400 && t_stream && t_stream->oversize()) res.status = 413;
          std::string msg = default_error_message(res.status);
          if (res.status == 400 && req.path == "/predict" && t_stream && !t_stream->failed()) {
            msg =
                "the multipart body could not be read: it is malformed, has more than 1024 "
                "parts, or a part header longer than 8 KiB";
          }
          if (res.status == 413) {
            msg = fmt::format("the upload is larger than the {:.1f} MiB this server accepts",
                              double(policy.max_upload_bytes) / (1024.0 * 1024.0));
          }
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
      std::string body;
      // Everything done per upload (header parse, staging, reading, analysis) runs on a worker.
      auto job = [&] {
        staged = stage_upload(parts, fs_field, *tmp, !opt.keep_dir.empty());
        stage = Stage::Read;
        io::Record record = read_staged(staged);
        record.name = staged.record_name;
        stage = Stage::Analyse;
        analysis::Options ao;
        ao.channel = channel;
        ao.threads = 2;  // answered sooner: QRS passes in two halves, detector beside the rest
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
      if (!done.valid()) {  // only while stopping: admission reserved a place
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
  int bound = -1;
  const int fd = listen_socket(m.opt.host, m.opt.port, bound);
  if (fd < 0) {
    throw Error(fmt::format("{}:{}", m.opt.host, m.opt.port),
                "cannot listen there (address in use, or not an address of this machine)");
  }
  m.port = bound;
  m.start_listening(fd);
  return m.port;
}

void Server::run() {
  if (impl_->port <= 0) bind();
  impl_->serving.store(true);
  impl_->listener->run();
  impl_->shut_threads();  // requests in flight finish first
  impl_->serving.store(false);
}

void Server::stop() {
  if (impl_ && impl_->listener) impl_->listener->stop();
}

bool Server::running() const {
  return impl_->serving.load();
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
