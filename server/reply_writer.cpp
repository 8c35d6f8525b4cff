#include "server/reply_writer.h"

#include <algorithm>
#include <limits>

#include "proto/protocol.h"

namespace vgpu::server {
namespace {

// Waiter threads per session: each one holds one device wait. Beyond this,
// waits queue (in call order) for a free waiter.
constexpr size_t kMaxWaiters = 16;
// Finished entries of the lane and event tables are dropped this often
// (streams and events come and go; their ids are not reused).
constexpr uint64_t kPruneEvery = 1024;
// The lane of a context's own syncs.
constexpr uint64_t kContextLane = std::numeric_limits<uint64_t>::max();

}  // namespace

ReplyOrder ReplyOrder::Of(const wire::Call& call) {
  using C = wire::Call;
  using K = ReplyOrder::Kind;
  ReplyOrder order;
  auto on_stream = [&order](uint64_t ctx, uint64_t stream) {
    order.ctx = ctx;
    order.stream = stream;
    // The legacy default stream waits for the context's other streams.
    order.kind = stream == 0 ? K::kAllStreams : K::kStream;
  };
  switch (call.op_case()) {
    case C::kMemcpyDtoh:
      on_stream(call.memcpy_dtoh().ctx(), call.memcpy_dtoh().stream());
      order.reply_bytes = call.memcpy_dtoh().bytesize();
      break;
    case C::kMemcpy3D: {
      const auto& op = call.memcpy_3d();
      on_stream(op.ctx(), op.stream());
      bool sane = op.direction() == wire::COPY_DEVICE_TO_HOST && op.width_bytes() <= (1ull << 32) &&
                  op.height() <= (1ull << 20) && op.depth() <= (1ull << 20);  // no overflow below
      order.reply_bytes = sane ? std::min<uint64_t>(op.width_bytes() * std::min<uint64_t>(op.height() * op.depth(), 1ull << 31),
                                                    wire::kCopyChunkBytes * 16)
                               : 0;
      break;
    }
    case C::kStreamSynchronize: on_stream(call.stream_synchronize().ctx(), call.stream_synchronize().stream()); break;
    // cuBLAS: a result answered to the host, and strided copies to the host.
    case C::kBlasLevel1: on_stream(call.blas_level1().ctx(), call.blas_level1().stream()); break;
    case C::kBlasLevel2: on_stream(call.blas_level2().ctx(), call.blas_level2().stream()); break;
    case C::kBlasLevel3: on_stream(call.blas_level3().ctx(), call.blas_level3().stream()); break;
    case C::kBlasGetMatrix: {
      const auto& op = call.blas_get_matrix();
      on_stream(op.ctx(), op.stream());
      // Untrusted; the session refuses anything over 64 MiB anyway.
      bool sane = op.rows() > 0 && op.cols() > 0 && op.elem_size() > 0 && op.rows() <= (1 << 26) &&
                  op.cols() <= (1 << 26) && op.elem_size() <= 64;  // no overflow below
      order.reply_bytes = sane ? std::min<uint64_t>(uint64_t(op.rows()) * uint64_t(op.cols()) * uint64_t(op.elem_size()),
                                                    wire::kCopyChunkBytes * 16)
                               : 0;
      break;
    }
    case C::kStreamQuery: on_stream(call.stream_query().ctx(), call.stream_query().stream()); break;
    case C::kHostFuncReach: on_stream(call.host_func_reach().ctx(), call.host_func_reach().stream()); break;
    case C::kCtxSynchronize:
      order.kind = K::kAllStreams;
      order.ctx = call.ctx_synchronize().ctx();
      order.stream = kContextLane;
      break;
    case C::kEventRecord:
      order.kind = K::kEventRecord;
      order.ctx = call.event_record().ctx();
      order.stream = call.event_record().stream();
      order.event = call.event_record().event();
      break;
    case C::kEventSynchronize:
      order.kind = K::kEvent;
      order.ctx = call.event_synchronize().ctx();
      order.event = call.event_synchronize().event();
      break;
    case C::kEventQuery:
      order.kind = K::kEvent;
      order.ctx = call.event_query().ctx();
      order.event = call.event_query().event();
      break;
    default: break;
  }
  return order;
}

void ReplyWriter::Completion::Set() {
  {
    std::lock_guard lock(mutex);
    done = true;
  }
  changed.notify_all();
}

void ReplyWriter::Completion::Wait() {
  std::unique_lock lock(mutex);
  changed.wait(lock, [this] { return done; });
}

bool ReplyWriter::Completion::IsDone() {
  std::lock_guard lock(mutex);
  return done;
}

ReplyWriter::ReplyWriter(Session& session, Stream* stream, uint64_t max_pending_bytes)
    : session_(session), stream_(stream), max_pending_bytes_(max_pending_bytes),
      sender_([this] { RunSender(); }) {}

ReplyWriter::~ReplyWriter() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  tasks_ready_.notify_all();
  for (std::thread& waiter : waiters_) waiter.join();  // every task finished
  {
    std::lock_guard lock(mutex_);
    waiters_.clear();
    idle_waiters_ = 0;
  }
  sends_ready_.notify_all();
  sender_.join();
}

void ReplyWriter::WaitForRoom() {
  std::unique_lock lock(mutex_);
  room_.wait(lock, [this] { return broken_ || pending_bytes_ < max_pending_bytes_; });
}

uint64_t ReplyWriter::pending_bytes() {
  std::lock_guard lock(mutex_);
  return pending_bytes_;
}

std::vector<std::shared_ptr<ReplyWriter::Completion>> ReplyWriter::AllTails() {
  std::vector<std::shared_ptr<Completion>> tails;
  for (auto it = tails_.begin(); it != tails_.end();) {
    if (it->second->IsDone()) {
      it = tails_.erase(it);  // nothing left to wait for on that lane
    } else {
      tails.push_back(it->second);
      ++it;
    }
  }
  return tails;
}

void ReplyWriter::Handle(const ReplyOrder& order, Outcome outcome) {
  using K = ReplyOrder::Kind;
  if (++handled_ % kPruneEvery == 0) Prune();
  if (order.kind == K::kEventRecord) {
    // The event covers what its stream had so far.
    Lane stream_lane{order.ctx, order.stream};
    auto tail = tails_.find(stream_lane);
    Lane event_key{order.ctx, order.event};
    if (tail != tails_.end() && !tail->second->IsDone()) {
      recorded_[event_key] = tail->second;
    } else {
      recorded_.erase(event_key);
    }
  }
  // A posted call that succeeded at once has nothing to report.
  if (!outcome.want_reply && !outcome.wait && outcome.reply->result() == 0) return;

  uint64_t reserved = std::max<uint64_t>(outcome.reply->ByteSizeLong(), order.reply_bytes);
  {
    std::lock_guard lock(mutex_);
    pending_bytes_ += reserved;
  }
  bool ordered = outcome.wait || outcome.synchronizing;
  if (!ordered) {
    // Nothing to wait for: finish here, behind no other reply.
    if (session_.Finish(outcome)) {
      Queue(std::move(outcome.reply), reserved);
    } else {
      Release(reserved);
    }
    return;
  }
  Task task;
  task.reserved = reserved;
  task.done = std::make_shared<Completion>();
  // A wait this table does not know is a barrier: after everything before
  // it, and before everything after it.
  if (barrier_ && !barrier_->IsDone()) task.after.push_back(barrier_);
  switch (order.kind) {
    case K::kStream: {
      Lane lane{order.ctx, order.stream};
      if (auto tail = tails_.find(lane); tail != tails_.end()) task.after.push_back(tail->second);
      // Work on a stream also follows the legacy default stream.
      if (auto legacy = tails_.find(Lane{order.ctx, 0}); legacy != tails_.end()) task.after.push_back(legacy->second);
      tails_[lane] = task.done;
      break;
    }
    case K::kAllStreams:
      task.after = AllTails();
      tails_[Lane{order.ctx, order.stream}] = task.done;
      break;
    case K::kEvent:
      if (auto mark = recorded_.find(Lane{order.ctx, order.event}); mark != recorded_.end()) {
        task.after.push_back(mark->second);
      }
      break;
    case K::kNone:
    case K::kEventRecord:
      // A wait this table does not know: after everything, to be safe.
      task.after = AllTails();
      if (barrier_ && !barrier_->IsDone()) task.after.push_back(barrier_);
      barrier_ = task.done;
      break;
  }
  task.outcome = std::move(outcome);
  Schedule(std::move(task));
}

void ReplyWriter::Prune() {
  for (auto* table : {&tails_, &recorded_}) {
    std::erase_if(*table, [](const auto& entry) { return entry.second->IsDone(); });
  }
}

void ReplyWriter::Schedule(Task task) {
  std::lock_guard lock(mutex_);
  tasks_.push_back(std::move(task));
  if (tasks_.size() > idle_waiters_ && waiters_.size() < kMaxWaiters) {
    ++idle_waiters_;  // counted idle until it takes the task
    waiters_.emplace_back([this] { RunWaiter(); });
  }
  tasks_ready_.notify_one();
}

void ReplyWriter::RunWaiter() {
  std::unique_lock lock(mutex_);
  for (;;) {
    tasks_ready_.wait(lock, [this] { return closing_ || !tasks_.empty(); });
    if (tasks_.empty()) return;  // closing, and every task was taken
    Task task = std::move(tasks_.front());
    tasks_.pop_front();
    --idle_waiters_;
    ++running_tasks_;
    lock.unlock();
    for (auto& before : task.after) before->Wait();
    // Queued before it counts as done, so no reply that waits for it can
    // overtake it on the wire.
    if (session_.Finish(task.outcome)) {
      Queue(std::move(task.outcome.reply), task.reserved);
    } else {
      Release(task.reserved);
    }
    task.done->Set();
    task = Task();  // drop the wait (and its buffers) outside the lock
    lock.lock();
    --running_tasks_;
    ++idle_waiters_;
  }
}

void ReplyWriter::Queue(std::unique_ptr<wire::Reply> reply, uint64_t reserved) {
  {
    std::lock_guard lock(mutex_);
    sends_.emplace_back(std::move(reply), reserved);
  }
  sends_ready_.notify_one();
}

void ReplyWriter::Release(uint64_t reserved) {
  {
    std::lock_guard lock(mutex_);
    pending_bytes_ -= reserved;
  }
  room_.notify_all();
}

void ReplyWriter::RunSender() {
  std::unique_lock lock(mutex_);
  for (;;) {
    sends_ready_.wait(lock, [this] { return !sends_.empty() || (closing_ && waiters_.empty()); });
    if (sends_.empty()) return;  // closing, every task finished and sent
    // Batch what is ready, up to one copy chunk.
    wire::ReplyBatch batch;
    uint64_t batch_bytes = 0;
    uint64_t reserved = 0;
    while (!sends_.empty() && (batch.replies_size() == 0 || batch_bytes < wire::kCopyChunkBytes)) {
      auto& [reply, bytes] = sends_.front();
      batch_bytes += reply->ByteSizeLong();
      reserved += bytes;
      batch.mutable_replies()->AddAllocated(reply.release());
      sends_.pop_front();
    }
    bool broken = broken_;
    lock.unlock();
    // Client gone: keep finishing, drop replies.
    if (!broken && !stream_->Write(batch)) broken = true;
    batch.Clear();
    lock.lock();
    if (broken) broken_ = true;
    pending_bytes_ -= reserved;
    room_.notify_all();
  }
}

}  // namespace vgpu::server
