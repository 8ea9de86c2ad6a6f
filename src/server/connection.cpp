// A client connection with deadlines, plain or TLS (connection.hpp).

#include "server/connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/error.hpp"

namespace somna::server {
namespace {

void address_of(const sockaddr_storage& a, std::string& ip, int& port) {
  char buf[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    inet_ntop(AF_INET, &v4->sin_addr, buf, sizeof buf);
    port = ntohs(v4->sin_port);
  } else if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    inet_ntop(AF_INET6, &v6->sin6_addr, buf, sizeof buf);
    port = ntohs(v6->sin6_port);
  }
  ip = buf;
}

// What a TLS call that returned r <= 0 waits for; `error` gets OpenSSL's code.
Connection::Io tls_wait(SSL* ssl, int r, int& error) {
  error = SSL_get_error(ssl, r);
  ERR_clear_error();
  if (error == SSL_ERROR_WANT_READ) return Connection::Io::WantRead;
  if (error == SSL_ERROR_WANT_WRITE) return Connection::Io::WantWrite;
  return Connection::Io::Closed;
}

int remaining_ms(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return int(std::clamp<long long>(left, 0, 24LL * 3600 * 1000));
}

}  // namespace

TlsContext::TlsContext(const std::string& cert_file, const std::string& key_file) {
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (!ctx_) throw Error({}, "cannot create a TLS context");
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  const bool ok = SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) == 1 &&
                  SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) == 1 &&
                  SSL_CTX_check_private_key(ctx_) == 1;
  ERR_clear_error();
  if (!ok) {
    SSL_CTX_free(ctx_);
    throw Error(cert_file, "cannot start TLS with this certificate and key (" + key_file +
                               "): not PEM, or they do not match");
  }
}

TlsContext::~TlsContext() {
  SSL_CTX_free(ctx_);
}

void peer_of(int fd, std::string& ip, int& port) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
}

Connection::Connection(int fd, const TlsContext* tls) : fd_(fd) {
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL, 0) | O_NONBLOCK);
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  peer_of(fd_, peer_ip_, peer_port_);
  if (tls) {
    ssl_ = SSL_new(tls->get());
    if (ssl_) SSL_set_fd(ssl_, fd_);
  }
  deadline = request_start = Clock::now();
}

Connection::~Connection() {
  if (ssl_) {
    if (handshaken_) SSL_shutdown(ssl_);
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
}

Connection::Io Connection::handshake() {
  if (!ssl_ || handshaken_) return Io::Done;
  const int r = SSL_accept(ssl_);
  if (r == 1) {
    handshaken_ = true;
    return Io::Done;
  }
  int e = 0;
  return tls_wait(ssl_, r, e);
}

ssize_t Connection::raw_read(char* out, size_t n, Io& why) {
  if (ssl_) {
    const int r = SSL_read(ssl_, out, int(std::min<size_t>(n, 1 << 30)));
    if (r > 0) return r;
    int e = 0;
    why = tls_wait(ssl_, r, e);
    return why == Io::Closed && e == SSL_ERROR_ZERO_RETURN ? 0 : -1;
  }
  for (;;) {
    const ssize_t r = ::recv(fd_, out, n, 0);
    if (r > 0) return r;
    if (r < 0 && errno == EINTR) continue;
    why = r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? Io::WantRead : Io::Closed;
    return r;
  }
}

ssize_t Connection::raw_write(const char* p, size_t n, Io& why) {
  if (ssl_) {
    const int r = SSL_write(ssl_, p, int(std::min<size_t>(n, 1 << 30)));
    if (r > 0) return r;
    int e = 0;
    why = tls_wait(ssl_, r, e);
    return -1;
  }
  for (;;) {
    const ssize_t r = ::send(fd_, p, n, MSG_NOSIGNAL);
    if (r >= 0) return r;
    if (errno == EINTR) continue;
    why = errno == EAGAIN || errno == EWOULDBLOCK ? Io::WantWrite : Io::Closed;
    return -1;
  }
}

bool Connection::wait(Io why, Clock::time_point until) const {
  pollfd p{fd_, short(why == Io::WantWrite ? POLLOUT : POLLIN), 0};
  for (;;) {
    const int r = ::poll(&p, 1, remaining_ms(until));
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return false;
  }
}

Connection::Io Connection::fill(size_t max_buffered) {
  if (pos_ > 0 && pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  }
  char buf[16384];
  for (;;) {
    if (in_.size() - pos_ >= max_buffered) return Io::Done;
    Io why = Io::Done;
    const size_t want = std::min(sizeof buf, max_buffered - (in_.size() - pos_));
    const ssize_t r = raw_read(buf, want, why);
    if (r > 0) {
      in_.append(buf, size_t(r));
      continue;
    }
    return r == 0 ? Io::Closed : why;
  }
}

Connection::Io Connection::send_some(std::string& out) {
  while (!out.empty()) {
    Io why = Io::Done;
    const ssize_t r = raw_write(out.data(), out.size(), why);
    if (r <= 0) return why == Io::Done ? Io::Closed : why;
    out.erase(0, size_t(r));
  }
  return Io::Done;
}

bool Connection::discard_input() {
  char buf[16384];
  for (;;) {
    Io why = Io::Done;
    const ssize_t r = raw_read(buf, sizeof buf, why);
    if (r > 0) continue;
    return why != Io::WantRead && why != Io::WantWrite;
  }
}

void Connection::consume(size_t n) {
  pos_ = std::min(in_.size(), pos_ + n);
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  }
}

ssize_t Connection::read(char* out, size_t n, Clock::time_point until) {
  if (n == 0) return 0;
  if (pos_ < in_.size()) {
    const size_t k = std::min(n, in_.size() - pos_);
    std::copy_n(in_.data() + pos_, k, out);
    consume(k);
    return ssize_t(k);
  }
  for (;;) {
    Io why = Io::Done;
    const ssize_t r = raw_read(out, n, why);
    if (r >= 0) return r;
    if (why == Io::Closed || !wait(why, until)) return -1;
  }
}

bool Connection::write_all(const char* p, size_t n, Clock::time_point until) {
  while (n > 0) {
    Io why = Io::Done;
    const ssize_t r = raw_write(p, n, why);
    if (r > 0) {
      p += r;
      n -= size_t(r);
      continue;
    }
    if (why == Io::Closed || !wait(why, until)) return false;
  }
  return true;
}

void Connection::shutdown_write() {
  if (ssl_ && handshaken_) SSL_shutdown(ssl_);
  ::shutdown(fd_, SHUT_WR);
}

ConnectionStream::ConnectionStream(Connection& c, Clock::time_point read_deadline,
                                   uint64_t max_request_bytes,
                                   std::chrono::milliseconds write_timeout)
    : c_(c),
      read_deadline_(read_deadline),
      max_bytes_(max_request_bytes),
      write_timeout_(write_timeout) {}

bool ConnectionStream::is_readable() const {
  return !c_.pending().empty() || Clock::now() < read_deadline_;
}

bool ConnectionStream::is_writable() const {
  pollfd p{c_.fd(), POLLOUT, 0};
  return ::poll(&p, 1, int(write_timeout_.count())) > 0;
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (read_ >= max_bytes_) {
    oversize_ = true;
    return -1;
  }
  size = size_t(std::min<uint64_t>(size, max_bytes_ - read_));
  const ssize_t r = c_.read(ptr, size, read_deadline_);
  if (r > 0) read_ += uint64_t(r);
  if (r < 0) failed_ = true;
  return r;
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  return c_.write_all(ptr, size, Clock::now() + write_timeout_) ? ssize_t(size) : -1;
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = c_.peer_ip();
  port = c_.peer_port();
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (getsockname(c_.fd(), reinterpret_cast<sockaddr*>(&a), &len) == 0) address_of(a, ip, port);
}

socket_t ConnectionStream::socket() const {
  return c_.fd();
}

}  // namespace somna::server
