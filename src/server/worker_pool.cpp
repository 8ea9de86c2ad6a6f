// Bounded analysis worker pool (worker_pool.hpp).

#include "server/worker_pool.hpp"

#include <algorithm>

namespace somna::server {

WorkerPool::WorkerPool(int threads, int max_queued) : max_queued_(std::max(0, max_queued)) {
  const int n = std::max(1, threads);
  threads_.reserve(size_t(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

std::future<void> WorkerPool::try_submit(std::function<void()> job) {
  std::packaged_task<void()> task(std::move(job));
  std::future<void> f = task.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A job may wait only when every worker is busy; max_queued bounds the waiting ones.
    const int capacity = threads() - running_ + max_queued_;
    if (stopping_ || static_cast<int>(queue_.size()) >= capacity) return {};
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return f;
}

int WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

int WorkerPool::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void WorkerPool::work() {
  for (;;) {
    std::packaged_task<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and nothing left
      task = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    task();  // exceptions are stored in the future
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --running_;
    }
  }
}

}  // namespace somna::server
