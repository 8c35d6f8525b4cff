// Stream capture and graphs, as ggml uses them: kernels launched with <<<>>>
// on a capturing stream, an async copy in and out, instantiate, launch
// several times with new host data, update the exec with a second capture.
#include <vector>

#include "check.h"

__global__ void Scale(const float* in, float* out, float factor, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i] * factor;
}

__global__ void AddOne(float* data, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) data[i] += 1.0f;
}

// Records in -> d_in, out = in * factor + 1, d_out -> out on `s`.
static cudaGraph_t Capture(cudaStream_t s, const float* in, float* out, float* d_in, float* d_out, float factor,
                           int n) {
  CHECK_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed));
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  CHECK_CUDA(cudaStreamIsCapturing(s, &status));
  EXPECT(status == cudaStreamCaptureStatusActive);
  CHECK_CUDA(cudaMemcpyAsync(d_in, in, n * sizeof(float), cudaMemcpyHostToDevice, s));
  Scale<<<(n + 127) / 128, 128, 0, s>>>(d_in, d_out, factor, n);
  AddOne<<<(n + 127) / 128, 128, 0, s>>>(d_out, n);
  CHECK_CUDA(cudaGetLastError());
  CHECK_CUDA(cudaMemcpyAsync(out, d_out, n * sizeof(float), cudaMemcpyDeviceToHost, s));
  unsigned long long id = 0;
  status = cudaStreamCaptureStatusNone;
  CHECK_CUDA(cudaStreamGetCaptureInfo(s, &status, &id));
  EXPECT(status == cudaStreamCaptureStatusActive && id != 0);
  cudaGraph_t graph = nullptr;
  CHECK_CUDA(cudaStreamEndCapture(s, &graph));
  EXPECT(graph != nullptr);
  return graph;
}

int main() {
  const int n = 3000;
  cudaStream_t s;
  CHECK_CUDA(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  float *d_in, *d_out;
  CHECK_CUDA(cudaMalloc(&d_in, n * sizeof(float)));
  CHECK_CUDA(cudaMalloc(&d_out, n * sizeof(float)));
  std::vector<float> in(n), out(n, -1.0f);

  cudaGraph_t graph = Capture(s, in.data(), out.data(), d_in, d_out, 2.0f, n);
  size_t nodes = 0;
  CHECK_CUDA(cudaGraphGetNodes(graph, nullptr, &nodes));
  EXPECT(nodes == 4);
  cudaGraphExec_t exec;
  CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
  for (int launch = 0; launch < 4; ++launch) {
    for (int i = 0; i < n; ++i) in[i] = static_cast<float>(i + 10 * launch);
    CHECK_CUDA(cudaGraphLaunch(exec, s));
    CHECK_CUDA(cudaStreamSynchronize(s));
    for (int i = 0; i < n; ++i) EXPECT(out[i] == in[i] * 2.0f + 1.0f);
  }

  // The same exec, updated to multiply by 3.
  cudaGraph_t second = Capture(s, in.data(), out.data(), d_in, d_out, 3.0f, n);
  cudaGraphExecUpdateResultInfo info;
  CHECK_CUDA(cudaGraphExecUpdate(exec, second, &info));
  EXPECT(info.result == cudaGraphExecUpdateSuccess);
  for (int i = 0; i < n; ++i) in[i] = static_cast<float>(-i);
  CHECK_CUDA(cudaGraphLaunch(exec, s));
  CHECK_CUDA(cudaStreamSynchronize(s));
  for (int i = 0; i < n; ++i) EXPECT(out[i] == in[i] * 3.0f + 1.0f);

  // A second exec from the first graph, launched on the default stream.
  cudaGraphExec_t again;
  CHECK_CUDA(cudaGraphInstantiateWithFlags(&again, graph, 0));
  CHECK_CUDA(cudaGraphLaunch(again, 0));
  CHECK_CUDA(cudaDeviceSynchronize());
  for (int i = 0; i < n; ++i) EXPECT(out[i] == in[i] * 2.0f + 1.0f);

  // Synchronizing a capturing stream fails and invalidates the capture.
  CHECK_CUDA(cudaStreamBeginCapture(s, cudaStreamCaptureModeRelaxed));
  AddOne<<<1, 32, 0, s>>>(d_out, n);
  EXPECT(cudaStreamSynchronize(s) == cudaErrorStreamCaptureUnsupported);
  cudaGraph_t broken = nullptr;
  EXPECT(cudaStreamEndCapture(s, &broken) == cudaErrorStreamCaptureInvalidated);
  EXPECT(broken == nullptr);
  cudaGetLastError();
  // The legacy default stream cannot capture.
  EXPECT(cudaStreamBeginCapture(0, cudaStreamCaptureModeRelaxed) == cudaErrorStreamCaptureUnsupported);
  cudaGetLastError();
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusActive;
  CHECK_CUDA(cudaStreamIsCapturing(s, &status));
  EXPECT(status == cudaStreamCaptureStatusNone);

  CHECK_CUDA(cudaGraphExecDestroy(again));
  CHECK_CUDA(cudaGraphExecDestroy(exec));
  CHECK_CUDA(cudaGraphDestroy(second));
  CHECK_CUDA(cudaGraphDestroy(graph));
  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_out));
  CHECK_CUDA(cudaStreamDestroy(s));
  std::printf("graphs ok (ABI %d)\n", VGPU_TEST_ABI);
  return 0;
}
