// The epoll accept loop that holds connections between requests (listener.hpp).

#include "server/listener.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "common/error.hpp"
#include "server/request_head.hpp"

namespace somna::server {
namespace {

constexpr int kMaxEvents = 128;
constexpr int kTickMs = 50;  // how often deadlines are checked at the latest

}  // namespace

Listener::Listener(int listen_fd, ListenerLimits limits, const TlsContext* tls, OnHead on_head,
                   Answer answer)
    : listen_fd_(listen_fd),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      limits_(limits),
      tls_(tls),
      on_head_(std::move(on_head)),
      answer_(std::move(answer)) {
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw Error({}, "cannot create the server's event loop");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev);
  ev.data.fd = wake_fd_;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

Listener::~Listener() {
  entries_.clear();
  ::close(wake_fd_);
  ::close(epoll_fd_);
  ::close(listen_fd_);
}

void Listener::run() {
  epoll_event events[kMaxEvents];
  while (!stopping_.load()) {
    const int n = epoll_wait(epoll_fd_, events, kMaxEvents, kTickMs);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd_) {
        accept_all();
      } else if (fd == wake_fd_) {
        uint64_t v = 0;
        (void)!::read(wake_fd_, &v, sizeof v);
      } else {
        on_event(fd, (events[i].events & EPOLLOUT) != 0);
      }
    }
    take_returned();
    expire();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_.store(true);
    open_ -= int(entries_.size());
    entries_.clear();
    returned_.clear();
  }
}

void Listener::stop() {
  stopping_.store(true);
  wake();
}

void Listener::wake() {
  const uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void Listener::resume(std::shared_ptr<Connection> c) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_.load()) {
      --open_;
      return;
    }
    returned_.push_back({std::move(c), true, {}});
  }
  wake();
}

void Listener::respond_and_close(std::shared_ptr<Connection> c, std::string answer) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_.load()) {
      --open_;
      return;
    }
    returned_.push_back({std::move(c), false, std::move(answer)});
  }
  wake();
}

void Listener::close(std::shared_ptr<Connection> c) {
  respond_and_close(std::move(c), {});
}

void Listener::take_returned() {
  std::vector<Returned> back;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    back.swap(returned_);
  }
  const auto now = Clock::now();
  for (Returned& r : back) {
    --in_handlers_;
    const int fd = r.conn->fd();
    if (r.resume) {
      r.conn->request_start = now;
      r.conn->deadline = now + limits_.idle_timeout;
      add(std::move(r.conn), State::Idle);
      step_head(entries_.at(fd));  // a pipelined request may be waiting already
    } else if (!r.answer.empty()) {
      add(std::move(r.conn), State::Closing);
      start_closing(entries_.at(fd), std::move(r.answer));
    } else {
      --open_;  // the connection closes as its last owner lets go
    }
  }
}

void Listener::accept_all() {
  for (;;) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if ((errno == EMFILE || errno == ENFILE) && !entries_.empty()) {
        make_room();  // out of descriptors: the longest-waiting idle connection goes
        continue;
      }
      return;  // EAGAIN, or nothing more to do now
    }
    if (open_.load() >= limits_.max_connections && !make_room()) {
      // Every connection is being served: an immediate 503, not a wait (over TLS, with no
      // handshake, a bare close; counted and logged alike).
      std::string ip;
      int port = 0;
      peer_of(fd, ip, port);
      const std::string a = answer_(503, ip);
      if (!tls_) (void)!::send(fd, a.data(), a.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      ::close(fd);
      continue;
    }
    auto c = std::make_shared<Connection>(fd, tls_);
    c->deadline = c->request_start + limits_.head_timeout;
    ++open_;
    add(std::move(c), tls_ ? State::Handshake : State::Head);
  }
}

bool Listener::make_room() {
  // The connection that has waited longest without a complete request: idle first, then slow.
  int victim = -1;
  Clock::time_point oldest = Clock::time_point::max();
  bool victim_idle = false;
  for (const auto& [fd, e] : entries_) {
    if (e.state == State::Closing) continue;
    const bool idle = e.state == State::Idle;
    if ((idle && !victim_idle) || (idle == victim_idle && e.conn->request_start < oldest)) {
      victim = fd;
      oldest = e.conn->request_start;
      victim_idle = idle;
    }
  }
  if (victim < 0) return false;
  drop(victim);
  return true;
}

void Listener::add(std::shared_ptr<Connection> c, State s) {
  const int fd = c->fd();
  Entry& e = entries_[fd];
  e.conn = std::move(c);
  e.state = s;
  e.events = EPOLLIN;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
}

void Listener::watch(Entry& e, bool writable) {
  const uint32_t want = writable ? EPOLLOUT : EPOLLIN;
  if (e.events == want) return;
  e.events = want;
  epoll_event ev{};
  ev.events = want;
  ev.data.fd = e.conn->fd();
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, e.conn->fd(), &ev);
}

void Listener::on_event(int fd, bool /*writable*/) {
  const auto it = entries_.find(fd);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  switch (e.state) {
    case State::Handshake:
      step_handshake(e);
      break;
    case State::Head:
    case State::Idle:
      step_head(e);
      break;
    case State::Closing:
      step_closing(e);
      break;
  }
}

void Listener::step_handshake(Entry& e) {
  switch (e.conn->handshake()) {
    case Connection::Io::Done:
      e.state = State::Head;
      step_head(e);  // the request may have come with the handshake
      return;
    case Connection::Io::WantRead:
      watch(e, false);
      return;
    case Connection::Io::WantWrite:
      watch(e, true);
      return;
    case Connection::Io::Closed:
      drop(e.conn->fd());
      return;
  }
}

void Listener::step_head(Entry& e) {
  const Connection::Io r = e.conn->fill(kMaxRequestHeadBytes + 1);
  const std::string_view pending = e.conn->pending();
  if (e.state == State::Idle && !pending.empty()) {
    e.state = State::Head;  // the next request has begun: its head has head_timeout to arrive
    e.conn->request_start = Clock::now();
    e.conn->deadline = e.conn->request_start + limits_.head_timeout;
  }
  const size_t end = find_head_end(pending.substr(0, kMaxRequestHeadBytes + 4));
  if (end != std::string_view::npos) {
    std::shared_ptr<Connection> c = std::move(e.conn);
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c->fd(), nullptr);
    entries_.erase(c->fd());
    ++in_handlers_;
    const std::string_view head = c->pending().substr(0, end);
    on_head_(std::move(c), head);
    return;
  }
  if (pending.size() > kMaxRequestHeadBytes) {
    start_closing(e, answer_(431, e.conn->peer_ip()));
    return;
  }
  if (r == Connection::Io::Closed) {
    drop(e.conn->fd());
    return;
  }
  watch(e, r == Connection::Io::WantWrite);
}

void Listener::start_closing(Entry& e, std::string answer) {
  e.state = State::Closing;
  e.out = std::move(answer);
  e.shut = false;
  e.conn->deadline = Clock::now() + limits_.linger;
  step_closing(e);
}

void Listener::step_closing(Entry& e) {
  if (!e.out.empty()) {
    const Connection::Io r = e.conn->send_some(e.out);
    if (r == Connection::Io::Closed) {
      drop(e.conn->fd());
      return;
    }
    if (!e.out.empty()) {
      watch(e, r == Connection::Io::WantWrite);
      return;
    }
  }
  if (!e.shut) {
    // Half-close and drain what the client is still sending, so that its TCP stack does not
    // discard our answer on a reset before the client read it.
    e.conn->shutdown_write();
    e.shut = true;
    watch(e, false);
  }
  if (e.conn->discard_input()) drop(e.conn->fd());
}

void Listener::drop(int fd) {
  const auto it = entries_.find(fd);
  if (it == entries_.end()) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  entries_.erase(it);
  --open_;
}

void Listener::expire() {
  const auto now = Clock::now();
  std::vector<int> late;
  for (const auto& [fd, e] : entries_) {
    if (e.conn->deadline <= now) late.push_back(fd);
  }
  for (int fd : late) {
    Entry& e = entries_.at(fd);
    if (e.state == State::Head && !e.conn->pending().empty()) {
      start_closing(
          e, answer_(408, e.conn->peer_ip()));  // a head that started but did not finish in time
    } else {
      drop(fd);  // idle, a handshake that never finished, or a close that lingered long enough
    }
  }
}

}  // namespace somna::server
