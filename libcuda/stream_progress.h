// What the host already knows about how far each stream's work has got, so
// that a wait which cannot observe anything new is answered without a round
// trip (design principle 2: about one round trip per decoded token).
//
// Per stream it counts the operations posted, the latest "loud" one (a kernel,
// an event record, a stream wait, a device-to-host copy: anything whose
// completion the host can observe other than through device memory, or whose
// failure a synchronize exists to report), how far a server reply has proven
// the stream complete, and how far the host has been told it is complete.
//
// A synchronize (or a successful query) is answered locally when every loud
// operation of the stream is proven complete. If quiet operations (copies to
// the device, memsets, device-to-device copies) are still in flight, the host
// is told they are done although the device may still be running them: every
// other stream of the context then waits on a fence event recorded after them
// before its next operation, so anything the host issues afterwards is ordered
// after them, as it would be after a real synchronize. Blocking streams also
// need the legacy stream's loud work proven (they are ordered after it), and
// the legacy stream, which vgpu synchronizes as the whole context, needs every
// stream's loud work proven.
//
// After a wait of a context returned an error, nothing is answered locally in
// that context until a wait there succeeds again, so a sticky error (a kernel
// fault) is reported by every later wait, as CUDA does.
//
// Not thread-safe: callers hold one lock across a check and the posting it
// decides (see objects.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "proto/vgpu.pb.h"

namespace vgpu::cu {

// A stream as the wire names it. `stream` 0 is the context's legacy stream.
struct StreamRef {
  uint64_t ctx;
  uint64_t stream;
  bool blocking;  // ordered with the legacy stream (not CU_STREAM_NON_BLOCKING)
  uint64_t key() const { return stream != 0 ? stream : ctx; }  // ids are unique across kinds
};

// How far one stream's work must have got: its first `index` operations.
struct StreamPoint {
  uint64_t ctx;
  uint64_t key;
  uint64_t index;
};

class StreamProgress {
 public:
  // `mint` makes ids for the fence events (the session's id space).
  explicit StreamProgress(std::function<uint64_t()> mint) : mint_(std::move(mint)) {}

  // Whether a stream operation is quiet (see above).
  static bool IsQuiet(const wire::Call& call);

  // ---- posting ----
  // The calls to post before the next operation on `s` (`quiet` as
  // IsQuiet says): waits on the fences of streams the host was told are
  // complete, with the fence's creation and record when first needed. A
  // fence is recorded lazily, but before a loud operation of its own stream,
  // so it never covers work that might wait on something else (only quiet
  // copies posted after the local answer).
  std::vector<wire::Call> OwedBefore(const StreamRef& s, bool quiet);
  // An operation was queued on `s`; `recorded_event` is the event an event
  // record records (0 for other operations).
  void Posted(const StreamRef& s, bool quiet, uint64_t recorded_event = 0);

  // ---- waits ----
  // True if a synchronize of `s` (or a query) may return success now without
  // asking the server. It then counts the quiet operations in flight as done.
  bool AnswerStream(const StreamRef& s);
  // The same for the whole context (cuCtxSynchronize, the legacy stream).
  bool AnswerContext(uint64_t ctx);
  // Where a wait sent now would prove the stream itself (even the legacy
  // one) / every stream of the context.
  std::vector<StreamPoint> StreamSnapshot(const StreamRef& s);
  std::vector<StreamPoint> ContextSnapshot(uint64_t ctx);
  // A wait's reply: success proves its points; an error (a CUresult) stops
  // local answers in the context until a later wait there succeeds, and for
  // good if it is one that leaves the context unusable (a kernel fault).
  void Proved(const std::vector<StreamPoint>& points);
  void Failed(uint64_t ctx, int error);

  // ---- events ----
  // Where the event's latest record sits; nullopt if never recorded.
  std::optional<StreamPoint> EventPoint(uint64_t event) const;
  // True if a synchronize or query of the event may return success now.
  bool AnswerEvent(uint64_t event) const;

  // ---- lifetime ----
  // True if the host was told `s` is complete while the device may still run
  // it (destroying it then needs a real synchronize first).
  bool Assumed(const StreamRef& s) const;
  // Forgets a destroyed stream; returns its fence event to destroy (0: none).
  uint64_t ForgetStream(const StreamRef& s);
  void ForgetEvent(uint64_t event);
  void ForgetContext(uint64_t ctx);

 private:
  struct Stream {
    StreamRef ref;
    uint64_t posted = 0;   // operations queued
    uint64_t loud = 0;     // index of the latest loud one
    uint64_t proven = 0;   // a reply proved the first `proven` complete
    uint64_t assumed = 0;  // the host was told the first `assumed` are complete
    uint64_t generation = 0;           // bumped when `assumed` passes `proven`
    uint64_t fence = 0;                // fence event id, 0 until first needed
    uint64_t fence_generation = 0;     // the generation its last record covers
    std::unordered_map<uint64_t, uint64_t> waited;  // other key -> generation waited for
  };
  struct Context {
    std::unordered_set<uint64_t> streams;  // keys
    std::unordered_set<uint64_t> fenced;   // keys with assumed > proven
    bool failed = false;    // until a wait succeeds
    bool poisoned = false;  // for good
  };

  Stream& State(const StreamRef& s);
  void RecordFence(Stream& st, std::vector<wire::Call>& calls);
  Stream* Find(uint64_t key);
  const Stream* Find(uint64_t key) const;
  void Assume(Stream& st, Context& ctx);

  std::function<uint64_t()> mint_;
  std::unordered_map<uint64_t, Stream> streams_;
  std::unordered_map<uint64_t, Context> contexts_;
  std::unordered_map<uint64_t, StreamPoint> events_;
};

}  // namespace vgpu::cu
