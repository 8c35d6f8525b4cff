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

// Default streams never capture (the driver refuses to capture them), so
// their capture queries need no driver call.
bool IsDefaultStream(cudaStream_t stream) {
  return stream == nullptr || stream == cudaStreamLegacy || stream == cudaStreamPerThread;
}

cudaError_t IsCapturing(cudaStream_t stream, cudaStreamCaptureStatus* status, bool per_thread) {
  if (status == nullptr) return cudaErrorInvalidValue;
  if (IsDefaultStream(stream)) {
    *status = cudaStreamCaptureStatusNone;
    return cudaSuccess;
  }
  VGPU_RT_NEED_CONTEXT();
  CUstreamCaptureStatus driver_status = CU_STREAM_CAPTURE_STATUS_NONE;
  CUresult res = cuStreamIsCapturing(ToDriverStream(stream, per_thread), &driver_status);
  if (res == CUDA_SUCCESS) *status = static_cast<cudaStreamCaptureStatus>(driver_status);
  return ToCudaError(res);
}

cudaError_t BeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamBeginCapture(ToDriverStream(stream, per_thread), static_cast<CUstreamCaptureMode>(mode)));
}

cudaError_t EndCapture(cudaStream_t stream, cudaGraph_t* graph, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuStreamEndCapture(ToDriverStream(stream, per_thread), graph));
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

// Every ABI variant: the driver's widest form; a variant without edge data
// passes null for it.
cudaError_t CaptureInfo(cudaStream_t stream, cudaStreamCaptureStatus* status, unsigned long long* id,
                        cudaGraph_t* graph, const cudaGraphNode_t** dependencies, const cudaGraphEdgeData** edges,
                        size_t* num_dependencies, bool per_thread) {
  if (status == nullptr) return cudaErrorInvalidValue;
  if (IsDefaultStream(stream)) {
    *status = cudaStreamCaptureStatusNone;  // the other outputs are undefined when not capturing
    if (id != nullptr) *id = 0;
    return cudaSuccess;
  }
  VGPU_RT_NEED_CONTEXT();
  CUstreamCaptureStatus driver_status = CU_STREAM_CAPTURE_STATUS_NONE;
  cuuint64_t driver_id = 0;
  CUresult res = cuStreamGetCaptureInfo(ToDriverStream(stream, per_thread), &driver_status, &driver_id, graph,
                                        dependencies, reinterpret_cast<const CUgraphEdgeData**>(edges),
                                        num_dependencies);
  if (res != CUDA_SUCCESS) return ToCudaError(res);
  *status = static_cast<cudaStreamCaptureStatus>(driver_status);
  if (id != nullptr) *id = driver_id;
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
  return IsCapturing(stream, pCaptureStatus, false);
}
cudaError_t cudaStreamIsCapturing_ptsz(cudaStream_t stream, enum cudaStreamCaptureStatus* pCaptureStatus) {
  return IsCapturing(stream, pCaptureStatus, true);
}
cudaError_t cudaStreamBeginCapture(cudaStream_t stream, enum cudaStreamCaptureMode mode) {
  return BeginCapture(stream, mode, false);
}
cudaError_t cudaStreamBeginCapture_ptsz(cudaStream_t stream, enum cudaStreamCaptureMode mode) {
  return BeginCapture(stream, mode, true);
}
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* pGraph) { return EndCapture(stream, pGraph, false); }
cudaError_t cudaStreamEndCapture_ptsz(cudaStream_t stream, cudaGraph_t* pGraph) {
  return EndCapture(stream, pGraph, true);
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
cudaError_t cudaStreamGetCaptureInfo(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                     unsigned long long* id_out, cudaGraph_t* graph_out,
                                     const cudaGraphNode_t** dependencies_out, const cudaGraphEdgeData** edgeData_out,
                                     size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, edgeData_out, numDependencies_out,
                     false);
}
cudaError_t cudaStreamGetCaptureInfo_ptsz(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                          unsigned long long* id_out, cudaGraph_t* graph_out,
                                          const cudaGraphNode_t** dependencies_out,
                                          const cudaGraphEdgeData** edgeData_out, size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, edgeData_out, numDependencies_out,
                     true);
}
cudaError_t cudaStreamGetCaptureInfo_v3(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                        unsigned long long* id_out, cudaGraph_t* graph_out,
                                        const cudaGraphNode_t** dependencies_out,
                                        const cudaGraphEdgeData** edgeData_out, size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, edgeData_out, numDependencies_out,
                     false);
}
cudaError_t cudaStreamGetCaptureInfo_v3_ptsz(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                             unsigned long long* id_out, cudaGraph_t* graph_out,
                                             const cudaGraphNode_t** dependencies_out,
                                             const cudaGraphEdgeData** edgeData_out, size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, edgeData_out, numDependencies_out,
                     true);
}
cudaError_t cudaStreamGetCaptureInfo_abi12(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                           unsigned long long* id_out, cudaGraph_t* graph_out,
                                           const cudaGraphNode_t** dependencies_out, size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, nullptr, numDependencies_out,
                     false);
}
cudaError_t cudaStreamGetCaptureInfo_ptsz_abi12(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                                unsigned long long* id_out, cudaGraph_t* graph_out,
                                                const cudaGraphNode_t** dependencies_out,
                                                size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, nullptr, numDependencies_out,
                     true);
}
cudaError_t cudaStreamGetCaptureInfo_v2(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                        unsigned long long* id_out, cudaGraph_t* graph_out,
                                        const cudaGraphNode_t** dependencies_out, size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, nullptr, numDependencies_out,
                     false);
}
cudaError_t cudaStreamGetCaptureInfo_v2_ptsz(cudaStream_t stream, enum cudaStreamCaptureStatus* captureStatus_out,
                                             unsigned long long* id_out, cudaGraph_t* graph_out,
                                             const cudaGraphNode_t** dependencies_out,
                                             size_t* numDependencies_out) {
  return CaptureInfo(stream, captureStatus_out, id_out, graph_out, dependencies_out, nullptr, numDependencies_out,
                     true);
}
cudaError_t cudaThreadExchangeStreamCaptureMode(enum cudaStreamCaptureMode* mode) {
  if (mode == nullptr) return cudaErrorInvalidValue;
  std::swap(*mode, t_capture_mode);
  return cudaSuccess;
}

}  // namespace stream
}  // namespace vgpu::rt
