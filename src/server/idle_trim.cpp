// IdleTrim: one thread waiting for the server to stay idle (idle_trim.hpp).

#include "server/idle_trim.hpp"

#include <utility>

namespace somna::server {

IdleTrim::IdleTrim(std::chrono::milliseconds delay, std::function<void()> give_back)
    : delay_(delay), give_back_(std::move(give_back)), thread_([this] { run(); }) {}

IdleTrim::~IdleTrim() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void IdleTrim::busy() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++busy_;
  used_ = true;
}

void IdleTrim::idle() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (busy_ > 0) --busy_;
    last_idle_ = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
}

int IdleTrim::trims() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return trims_;
}

void IdleTrim::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || (used_ && busy_ == 0); });
    if (stopping_) return;
    // Idle since last_idle_: wait out the delay, starting over whenever work comes and goes.
    const auto since = last_idle_;
    const bool interrupted = cv_.wait_until(
        lock, since + delay_, [&] { return stopping_ || busy_ > 0 || last_idle_ != since; });
    if (stopping_) return;
    if (interrupted) continue;
    used_ = false;
    lock.unlock();
    give_back_();
    lock.lock();
    ++trims_;
  }
}

}  // namespace somna::server
