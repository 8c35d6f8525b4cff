// The client-side objects behind CUDA's opaque handles. Ids of contexts,
// streams, events and modules are minted here, so creating them costs no
// round trip; the server learns them from the create call. Every handle an
// application passes in is checked against the live set before use.
#pragma once

#include "libcuda/cuda_internal.h"

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "libcuda/session.h"
#include "libcuda/stream_progress.h"

struct CUctx_st {
  uint64_t id;
  int device;
  unsigned int flags;
  bool primary;
};

// One recorded stream operation of a capture or graph. Host memory is
// referenced, not copied: a host-to-device copy reads `host` at each replay,
// and a device-to-host copy lands in `host` at each replay, as CUDA's memcpy
// nodes do.
// A box of host memory on one side of a 2D/3D copy: `host` (in GraphOp) is
// its first byte; rows of `width` bytes lie `pitch` apart, slices of
// `height` rows `slice_pitch` apart. On the wire the rows travel packed.
struct HostBox {
  size_t width = 0;
  size_t height = 1;
  size_t depth = 1;
  size_t pitch = 0;
  size_t slice_pitch = 0;
};

struct GraphOp {
  vgpu::wire::Call call;
  // kHtoD3D / kDtoH3D: a Memcpy3D call whose host side is `host` laid out as `box`.
  // kHostFunc: a HostFuncReach marker; host_fn(host) runs on the client.
  enum class Kind { kPlain, kHtoD, kDtoH, kHtoD3D, kDtoH3D, kHostFunc } kind = Kind::kPlain;
  void* host = nullptr;
  size_t size = 0;
  HostBox box = {};
  CUhostFn host_fn = nullptr;
};

struct CUgraph_st;

// A node of a graph: a run of its operations. Nodes added explicitly may
// depend only on nodes that exist already, so the order of `ops` is a
// topological order and replaying them in one stream honours every edge.
struct CUgraphNode_st {
  CUgraph_st* graph;
  CUgraphNodeType type;
  size_t first;  // index into graph->ops
  size_t count;  // 0 for an empty node
  std::vector<CUgraphNode_st*> dependencies;
};

// A graph: the operations of captures and explicitly added nodes, in stream
// order. `ops`, `nodes` and `capturing` are guarded by CaptureMutex().
struct CUgraph_st {
  CUctx_st* ctx;  // null for an empty graph from cuGraphCreate
  std::vector<GraphOp> ops;
  bool capturing = false;  // a stream is still capturing into it
  // Nodes over a prefix of `ops`; captured operations get theirs when asked.
  std::vector<std::unique_ptr<CUgraphNode_st>> nodes = {};
};

// The capture in progress on a stream (cuStreamBeginCapture .. EndCapture).
struct StreamCapture {
  uint64_t id;
  CUgraph_st* graph;         // receives the captured operations
  bool invalidated = false;  // a forbidden call happened; EndCapture fails
};

struct CUstream_st {
  uint64_t id;
  CUctx_st* ctx;
  unsigned int flags;
  int priority;
  std::shared_ptr<StreamCapture> capture;  // guarded by CaptureMutex()
};

// An executable graph: a snapshot of a graph's operations, replayed by
// cuGraphLaunch. Update swaps the snapshot (under CaptureMutex()), so a
// launch on another thread keeps the one it started with.
struct CUgraphExec_st {
  CUctx_st* ctx;
  std::shared_ptr<const std::vector<GraphOp>> ops;
  // Where each node of the source graph sits in `ops` (for Exec*SetParams).
  std::map<const CUgraphNode_st*, std::pair<size_t, size_t>> node_ops = {};
};

struct CUevent_st {
  uint64_t id;
  CUctx_st* ctx;
  unsigned int flags;
};

struct CUfunc_st;

struct CUmod_st {
  uint64_t id;
  CUctx_st* ctx;
  std::vector<std::unique_ptr<CUfunc_st>> functions;
  struct Global {
    std::string name;
    CUdeviceptr dptr;
    size_t size;
  };
  std::vector<Global> globals;
};

struct CUfunc_st {
  CUmod_st* module;
  uint32_t index;
  std::string name;
  std::vector<std::pair<uint32_t, uint32_t>> params;  // offset, size
  uint32_t param_bytes;
  std::vector<int32_t> attributes;  // CUfunction_attribute -> value
};

namespace vgpu::cu {

// Process-wide registry of live handles and device allocations.
class Objects {
 public:
  static Objects& Get();

  uint64_t MintId() { return next_id_.fetch_add(1); }

  // Live-handle checks: each returns the object or the error a driver gives.
  Result<CUctx_st*> Context(CUcontext ctx);
  Result<CUstream_st*> Stream(CUstream stream);
  Result<CUevent_st*> Event(CUevent event);
  Result<CUmod_st*> Module(CUmodule module);
  Result<CUfunc_st*> Function(CUfunction function);
  Result<CUgraph_st*> Graph(CUgraph graph);
  Result<CUgraphExec_st*> GraphExec(CUgraphExec exec);

  void AddContext(CUctx_st* ctx);
  void RemoveContext(CUctx_st* ctx);  // also forgets its allocations
  void AddStream(CUstream_st* stream);
  void RemoveStream(CUstream_st* stream);
  void AddEvent(CUevent_st* event);
  void RemoveEvent(CUevent_st* event);
  void AddModule(CUmod_st* module);
  void RemoveModule(CUmod_st* module);
  void AddGraph(CUgraph_st* graph);
  void RemoveGraph(CUgraph_st* graph);
  void AddGraphExec(CUgraphExec_st* exec);
  void RemoveGraphExec(CUgraphExec_st* exec);

  // Device allocations, for pointer queries and local range checks.
  struct Allocation {
    CUdeviceptr base;
    size_t size;
    CUctx_st* ctx;
  };
  void AddAllocation(CUdeviceptr base, size_t size, CUctx_st* ctx);
  bool RemoveAllocation(CUdeviceptr base);
  // The allocation containing [ptr, ptr+size), if any.
  bool FindAllocation(CUdeviceptr ptr, size_t size, Allocation* out);

  // Host allocations made by cuMemAllocHost / cuMemHostAlloc / registered.
  void AddHost(void* ptr, size_t size, unsigned int flags, bool owned);
  // Removes the entry at `ptr` if its ownership matches `owned`.
  bool RemoveHost(void* ptr, bool owned);
  bool FindHost(const void* ptr, void** base, size_t* size, unsigned int* flags);

 private:
  std::atomic<uint64_t> next_id_{1};
  std::mutex mutex_;
  std::unordered_set<const void*> contexts_, streams_, events_, modules_, functions_, graphs_,
      graph_execs_;
  std::map<CUdeviceptr, Allocation> allocations_;
  struct Host {
    size_t size;
    unsigned int flags;
    bool owned;
  };
  std::map<uintptr_t, Host> host_;
};

// ---- helpers the area bodies share ----

// The session (CUDA_ERROR_NOT_INITIALIZED before cuInit).
Result<Session*> Connected();
// The calling thread's current context (CUDA_ERROR_INVALID_CONTEXT if none).
Result<CUctx_st*> CurrentContext();
// Resolves a stream argument to (context, wire stream id). `per_thread`
// is true for _ptsz/_ptds entry points: there a null stream means the
// calling thread's default stream rather than the legacy one.
struct StreamTarget {
  CUctx_st* ctx;
  uint64_t stream;
  CUstream_st* object = nullptr;  // the explicit stream, null for default streams
};
Result<StreamTarget> ResolveStream(CUstream stream, bool per_thread);

// Guards every stream's `capture`.
std::mutex& CaptureMutex();
// The one way stream work leaves the client: posts `op` on the target
// stream (reading or landing host bytes as its kind says), or, while that
// stream captures, appends it to the capture instead. It also counts the
// operation for the waits answered locally (stream_progress.h): stream work
// that bypasses it would be missed by them.
Status Submit(Session* session, const StreamTarget& target, GraphOp op,
              std::shared_ptr<CopyStatus> status = nullptr);
// Posts a recorded operation now (no capture check), with its stream field
// rewritten to `stream`. Used by Submit and by cuGraphLaunch.
// Posts a HostFuncReach marker with a fresh id; when the server answers,
// fn(data) runs on the client's host-function thread, which then sends
// HostFuncDone (libcuda/host_func.cpp).
Status PostHostFunc(Session* session, vgpu::wire::Call call, CUhostFn fn, void* data);
// Gives captured operations past the last node one node each (a chain),
// so every operation of `graph` belongs to a node. CaptureMutex() held.
void CoverOpsLocked(CUgraph_st* graph);
// The rows of a host box, packed; and back (a size mismatch writes nothing).
std::string PackHostBox(const void* host, const HostBox& box);
void UnpackHostBox(const std::string& packed, void* host, const HostBox& box);
Status PostOp(Session* session, GraphOp op, uint64_t stream, std::shared_ptr<CopyStatus> status);
// ---- waits (stream_progress.h says when they need no round trip) ----
// The wire name of a resolved stream.
StreamRef RefOf(const StreamTarget& target);
// The host's knowledge of stream progress, and the lock that guards it.
StreamProgress& Progress();
std::mutex& ProgressMutex();
// A stream synchronize or query (`call`) of `target`: success without a
// round trip when nothing it could observe is in flight, otherwise sent.
// The legacy stream waits as its whole context does.
Status WaitForStream(Session* session, const StreamTarget& target, wire::Call call);
// A context synchronize (`call`) of `ctx`, likewise.
Status WaitForContext(Session* session, CUctx_st* ctx, wire::Call call);
// Sends a call whose success proves `target` finished everything posted on
// it before (a synchronous device-to-host copy).
Result<std::unique_ptr<wire::Reply>> CallProvingStream(Session* session, const StreamTarget& target,
                                                       wire::Call call);
// ProgressMutex() held: false while a posted call outside streams (a
// create, destroy or free) may have an unreported error.
bool MayAnswerLocally();
// Counts a wait answered without a round trip; fails once the server is gone.
Status AnsweredLocally(Session* session);
// Sends a wait whose success proves `points`; an error (other than
// CUDA_ERROR_NOT_READY) stops local answers in `ctx` until a wait succeeds.
Result<std::unique_ptr<wire::Reply>> CallProving(Session* session, uint64_t ctx, wire::Call call,
                                                 std::vector<StreamPoint> points);

// For calls that wait on a stream: on a capturing stream they are illegal,
// and invalidate the capture (CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED).
Status ForbidWhileCapturing(const StreamTarget& target);
// Thread-local context stack, for push/pop/set/get current.
std::vector<CUctx_st*>& ContextStack();
// Forgets a destroyed context in every thread-local structure of this thread.
void ForgetPerThreadStream(CUctx_st* ctx);

// The inventory entry of a device, or CUDA_ERROR_INVALID_DEVICE.
Result<const wire::Device*> DeviceInfo(CUdevice device);

}  // namespace vgpu::cu
