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
  auto* stream = new CUstream_st{Objects::Get().MintId(), ctx, flags, priority};
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
  wire::Call call;
  // The legacy default stream waits for all work of its context.
  if (target.stream == 0) {
    call.mutable_ctx_synchronize()->set_ctx(target.ctx->id);
  } else {
    auto* op = call.mutable_stream_synchronize();
    op->set_ctx(target.ctx->id);
    op->set_stream(target.stream);
  }
  return session->Call(std::move(call)).status();
}

Status Query(CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  wire::Call call;
  auto* op = call.mutable_stream_query();
  op->set_ctx(target.ctx->id);
  op->set_stream(target.stream);
  return session->Call(std::move(call)).status();
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
  return session->Post(std::move(call));
}

// Properties of a handle, including the special ones.
Result<CUstream_st> Describe(CUstream hStream, bool per_thread) {
  VGPU_ASSIGN_OR_RETURN(StreamTarget target, ResolveStream(hStream, per_thread));
  if (hStream != nullptr && hStream != CU_STREAM_LEGACY && hStream != CU_STREAM_PER_THREAD) {
    VGPU_ASSIGN_OR_RETURN(CUstream_st * stream, Objects::Get().Stream(hStream));
    return *stream;
  }
  return CUstream_st{target.stream, target.ctx, 0, 0};
}

}  // namespace

Status cuStreamCreate(CUstream* phStream, unsigned int Flags) { return Create(phStream, Flags, 0); }
Status cuStreamCreateWithPriority(CUstream* phStream, unsigned int flags, int priority) {
  return Create(phStream, flags, priority);
}

Status cuStreamDestroy_v2(CUstream hStream) {
  VGPU_ASSIGN_OR_RETURN(Session * session, Connected());
  VGPU_ASSIGN_OR_RETURN(CUstream_st * stream, Objects::Get().Stream(hStream));
  wire::Call call;
  auto* op = call.mutable_stream_destroy();
  op->set_ctx(stream->ctx->id);
  op->set_stream(stream->id);
  Objects::Get().RemoveStream(stream);
  delete stream;
  return session->Post(std::move(call));
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

// Stream capture is not supported, so no stream is ever capturing.
Status cuStreamIsCapturing(CUstream hStream, CUstreamCaptureStatus* captureStatus) {
  if (captureStatus == nullptr) return InvalidValue("captureStatus is null");
  VGPU_RETURN_IF_ERROR(Describe(hStream, false).status());
  *captureStatus = CU_STREAM_CAPTURE_STATUS_NONE;
  return Status();
}
Status cuStreamIsCapturing_ptsz(CUstream hStream, CUstreamCaptureStatus* captureStatus) {
  if (captureStatus == nullptr) return InvalidValue("captureStatus is null");
  VGPU_RETURN_IF_ERROR(Describe(hStream, true).status());
  *captureStatus = CU_STREAM_CAPTURE_STATUS_NONE;
  return Status();
}

}  // namespace vgpu::cu::stream
