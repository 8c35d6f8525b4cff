// Graphs: stream capture records the captured calls in libcuda, and the
// runtime graph handles are the driver's (cudaGraph_t is CUgraph). Explicit
// node construction is in graph_nodes.cpp.
#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"

namespace vgpu::rt {
namespace {

#define VGPU_RT_NEED_CONTEXT()                                  \
  if (auto ctx = ::vgpu::rt::EnsureContext(); !ctx.ok()) return \
  ::vgpu::rt::ToCudaError(ctx.status())

cudaError_t Launch(cudaGraphExec_t exec, cudaStream_t stream, bool per_thread) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphLaunch(exec, ToDriverStream(stream, per_thread)));
}

}  // namespace

namespace graph {

cudaError_t cudaGraphCreate(cudaGraph_t* pGraph, unsigned int flags) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphCreate(pGraph, flags));
}

cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphDestroy(graph));
}

cudaError_t cudaGraphGetNodes(cudaGraph_t graph, cudaGraphNode_t* nodes, size_t* numNodes) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphGetNodes(graph, nodes, numNodes));
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* pGraphExec, cudaGraph_t graph, unsigned long long flags) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphInstantiateWithFlags(pGraphExec, graph, flags));
}

cudaError_t cudaGraphInstantiateWithFlags(cudaGraphExec_t* pGraphExec, cudaGraph_t graph, unsigned long long flags) {
  return graph::cudaGraphInstantiate(pGraphExec, graph, flags);
}

cudaError_t cudaGraphLaunch(cudaGraphExec_t graphExec, cudaStream_t stream) { return Launch(graphExec, stream, false); }
cudaError_t cudaGraphLaunch_ptsz(cudaGraphExec_t graphExec, cudaStream_t stream) {
  return Launch(graphExec, stream, true);
}

cudaError_t cudaGraphExecUpdate(cudaGraphExec_t hGraphExec, cudaGraph_t hGraph,
                                cudaGraphExecUpdateResultInfo* resultInfo) {
  if (resultInfo == nullptr) return cudaErrorInvalidValue;
  VGPU_RT_NEED_CONTEXT();
  CUgraphExecUpdateResultInfo info{};
  CUresult res = cuGraphExecUpdate(hGraphExec, hGraph, &info);
  resultInfo->result = static_cast<cudaGraphExecUpdateResult>(info.result);
  resultInfo->errorNode = info.errorNode;
  resultInfo->errorFromNode = info.errorFromNode;
  return ToCudaError(res);
}

cudaError_t cudaGraphExecDestroy(cudaGraphExec_t graphExec) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphExecDestroy(graphExec));
}

}  // namespace graph
}  // namespace vgpu::rt
