#pragma once
// Test helpers for tests/server: an in-process `somna serve` on 127.0.0.1 with a free port
// (TestServer), multipart uploads of files from disk, the sample night, detectors that fail or
// sleep on purpose, private temp folders, and a child-process `somna serve` (ChildServer) for the
// end-to-end and load tests.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "analysis/cvhr_detector.hpp"
#include "model/model.hpp"
#include "server/server.hpp"

namespace somna::server::testing {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline std::string source_dir() {
  return SOMNA_SOURCE_DIR;
}
inline std::string shared_data() {
  return SOMNA_SHARED_DATA;
}
inline std::string sample_base() {
  return source_dir() + "/data/samples/sample-night";
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_bytes(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

// A private folder removed at the end of the test.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    std::string t = (fs::temp_directory_path() / "somna-server-test-XXXXXX").string();
    std::vector<char> b(t.begin(), t.end());
    b.push_back('\0');
    path = ::mkdtemp(b.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
  size_t entries() const {
    size_t n = 0;
    for (auto it = fs::directory_iterator(path); it != fs::directory_iterator(); ++it) ++n;
    return n;
  }
};

inline std::shared_ptr<const analysis::Detector> cvhr() {
  return std::make_shared<analysis::CvhrDetector>();
}

// The shipped default model (what `somna serve` uses), or CVHR when the file is absent.
inline std::shared_ptr<const analysis::Detector> default_detector() {
  const std::string p = source_dir() + "/models/default.safetensors";
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return model::load_detector(p);
  return cvhr();
}

// A detector that wraps CVHR but sleeps first (to fill the worker pool) or throws (for 500).
class TestDetector : public analysis::Detector {
 public:
  enum class Mode { Sleep, Throw };
  TestDetector(Mode m, int sleep_ms = 0) : mode_(m), sleep_ms_(sleep_ms) {}
  analysis::DetectorInfo info() const override {
    auto i = inner_.info();
    i.name = mode_ == Mode::Throw ? "throwing-test" : "sleeping-test";
    return i;
  }
  analysis::MinuteScores score(const analysis::NightInput& night) const override {
    if (mode_ == Mode::Throw) throw std::logic_error("secret internal detail /opt/x");
    std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms_));
    return inner_.score(night);
  }

 private:
  Mode mode_;
  int sleep_ms_;
  analysis::CvhrDetector inner_;
};

// In-process server on 127.0.0.1, any free port, run on a background thread.
class TestServer {
 public:
  explicit TestServer(ServerOptions o = {},
                      std::shared_ptr<const analysis::Detector> det = nullptr) {
    o.host = "127.0.0.1";
    o.port = 0;
    if (o.upload_dir.empty()) o.upload_dir = uploads_.str();
    if (o.threads == 0) o.threads = 2;
    options_ = o;
    srv_ = std::make_unique<Server>(o, det ? det : cvhr());
    port_ = srv_->bind();
    thread_ = std::thread([this] { srv_->run(); });
    for (int i = 0; i < 500 && !srv_->running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~TestServer() {
    srv_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  Server& server() { return *srv_; }
  const ScratchDir& uploads() const { return uploads_; }
  std::unique_ptr<httplib::Client> client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(120, 0);
    c->set_write_timeout(120, 0);
    return c;
  }

 private:
  ScratchDir uploads_;
  ServerOptions options_;
  std::unique_ptr<Server> srv_;
  int port_ = 0;
  std::thread thread_;
};

inline httplib::MultipartFormData file_part(const std::string& path,
                                            const std::string& as_name = {}) {
  return {"files", read_bytes(path), as_name.empty() ? fs::path(path).filename().string() : as_name,
          "application/octet-stream"};
}

inline httplib::MultipartFormData text_part(const std::string& filename,
                                            const std::string& content) {
  return {"files", content, filename, "application/octet-stream"};
}

inline httplib::MultipartFormData field(const std::string& name, const std::string& value) {
  return {name, value, "", ""};
}

inline httplib::MultipartFormDataItems sample_upload() {
  return {file_part(sample_base() + ".hea"), file_part(sample_base() + ".dat")};
}

// POST /predict; the JSON body (or a null json when the body is not JSON).
struct Reply {
  int status = 0;
  json body;
  httplib::Headers headers;
  std::string raw;
};

inline Reply to_reply(const httplib::Result& r) {
  Reply out;
  if (!r) return out;
  out.status = r->status;
  out.headers = r->headers;
  out.raw = r->body;
  out.body = json::parse(r->body, nullptr, false);
  return out;
}

inline Reply predict(httplib::Client& c, const httplib::MultipartFormDataItems& items,
                     const std::string& path = "/predict") {
  return to_reply(c.Post(path.c_str(), items));
}

// The error object of an error reply must have this shape.
inline void expect_error(const Reply& r, int status, const std::string& message_part = {}) {
  EXPECT_EQ(r.status, status) << r.raw;
  ASSERT_TRUE(r.body.is_object()) << r.raw;
  EXPECT_EQ(r.body.value("success", true), false);
  ASSERT_TRUE(r.body.contains("error")) << r.raw;
  const json& e = r.body["error"];
  EXPECT_EQ(e.value("code", 0), status);
  EXPECT_TRUE(e["type"].is_string());
  EXPECT_TRUE(e["message"].is_string());
  EXPECT_EQ(e.value("request_id", std::string()).size(), 16u) << r.raw;
  if (!message_part.empty()) {
    EXPECT_NE(e.value("message", std::string()).find(message_part), std::string::npos)
        << "message: " << e.value("message", std::string()) << " should contain: " << message_part;
  }
}

// A port that was free a moment ago (bound to 0, read back, closed; the child binds it next).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// A blocking TCP connection to 127.0.0.1:port (-1 when it cannot connect).
inline int connect_local(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Sends `bytes` on a raw connection, then waits for the server to answer or close; returns the
// seconds until it did (-1 when it did neither within `limit_s`) and what it sent back first.
inline std::pair<double, std::string> stall(int port, const std::string& bytes, double limit_s) {
  const int fd = connect_local(port);
  if (fd < 0) return {-2, {}};
  timeval tv{static_cast<time_t>(limit_s), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const auto t0 = std::chrono::steady_clock::now();
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string got;
  char buf[4096];
  double took = -1;
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n >= 0) {  // answered or closed
    took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    got.append(buf, size_t(n));
  }
  ::close(fd);
  return {took, got};
}

// Everything the server sends on a raw connection after `bytes`, until it closes (or limit_s).
inline std::string exchange_until_close(int port, const std::string& bytes, double limit_s) {
  const int fd = connect_local(port);
  if (fd < 0) return {};
  timeval tv{static_cast<time_t>(limit_s), 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, size_t(n));
  ::close(fd);
  return got;
}

// `somna serve` as a child process (SOMNA_BINARY, or env SOMNA_BINARY), stdout/stderr to a file.
class ChildServer {
 public:
  ChildServer(std::vector<std::string> args, const std::string& log_path) {
    const char* env = std::getenv("SOMNA_BINARY");
    const std::string exe = env && *env ? env : SOMNA_BINARY;
    port_ = free_port();
    std::vector<std::string> argv = {exe,         "serve",  "--host",
                                     "127.0.0.1", "--port", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      const int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(exe.c_str(), cargv.data());
      ::_exit(127);
    }
  }
  ~ChildServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // Waits until GET /health answers (true) or the timeout passes / the child exits (false).
  bool wait_ready(double seconds) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      httplib::Client c("127.0.0.1", port_);
      c.set_connection_timeout(0, 200000);
      if (auto r = c.Get("/health"); r && r->status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }
  // Sends `sig` and waits for the exit status (-1 when it did not exit within `seconds`).
  int stop(int sig, double seconds) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }
  // Resident set size of the child in bytes (from /proc), 0 when unknown.
  uint64_t rss_bytes() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    }
    return 0;
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace somna::server::testing
