// Whether a session's work should stop: the server is stopping, or the
// session's client is gone. Cheap enough to ask between the thread blocks
// of a launch: the client is probed (a gRPC call) at most every few
// milliseconds, by one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace vgpu::server {

class Cancellation {
 public:
  explicit Cancellation(std::function<bool()> client_gone) : client_gone_(std::move(client_gone)) {}

  // Thread-safe; once true, stays true.
  bool Cancelled();

  // Process-wide: every session's work stops (SIGTERM).
  static void StopAll();
  static bool Stopping();

 private:
  std::function<bool()> client_gone_;
  std::atomic<bool> cancelled_{false};
  std::atomic<int64_t> next_probe_ns_{0};
  std::mutex probe_mutex_;
};

}  // namespace vgpu::server
