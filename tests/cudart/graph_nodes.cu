// A graph built node by node with the runtime API (cudaGraphAdd*Node), as
// NVIDIA's simpleCudaGraphs sample builds its manual graph: memset, 1D and 3D
// memcpy, kernel, host and empty nodes, launched twice with fresh host bytes,
// cloned, and given new kernel parameters.
#include <vector>

#include "check.h"

__global__ void Scale(const float* in, float* out, float factor, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i] * factor;
}

namespace {

constexpr int kN = 777;
float g_in[kN], g_out[kN];
float g_factor = 0;
int g_checked = 0, g_failures = 0;

void CheckOut(void*) {
  ++g_checked;
  for (int i = 0; i < kN; ++i) {
    if (g_out[i] != g_in[i] * g_factor) {
      std::fprintf(stderr, "launch %d: out[%d] = %f, expected %f\n", g_checked, i, g_out[i], g_in[i] * g_factor);
      ++g_failures;
      return;
    }
  }
}

}  // namespace

int main() {
  float *d_in, *d_out;
  CHECK_CUDA(cudaMalloc(&d_in, sizeof(g_in)));
  CHECK_CUDA(cudaMalloc(&d_out, sizeof(g_out)));
  cudaStream_t stream;
  CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

  cudaGraph_t graph;
  CHECK_CUDA(cudaGraphCreate(&graph, 0));
  cudaGraphNode_t clear, upload, kernel, download, host, tail;
  cudaMemsetParams ms = {};
  ms.dst = d_out, ms.value = 0, ms.elementSize = 4, ms.width = kN, ms.height = 1;
  CHECK_CUDA(cudaGraphAddMemsetNode(&clear, graph, nullptr, 0, &ms));
  CHECK_CUDA(cudaGraphAddMemcpyNode1D(&upload, graph, nullptr, 0, d_in, g_in, sizeof(g_in), cudaMemcpyHostToDevice));
  float factor = 2.5f;
  int n = kN;
  void* args[] = {&d_in, &d_out, &factor, &n};
  cudaKernelNodeParams kp = {};
  kp.func = reinterpret_cast<void*>(Scale);
  kp.gridDim = dim3((kN + 127) / 128);
  kp.blockDim = dim3(128);
  kp.kernelParams = args;
  cudaGraphNode_t before_kernel[] = {clear, upload};
  CHECK_CUDA(cudaGraphAddKernelNode(&kernel, graph, before_kernel, 2, &kp));
  cudaMemcpy3DParms copy = {};
  copy.srcPtr = make_cudaPitchedPtr(d_out, sizeof(g_out), kN, 1);
  copy.dstPtr = make_cudaPitchedPtr(g_out, sizeof(g_out), kN, 1);
  copy.extent = make_cudaExtent(sizeof(g_out), 1, 1);
  copy.kind = cudaMemcpyDeviceToHost;
  CHECK_CUDA(cudaGraphAddMemcpyNode(&download, graph, &kernel, 1, &copy));
  cudaHostNodeParams hp = {CheckOut, nullptr};
  CHECK_CUDA(cudaGraphAddHostNode(&host, graph, &download, 1, &hp));
  CHECK_CUDA(cudaGraphAddEmptyNode(&tail, graph, &host, 1));
  size_t count = 0;
  CHECK_CUDA(cudaGraphGetNodes(graph, nullptr, &count));
  EXPECT(count == 6);
  cudaGraphNodeType type;
  CHECK_CUDA(cudaGraphNodeGetType(kernel, &type));
  EXPECT(type == cudaGraphNodeTypeKernel);
  CHECK_CUDA(cudaGraphNodeGetType(download, &type));
  EXPECT(type == cudaGraphNodeTypeMemcpy);

  cudaGraphExec_t exec;
  CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
  for (int round = 1; round <= 2; ++round) {
    for (int i = 0; i < kN; ++i) g_in[i] = round * 100.0f + i;
    g_factor = factor;
    CHECK_CUDA(cudaGraphLaunch(exec, stream));
    CHECK_CUDA(cudaStreamSynchronize(stream));
  }
  EXPECT(g_checked == 2 && g_failures == 0);

  // New kernel parameters on the executable graph.
  float factor2 = -1.0f;
  void* args2[] = {&d_in, &d_out, &factor2, &n};
  kp.kernelParams = args2;
  CHECK_CUDA(cudaGraphExecKernelNodeSetParams(exec, kernel, &kp));
  g_factor = factor2;
  CHECK_CUDA(cudaGraphLaunch(exec, stream));
  CHECK_CUDA(cudaStreamSynchronize(stream));
  EXPECT(g_checked == 3 && g_failures == 0);

  // A clone keeps the original parameters.
  cudaGraph_t clone;
  cudaGraphExec_t clone_exec;
  CHECK_CUDA(cudaGraphClone(&clone, graph));
  CHECK_CUDA(cudaGraphInstantiate(&clone_exec, clone, 0));
  g_factor = factor;
  CHECK_CUDA(cudaGraphLaunch(clone_exec, stream));
  CHECK_CUDA(cudaStreamSynchronize(stream));
  EXPECT(g_checked == 4 && g_failures == 0);

  CHECK_CUDA(cudaGraphExecDestroy(clone_exec));
  CHECK_CUDA(cudaGraphExecDestroy(exec));
  CHECK_CUDA(cudaGraphDestroy(clone));
  CHECK_CUDA(cudaGraphDestroy(graph));
  CHECK_CUDA(cudaFree(d_in));
  CHECK_CUDA(cudaFree(d_out));
  std::printf("runtime-built graph: %d launches checked\n", g_checked);
  return 0;
}
