// Events: runtime and driver event handles are the same objects, and the
// cudaEvent* flags have the CU_EVENT_* values.
#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"

namespace vgpu::rt {
namespace {

#define VGPU_RT_NEED_CONTEXT()                                  \
  if (auto ctx = ::vgpu::rt::EnsureContext(); !ctx.ok()) return \
  ::vgpu::rt::ToCudaError(ctx.status())

CUevent Ev(cudaEvent_t event) { return reinterpret_cast<CUevent>(event); }

cudaError_t Record(cudaEvent_t event, cudaStream_t stream, unsigned flags, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  CUstream s = ToDriverStream(stream, per_thread);
  return ToCudaError(flags == 0 ? cuEventRecord(Ev(event), s) : cuEventRecordWithFlags(Ev(event), s, flags));
}

cudaError_t ElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (ms == nullptr) return cudaErrorInvalidValue;
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuEventElapsedTime(ms, Ev(start), Ev(end)));
}

}  // namespace

namespace event {

cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned int flags) {
  constexpr unsigned kKnown = cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess;
  if (event == nullptr || (flags & ~kKnown)) return cudaErrorInvalidValue;
  VGPU_RT_NEED_CONTEXT();
  CUevent e = nullptr;
  CUresult res = cuEventCreate(&e, flags);
  if (res != CUDA_SUCCESS) return ToCudaError(res);
  *event = reinterpret_cast<cudaEvent_t>(e);
  return cudaSuccess;
}
cudaError_t cudaEventCreate(cudaEvent_t* event) { return event::cudaEventCreateWithFlags(event, cudaEventDefault); }

cudaError_t cudaEventDestroy(cudaEvent_t event) {
  if (event == nullptr) return cudaErrorInvalidResourceHandle;
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuEventDestroy(Ev(event)));
}

cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) { return Record(event, stream, 0, false); }
cudaError_t cudaEventRecord_ptsz(cudaEvent_t event, cudaStream_t stream) { return Record(event, stream, 0, true); }
cudaError_t cudaEventRecordWithFlags(cudaEvent_t event, cudaStream_t stream, unsigned int flags) {
  return Record(event, stream, flags, false);
}
cudaError_t cudaEventRecordWithFlags_ptsz(cudaEvent_t event, cudaStream_t stream, unsigned int flags) {
  return Record(event, stream, flags, true);
}

cudaError_t cudaEventSynchronize(cudaEvent_t event) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuEventSynchronize(Ev(event)));
}

cudaError_t cudaEventQuery(cudaEvent_t event) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuEventQuery(Ev(event)));
}

cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  return ElapsedTime(ms, start, end);
}
cudaError_t cudaEventElapsedTime_abi12(float* ms, cudaEvent_t start, cudaEvent_t end) {
  return ElapsedTime(ms, start, end);
}
cudaError_t cudaEventElapsedTime_v2(float* ms, cudaEvent_t start, cudaEvent_t end) {
  return ElapsedTime(ms, start, end);
}

}  // namespace event
}  // namespace vgpu::rt
