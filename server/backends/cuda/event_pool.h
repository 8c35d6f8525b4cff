// Private events the backend records to learn when work is done (staging
// buffers, synchronizing calls). Never handed to clients.
#pragma once

#include <mutex>
#include <vector>

#include "server/backends/cuda/driver.h"

namespace vgpu::backend::cuda {

class EventPool {
 public:
  explicit EventPool(const Driver& driver) : driver_(driver) {}
  EventPool(const EventPool&) = delete;
  EventPool& operator=(const EventPool&) = delete;

  // A free event with timing disabled and blocking sync, so a thread that
  // waits on it sleeps instead of spinning. The caller's context is current.
  Result<CUevent> Acquire();
  // Back to the pool; no driver call, so it is safe from any thread and from
  // destructors. Re-recording an event that is still pending is harmless.
  void Release(CUevent event);
  // Destroys the free events; the context is current. Events still out are
  // destroyed with the context.
  void DestroyAll();

 private:
  const Driver& driver_;
  std::mutex mutex_;
  std::vector<CUevent> free_;
};

}  // namespace vgpu::backend::cuda
