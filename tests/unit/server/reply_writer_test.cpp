// The reply writer: replies in order per stream, not per session, and a
// bounded number of reply bytes waiting to be written. Device waits are
// latches the test opens, so every check is about the order of events.
#include "server/reply_writer.h"

#include <cuda.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "proto/protocol.h"
#include "server/backends/emu/emu_backend.h"

namespace vgpu::server {
namespace {

// A device wait that returns once the test opens it.
class Latch {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    changed_.notify_all();
  }
  void Wait() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

// The client's end of the stream: records replies in arrival order. With
// `blocked`, Write does not return until Unblock (a client that reads no
// replies).
class FakeStream final : public ReplyWriter::Stream {
 public:
  explicit FakeStream(bool blocked = false) : blocked_(blocked) {}

  void SendInitialMetadata() override {}
  bool Write(const wire::ReplyBatch& batch, grpc::WriteOptions) override {
    std::unique_lock lock(mutex_);
    ++writes_started_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !blocked_; });
    for (const auto& reply : batch.replies()) {
      order_.push_back(reply.seq());
      results_.push_back(reply.result());
    }
    changed_.notify_all();
    return true;
  }
  bool NextMessageSize(uint32_t*) override { return false; }
  bool Read(wire::CallBatch*) override { return false; }

  void Unblock() {
    {
      std::lock_guard lock(mutex_);
      blocked_ = false;
    }
    changed_.notify_all();
  }
  // Blocks until the replies `seqs` all arrived.
  void AwaitReplies(std::vector<uint64_t> seqs) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return std::all_of(seqs.begin(), seqs.end(), [&](uint64_t seq) { return Position(seq) >= 0; });
    });
  }
  void AwaitWriteStarted() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return writes_started_ > 0; });
  }
  bool Arrived(uint64_t seq) {
    std::lock_guard lock(mutex_);
    return Position(seq) >= 0;
  }
  int PositionOf(uint64_t seq) {
    std::lock_guard lock(mutex_);
    return Position(seq);
  }
  int ResultOf(uint64_t seq) {
    std::lock_guard lock(mutex_);
    return results_.at(Position(seq));
  }

 private:
  int Position(uint64_t seq) const {
    auto it = std::find(order_.begin(), order_.end(), seq);
    return it == order_.end() ? -1 : static_cast<int>(it - order_.begin());
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  bool blocked_;
  int writes_started_ = 0;
  std::vector<uint64_t> order_;
  std::vector<int> results_;
};

class Fixture {
 public:
  Fixture() : backend_(std::move(backend::emu::CreateEmuBackend(1 << 30)).value()), images_("", 1 << 20) {
    session_ = std::make_unique<Session>(*backend_, images_, 1);
    REQUIRE(session_->Open().ok());
  }
  Session& session() { return *session_; }

 private:
  std::unique_ptr<backend::Backend> backend_;
  ImageCache images_;
  std::unique_ptr<Session> session_;
};

Outcome Reply(uint64_t seq, backend::Wait wait = nullptr, bool synchronizing = false) {
  Outcome outcome;
  outcome.reply = std::make_unique<wire::Reply>();
  outcome.reply->set_seq(seq);
  outcome.want_reply = true;
  outcome.wait = std::move(wait);
  outcome.synchronizing = synchronizing;
  return outcome;
}

// A posted call that succeeded (an event record, say): no reply.
Outcome Posted() {
  Outcome outcome;
  outcome.reply = std::make_unique<wire::Reply>();
  return outcome;
}

backend::Wait WaitFor(Latch& latch) {
  return [&latch] {
    latch.Wait();
    return Status();
  };
}

ReplyOrder OnStream(uint64_t stream) {
  ReplyOrder order;
  order.kind = stream == 0 ? ReplyOrder::Kind::kAllStreams : ReplyOrder::Kind::kStream;
  order.ctx = 1;
  order.stream = stream;
  return order;
}

ReplyOrder ContextSync() {
  ReplyOrder order;
  order.kind = ReplyOrder::Kind::kAllStreams;
  order.ctx = 1;
  order.stream = ~0ull;
  return order;
}

ReplyOrder Event(ReplyOrder::Kind kind, uint64_t event, uint64_t stream = 0) {
  ReplyOrder order;
  order.kind = kind;
  order.ctx = 1;
  order.event = event;
  order.stream = stream;
  return order;
}

TEST_CASE("a long stream sync holds back only what observes that stream", "[session][stream]") {
  Fixture f;
  FakeStream stream;
  Latch kernel;  // the long kernel on stream 7
  {
    ReplyWriter writer(f.session(), &stream, 64 << 20);
    writer.Handle(OnStream(7), Reply(1, WaitFor(kernel), true));                  // cuStreamSynchronize(7)
    writer.Handle(ReplyOrder(), Reply(2));                                        // cuMemAlloc, other thread
    writer.Handle(ReplyOrder(), Reply(3));                                        // cuMemGetInfo
    writer.Handle(OnStream(8), Reply(4, backend::Done(), true));                  // copy to host on stream 8
    writer.Handle(Event(ReplyOrder::Kind::kEventRecord, 5, 7), Posted());
    writer.Handle(OnStream(7), Reply(6, backend::Done(), true));                  // copy to host on stream 7
    writer.Handle(Event(ReplyOrder::Kind::kEvent, 5), Reply(7, backend::Done(), true));  // cuEventSynchronize
    writer.Handle(ContextSync(), Reply(8, backend::Done(), true));                // cuCtxSynchronize
    writer.Handle(OnStream(0), Reply(9, backend::Done(), true));                  // legacy stream

    // The other thread's replies come while the kernel still runs...
    stream.AwaitReplies({2, 3, 4});
    // ...and nothing that must observe stream 7 came before it finished.
    for (uint64_t seq : {1, 6, 7, 8, 9}) CHECK_FALSE(stream.Arrived(seq));

    kernel.Open();
    stream.AwaitReplies({1, 6, 7, 8, 9});
  }
  CHECK(stream.PositionOf(1) < stream.PositionOf(6));
  CHECK(stream.PositionOf(1) < stream.PositionOf(7));
  CHECK(stream.PositionOf(1) < stream.PositionOf(8));
  CHECK(stream.PositionOf(4) < stream.PositionOf(8));
  CHECK(stream.PositionOf(6) < stream.PositionOf(9));
}

TEST_CASE("an event recorded before a stream's work does not wait for it", "[session][event]") {
  Fixture f;
  FakeStream stream;
  Latch kernel;
  ReplyWriter writer(f.session(), &stream, 64 << 20);
  writer.Handle(Event(ReplyOrder::Kind::kEventRecord, 5, 7), Posted());
  writer.Handle(OnStream(7), Reply(1, WaitFor(kernel), true));
  writer.Handle(Event(ReplyOrder::Kind::kEvent, 5), Reply(2, backend::Done(), true));
  stream.AwaitReplies({2});
  CHECK_FALSE(stream.Arrived(1));
  kernel.Open();
  stream.AwaitReplies({1});
}

TEST_CASE("an asynchronous error goes to a later synchronizing call, not an earlier one", "[session]") {
  Fixture f;
  FakeStream stream;
  Latch kernel;
  {
    ReplyWriter writer(f.session(), &stream, 64 << 20);
    writer.Handle(OnStream(7), Reply(1, WaitFor(kernel), true));  // thread A waits on stream 7
    Outcome failed_launch = Reply(2);
    failed_launch.want_reply = false;
    failed_launch.reply->set_result(CUDA_ERROR_INVALID_VALUE);
    writer.Handle(OnStream(8), std::move(failed_launch));                   // thread B's posted launch fails
    writer.Handle(OnStream(8), Reply(3, backend::Done(), true));  // thread B syncs stream 8
    stream.AwaitReplies({3});
    CHECK(stream.ResultOf(3) == CUDA_ERROR_INVALID_VALUE);
    kernel.Open();
    stream.AwaitReplies({1});
  }
  CHECK(stream.ResultOf(1) == CUDA_SUCCESS);
}

TEST_CASE("replies waiting to be written are bounded: the executor waits for room", "[session][memory]") {
  Fixture f;
  FakeStream stream(/*blocked=*/true);
  constexpr uint64_t kLimit = 4 << 20;
  constexpr int kCopies = 32;
  constexpr size_t kCopyBytes = 1 << 20;
  int handled = 0;
  uint64_t most_pending = 0;
  std::mutex mutex;
  {
    ReplyWriter writer(f.session(), &stream, kLimit);
    std::thread executor([&] {
      for (int i = 1; i <= kCopies; ++i) {
        writer.WaitForRoom();
        Outcome copy = Reply(i, backend::Done(), true);
        copy.reply->mutable_memcpy_dtoh()->set_data(std::string(kCopyBytes, 'x'));
        ReplyOrder order = OnStream(7);
        order.reply_bytes = kCopyBytes;
        writer.Handle(order, std::move(copy));
        std::lock_guard lock(mutex);
        ++handled;
        most_pending = std::max(most_pending, writer.pending_bytes());
      }
    });
    stream.AwaitWriteStarted();
    // The client reads nothing: the executor stops once the budget is spent.
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (writer.pending_bytes() >= kLimit) break;
      }
      std::this_thread::yield();
    }
    {
      std::lock_guard lock(mutex);
      CHECK(handled < kCopies);
    }
    stream.Unblock();  // the client reads again: everything goes through
    executor.join();
  }
  CHECK(handled == kCopies);
  // At most the budget plus one copy plus the batch being written.
  CHECK(most_pending <= kLimit + 2 * (kCopyBytes + 1024) + wire::kCopyChunkBytes);
  stream.AwaitReplies({1, kCopies});
}

}  // namespace
}  // namespace vgpu::server
