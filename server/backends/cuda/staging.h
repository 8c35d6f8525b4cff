// Pinned host buffers that async copies read from or write into. A buffer is
// reused only once the event recorded after its copy has completed, so the
// executor never waits for the GPU to hand one out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "server/backends/cuda/driver.h"
#include "server/backends/cuda/event_pool.h"

namespace vgpu::backend::cuda {

struct PinnedBlock {
  uint8_t* data = nullptr;
  size_t capacity = 0;
};

class StagingPool {
 public:
  StagingPool(const Driver& driver, EventPool& events) : driver_(driver), events_(events) {}
  StagingPool(const StagingPool&) = delete;
  StagingPool& operator=(const StagingPool&) = delete;

  // A block of at least `bytes`; the context is current.
  Result<PinnedBlock> Acquire(size_t bytes);
  // The block is idle now (its copy finished or never started).
  void Release(PinnedBlock block);
  // The block is idle once `done`, recorded on `stream` after its copy,
  // completes; `done` then goes back to the EventPool. No driver call.
  void ReleaseAfter(PinnedBlock block, CUevent done, CUstream stream);
  // A block whose copy was enqueued but could not be tracked: never reused,
  // freed at teardown.
  void Retire(PinnedBlock block);
  // Moves blocks whose events completed to the free list; the context is
  // current. Cheap: only each stream's oldest pending block is queried.
  void Reap();
  // Frees every block. Only after the context's work is over (teardown).
  void FreeAll();

  // Size class a request of `bytes` is served from (exposed for tests).
  static size_t RoundUp(size_t bytes);

 private:
  struct Pending {
    PinnedBlock block;
    CUevent done;
  };
  void FreeLocked(PinnedBlock block);  // under mutex_; no driver call
  void TrimLocked(std::vector<PinnedBlock>* to_free);

  // Idle pinned memory kept for reuse; more is given back to the OS.
  static constexpr size_t kMaxCachedBytes = size_t{64} << 20;

  const Driver& driver_;
  EventPool& events_;
  std::mutex mutex_;
  std::multimap<size_t, uint8_t*> free_;                 // capacity -> block
  size_t free_bytes_ = 0;
  std::map<CUstream, std::deque<Pending>> pending_;      // per stream, in order
  std::vector<PinnedBlock> retired_;
  std::map<uint8_t*, size_t> all_;                       // every live block, for FreeAll
};

}  // namespace vgpu::backend::cuda
