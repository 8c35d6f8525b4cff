// Finishes one session's outcomes and sends their replies, in order per
// stream rather than per session (design principle 3): a thread's long
// cuStreamSynchronize holds back only later replies that observe the same
// stream, never another thread's cuMemAlloc.
//
// Ordering rules (what the client relies on: when a synchronizing call
// returns, the earlier device-to-host copies it covers have landed):
//   - calls that observe a stream (copies to host, stream sync and query,
//     cuBLAS results and matrices read back) finish after the earlier ones
//     of that stream;
//   - the legacy default stream and context syncs finish after the earlier
//     ones of every stream;
//   - event syncs and queries finish after what their stream had when the
//     event was recorded;
//   - other calls with a device wait are barriers (after everything before,
//     before everything after);
//   - everything else finishes at once, on the executor thread.
// Device waits run on a small pool of waiter threads (grown on demand);
// a task's predecessors are always older tasks, so the pool never deadlocks.
//
// Back-pressure: replies not yet written count against a byte budget, and
// WaitForRoom holds the executor (which then stops reading the client's
// calls) while the budget is spent, so a client that posts copies without
// reading their replies cannot grow the server.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "proto/vgpu.grpc.pb.h"
#include "server/session/session.h"

namespace vgpu::server {

// Where one call sits in the reply order; derived from the call before it
// executes (executing may take its bytes).
struct ReplyOrder {
  enum class Kind { kNone, kStream, kAllStreams, kEvent, kEventRecord };
  Kind kind = Kind::kNone;
  uint64_t ctx = 0;
  uint64_t stream = 0;
  uint64_t event = 0;
  uint64_t reply_bytes = 0;  // bulk bytes the reply will carry (copies to host)

  static ReplyOrder Of(const wire::Call& call);
};

class ReplyWriter {
 public:
  using Stream = grpc::ServerReaderWriterInterface<wire::ReplyBatch, wire::CallBatch>;

  ReplyWriter(Session& session, Stream* stream, uint64_t max_pending_bytes);
  // Finishes every outstanding outcome (waiting on the device), sends what
  // the stream still takes, and joins its threads.
  ~ReplyWriter();
  ReplyWriter(const ReplyWriter&) = delete;
  ReplyWriter& operator=(const ReplyWriter&) = delete;

  // Executor thread: blocks while more than max_pending_bytes of replies
  // wait to be written (returns at once when the client is gone).
  void WaitForRoom();
  // Executor thread, in call order: every executed call.
  void Handle(const ReplyOrder& order, Outcome outcome);

  // Bytes of replies finished or pending but not yet written.
  uint64_t pending_bytes();

 private:
  // Set once an outcome is finished; later outcomes may wait for it.
  struct Completion {
    std::mutex mutex;
    std::condition_variable changed;
    bool done = false;
    void Set();
    void Wait();
    bool IsDone();
  };
  struct Task {
    Outcome outcome;
    std::vector<std::shared_ptr<Completion>> after;
    std::shared_ptr<Completion> done;
    uint64_t reserved = 0;
  };
  using Lane = std::pair<uint64_t, uint64_t>;  // (ctx, stream); stream kContextLane for context syncs

  std::vector<std::shared_ptr<Completion>> AllTails();
  void Prune();
  void Schedule(Task task);
  void RunWaiter();
  void Queue(std::unique_ptr<wire::Reply> reply, uint64_t reserved);
  void Release(uint64_t reserved);
  void RunSender();

  Session& session_;
  Stream* stream_;
  const uint64_t max_pending_bytes_;

  // Executor thread only.
  std::map<Lane, std::shared_ptr<Completion>> tails_;
  std::map<Lane, std::shared_ptr<Completion>> recorded_;  // (ctx, event) -> its stream's tail at record
  uint64_t handled_ = 0;
  std::shared_ptr<Completion> barrier_;  // the last outcome of a kind this table does not order

  std::mutex mutex_;
  std::condition_variable tasks_ready_;  // tasks_ or closing_
  std::condition_variable sends_ready_;  // sends_ or closing_
  std::condition_variable room_;         // pending_bytes_ fell, or broken_
  std::deque<Task> tasks_;
  std::deque<std::pair<std::unique_ptr<wire::Reply>, uint64_t>> sends_;
  std::vector<std::thread> waiters_;
  size_t idle_waiters_ = 0;
  size_t running_tasks_ = 0;
  uint64_t pending_bytes_ = 0;
  bool closing_ = false;
  bool broken_ = false;  // the client is gone: replies are dropped
  std::thread sender_;
};

}  // namespace vgpu::server
