// Stream area. Streams get client-minted ids: creating one costs no round
// trip. Only synchronize and query wait for the server.
#include "libcuda/areas.h"
#include "libcuda/objects.h"

namespace vgpu::cu::stream {
namespace {

Status Create(CUstream* phStream, unsigned int flags, int priority) {
  if (phStream == nullptr) return InvalidValue("phStream is null");
  if (flags & ~static_cast<unsigned int>(CU_STREAM_NON_BLOCKING)) return InvalidValue("unknown stream flags");
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUctx_st * ctx, CurrentContext());
  priority = std::max(-5, std::min(0, priority));  // clamp to the range the context reports
  auto* stream = new CUstream_st{Objects::Get().MintId(), ctx, flags, priority, nullptr};
  wire::Call call;
  auto* op = call.mutable_stream_create();
  op->set_ctx(ctx->id);
  op->set_stream(stream->id);
  op->set_flags(flags);
  op->set_priority(priority);
  Status posted = session->Post(std::move(call));
  if (!posted.ok()) {
    delete stream;
    return posted;
  }
  Objects::Get().AddStream(stream);
  *phStream = stream;
  return Status();
}

Status Synchronize(CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
  wire::Call call;
  // The legacy default stream waits for all work of its context.
  if (target.stream == 0) {
    call.mutable_ctx_synchronize()->set_ctx(target.ctx->id);
  } else {
    auto* op = call.mutable_stream_synchronize();
    op->set_ctx(target.ctx->id);
    op->set_stream(target.stream);
  }
  return WaitForStream(session, target, std::move(call));
}

Status Query(CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  VGPU_RETURN_IF_ERROR(ForbidWhileCapturing(target));
  wire::Call call;
  auto* op = call.mutable_stream_query();
  op->set_ctx(target.ctx->id);
  op->set_stream(target.stream);
  if (target.stream != 0) return WaitForStream(session, target, std::move(call));
  {
    // The legacy stream is idle if its context would be; its own reply
    // proves only itself.
    std::lock_guard lock(ProgressMutex());
    if (MayAnswerLocally() && Progress().AnswerContext(target.ctx->id)) return AnsweredLocally(session);
  }
  return CallProvingStream(session, target, std::move(call)).status();
}

Status WaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  VGPU_ASSIGN_OR_RETURN(CUevent_st * event, Objects::Get().Event(hEvent));
  if (event->ctx != target.ctx) return NotSupported("waiting on an event of another context is not supported yet");
  wire::Call call;
  auto* op = call.mutable_stream_wait_event();
  op->set_ctx(target.ctx->id);
  op->set_stream(target.stream);
  op->set_event(event->id);
  op->set_flags(Flags);
  return Submit(session, target, GraphOp{.call = std::move(call)});
}

// Properties of a handle, including the special ones.
Result<CUstream_st> Describe(CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  if (hStream != nullptr && hStream != CU_STREAM_LEGACY && hStream != CU_STREAM_PER_THREAD) {
    VGPU_ASSIGN_OR_RETURN(CUstream_st * stream, Objects::Get().Stream(hStream));
    return CUstream_st{stream->id, stream->ctx, stream->flags, stream->priority, nullptr};
  }
  return CUstream_st{target.stream, target.ctx, 0, 0, nullptr};
}

Status IllegalState(std::string message) {
  return Status(static_cast<Code>(CUDA_ERROR_ILLEGAL_STATE), std::move(message));
}

// The explicit stream behind a handle. Default streams cannot capture.
Result<CUstream_st*> CaptureStream(CUstream hStream, bool per_thread) {
  VGPU_RETURN_IF_ERROR(Connected().status());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  if (target.object == nullptr) {
    return Status(static_cast<Code>(CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED),
                  "vgpu captures explicit streams only, not a default stream");
  }
  return target.object;
}

Status BeginCapture(CUstream hStream, CUstreamCaptureMode mode, bool per_thread) {
  if (mode != CU_STREAM_CAPTURE_MODE_GLOBAL && mode != CU_STREAM_CAPTURE_MODE_THREAD_LOCAL &&
      mode != CU_STREAM_CAPTURE_MODE_RELAXED) {
    return InvalidValue("unknown capture mode");
  }
  VGPU_ASSIGN_OR_RETURN(CUstream_st * stream, CaptureStream(hStream, per_thread));
  auto* graph = new CUgraph_st{stream->ctx, {}, true};
  {
    std::lock_guard lock(CaptureMutex());
    if (stream->capture != nullptr) {
      delete graph;
      return IllegalState("the stream is already capturing");
    }
    stream->capture = std::make_shared<StreamCapture>(StreamCapture{Objects::Get().MintId(), graph});
  }
  Objects::Get().AddGraph(graph);
  return Status();
}

Status EndCapture(CUstream hStream, CUgraph* phGraph, bool per_thread) {
  if (phGraph == nullptr) return InvalidValue("phGraph is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st * stream, CaptureStream(hStream, per_thread));
  std::shared_ptr<StreamCapture> capture;
  {
    std::lock_guard lock(CaptureMutex());
    capture = std::move(stream->capture);
    stream->capture = nullptr;
    if (capture == nullptr) return IllegalState("the stream is not capturing");
    capture->graph->capturing = false;
  }
  if (capture->invalidated) {
    *phGraph = nullptr;
    Objects::Get().RemoveGraph(capture->graph);
    delete capture->graph;
    return Status(static_cast<Code>(CUDA_ERROR_STREAM_CAPTURE_INVALIDATED),
                  "the capture was invalidated by an unsupported call");
  }
  *phGraph = capture->graph;
  return Status();
}

Status IsCapturing(CUstream hStream, CUstreamCaptureStatus* captureStatus, bool per_thread) {
  if (captureStatus == nullptr) return InvalidValue("captureStatus is null");
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  *captureStatus = CU_STREAM_CAPTURE_STATUS_NONE;
  if (target.object == nullptr) return Status();
  std::lock_guard lock(CaptureMutex());
  if (const auto& capture = target.object->capture) {
    *captureStatus = capture->invalidated ? CU_STREAM_CAPTURE_STATUS_INVALIDATED : CU_STREAM_CAPTURE_STATUS_ACTIVE;
  }
  return Status();
}

// Every cuStreamGetCaptureInfo flavor. vgpu captures one stream into a
// sequence, so there are never dependency nodes to report.
Status CaptureInfo(CUstream hStream, CUstreamCaptureStatus* status_out, cuuint64_t* id_out, CUgraph* graph_out,
                   const CUgraphNode** dependencies_out, const CUgraphEdgeData** edges_out,
                   size_t* num_dependencies_out, bool per_thread) {
  if (status_out == nullptr) return InvalidValue("captureStatus_out is null");
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  *status_out = CU_STREAM_CAPTURE_STATUS_NONE;
  std::shared_ptr<StreamCapture> capture;
  if (target.object != nullptr) {
    std::lock_guard lock(CaptureMutex());
    capture = target.object->capture;
  }
  if (capture == nullptr) return Status();  // the other outputs are undefined when not capturing
  *status_out = capture->invalidated ? CU_STREAM_CAPTURE_STATUS_INVALIDATED : CU_STREAM_CAPTURE_STATUS_ACTIVE;
  if (id_out) *id_out = capture->id;
  if (graph_out) *graph_out = capture->graph;
  if (dependencies_out) *dependencies_out = nullptr;
  if (edges_out) *edges_out = nullptr;
  if (num_dependencies_out) *num_dependencies_out = 0;
  return Status();
}

}  // namespace

Status cuStreamCreate(CUstream* phStream, unsigned int Flags) { return Create(phStream, Flags, 0); }
Status cuStreamCreateWithPriority(CUstream* phStream, unsigned int flags, int priority) {
  return Create(phStream, flags, priority);
}

Status cuStreamDestroy_v2(CUstream hStream) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUstream_st * stream, Objects::Get().Stream(hStream));
  const StreamRef ref = RefOf(StreamTarget{stream->ctx, stream->id, stream});
  bool assumed = false;
  {
    std::lock_guard lock(ProgressMutex());
    assumed = Progress().Assumed(ref);
  }
  if (assumed) {
    // Other streams may still owe a wait on its fence: let the device
    // really finish it first (rare: destroyed right after a local answer).
    wire::Call sync;
    sync.mutable_stream_synchronize()->set_ctx(stream->ctx->id);
    sync.mutable_stream_synchronize()->set_stream(stream->id);
    (void)session->Call(std::move(sync));
  }
  uint64_t fence = 0;
  {
    std::lock_guard lock(ProgressMutex());
    fence = Progress().ForgetStream(ref);
  }
  wire::Call call;
  auto* op = call.mutable_stream_destroy();
  op->set_ctx(stream->ctx->id);
  op->set_stream(stream->id);
  Objects::Get().RemoveStream(stream);
  std::shared_ptr<StreamCapture> capture;
  {
    std::lock_guard lock(CaptureMutex());
    capture = std::move(stream->capture);
  }
  if (capture != nullptr) {  // an unfinished capture dies with its stream
    Objects::Get().RemoveGraph(capture->graph);
    delete capture->graph;
  }
  CUctx_st* ctx = stream->ctx;
  delete stream;
  VGPU_RETURN_IF_ERROR(session->Post(std::move(call)));
  if (fence == 0) return Status();
  wire::Call destroy_fence;
  destroy_fence.mutable_event_destroy()->set_ctx(ctx->id);
  destroy_fence.mutable_event_destroy()->set_event(fence);
  return session->Post(std::move(destroy_fence));
}

Status cuStreamDestroy(CUstream hStream) { return stream::cuStreamDestroy_v2(hStream); }

Status cuStreamSynchronize(CUstream hStream) { return Synchronize(hStream, false); }
Status cuStreamSynchronize_ptsz(CUstream hStream) { return Synchronize(hStream, true); }
Status cuStreamQuery(CUstream hStream) { return Query(hStream, false); }
Status cuStreamQuery_ptsz(CUstream hStream) { return Query(hStream, true); }
Status cuStreamWaitEvent(CUstream hStream, CUevent hEvent, unsigned int Flags) {
  return WaitEvent(hStream, hEvent, Flags, false);
}
Status cuStreamWaitEvent_ptsz(CUstream hStream, CUevent hEvent, unsigned int Flags) {
  return WaitEvent(hStream, hEvent, Flags, true);
}

Status cuStreamGetPriority(CUstream hStream, int* priority) {
  if (priority == nullptr) return InvalidValue("priority is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, false));
  *priority = stream.priority;
  return Status();
}
Status cuStreamGetPriority_ptsz(CUstream hStream, int* priority) {
  if (priority == nullptr) return InvalidValue("priority is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, true));
  *priority = stream.priority;
  return Status();
}

Status cuStreamGetFlags(CUstream hStream, unsigned int* flags) {
  if (flags == nullptr) return InvalidValue("flags is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, false));
  *flags = stream.flags;
  return Status();
}
Status cuStreamGetFlags_ptsz(CUstream hStream, unsigned int* flags) {
  if (flags == nullptr) return InvalidValue("flags is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, true));
  *flags = stream.flags;
  return Status();
}

Status cuStreamGetCtx(CUstream hStream, CUcontext* pctx) {
  if (pctx == nullptr) return InvalidValue("pctx is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, false));
  *pctx = stream.ctx;
  return Status();
}
Status cuStreamGetCtx_ptsz(CUstream hStream, CUcontext* pctx) {
  if (pctx == nullptr) return InvalidValue("pctx is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, true));
  *pctx = stream.ctx;
  return Status();
}

Status cuStreamGetId(CUstream hStream, unsigned long long* streamId) {
  if (streamId == nullptr) return InvalidValue("streamId is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, false));
  *streamId = stream.id;
  return Status();
}
Status cuStreamGetId_ptsz(CUstream hStream, unsigned long long* streamId) {
  if (streamId == nullptr) return InvalidValue("streamId is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, true));
  *streamId = stream.id;
  return Status();
}

Status cuStreamGetDevice(CUstream hStream, CUdevice* device) {
  if (device == nullptr) return InvalidValue("device is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, false));
  *device = stream.ctx->device;
  return Status();
}
Status cuStreamGetDevice_ptsz(CUstream hStream, CUdevice* device) {
  if (device == nullptr) return InvalidValue("device is null");
  VGPU_ASSIGN_OR_RETURN(CUstream_st stream, Describe(hStream, true));
  *device = stream.ctx->device;
  return Status();
}

// ---- capture ----

Status cuStreamBeginCapture(CUstream hStream) { return BeginCapture(hStream, CU_STREAM_CAPTURE_MODE_GLOBAL, false); }
Status cuStreamBeginCapture_ptsz(CUstream hStream) {
  return BeginCapture(hStream, CU_STREAM_CAPTURE_MODE_GLOBAL, true);
}
Status cuStreamBeginCapture_v2(CUstream hStream, CUstreamCaptureMode mode) { return BeginCapture(hStream, mode, false); }
Status cuStreamBeginCapture_v2_ptsz(CUstream hStream, CUstreamCaptureMode mode) {
  return BeginCapture(hStream, mode, true);
}
Status cuStreamEndCapture(CUstream hStream, CUgraph* phGraph) { return EndCapture(hStream, phGraph, false); }
Status cuStreamEndCapture_ptsz(CUstream hStream, CUgraph* phGraph) { return EndCapture(hStream, phGraph, true); }

Status cuStreamIsCapturing(CUstream hStream, CUstreamCaptureStatus* captureStatus) {
  return IsCapturing(hStream, captureStatus, false);
}
Status cuStreamIsCapturing_ptsz(CUstream hStream, CUstreamCaptureStatus* captureStatus) {
  return IsCapturing(hStream, captureStatus, true);
}

Status cuStreamGetCaptureInfo(CUstream hStream, CUstreamCaptureStatus* captureStatus_out, cuuint64_t* id_out) {
  return CaptureInfo(hStream, captureStatus_out, id_out, nullptr, nullptr, nullptr, nullptr, false);
}
Status cuStreamGetCaptureInfo_ptsz(CUstream hStream, CUstreamCaptureStatus* captureStatus_out, cuuint64_t* id_out) {
  return CaptureInfo(hStream, captureStatus_out, id_out, nullptr, nullptr, nullptr, nullptr, true);
}
Status cuStreamGetCaptureInfo_v2(CUstream hStream, CUstreamCaptureStatus* captureStatus_out, cuuint64_t* id_out,
                                 CUgraph* graph_out, const CUgraphNode** dependencies_out,
                                 size_t* numDependencies_out) {
  return CaptureInfo(hStream, captureStatus_out, id_out, graph_out, dependencies_out, nullptr, numDependencies_out,
                     false);
}
Status cuStreamGetCaptureInfo_v2_ptsz(CUstream hStream, CUstreamCaptureStatus* captureStatus_out, cuuint64_t* id_out,
                                      CUgraph* graph_out, const CUgraphNode** dependencies_out,
                                      size_t* numDependencies_out) {
  return CaptureInfo(hStream, captureStatus_out, id_out, graph_out, dependencies_out, nullptr, numDependencies_out,
                     true);
}
Status cuStreamGetCaptureInfo_v3(CUstream hStream, CUstreamCaptureStatus* captureStatus_out, cuuint64_t* id_out,
                                 CUgraph* graph_out, const CUgraphNode** dependencies_out,
                                 const CUgraphEdgeData** edgeData_out, size_t* numDependencies_out) {
  return CaptureInfo(hStream, captureStatus_out, id_out, graph_out, dependencies_out, edgeData_out,
                     numDependencies_out, false);
}
Status cuStreamGetCaptureInfo_v3_ptsz(CUstream hStream, CUstreamCaptureStatus* captureStatus_out, cuuint64_t* id_out,
                                      CUgraph* graph_out, const CUgraphNode** dependencies_out,
                                      const CUgraphEdgeData** edgeData_out, size_t* numDependencies_out) {
  return CaptureInfo(hStream, captureStatus_out, id_out, graph_out, dependencies_out, edgeData_out,
                     numDependencies_out, true);
}

}  // namespace vgpu::cu::stream
