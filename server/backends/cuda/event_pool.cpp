#include "server/backends/cuda/event_pool.h"

namespace vgpu::backend::cuda {

Result<CUevent> EventPool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      CUevent event = free_.back();
      free_.pop_back();
      return event;
    }
  }
  CUevent event = nullptr;
  VGPU_RETURN_IF_ERROR(driver_.Check(driver_.cuEventCreate(&event, CU_EVENT_DISABLE_TIMING | CU_EVENT_BLOCKING_SYNC),
                                     "cuEventCreate (backend marker)"));
  return event;
}

void EventPool::Release(CUevent event) {
  if (!event) return;
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(event);
}

void EventPool::DestroyAll() {
  std::vector<CUevent> events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    events.swap(free_);
  }
  for (CUevent event : events) (void)driver_.cuEventDestroy(event);
}

}  // namespace vgpu::backend::cuda
