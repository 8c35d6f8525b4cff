#include "server/backends/cuda/waits.h"

#include <mutex>

namespace vgpu::backend::cuda {
namespace {

class MarkerWait {
 public:
  MarkerWait(std::shared_ptr<ContextState> state, std::vector<CUevent> markers)
      : state_(std::move(state)), markers_(std::move(markers)) {}
  ~MarkerWait() {
    if (!ran_) ReleaseMarkers();
  }
  MarkerWait(const MarkerWait&) = delete;
  MarkerWait& operator=(const MarkerWait&) = delete;

  Status Run() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ran_) return result_;
    result_ = state_->MakeCurrent();
    for (CUevent marker : markers_) {
      if (!result_.ok()) break;
      result_ = state_->driver->Check(state_->driver->cuEventSynchronize(marker), "cuEventSynchronize");
    }
    ran_ = true;
    ReleaseMarkers();
    return result_;
  }

 private:
  void ReleaseMarkers() {
    for (CUevent marker : markers_) state_->events.Release(marker);
    markers_.clear();
  }

  std::shared_ptr<ContextState> state_;  // first: outlives the rest
  std::mutex mutex_;
  std::vector<CUevent> markers_;
  bool ran_ = false;
  Status result_;
};

class CopyOutWait {
 public:
  CopyOutWait(std::shared_ptr<ContextState> state, CUevent done, CUstream stream, PinnedBlock block,
              std::string* dst, size_t bytes)
      : state_(std::move(state)), done_(done), stream_(stream), block_(block), dst_(dst), bytes_(bytes) {}
  ~CopyOutWait() {
    // Never ran: the copy may still be writing the block, so it is reused
    // only once `done` completes.
    if (!ran_) state_->staging.ReleaseAfter(block_, done_, stream_);
  }
  CopyOutWait(const CopyOutWait&) = delete;
  CopyOutWait& operator=(const CopyOutWait&) = delete;

  Status Run() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ran_) return result_;
    result_ = state_->MakeCurrent();
    if (result_.ok()) {
      result_ = state_->driver->Check(state_->driver->cuEventSynchronize(done_), "cuEventSynchronize (copy to host)");
    }
    if (!result_.ok()) {
      // The copy's fate is unknown: leave the block to the event.
      state_->staging.ReleaseAfter(block_, done_, stream_);
    } else {
      dst_->assign(reinterpret_cast<const char*>(block_.data), bytes_);
      state_->staging.Release(block_);
      state_->events.Release(done_);
    }
    ran_ = true;
    return result_;
  }

 private:
  std::shared_ptr<ContextState> state_;
  std::mutex mutex_;
  CUevent done_;
  CUstream stream_;
  PinnedBlock block_;
  std::string* dst_;
  size_t bytes_;
  bool ran_ = false;
  Status result_;
};

}  // namespace

Wait MakeMarkerWait(std::shared_ptr<ContextState> state, std::vector<CUevent> markers) {
  auto wait = std::make_shared<MarkerWait>(std::move(state), std::move(markers));
  return [wait] { return wait->Run(); };
}

Wait MakeCopyOutWait(std::shared_ptr<ContextState> state, CUevent done, CUstream stream, PinnedBlock block,
                     std::string* dst, size_t bytes) {
  auto wait = std::make_shared<CopyOutWait>(std::move(state), done, stream, block, dst, bytes);
  return [wait] { return wait->Run(); };
}

}  // namespace vgpu::backend::cuda
