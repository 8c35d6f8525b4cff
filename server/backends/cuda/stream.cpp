// Streams are the driver's CUstreams; a handle is the pointer value and 0 is
// the context's legacy default stream.
#include "server/backends/cuda/context.h"

namespace vgpu::backend::cuda {

Result<Handle> CudaContext::StreamCreate(uint32_t flags, int32_t priority) {
  VGPU_RETURN_IF_ERROR(Enter());
  CUstream stream = nullptr;
  VGPU_RETURN_IF_ERROR(d().Check(d().cuStreamCreateWithPriority(&stream, flags, priority),
                                 "cuStreamCreateWithPriority (flags " + std::to_string(flags) + ", priority " +
                                     std::to_string(priority) + ")"));
  streams_.insert(stream);
  return ToHandle(stream);
}

Status CudaContext::StreamDestroy(Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  // Work still queued finishes; the driver releases the stream afterwards.
  VGPU_RETURN_IF_ERROR(d().Check(d().cuStreamDestroy(ToStream(stream)), "cuStreamDestroy_v2 (" + Hex(stream) + ")"));
  streams_.erase(ToStream(stream));
  return Status();
}

Result<Wait> CudaContext::StreamSynchronize(Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  return WaitForStreams({ToStream(stream)});
}

Status CudaContext::StreamQuery(Handle stream) {
  VGPU_RETURN_IF_ERROR(Enter());
  return d().Check(d().cuStreamQuery(ToStream(stream)), [&] { return "cuStreamQuery (" + Hex(stream) + ")"; });
}

Status CudaContext::StreamWaitEvent(Handle stream, Handle event, uint32_t flags) {
  VGPU_RETURN_IF_ERROR(Enter());
  return d().Check(d().cuStreamWaitEvent(ToStream(stream), ToEvent(event), flags),
                   [&] { return "cuStreamWaitEvent (stream " + Hex(stream) + ", event " + Hex(event) + ")"; });
}

}  // namespace vgpu::backend::cuda
