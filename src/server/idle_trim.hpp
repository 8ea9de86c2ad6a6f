#pragma once
// Gives the process's free heap memory back to the kernel once the server has had no upload in
// progress for a while. `somna serve` keeps freed memory in its heap (common/allocator_tuning.hpp)
// so that back-to-back uploads reuse pages that are already mapped instead of faulting in and
// zeroing tens of MB each; the idle server still holds only what it uses.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace somna::server {

class IdleTrim {
 public:
  // Calls `give_back` on a thread of its own `delay` after the last of the busy periods ends
  // (once per idle period, not again until something was busy).
  IdleTrim(std::chrono::milliseconds delay, std::function<void()> give_back);
  ~IdleTrim();
  IdleTrim(const IdleTrim&) = delete;
  IdleTrim& operator=(const IdleTrim&) = delete;

  void busy();        // a busy period starts (an upload admitted)
  void idle();        // one ends (that upload answered)
  int trims() const;  // how many times give_back ran

 private:
  void run();

  const std::chrono::milliseconds delay_;
  const std::function<void()> give_back_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int busy_ = 0;
  bool used_ = false;  // something was busy since the last give_back
  bool stopping_ = false;
  int trims_ = 0;
  std::chrono::steady_clock::time_point last_idle_;
  std::thread thread_;
};

}  // namespace somna::server
