// The process-wide pool that runs thread blocks: hardware_concurrency() workers, created
// once on first use. Run() also uses the calling thread, so a launch always makes progress
// even while other launches keep the workers busy.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vgpu::ptx {

class ThreadPool {
 public:
  static ThreadPool& Get();
  size_t size() const { return workers_.size(); }
  // Calls fn() on `n` threads at once (the caller is one of them) and returns when all finished.
  void Run(size_t n, const std::function<void()>& fn);

 private:
  explicit ThreadPool(size_t n);
  ~ThreadPool();
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
};

}  // namespace vgpu::ptx
