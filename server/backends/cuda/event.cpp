// Client events are the driver's CUevents; a handle is the pointer value.
#include "server/backends/cuda/context.h"

namespace vgpu::backend::cuda {

Result<Handle> CudaContext::EventCreate(uint32_t flags) {
  VGPU_RETURN_IF_ERROR(Enter());
  CUevent event = nullptr;
  VGPU_RETURN_IF_ERROR(
      d().Check(d().cuEventCreate(&event, flags), "cuEventCreate (flags " + std::to_string(flags) + ")"));
  return ToHandle(event);
}

Status CudaContext::EventDestroy(Handle event) {
  VGPU_RETURN_IF_ERROR(Enter());
  return d().Check(d().cuEventDestroy(ToEvent(event)), "cuEventDestroy_v2 (" + Hex(event) + ")");
}

Status CudaContext::EventRecord(Handle event, Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  return d().Check(d().cuEventRecord(ToEvent(event), ToStream(stream)),
                   [&] { return "cuEventRecord (event " + Hex(event) + ", stream " + Hex(stream) + ")"; });
}

Result<Wait> CudaContext::EventSynchronize(Handle event) {
  VGPU_RETURN_IF_ERROR(Enter());
  // Snapshot the event's latest record: a private non-blocking stream waits
  // for it and a private marker follows. The Wait sleeps on the marker, so a
  // later re-record or destroy of the client's event cannot touch it.
  if (!event_stream_) {
    VGPU_RETURN_IF_ERROR(d().Check(d().cuStreamCreateWithPriority(&event_stream_, CU_STREAM_NON_BLOCKING, 0),
                                   "cuStreamCreateWithPriority (backend event stream)"));
  }
  VGPU_RETURN_IF_ERROR(d().Check(d().cuStreamWaitEvent(event_stream_, ToEvent(event), CU_EVENT_WAIT_DEFAULT),
                                 [&] { return "cuEventSynchronize: cuStreamWaitEvent (" + Hex(event) + ")"; }));
  return WaitForStreams({event_stream_});
}

Status CudaContext::EventQuery(Handle event) {
  VGPU_RETURN_IF_ERROR(Enter());
  return d().Check(d().cuEventQuery(ToEvent(event)), [&] { return "cuEventQuery (" + Hex(event) + ")"; });
}

Result<float> CudaContext::EventElapsedTime(Handle start, Handle end) {
  VGPU_RETURN_IF_ERROR(Enter());
  float ms = 0;
  VGPU_RETURN_IF_ERROR(d().Check(d().cuEventElapsedTime(&ms, ToEvent(start), ToEvent(end)),
                                 "cuEventElapsedTime (" + Hex(start) + ", " + Hex(end) + ")"));
  return ms;
}

}  // namespace vgpu::backend::cuda
