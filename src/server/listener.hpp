#pragma once
// The accept loop of `somna serve`: one thread with epoll holds every connection that is not being
// served — TLS handshakes, request heads still arriving, idle keep-alive connections, answers of
// refused requests being flushed — so an idle, slow or malformed client costs a socket and a small
// buffer, never a thread. Each state has a deadline (a slow-loris head is cut off, an idle
// connection closed). When a complete head has arrived, on_head decides what happens to it; the
// connection comes back through resume() for its next request, or respond_and_close() /
// close(). At max_connections an idle or head-waiting connection is closed to make room (the one
// waiting longest); when none can be, the newcomer gets an immediate 503.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/connection.hpp"

namespace somna::server {

struct ListenerLimits {
  int max_connections = 512;
  std::chrono::milliseconds head_timeout{10000};  // from the head's first byte (or the accept)
  std::chrono::milliseconds idle_timeout{5000};   // keep-alive wait for the next request
  std::chrono::milliseconds linger{2000};         // draining a refused request before the close
};

class Listener {
 public:
  // Called on the listener thread with a complete head (`head` holds exactly its bytes, which are
  // still pending in the connection). The callee owns the connection from here on and must give it
  // back with resume(), respond_and_close() or close(), from any thread.
  using OnHead = std::function<void(std::shared_ptr<Connection>, std::string_view head)>;
  // Builds the full HTTP answer (status line to body) that a connection refused by the listener
  // itself gets: 408 (head too slow), 431 (head too large), 503 (too many connections); `peer_ip`
  // is the client's address, for the access log.
  using Answer = std::function<std::string(int status, const std::string& peer_ip)>;

  // Takes the bound, listening socket `listen_fd` (closed on destruction).
  Listener(int listen_fd, ListenerLimits limits, const TlsContext* tls, OnHead on_head,
           Answer answer);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  void run();   // until stop()
  void stop();  // from any thread; connections waiting in the listener are closed

  void resume(std::shared_ptr<Connection> c);
  void respond_and_close(std::shared_ptr<Connection> c, std::string answer);
  void close(std::shared_ptr<Connection> c);

  int open_connections() const { return open_.load(); }

 private:
  enum class State { Handshake, Head, Idle, Closing };
  struct Entry {
    std::shared_ptr<Connection> conn;
    State state;
    std::string out;    // answer still to send (Closing)
    bool shut = false;  // Closing: our side is shut down, draining the client's
    uint32_t events = 0;
  };
  struct Returned {
    std::shared_ptr<Connection> conn;
    bool resume;
    std::string answer;
  };

  void accept_all();
  bool make_room();
  void add(std::shared_ptr<Connection> c, State s);
  void watch(Entry& e, bool writable);
  void on_event(int fd, bool writable);
  void step_handshake(Entry& e);
  void step_head(Entry& e);
  void step_closing(Entry& e);
  void start_closing(Entry& e, std::string answer);
  void drop(int fd);
  void expire();
  void take_returned();
  void wake();

  int listen_fd_;
  int epoll_fd_;
  int wake_fd_;
  ListenerLimits limits_;
  const TlsContext* tls_;
  OnHead on_head_;
  Answer answer_;
  std::unordered_map<int, Entry> entries_;
  int in_handlers_ = 0;
  std::atomic<int> open_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
  std::vector<Returned> returned_;
};

}  // namespace somna::server
