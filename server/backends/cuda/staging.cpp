#include "server/backends/cuda/staging.h"

#include <bit>
#include <limits>

namespace vgpu::backend::cuda {

size_t StagingPool::RoundUp(size_t bytes) {
  constexpr size_t kMin = size_t{64} << 10;
  constexpr size_t kMiB = size_t{1} << 20;
  if (bytes <= kMin) return kMin;
  if (bytes <= kMiB) return std::bit_ceil(bytes);
  if (bytes > std::numeric_limits<size_t>::max() - kMiB) return bytes;
  return (bytes + kMiB - 1) / kMiB * kMiB;
}

Result<PinnedBlock> StagingPool::Acquire(size_t bytes) {
  Reap();
  const size_t want = RoundUp(bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(want);
    // A much larger block stays for a request that needs it.
    if (it != free_.end() && it->first / 2 <= want) {
      PinnedBlock block{it->second, it->first};
      free_bytes_ -= it->first;
      free_.erase(it);
      return block;
    }
  }
  void* p = nullptr;
  VGPU_RETURN_IF_ERROR(driver_.Check(driver_.cuMemHostAlloc(&p, want, 0),
                                     "cuMemHostAlloc (staging " + std::to_string(want) + " bytes)"));
  std::lock_guard<std::mutex> lock(mutex_);
  all_.emplace(static_cast<uint8_t*>(p), want);
  return PinnedBlock{static_cast<uint8_t*>(p), want};
}

void StagingPool::FreeLocked(PinnedBlock block) {
  free_.emplace(block.capacity, block.data);
  free_bytes_ += block.capacity;
}

void StagingPool::Release(PinnedBlock block) {
  if (!block.data) return;
  std::lock_guard<std::mutex> lock(mutex_);
  FreeLocked(block);
}

void StagingPool::ReleaseAfter(PinnedBlock block, CUevent done, CUstream stream) {
  if (!block.data) return;
  std::lock_guard<std::mutex> lock(mutex_);
  pending_[stream].push_back(Pending{block, done});
}

void StagingPool::Retire(PinnedBlock block) {
  if (!block.data) return;
  std::lock_guard<std::mutex> lock(mutex_);
  retired_.push_back(block);
}

void StagingPool::TrimLocked(std::vector<PinnedBlock>* to_free) {
  while (free_bytes_ > kMaxCachedBytes && !free_.empty()) {
    auto largest = std::prev(free_.end());
    to_free->push_back(PinnedBlock{largest->second, largest->first});
    free_bytes_ -= largest->first;
    all_.erase(largest->second);
    free_.erase(largest);
  }
}

void StagingPool::Reap() {
  std::vector<PinnedBlock> to_free;
  std::vector<CUevent> done_events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      std::deque<Pending>& queue = it->second;
      // Work on one stream completes in order: stop at the first pending one.
      // Any result but NOT_READY means the copy is over (or the context is
      // broken, and the block will never be read again).
      while (!queue.empty() && driver_.cuEventQuery(queue.front().done) != CUDA_ERROR_NOT_READY) {
        FreeLocked(queue.front().block);
        done_events.push_back(queue.front().done);
        queue.pop_front();
      }
      it = queue.empty() ? pending_.erase(it) : std::next(it);
    }
    TrimLocked(&to_free);
  }
  for (CUevent event : done_events) events_.Release(event);
  for (const PinnedBlock& block : to_free) (void)driver_.cuMemFreeHost(block.data);
}

void StagingPool::FreeAll() {
  std::map<uint8_t*, size_t> all;
  std::vector<CUevent> done_events;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [stream, queue] : pending_) {
      for (const Pending& p : queue) done_events.push_back(p.done);
    }
    pending_.clear();
    free_.clear();
    free_bytes_ = 0;
    retired_.clear();
    all.swap(all_);
  }
  for (CUevent event : done_events) events_.Release(event);
  for (const auto& [data, capacity] : all) (void)driver_.cuMemFreeHost(data);
}

}  // namespace vgpu::backend::cuda
