// The one session of this process with vgpu-server (design principle 1):
// one channel, one bidirectional stream, opened by cuInit.
//
// Calls are queued in order and sent in batches. Post queues a call nobody
// waits for (launches, async copies, event records...); Call queues one and
// waits for its reply, sending everything queued before it. Replies are
// matched by seq: the server keeps their order per stream, not per session,
// so when a synchronizing call returns, every earlier async device-to-host
// copy (PostLanding) on the streams it covers has already landed.
//
// Thread-safe. No wait is unbounded: if the server dies, stops, becomes
// unreachable (keepalive), sends a reply this side cannot parse, or leaves a
// call unanswered for call_timeout_ms, the session is lost for good and
// every waiting and later call fails with CUDA_ERROR_DEVICE_UNAVAILABLE.
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "proto/vgpu.pb.h"

namespace vgpu::cu {

// Shared by the chunks of one device-to-host copy: the first error any of
// its replies carried.
struct CopyStatus {
  std::mutex mutex;
  Status status;
};

class Session {
 public:
  // Connects on the first call and remembers the outcome, as cuInit does:
  // CUDA_ERROR_NO_DEVICE within the connect timeout when no server answers.
  static Status Init();
  // The session, or CUDA_ERROR_NOT_INITIALIZED before a successful Init.
  static Result<Session*> Get();

  virtual ~Session() = default;
  virtual const wire::HelloReply& hello() const = 0;

  // Sends `call` after everything queued and waits for its reply. A reply
  // carrying an error becomes that Status.
  virtual Result<std::unique_ptr<wire::Reply>> Call(wire::Call call) = 0;
  // Queues `call`; nobody waits for it. Errors surface at the next
  // synchronizing call (the server reports them).
  virtual Status Post(wire::Call call) = 0;
  // Queues a MemcpyDtoH whose data lands in [dst, dst+size) when its reply
  // arrives; an error reply is recorded in `status`.
  virtual Status PostLanding(wire::Call call, void* dst, size_t size, std::shared_ptr<CopyStatus> status) = 0;
  // Queues `call` and runs `on_reply` on the session's reader thread when its
  // reply arrives (reply non-null), or with the session's error when it dies
  // first (reply null). on_reply must be quick and must not call the session.
  using ReplyHandler = std::function<void(const Status& status, const wire::Reply* reply)>;
  virtual Status PostWithHandler(wire::Call call, ReplyHandler on_reply) = 0;
  // CUDA_ERROR_DEVICE_UNAVAILABLE once the server is gone, for waits that
  // are answered without a round trip.
  virtual Status Health() { return Status(); }
};

}  // namespace vgpu::cu
