#include "server/backends/emu/ptx/thread_pool.h"

#include <algorithm>
#include <memory>

namespace vgpu::ptx {

ThreadPool& ThreadPool::Get() {
  // Never destroyed: workers may still be parked in Loop() at process exit.
  static ThreadPool* pool = new ThreadPool(std::max(1u, std::thread::hardware_concurrency()));
  return *pool;
}

ThreadPool::ThreadPool(size_t n) {
  for (size_t i = 0; i < n; ++i) workers_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (stop_ && tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

void ThreadPool::Run(size_t n, const std::function<void()>& fn) {
  if (n <= 1) {
    fn();
    return;
  }
  // Helpers that start after the caller has finished skip fn(): a launch never waits for
  // workers busy with another launch, only for helpers already running its own blocks.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool closed = false;
    size_t running = 0;
  };
  auto state = std::make_shared<State>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i + 1 < n; ++i) {
      tasks_.push_back([state, &fn] {
        {
          std::lock_guard<std::mutex> l(state->mu);
          if (state->closed) return;
          ++state->running;
        }
        fn();
        std::lock_guard<std::mutex> l(state->mu);
        if (--state->running == 0) state->cv.notify_all();
      });
    }
  }
  cv_.notify_all();
  fn();
  std::unique_lock<std::mutex> lock(state->mu);
  state->closed = true;
  state->cv.wait(lock, [&] { return state->running == 0; });
}

}  // namespace vgpu::ptx
