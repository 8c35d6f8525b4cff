// When a wait may be answered without a round trip, and the fence waits
// that keep it exact (libcuda/stream_progress.h).
#include "libcuda/stream_progress.h"

#include <catch2/catch.hpp>

namespace vgpu::cu {
namespace {

constexpr uint64_t kCtx = 1;
const StreamRef kLegacy{kCtx, 0, true};
const StreamRef kNonBlocking{kCtx, 10, false};
const StreamRef kBlocking{kCtx, 11, true};  // a per-thread stream, or one created without flags
const StreamRef kOther{kCtx, 12, false};

wire::Call Launch() {
  wire::Call call;
  call.mutable_launch_kernel();
  return call;
}
wire::Call Upload() {
  wire::Call call;
  call.mutable_memcpy_htod();
  return call;
}

struct Fixture {
  uint64_t next_id = 1000;
  StreamProgress progress{[this] { return next_id++; }};

  void Post(const StreamRef& s, const wire::Call& call, uint64_t event = 0) {
    progress.Posted(s, StreamProgress::IsQuiet(call), event);
  }
  // A real synchronize of `s` that succeeded.
  void Sync(const StreamRef& s) { progress.Proved(progress.StreamSnapshot(s)); }
};

TEST_CASE("quiet and loud operations", "[unit][libcuda][progress]") {
  CHECK(StreamProgress::IsQuiet(Upload()));
  wire::Call call;
  call.mutable_memset();
  CHECK(StreamProgress::IsQuiet(call));
  call.mutable_memcpy_dtod();
  CHECK(StreamProgress::IsQuiet(call));
  call.mutable_blas_set_matrix();  // cublasSetMatrix: a strided copy to the device
  CHECK(StreamProgress::IsQuiet(call));
  call.mutable_blas_level1();
  CHECK_FALSE(StreamProgress::IsQuiet(call));
  CHECK_FALSE(StreamProgress::IsQuiet(Launch()));
  call.mutable_memcpy_dtoh();  // lands in host memory
  CHECK_FALSE(StreamProgress::IsQuiet(call));
  call.mutable_event_record();
  CHECK_FALSE(StreamProgress::IsQuiet(call));
  call.mutable_stream_wait_event();
  CHECK_FALSE(StreamProgress::IsQuiet(call));
  call.mutable_blas_gemm();
  CHECK_FALSE(StreamProgress::IsQuiet(call));
}

TEST_CASE("a stream with nothing posted since its last synchronize answers locally", "[unit][libcuda][progress]") {
  Fixture f;
  CHECK(f.progress.AnswerStream(kNonBlocking));  // never used
  f.Post(kNonBlocking, Launch());
  CHECK_FALSE(f.progress.AnswerStream(kNonBlocking));  // a kernel in flight: ask the server
  f.Sync(kNonBlocking);
  CHECK(f.progress.AnswerStream(kNonBlocking));
  CHECK(f.progress.AnswerStream(kNonBlocking));
  CHECK(f.progress.OwedBefore(kOther, true).empty());  // nothing was assumed
}

TEST_CASE("a proof covers only what was posted before the wait was sent", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kNonBlocking, Launch());
  auto snapshot = f.progress.StreamSnapshot(kNonBlocking);
  f.Post(kNonBlocking, Launch());  // another thread, while the wait travels
  f.progress.Proved(snapshot);
  CHECK_FALSE(f.progress.AnswerStream(kNonBlocking));
  f.Sync(kNonBlocking);
  CHECK(f.progress.AnswerStream(kNonBlocking));
}

TEST_CASE("quiet copies in flight are fenced for every other stream", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kBlocking, Upload());
  REQUIRE(f.progress.AnswerStream(kBlocking));  // only a copy to the device in flight
  CHECK(f.progress.Assumed(kBlocking));
  CHECK(f.progress.OwedBefore(kBlocking, true).empty());  // its own later work is in order anyway

  // The next operation of another stream first waits on a fence recorded
  // after the copy: create, record, wait.
  auto owed = f.progress.OwedBefore(kNonBlocking, true);
  REQUIRE(owed.size() == 3);
  CHECK(owed[0].has_event_create());
  const uint64_t fence = owed[0].event_create().event();
  CHECK(owed[1].event_record().event() == fence);
  CHECK(owed[1].event_record().stream() == kBlocking.stream);
  CHECK(owed[2].stream_wait_event().event() == fence);
  CHECK(owed[2].stream_wait_event().stream() == kNonBlocking.stream);
  CHECK(f.progress.OwedBefore(kNonBlocking, true).empty());  // owed once

  // A third stream (the legacy one too) waits on the same record.
  owed = f.progress.OwedBefore(kLegacy, true);
  REQUIRE(owed.size() == 1);
  CHECK(owed[0].stream_wait_event().stream() == 0);
  CHECK(owed[0].stream_wait_event().event() == fence);

  // A later local answer after more copies needs a new record, and a new wait.
  f.Post(kBlocking, Upload());
  REQUIRE(f.progress.AnswerStream(kBlocking));
  owed = f.progress.OwedBefore(kNonBlocking, true);
  REQUIRE(owed.size() == 2);
  CHECK(owed[0].event_record().event() == fence);
  CHECK(owed[1].stream_wait_event().event() == fence);

  // Once a reply proves the stream, nobody owes anything.
  f.Post(kBlocking, Upload());
  REQUIRE(f.progress.AnswerStream(kBlocking));
  f.Sync(kBlocking);
  CHECK_FALSE(f.progress.Assumed(kBlocking));
  CHECK(f.progress.OwedBefore(kNonBlocking, true).empty());
  CHECK(f.progress.ForgetStream(kBlocking) == fence);
}

TEST_CASE("a loud operation on an assumed stream records its fence first", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kBlocking, Upload());
  REQUIRE(f.progress.AnswerStream(kBlocking));
  CHECK(f.progress.OwedBefore(kBlocking, true).empty());  // a quiet copy may follow unrecorded
  f.Post(kBlocking, Upload());
  // A kernel next: the fence goes in before it, so waiting on it never waits
  // for the kernel.
  auto owed = f.progress.OwedBefore(kBlocking, false);
  REQUIRE(owed.size() == 2);
  CHECK(owed[0].has_event_create());
  const uint64_t fence = owed[0].event_create().event();
  CHECK(owed[1].event_record().stream() == kBlocking.stream);
  f.Post(kBlocking, Launch());
  // Another stream only waits on that record.
  owed = f.progress.OwedBefore(kNonBlocking, false);
  REQUIRE(owed.size() == 1);
  CHECK(owed[0].stream_wait_event().event() == fence);
  CHECK_FALSE(f.progress.AnswerStream(kBlocking));  // the kernel is not proven
}

TEST_CASE("blocking streams also need the legacy stream's kernels proven", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kLegacy, Launch());
  CHECK_FALSE(f.progress.AnswerStream(kBlocking));  // it is ordered after the legacy kernel
  CHECK(f.progress.AnswerStream(kNonBlocking));     // not ordered with it
  f.Sync(kLegacy);  // e.g. a synchronous device-to-host copy on it
  CHECK(f.progress.AnswerStream(kBlocking));
}

TEST_CASE("the legacy stream and the context wait for every stream", "[unit][libcuda][progress]") {
  Fixture f;
  CHECK(f.progress.AnswerContext(kCtx));
  f.Post(kNonBlocking, Launch());
  CHECK_FALSE(f.progress.AnswerContext(kCtx));
  CHECK_FALSE(f.progress.AnswerStream(kLegacy));  // vgpu synchronizes it as the context
  CHECK(f.progress.AnswerStream(kOther));
  f.progress.Proved(f.progress.ContextSnapshot(kCtx));
  CHECK(f.progress.AnswerContext(kCtx));
  f.Post(kOther, Upload());
  CHECK(f.progress.AnswerContext(kCtx));  // copies only: fenced
  CHECK(f.progress.Assumed(kOther));
  CHECK(f.progress.OwedBefore(kNonBlocking, true).size() == 3);
}

TEST_CASE("after a failed wait nothing is answered locally until one succeeds", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kNonBlocking, Launch());
  f.progress.Failed(kCtx, 1);  // CUDA_ERROR_INVALID_VALUE, reported at the synchronize
  CHECK_FALSE(f.progress.AnswerStream(kOther));
  CHECK_FALSE(f.progress.AnswerContext(kCtx));
  f.Sync(kNonBlocking);
  CHECK(f.progress.AnswerStream(kNonBlocking));
  CHECK(f.progress.AnswerStream(kOther));
}

TEST_CASE("a kernel fault stops local answers in its context for good", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kNonBlocking, Launch());
  f.progress.Failed(kCtx, 700);  // CUDA_ERROR_ILLEGAL_ADDRESS: every later call reports it
  f.Sync(kOther);  // whatever a racing reply says
  CHECK_FALSE(f.progress.AnswerStream(kOther));
  CHECK_FALSE(f.progress.AnswerContext(kCtx));
  const StreamRef elsewhere{2, 20, false};
  CHECK(f.progress.AnswerStream(elsewhere));  // other contexts are unaffected
}

TEST_CASE("an event answers locally once its record is proven complete", "[unit][libcuda][progress]") {
  Fixture f;
  constexpr uint64_t kEvent = 77;
  CHECK_FALSE(f.progress.AnswerEvent(kEvent));  // never recorded: the server knows
  wire::Call record;
  record.mutable_event_record()->set_event(kEvent);
  f.Post(kNonBlocking, record, kEvent);
  CHECK_FALSE(f.progress.AnswerEvent(kEvent));
  auto point = f.progress.EventPoint(kEvent);
  REQUIRE(point);
  f.Post(kNonBlocking, Launch());
  f.progress.Proved({*point});  // an event synchronize proves its record, not the later kernel
  CHECK(f.progress.AnswerEvent(kEvent));
  CHECK_FALSE(f.progress.AnswerStream(kNonBlocking));
  f.Post(kNonBlocking, record, kEvent);  // recorded again
  CHECK_FALSE(f.progress.AnswerEvent(kEvent));
  f.Sync(kNonBlocking);
  CHECK(f.progress.AnswerEvent(kEvent));
  // An assumed (not proven) stream does not complete a record on it.
  f.Post(kOther, record, kEvent);
  CHECK_FALSE(f.progress.AnswerStream(kOther));  // the record itself is loud
  f.progress.ForgetEvent(kEvent);
  CHECK_FALSE(f.progress.AnswerEvent(kEvent));
}

TEST_CASE("a destroyed context forgets its streams and events", "[unit][libcuda][progress]") {
  Fixture f;
  f.Post(kNonBlocking, Launch(), 0);
  wire::Call record;
  record.mutable_event_record()->set_event(5);
  f.Post(kOther, record, 5);
  f.progress.ForgetContext(kCtx);
  CHECK_FALSE(f.progress.EventPoint(5));
  CHECK(f.progress.AnswerStream(kNonBlocking));  // a fresh, idle stream as far as it knows
}

}  // namespace
}  // namespace vgpu::cu
