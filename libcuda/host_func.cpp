// Host functions (cuLaunchHostFunc, cuStreamAddCallback) run in this
// process, in stream order. The marker HostFuncReach is answered by the
// server once the stream's earlier work is done; the server then holds the
// session's later calls until HostFuncDone. The function runs on one
// host-function thread (CUDA runs them on a driver thread too), never on the
// session's reader thread, so a slow function delays only what must wait
// for it. From that thread every CUDA call answers CUDA_ERROR_NOT_PERMITTED
// (Enter), so a function that calls CUDA cannot deadlock the session.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "libcuda/areas.h"
#include "libcuda/entry.h"
#include "libcuda/objects.h"

namespace vgpu::cu {
namespace {

struct HostFuncItem {
  CUhostFn fn;
  void* data;
  uint64_t id;
  bool run;  // false when the marker failed: only acknowledge
};

// The host-function thread. Leaked and detached on purpose: a process may
// exit (or its session die) with functions queued or running, and exit
// must not wait for them or destroy what they use.
class HostFuncThread {
 public:
  static HostFuncThread& Get() {
    static auto* thread = new HostFuncThread();
    return *thread;
  }

  void Enqueue(HostFuncItem item) {
    std::lock_guard lock(mutex_);
    queue_.push_back(item);
    wanted_.notify_one();
  }

 private:
  HostFuncThread() { std::thread([this] { Loop(); }).detach(); }

  void Loop() {
    for (;;) {
      HostFuncItem item;
      {
        std::unique_lock lock(mutex_);
        wanted_.wait(lock, [this] { return !queue_.empty(); });
        item = queue_.front();
        queue_.pop_front();
      }
      if (item.run) {
        SetInHostFunc(true);
        item.fn(item.data);
        SetInHostFunc(false);
      }
      // Releases the server's hold. A dead session has nothing to release.
      auto session = Session::Get();
      if (!session.ok()) continue;
      wire::Call done;
      done.mutable_host_func_done()->set_id(item.id);
      (void)(*session)->Post(std::move(done));
    }
  }

  std::mutex mutex_;
  std::condition_variable wanted_;
  std::deque<HostFuncItem> queue_;
};

std::atomic<uint64_t> g_next_host_func{1};

struct StreamCallback {
  CUstreamCallback callback;
  CUstream stream;
  void* data;
};

void RunStreamCallback(void* data) {
  auto* cb = static_cast<StreamCallback*>(data);
  cb->callback(cb->stream, CUDA_SUCCESS, cb->data);
  delete cb;
}

Status LaunchHostFunc(CUstream hStream, CUhostFn fn, void* userData, bool per_thread) {
  if (fn == nullptr) return InvalidValue("host function is null");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  wire::Call call;
  call.mutable_host_func_reach()->set_ctx(target.ctx->id);
  GraphOp op{.call = std::move(call), .kind = GraphOp::Kind::kHostFunc, .host = userData};
  op.host_fn = fn;
  return Submit(session, target, std::move(op));
}

Status AddCallback(CUstream hStream, CUstreamCallback callback, void* userData, unsigned int flags,
                   bool per_thread) {
  if (callback == nullptr) return InvalidValue("callback is null");
  if (flags != 0) return InvalidValue("cuStreamAddCallback flags must be 0");
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  // A recorded callback would run (and free its record) at every replay.
  VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
  auto* cb = new StreamCallback{callback, hStream, userData};
  Status status = LaunchHostFunc(hStream, RunStreamCallback, cb, per_thread);
  if (!status.ok()) delete cb;
  return status;
}

}  // namespace

Status PostHostFunc(Session* session, wire::Call call, CUhostFn fn, void* data) {
  uint64_t id = g_next_host_func.fetch_add(1);
  call.mutable_host_func_reach()->set_id(id);
  return session->PostWithHandler(std::move(call), [fn, data, id](const Status& status, const wire::Reply* reply) {
    // reply is null when the session died: nothing runs and nothing waits.
    if (reply == nullptr) return;
    HostFuncThread::Get().Enqueue(HostFuncItem{fn, data, id, status.ok()});
  });
}

namespace stream {

Status cuLaunchHostFunc(CUstream hStream, CUhostFn fn, void* userData) {
  return LaunchHostFunc(hStream, fn, userData, false);
}
Status cuLaunchHostFunc_ptsz(CUstream hStream, CUhostFn fn, void* userData) {
  return LaunchHostFunc(hStream, fn, userData, true);
}
Status cuStreamAddCallback(CUstream hStream, CUstreamCallback callback, void* userData, unsigned int flags) {
  return AddCallback(hStream, callback, userData, flags, false);
}
Status cuStreamAddCallback_ptsz(CUstream hStream, CUstreamCallback callback, void* userData, unsigned int flags) {
  return AddCallback(hStream, callback, userData, flags, true);
}

}  // namespace stream
}  // namespace vgpu::cu
