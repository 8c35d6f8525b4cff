#include "libcuda/objects.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "libcuda/statistics.h"

namespace vgpu::cu {
namespace {

template <typename T>
Result<T*> Lookup(std::mutex& mutex, const std::unordered_set<const void*>& live, T* handle, Code code,
                  const char* kind) {
  std::lock_guard lock(mutex);
  if (handle == nullptr || live.count(handle) == 0) {
    return Status(code, std::string("not a live ") + kind + " handle");
  }
  return handle;
}

}  // namespace

Objects& Objects::Get() {
  static Objects* objects = new Objects();  // never destroyed: used until exit
  return *objects;
}

Result<CUctx_st*> Objects::Context(CUcontext ctx) {
  return Lookup(mutex_, contexts_, ctx, Code::kInvalidContext, "context");
}
Result<CUstream_st*> Objects::Stream(CUstream stream) {
  return Lookup(mutex_, streams_, stream, Code::kInvalidHandle, "stream");
}
Result<CUevent_st*> Objects::Event(CUevent event) {
  return Lookup(mutex_, events_, event, Code::kInvalidHandle, "event");
}
Result<CUmod_st*> Objects::Module(CUmodule module) {
  return Lookup(mutex_, modules_, module, Code::kInvalidHandle, "module");
}
Result<CUfunc_st*> Objects::Function(CUfunction function) {
  return Lookup(mutex_, functions_, function, Code::kInvalidHandle, "function");
}
Result<CUgraph_st*> Objects::Graph(CUgraph graph) {
  return Lookup(mutex_, graphs_, graph, Code::kInvalidValue, "graph");
}
Result<CUgraphExec_st*> Objects::GraphExec(CUgraphExec exec) {
  return Lookup(mutex_, graph_execs_, exec, Code::kInvalidValue, "graph exec");
}

void Objects::AddContext(CUctx_st* ctx) {
  std::lock_guard lock(mutex_);
  contexts_.insert(ctx);
}

void Objects::RemoveContext(CUctx_st* ctx) {
  {
    std::lock_guard progress_lock(ProgressMutex());
    Progress().ForgetContext(ctx->id);
  }
  std::lock_guard lock(mutex_);
  contexts_.erase(ctx);
  // Everything created in the context died with it on the server; its
  // handles must fail from now on. (The objects stay allocated, so a stale
  // handle can never alias a new one.)
  std::erase_if(allocations_, [ctx](const auto& entry) { return entry.second.ctx == ctx; });
  std::erase_if(streams_, [ctx](const void* p) { return static_cast<const CUstream_st*>(p)->ctx == ctx; });
  std::erase_if(events_, [ctx](const void* p) { return static_cast<const CUevent_st*>(p)->ctx == ctx; });
  std::erase_if(modules_, [&](const void* p) {
    const auto* module = static_cast<const CUmod_st*>(p);
    if (module->ctx != ctx) return false;
    for (const auto& function : module->functions) functions_.erase(function.get());
    return true;
  });
}

void Objects::AddStream(CUstream_st* stream) {
  std::lock_guard lock(mutex_);
  streams_.insert(stream);
}
void Objects::RemoveStream(CUstream_st* stream) {
  std::lock_guard lock(mutex_);
  streams_.erase(stream);
}
void Objects::AddEvent(CUevent_st* event) {
  std::lock_guard lock(mutex_);
  events_.insert(event);
}
void Objects::RemoveEvent(CUevent_st* event) {
  std::lock_guard lock(mutex_);
  events_.erase(event);
}
void Objects::AddModule(CUmod_st* module) {
  std::lock_guard lock(mutex_);
  modules_.insert(module);
  for (auto& function : module->functions) functions_.insert(function.get());
}
void Objects::RemoveModule(CUmod_st* module) {
  std::lock_guard lock(mutex_);
  modules_.erase(module);
  for (auto& function : module->functions) functions_.erase(function.get());
}

void Objects::AddGraph(CUgraph_st* graph) {
  std::lock_guard lock(mutex_);
  graphs_.insert(graph);
}
void Objects::RemoveGraph(CUgraph_st* graph) {
  std::lock_guard lock(mutex_);
  graphs_.erase(graph);
}
void Objects::AddGraphExec(CUgraphExec_st* exec) {
  std::lock_guard lock(mutex_);
  graph_execs_.insert(exec);
}
void Objects::RemoveGraphExec(CUgraphExec_st* exec) {
  std::lock_guard lock(mutex_);
  graph_execs_.erase(exec);
}

void Objects::AddAllocation(CUdeviceptr base, size_t size, CUctx_st* ctx) {
  std::lock_guard lock(mutex_);
  allocations_[base] = Allocation{base, size, ctx};
}

bool Objects::RemoveAllocation(CUdeviceptr base) {
  std::lock_guard lock(mutex_);
  return allocations_.erase(base) > 0;
}

bool Objects::FindAllocation(CUdeviceptr ptr, size_t size, Allocation* out) {
  std::lock_guard lock(mutex_);
  auto it = allocations_.upper_bound(ptr);
  if (it == allocations_.begin()) return false;
  --it;
  size_t offset = ptr - it->first;
  if (offset >= it->second.size && !(offset == 0 && it->second.size == 0)) return false;
  if (size > it->second.size - offset) return false;
  if (out) *out = it->second;
  return true;
}

void Objects::AddHost(void* ptr, size_t size, unsigned int flags, bool owned) {
  std::lock_guard lock(mutex_);
  host_[reinterpret_cast<uintptr_t>(ptr)] = Host{size, flags, owned};
}

bool Objects::RemoveHost(void* ptr, bool owned) {
  std::lock_guard lock(mutex_);
  auto it = host_.find(reinterpret_cast<uintptr_t>(ptr));
  if (it == host_.end() || it->second.owned != owned) return false;
  host_.erase(it);
  return true;
}

bool Objects::FindHost(const void* ptr, void** base, size_t* size, unsigned int* flags) {
  std::lock_guard lock(mutex_);
  auto address = reinterpret_cast<uintptr_t>(ptr);
  auto it = host_.upper_bound(address);
  if (it == host_.begin()) return false;
  --it;
  if (address - it->first >= it->second.size) return false;
  if (base) *base = reinterpret_cast<void*>(it->first);
  if (size) *size = it->second.size;
  if (flags) *flags = it->second.flags;
  return true;
}

// ---- helpers ----

Result<Session*> Connected() { return Session::Get(); }

std::vector<CUctx_st*>& ContextStack() {
  thread_local std::vector<CUctx_st*> stack;
  return stack;
}

Result<CUctx_st*> CurrentContext() {
  auto& stack = ContextStack();
  if (stack.empty() || stack.back() == nullptr) {
    return Status(Code::kInvalidContext, "no context is current on this thread");
  }
  return Objects::Get().Context(stack.back());
}

namespace {

// The per-thread default stream of each context this thread used.
std::unordered_map<CUctx_st*, uint64_t>& PerThreadStreams() {
  thread_local std::unordered_map<CUctx_st*, uint64_t> streams;
  return streams;
}

Result<uint64_t> PerThreadStream(CUctx_st* ctx) {
  auto& streams = PerThreadStreams();
  if (auto it = streams.find(ctx); it != streams.end()) return it->second;
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  uint64_t id = Objects::Get().MintId();
  wire::Call call;
  auto* op = call.mutable_stream_create();
  op->set_ctx(ctx->id);
  op->set_stream(id);
  VGPU_RETURN_IF_ERROR(session->Post(std::move(call)));
  streams[ctx] = id;
  return id;
}

}  // namespace

void ForgetPerThreadStream(CUctx_st* ctx) { PerThreadStreams().erase(ctx); }

Result<StreamTarget> ResolveStream(CUstream stream, bool per_thread) {
  if (stream == nullptr || stream == CU_STREAM_LEGACY || stream == CU_STREAM_PER_THREAD) {
    VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
    bool use_per_thread = stream == CU_STREAM_PER_THREAD || (stream == nullptr && per_thread);
    if (!use_per_thread) return StreamTarget{ctx, 0};
    VGPU_ASSIGN_OR_RETURN(uint64_t id, PerThreadStream(ctx));
    return StreamTarget{ctx, id};
  }
  VGPU_ASSIGN_OR_RETURN(CUstream_st * found, Objects::Get().Stream(stream));
  return StreamTarget{found->ctx, found->id, found};
}

std::mutex& CaptureMutex() {
  static std::mutex* mutex = new std::mutex();  // never destroyed: used until exit
  return *mutex;
}

namespace {

// Points a stream-ordered call at `stream`.
void SetStream(wire::Call& call, uint64_t stream) {
  switch (call.op_case()) {
    case wire::Call::kMemcpyHtod: call.mutable_memcpy_htod()->set_stream(stream); break;
    case wire::Call::kMemcpyDtoh: call.mutable_memcpy_dtoh()->set_stream(stream); break;
    case wire::Call::kMemcpyDtod: call.mutable_memcpy_dtod()->set_stream(stream); break;
    case wire::Call::kMemset: call.mutable_memset()->set_stream(stream); break;
    case wire::Call::kMemcpy3D: call.mutable_memcpy_3d()->set_stream(stream); break;
    case wire::Call::kMemset2D: call.mutable_memset_2d()->set_stream(stream); break;
    case wire::Call::kHostFuncReach: call.mutable_host_func_reach()->set_stream(stream); break;
    case wire::Call::kLaunchKernel: call.mutable_launch_kernel()->set_stream(stream); break;
    case wire::Call::kEventRecord: call.mutable_event_record()->set_stream(stream); break;
    case wire::Call::kStreamWaitEvent: call.mutable_stream_wait_event()->set_stream(stream); break;
    case wire::Call::kBlasGemm: call.mutable_blas_gemm()->set_stream(stream); break;
    case wire::Call::kBlasLevel1: call.mutable_blas_level1()->set_stream(stream); break;
    case wire::Call::kBlasLevel2: call.mutable_blas_level2()->set_stream(stream); break;
    case wire::Call::kBlasLevel3: call.mutable_blas_level3()->set_stream(stream); break;
    case wire::Call::kBlasSetMatrix: call.mutable_blas_set_matrix()->set_stream(stream); break;
    default: break;  // not stream-ordered: never recorded
  }
}

Status CaptureInvalidated() {
  return Status(static_cast<Code>(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED),
                "the stream's capture was invalidated by an earlier unsupported call");
}

}  // namespace

std::string PackHostBox(const void* host, const HostBox& box) {
  std::string packed(box.width * box.height * box.depth, '\0');
  const auto* base = static_cast<const char*>(host);
  char* out = packed.data();
  for (size_t z = 0; z < box.depth; ++z) {
    for (size_t y = 0; y < box.height; ++y, out += box.width) {
      std::memcpy(out, base + z * box.slice_pitch + y * box.pitch, box.width);
    }
  }
  return packed;
}

void UnpackHostBox(const std::string& packed, void* host, const HostBox& box) {
  if (packed.size() != box.width * box.height * box.depth) return;  // never from a valid reply
  auto* base = static_cast<char*>(host);
  const char* in = packed.data();
  for (size_t z = 0; z < box.depth; ++z) {
    for (size_t y = 0; y < box.height; ++y, in += box.width) {
      std::memcpy(base + z * box.slice_pitch + y * box.pitch, in, box.width);
    }
  }
}

Status PostOp(Session* session, GraphOp op, uint64_t stream, std::shared_ptr<CopyStatus> status) {
  wire::Call call = std::move(op.call);
  SetStream(call, stream);
  switch (op.kind) {
    case GraphOp::Kind::kHtoD:
      call.mutable_memcpy_htod()->set_data(op.host, op.size);  // the bytes as they are now
      return session->Post(std::move(call));
    case GraphOp::Kind::kDtoH:
      if (status == nullptr) status = std::make_shared<CopyStatus>();
      return session->PostLanding(std::move(call), op.host, op.size, std::move(status));
    case GraphOp::Kind::kHtoD3D:
      call.mutable_memcpy_3d()->set_data(PackHostBox(op.host, op.box));
      return session->Post(std::move(call));
    case GraphOp::Kind::kDtoH3D: {
      if (status == nullptr) status = std::make_shared<CopyStatus>();
      return session->PostWithHandler(
          std::move(call), [host = op.host, box = op.box, status](const Status& result, const wire::Reply* reply) {
            if (result.ok() && reply != nullptr) {
              UnpackHostBox(reply->memcpy_3d().data(), host, box);
              return;
            }
            std::lock_guard lock(status->mutex);
            if (status->status.ok()) status->status = result;
          });
    }
    case GraphOp::Kind::kHostFunc:
      return PostHostFunc(session, std::move(call), op.host_fn, op.host);
    case GraphOp::Kind::kPlain:
      break;
  }
  return session->Post(std::move(call));
}

namespace {

// ProgressMutex() held.
Status PostOwed(Session* session, const StreamRef& ref, bool quiet) {
  for (wire::Call& owed : Progress().OwedBefore(ref, quiet)) {
    Statistics().fence_calls.fetch_add(1, std::memory_order_relaxed);
    VGPU_RETURN_IF_ERROR(session->Post(std::move(owed)));
  }
  return Status();
}

}  // namespace

Status Submit(Session* session, const StreamTarget& target, GraphOp op, std::shared_ptr<CopyStatus> status) {
  if (target.object != nullptr) {
    std::lock_guard lock(CaptureMutex());
    if (const auto& capture = target.object->capture) {
      if (capture->invalidated) return CaptureInvalidated();
      SetStream(op.call, 0);  // rewritten at each launch
      capture->graph->ops.push_back(std::move(op));
      return Status();
    }
  }
  const StreamRef ref = RefOf(target);
  const bool quiet = StreamProgress::IsQuiet(op.call);
  const uint64_t recorded = op.call.has_event_record() ? op.call.event_record().event() : 0;
  // Held across the fence waits and the post, so no operation of another
  // thread slips in between them.
  std::lock_guard lock(ProgressMutex());
  VGPU_RETURN_IF_ERROR(PostOwed(session, ref, quiet));
  VGPU_RETURN_IF_ERROR(PostOp(session, std::move(op), target.stream, std::move(status)));
  Progress().Posted(ref, quiet, recorded);
  return Status();
}

StreamRef RefOf(const StreamTarget& target) {
  // Default streams (legacy, per-thread) are ordered with the legacy stream.
  bool blocking = target.object == nullptr || (target.object->flags & CU_STREAM_NON_BLOCKING) == 0;
  return StreamRef{target.ctx->id, target.stream, blocking};
}

StreamProgress& Progress() {
  static auto* progress = new StreamProgress([] { return Objects::Get().MintId(); });  // used until exit
  return *progress;
}

std::mutex& ProgressMutex() {
  static auto* mutex = new std::mutex();  // never destroyed: used until exit
  return *mutex;
}

namespace {

// How many posted calls outside streams a successful synchronizing reply
// has covered (ProgressMutex() held). The server reports their errors at
// the next synchronizing call, so while one may be unreported no wait is
// answered locally.
uint64_t g_checked_outside_streams = 0;

}  // namespace

bool MayAnswerLocally() { return PostedOutsideStreams() == g_checked_outside_streams; }

Status AnsweredLocally(Session* session) {
  // A server that is gone fails every wait, answered here or not.
  VGPU_RETURN_IF_ERROR(session->Health());
  Statistics().answered_locally.fetch_add(1, std::memory_order_relaxed);
  return Status();
}

Result<std::unique_ptr<wire::Reply>> CallProving(Session* session, uint64_t ctx, wire::Call call,
                                                 std::vector<StreamPoint> points) {
  // Read before the call is queued: everything counted was queued before it.
  const uint64_t outside_streams = PostedOutsideStreams();
  auto reply = session->Call(std::move(call));
  std::lock_guard lock(ProgressMutex());
  if (reply.ok()) {
    g_checked_outside_streams = std::max(g_checked_outside_streams, outside_streams);
    Progress().Proved(points);
  } else if (reply.status().code() != static_cast<Code>(CUDA_ERROR_NOT_READY)) {
    Progress().Failed(ctx, reply.status().raw_code());
  }
  return reply;
}

Status WaitForContext(Session* session, CUctx_st* ctx, wire::Call call) {
  std::vector<StreamPoint> points;
  {
    std::lock_guard lock(ProgressMutex());
    if (MayAnswerLocally() && Progress().AnswerContext(ctx->id)) return AnsweredLocally(session);
    points = Progress().ContextSnapshot(ctx->id);
  }
  return CallProving(session, ctx->id, std::move(call), std::move(points)).status();
}

Status WaitForStream(Session* session, const StreamTarget& target, wire::Call call) {
  if (target.stream == 0) return WaitForContext(session, target.ctx, std::move(call));
  const StreamRef ref = RefOf(target);
  std::vector<StreamPoint> points;
  {
    std::lock_guard lock(ProgressMutex());
    if (MayAnswerLocally() && Progress().AnswerStream(ref)) return AnsweredLocally(session);
    points = Progress().StreamSnapshot(ref);
  }
  return CallProving(session, ref.ctx, std::move(call), std::move(points)).status();
}

Result<std::unique_ptr<wire::Reply>> CallProvingStream(Session* session, const StreamTarget& target,
                                                       wire::Call call) {
  const StreamRef ref = RefOf(target);
  std::vector<StreamPoint> points;
  {
    std::lock_guard lock(ProgressMutex());
    // It reads device memory on its stream, so it owes the same fence waits
    // as a posted operation there (and adds nothing to the stream).
    VGPU_RETURN_IF_ERROR(PostOwed(session, ref, /*quiet=*/true));
    points = Progress().StreamSnapshot(ref);
  }
  return CallProving(session, ref.ctx, std::move(call), std::move(points));
}

Status ForbidWhileCapturing(const StreamTarget& target) {
  if (target.object == nullptr) return Status();
  std::lock_guard lock(CaptureMutex());
  const auto& capture = target.object->capture;
  if (capture == nullptr) return Status();
  capture->invalidated = true;
  return Status(static_cast<Code>(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED),
                "this call is not allowed on a capturing stream; the capture is invalidated");
}

Result<const wire::Device*> DeviceInfo(CUdevice device) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  const auto& devices = session->hello().devices();
  if (device < 0 || device >= devices.size()) {
    return Status(Code::kInvalidDevice, "device " + std::to_string(device) + " does not exist");
  }
  return &devices.Get(device);
}

}  // namespace vgpu::cu
