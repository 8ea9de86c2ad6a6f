#pragma once
// One client connection (a TCP socket, optionally TLS) with the bytes received but not yet
// consumed. The listener (listener.hpp) drives it without a thread while it waits for a request
// head (non-blocking fill()/handshake()); a handler thread then reads the rest and writes the
// answer through ConnectionStream, with deadlines, so no read or write can outlast the request's
// time. Bytes the client sent ahead (pipelined requests) stay in the buffer for the next request.

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace somna::server {

using Clock = std::chrono::steady_clock;

// An OpenSSL server context made from a PEM certificate (chain) and key. Throws somna::Error
// naming the file when they cannot be used.
class TlsContext {
 public:
  TlsContext(const std::string& cert_file, const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* get() const { return ctx_; }

 private:
  SSL_CTX* ctx_ = nullptr;
};

// The peer's address of a connected socket ("127.0.0.1", port); "" and 0 when unknown.
void peer_of(int fd, std::string& ip, int& port);

class Connection {
 public:
  // Takes ownership of the connected socket `fd` (made non-blocking here); TLS when `tls`.
  Connection(int fd, const TlsContext* tls);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  const std::string& peer_ip() const { return peer_ip_; }
  int peer_port() const { return peer_port_; }

  // Non-blocking steps for the listener.
  enum class Io { Done, WantRead, WantWrite, Closed };
  Io handshake();  // TLS handshake step; Done at once for plain TCP
  bool handshake_done() const { return !ssl_ || handshaken_; }
  Io fill(size_t max_buffered);    // reads what is there, keeping at most max_buffered bytes
  Io send_some(std::string& out);  // writes what it can of `out`, erasing what was written
  bool discard_input();            // reads and drops what is there; true at EOF or error

  // Received bytes not yet consumed, and consuming them.
  std::string_view pending() const { return std::string_view(in_).substr(pos_); }
  void consume(size_t n);

  // Blocking with a deadline, for handler threads: -1 at the deadline, on error or at EOF
  // (0 at a clean EOF).
  ssize_t read(char* out, size_t n, Clock::time_point deadline);
  bool write_all(const char* p, size_t n, Clock::time_point deadline);

  // Stops further sends (FIN), so the client sees the answer before the close.
  void shutdown_write();

  // Set by the listener: when it gives up waiting in the current state.
  Clock::time_point deadline;
  // Set by the listener: when the current request's first byte arrived (or the wait began).
  Clock::time_point request_start;
  int requests_served = 0;

 private:
  ssize_t raw_read(char* out, size_t n, Io& why);
  ssize_t raw_write(const char* p, size_t n, Io& why);
  bool wait(Io why, Clock::time_point deadline) const;

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool handshaken_ = false;
  std::string in_;
  size_t pos_ = 0;
  std::string peer_ip_;
  int peer_port_ = 0;
};

// cpp-httplib's view of a Connection for one request: reads up to the request's deadline, never
// more than `max_request_bytes` in all (head + body; beyond it reads fail and oversize() is
// true), and writes with `write_timeout` per call.
class ConnectionStream : public httplib::Stream {
 public:
  ConnectionStream(Connection& c, Clock::time_point read_deadline, uint64_t max_request_bytes,
                   std::chrono::milliseconds write_timeout);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override;

  uint64_t bytes_read() const { return read_; }
  bool oversize() const { return oversize_; }
  bool failed() const { return failed_; }

 private:
  Connection& c_;
  Clock::time_point read_deadline_;
  uint64_t max_bytes_;
  std::chrono::milliseconds write_timeout_;
  uint64_t read_ = 0;
  bool oversize_ = false;
  bool failed_ = false;
};

}  // namespace somna::server
