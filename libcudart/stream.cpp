// Streams. Runtime and driver stream handles are the same objects; the
// legacy (0x1) and per-thread (0x2) handles pass through, and 0 means the
// per-thread stream in _ptsz entry points.
#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"

#define VGPU_RT_NEED_CONTEXT()                                  \
  if (auto ctx = ::vgpu::rt::EnsureContext(); !ctx.ok()) return \
  ::vgpu::rt::ToCudaError(ctx.status())

namespace vgpu::rt {
namespace {

thread_local cudaStreamCaptureMode t_capture_mode = cudaStreamCaptureModeGlobal;

cudaError_t Synchronize(cudaStream_t stream, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamSynchronize(ToDriverStream(stream, per_thread)));
}

cudaError_t Query(cudaStream_t stream, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamQuery(ToDriverStream(stream, per_thread)));
}

cudaError_t WaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned flags, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamWaitEvent(ToDriverStream(stream, per_thread), reinterpret_cast<CUevent>(event), flags));
}

cudaError_t IsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status) {
  (void)stream;
  if (status == nullptr) return cudaErrorInvalidValue;
  // vgpu never captures (cudaStreamBeginCapture is not supported), so every
  // stream answers "not capturing" without a round trip.
  *status = cudaStreamCaptureStatusNone;
  return cudaSuccess;
}

cudaError_t GetFlags(cudaStream_t stream, unsigned* flags, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamGetFlags(ToDriverStream(stream, per_thread), flags));
}

cudaError_t GetPriority(cudaStream_t stream, int* priority, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamGetPriority(ToDriverStream(stream, per_thread), priority));
}

cudaError_t GetId(cudaStream_t stream, unsigned long long* id, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamGetId(ToDriverStream(stream, per_thread), id));
}

// Not capturing: only the status and the id are defined (the other outputs
// are read only while a capture is active), so every ABI variant writes just
// those two, whatever its parameter list.
cudaError_t CaptureInfo(cudaStreamCaptureStatus* status, unsigned long long* id) {
  if (status == nullptr) return cudaErrorInvalidValue;
  *status = cudaStreamCaptureStatusNone;
  if (id != nullptr) *id = 0;
  return cudaSuccess;
}

struct Callback {
  cudaStreamCallback_t fn;
  cudaStream_t stream;
  void* user_data;
};

void RunCallback(void* data) {
  auto* cb = static_cast<Callback*>(data);
  cb->fn(cb->stream, cudaSuccess, cb->user_data);
  delete cb;
}

cudaError_t AddCallback(cudaStream_t stream, cudaStreamCallback_t fn, void* user_data, unsigned flags,
                        bool per_thread) {
  if (fn == nullptr || flags != 0) return cudaErrorInvalidValue;
  VGPU_RT_NEED_CONTEXT();
  auto* cb = new Callback{fn, stream, user_data};
  CUresult res = cuLaunchHostFunc(ToDriverStream(stream, per_thread), RunCallback, cb);
  if (res != CUDA_SUCCESS) delete cb;
  return ToCudaError(res);
}

}  // namespace

namespace stream {

cudaError_t cudaStreamCreateWithPriority(cudaStream_t* pStream, unsigned int flags, int priority) {
  if (pStream == nullptr || (flags & ~cudaStreamNonBlocking)) return cudaErrorInvalidValue;
  VGPU_RT_NEED_CONTEXT();
  CUstream s = nullptr;
  CUresult res = priority == 0 ? cuStreamCreate(&s, flags) : cuStreamCreateWithPriority(&s, flags, priority);
  if (res != CUDA_SUCCESS) return ToCudaError(res);
  *pStream = reinterpret_cast<cudaStream_t>(s);
  return cudaSuccess;
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* pStream, unsigned int flags) {
  return stream::cudaStreamCreateWithPriority(pStream, flags, 0);
}
cudaError_t cudaStreamCreate(cudaStream_t* pStream) { return stream::cudaStreamCreateWithPriority(pStream, 0, 0); }

cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  if (stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread)
    return cudaErrorInvalidResourceHandle;
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamDestroy(reinterpret_cast<CUstream>(stream)));
}

cudaError_t cudaStreamSynchronize(cudaStream_t stream) { return Synchronize(stream, false); }
cudaError_t cudaStreamSynchronize_ptsz(cudaStream_t stream) { return Synchronize(stream, true); }
cudaError_t cudaStreamQuery(cudaStream_t stream) { return Query(stream, false); }
cudaError_t cudaStreamQuery_ptsz(cudaStream_t stream) { return Query(stream, true); }
cudaError_t cudaStreamWaitEvent(cudaStream_t stream, cudaEvent_t event, unsigned int flags) {
  return WaitEvent(stream, event, flags, false);
}
cudaError_t cudaStreamWaitEvent_ptsz(cudaStream_t stream, cudaEvent_t event, unsigned int flags) {
  return WaitEvent(stream, event, flags, true);
}
cudaError_t cudaStreamIsCapturing(cudaStream_t stream, enum cudaStreamCaptureStatus* pCaptureStatus) {
  return IsCapturing(stream, pCaptureStatus);
}
cudaError_t cudaStreamIsCapturing_ptsz(cudaStream_t stream, enum cudaStreamCaptureStatus* pCaptureStatus) {
  return IsCapturing(stream, pCaptureStatus);
}
cudaError_t cudaStreamGetFlags(cudaStream_t hStream, unsigned int* flags) { return GetFlags(hStream, flags, false); }
cudaError_t cudaStreamGetFlags_ptsz(cudaStream_t hStream, unsigned int* flags) {
  return GetFlags(hStream, flags, true);
}
cudaError_t cudaStreamGetPriority(cudaStream_t hStream, int* priority) {
  return GetPriority(hStream, priority, false);
}
cudaError_t cudaStreamGetPriority_ptsz(cudaStream_t hStream, int* priority) {
  return GetPriority(hStream, priority, true);
}
cudaError_t cudaStreamGetId(cudaStream_t hStream, unsigned long long* streamId) {
  return GetId(hStream, streamId, false);
}
cudaError_t cudaStreamGetId_ptsz(cudaStream_t hStream, unsigned long long* streamId) {
  return GetId(hStream, streamId, true);
}
cudaError_t cudaStreamAddCallback(cudaStream_t stream, cudaStreamCallback_t callback, void* userData,
                                  unsigned int flags) {
  return AddCallback(stream, callback, userData, flags, false);
}
cudaError_t cudaStreamAddCallback_ptsz(cudaStream_t stream, cudaStreamCallback_t callback, void* userData,
                                       unsigned int flags) {
  return AddCallback(stream, callback, userData, flags, true);
}
cudaError_t cudaStreamGetCaptureInfo(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                     unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                     const cudaGraphEdgeData**, size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_ptsz(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                          unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                          const cudaGraphEdgeData**, size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_v3(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                        unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                        const cudaGraphEdgeData**, size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_v3_ptsz(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                             unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                             const cudaGraphEdgeData**, size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_abi12(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                           unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                           size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_ptsz_abi12(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                                unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                                size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_v2(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                              unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                              size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaStreamGetCaptureInfo_v2_ptsz(cudaStream_t, enum cudaStreamCaptureStatus* captureStatus_out,
                                                   unsigned long long* id_out, cudaGraph_t*, const cudaGraphNode_t**,
                                                   size_t*) {
  return CaptureInfo(captureStatus_out, id_out);
}
cudaError_t cudaThreadExchangeStreamCaptureMode(enum cudaStreamCaptureMode* mode) {
  if (mode == nullptr) return cudaErrorInvalidValue;
  std::swap(*mode, t_capture_mode);
  return cudaSuccess;
}

}  // namespace stream
}  // namespace vgpu::rt
