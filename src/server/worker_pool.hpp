#pragma once
// A bounded worker pool for analyses: N threads and a queue of at most M waiting jobs. try_submit()
// refuses (returns an invalid future) instead of queueing without bound, which the server turns
// into 503 + Retry-After, so a burst of uploads cannot pile up memory or latency. Destruction
// finishes the jobs already accepted, then joins the threads.

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace somna::server {

class WorkerPool {
 public:
  WorkerPool(int threads, int max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `job` on a worker. Returns a future that holds the job's exception if it throws; an
  // invalid future (valid() == false) when `max_queued` jobs are already waiting or the pool is
  // stopping.
  std::future<void> try_submit(std::function<void()> job);

  int threads() const { return static_cast<int>(threads_.size()); }
  int max_queued() const { return max_queued_; }
  int queued() const;
  int running() const;

 private:
  void work();

  const int max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> queue_;
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace somna::server
