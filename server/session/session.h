// One client's session: its handle tables, its allocations and its backend
// session. Calls execute in order on the executor thread (Execute); replies
// are finished (Finish) on the reply threads, in order per stream, which is
// where waits on the device happen, so the executor never blocks on the GPU.
#pragma once

#include <deque>
#include <map>
#include <vector>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "proto/vgpu.pb.h"
#include "server/backends/backend.h"
#include "server/image_cache.h"
#include "server/session/allocation_table.h"
#include "server/session/handle_table.h"
#include "server/session/limits.h"

namespace vgpu::server {

// A context's sticky error: after an illegal address or a failed launch the
// context is unusable, as on hardware. Shared with the writer thread.
class StickyError {
 public:
  void Set(const Status& status);
  Status Get() const;

 private:
  mutable std::mutex mutex_;
  Status status_;
};

// What executing one call produced, finished later by the writer thread.
struct Outcome {
  std::unique_ptr<wire::Reply> reply;  // always set; sent when want_reply
  backend::Wait wait;                  // runs before the reply is sent
  bool want_reply = false;
  bool synchronizing = false;          // reports an earlier asynchronous error
  std::shared_ptr<StickyError> sticky; // the call's context, if any
  std::shared_ptr<backend::DeviceOutput> output;  // the call's context's printf/assert text
  bool flushes_output = false;         // a point where CUDA prints device output
};

class Session {
 public:
  Session(backend::Backend& backend, ImageCache& images, uint64_t id, SessionLimits limits = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // `options.cancelled` tells the backend when the client is gone.
  Status Open(const backend::SessionOptions& options = {});
  uint64_t id() const { return id_; }

  // Executor thread: runs one call; never blocks on the device.
  // Takes the call's bulk bytes (host-to-device data) instead of copying them.
  Outcome Execute(wire::Call& call);
  // Outcomes of calls that a host function held back (HostFuncReach) and
  // that became runnable during the last Execute; the caller finishes them
  // after that call's own outcome, in this order.
  std::vector<Outcome> TakeReleased();
  // Whether Execute would hold `call` back for a host function (the test of
  // HoldForHostFunc): its outcome then comes later, from TakeReleased.
  bool WouldHold(const wire::Call& call) const {
    return host_func_hold_ != 0 && call.op_case() != wire::Call::kHostFuncDone;
  }
  // Reply threads (any of them, concurrently; see server/reply_writer.h for
  // the order): waits, applies deferred and sticky errors, and returns true
  // when outcome.reply must be sent. A synchronizing reply reports the first
  // asynchronous error of an earlier call not yet reported.
  bool Finish(Outcome& outcome);

 private:
  struct ModuleState {
    backend::Handle handle = 0;
    std::vector<uint32_t> param_bytes;  // per function
  };
  struct ContextState {
    int device = 0;
    std::unique_ptr<backend::Context> ctx;
    std::shared_ptr<StickyError> sticky = std::make_shared<StickyError>();
    std::shared_ptr<backend::DeviceOutput> output;  // from the backend; may be null
    HandleTable<backend::Handle> streams{"stream"};
    HandleTable<backend::Handle> events{"event"};
    HandleTable<ModuleState> modules{"module"};
  };

  Status Dispatch(wire::Call& call, Outcome& out);
  Result<ContextState*> Context(uint64_t ctx, Outcome& out);
  Result<backend::Handle> Stream(ContextState& state, uint64_t stream);
  // Totals over every context, for the per-session caps.
  size_t CountStreams() const;
  size_t CountEvents() const;
  size_t CountModules() const;
  // OK when `bytes` more device memory stay within the quota.
  Status CheckQuota(uint64_t bytes, const char* call) const;
  // Moves the device output of out.output into the reply (writer thread).
  static void AttachDeviceOutput(Outcome& out);

  // context
  Status CtxCreate(const wire::CtxCreate& op);
  Status CtxDestroy(const wire::CtxDestroy& op, Outcome& out);
  Status CtxSynchronize(const wire::CtxSynchronize& op, Outcome& out);
  // memory
  Status MemAlloc(const wire::MemAlloc& op, Outcome& out);
  Status MemFree(const wire::MemFree& op, Outcome& out);
  Status MemGetInfo(const wire::MemGetInfo& op, Outcome& out);
  Status MemcpyHtoD(wire::MemcpyHtoD& op, Outcome& out);
  Status MemcpyDtoH(const wire::MemcpyDtoH& op, Outcome& out);
  Status MemcpyDtoD(const wire::MemcpyDtoD& op, Outcome& out);
  Status Memset(const wire::Memset& op, Outcome& out);
  Status Memcpy3D(wire::Memcpy3D& op, Outcome& out);
  Status Memset2D(const wire::Memset2D& op, Outcome& out);
  // stream
  Status StreamCreate(const wire::StreamCreate& op, Outcome& out);
  Status StreamDestroy(const wire::StreamDestroy& op, Outcome& out);
  Status StreamSynchronize(const wire::StreamSynchronize& op, Outcome& out);
  Status StreamQuery(const wire::StreamQuery& op, Outcome& out);
  Status StreamWaitEvent(const wire::StreamWaitEvent& op, Outcome& out);
  Status HostFuncReach(const wire::HostFuncReach& op, Outcome& out);
  Status HostFuncDone(const wire::HostFuncDone& op, Outcome& out);
  // True (and the call kept) while a host function holds the session.
  bool HoldForHostFunc(wire::Call& call);
  // event
  Status EventCreate(const wire::EventCreate& op, Outcome& out);
  Status EventRecord(const wire::EventRecord& op, Outcome& out);
  Status EventSynchronize(const wire::EventSynchronize& op, Outcome& out);
  Status EventQuery(const wire::EventQuery& op, Outcome& out);
  Status EventElapsedTime(const wire::EventElapsedTime& op, Outcome& out);
  Status EventDestroy(const wire::EventDestroy& op, Outcome& out);
  // module and function
  Status ModuleLoad(const wire::ModuleLoad& op, Outcome& out);
  Status ModuleUnload(const wire::ModuleUnload& op, Outcome& out);
  Status LaunchKernel(const wire::LaunchKernel& op, Outcome& out);
  Status FuncSetAttribute(const wire::FuncSetAttribute& op, Outcome& out);
  // cuBLAS
  Status BlasCreate(const wire::BlasCreate& op, Outcome& out);
  Status BlasDestroy(const wire::BlasDestroy& op, Outcome& out);
  Status BlasGemm(const wire::BlasGemm& op, Outcome& out);
  Status BlasLevel1(const wire::BlasLevel1& op, Outcome& out);
  Status BlasLevel2(const wire::BlasLevel2& op, Outcome& out);
  Status BlasLevel3(const wire::BlasLevel3& op, Outcome& out);
  Status BlasSetMatrix(wire::BlasSetMatrix& op, Outcome& out);
  Status BlasGetMatrix(const wire::BlasGetMatrix& op, Outcome& out);
  // blas.cpp helpers: the handle's context, and a checked routine run.
  Result<ContextState*> BlasContext(uint64_t handle, uint64_t ctx, Outcome& out);
  Status BlasScalarArg(const wire::BlasScalar& in, size_t size, const char* name, backend::BlasScalar* out);
  Status BlasRun(ContextState& state, uint64_t handle, uint64_t stream, backend::BlasCall& call, Outcome& out);

  backend::Backend& backend_;
  ImageCache& images_;
  const uint64_t id_;
  const SessionLimits limits_;
  std::unique_ptr<backend::BackendSession> backend_session_;
  HandleTable<ContextState> contexts_{"context"};
  std::map<uint64_t, uint64_t> blas_handles_;  // cuBLAS handle id -> context id
  AllocationTable allocations_;
  std::mutex pending_mutex_;  // Finish runs on several reply threads
  Status pending_;            // first asynchronous error not yet reported
  uint64_t pending_seq_ = 0;  // the call that caused it
  // Executor thread only: the host function holding the session (0: none),
  // the calls it holds, and the outcomes of those it released.
  uint64_t host_func_hold_ = 0;
  std::deque<wire::Call> held_calls_;
  std::vector<Outcome> released_;
};

}  // namespace vgpu::server
