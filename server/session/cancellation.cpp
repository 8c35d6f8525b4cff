#include "server/session/cancellation.h"

#include <chrono>

namespace vgpu::server {
namespace {

constexpr int64_t kProbeIntervalNs = 5'000'000;
std::atomic<bool> g_stopping{false};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Cancellation::StopAll() { g_stopping.store(true); }
bool Cancellation::Stopping() { return g_stopping.load(std::memory_order_relaxed); }

bool Cancellation::Cancelled() {
  if (Stopping() || cancelled_.load(std::memory_order_relaxed)) return true;
  if (!client_gone_) return false;
  int64_t now = NowNs();
  if (now < next_probe_ns_.load(std::memory_order_relaxed)) return false;
  std::unique_lock lock(probe_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return false;
  next_probe_ns_.store(now + kProbeIntervalNs, std::memory_order_relaxed);
  if (client_gone_()) cancelled_.store(true);
  return cancelled_.load();
}

}  // namespace vgpu::server
