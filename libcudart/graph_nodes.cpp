// Explicit graph construction on the driver's: runtime node parameters are
// converted to the driver's (a kernel's host stub to its CUfunction, a
// cudaMemcpy3DParms to a CUDA_MEMCPY3D) and the nodes are libcuda's.
#include <cstring>

#include "libcudart/areas.h"
#include "libcudart/context.h"
#include "libcudart/errors.h"
#include "libcudart/registry.h"

namespace vgpu::rt {
namespace {

#define VGPU_RT_NEED_CONTEXT()                                  \
  if (auto ctx = ::vgpu::rt::EnsureContext(); !ctx.ok()) return \
  ::vgpu::rt::ToCudaError(ctx.status())

Result<CUDA_KERNEL_NODE_PARAMS> KernelParams(const cudaKernelNodeParams* p) {
  if (p == nullptr) return InvalidValue("pNodeParams is null");
  VGPU_ASSIGN_OR_RETURN(const LoadedKernel* kernel, ResolveKernel(p->func));
  CUDA_KERNEL_NODE_PARAMS k{};
  k.func = kernel->function;
  k.gridDimX = p->gridDim.x, k.gridDimY = p->gridDim.y, k.gridDimZ = p->gridDim.z;
  k.blockDimX = p->blockDim.x, k.blockDimY = p->blockDim.y, k.blockDimZ = p->blockDim.z;
  k.sharedMemBytes = p->sharedMemBytes;
  k.kernelParams = p->kernelParams;
  k.extra = p->extra;
  return k;
}

// A memory type from the copy kind; cudaMemcpyDefault lets the driver look.
Result<CUmemorytype> SideType(cudaMemcpyKind kind, bool source) {
  switch (kind) {
    case cudaMemcpyHostToHost: return CU_MEMORYTYPE_HOST;
    case cudaMemcpyHostToDevice: return source ? CU_MEMORYTYPE_HOST : CU_MEMORYTYPE_DEVICE;
    case cudaMemcpyDeviceToHost: return source ? CU_MEMORYTYPE_DEVICE : CU_MEMORYTYPE_HOST;
    case cudaMemcpyDeviceToDevice: return CU_MEMORYTYPE_DEVICE;
    case cudaMemcpyDefault: return CU_MEMORYTYPE_UNIFIED;
  }
  return RtError(cudaErrorInvalidMemcpyDirection, "bad cudaMemcpyKind " + std::to_string(kind));
}

void SetSide(CUDA_MEMCPY3D& m, bool source, CUmemorytype type, const cudaPitchedPtr& p, const cudaPos& pos) {
  auto device = reinterpret_cast<CUdeviceptr>(p.ptr);
  if (source) {
    m.srcMemoryType = type;
    if (type == CU_MEMORYTYPE_HOST) m.srcHost = p.ptr; else m.srcDevice = device;
    m.srcXInBytes = pos.x, m.srcY = pos.y, m.srcZ = pos.z, m.srcPitch = p.pitch, m.srcHeight = p.ysize;
  } else {
    m.dstMemoryType = type;
    if (type == CU_MEMORYTYPE_HOST) m.dstHost = p.ptr; else m.dstDevice = device;
    m.dstXInBytes = pos.x, m.dstY = pos.y, m.dstZ = pos.z, m.dstPitch = p.pitch, m.dstHeight = p.ysize;
  }
}

Result<CUDA_MEMCPY3D> CopyParams(const cudaMemcpy3DParms* p) {
  if (p == nullptr) return InvalidValue("pCopyParams is null");
  if (p->srcArray != nullptr || p->dstArray != nullptr) return ::vgpu::NotSupported("memcpy nodes with CUDA arrays");
  VGPU_ASSIGN_OR_RETURN(CUmemorytype src, SideType(p->kind, true));
  VGPU_ASSIGN_OR_RETURN(CUmemorytype dst, SideType(p->kind, false));
  CUDA_MEMCPY3D m{};
  SetSide(m, true, src, p->srcPtr, p->srcPos);
  SetSide(m, false, dst, p->dstPtr, p->dstPos);
  m.WidthInBytes = p->extent.width;
  m.Height = p->extent.height;
  m.Depth = p->extent.depth;
  return m;
}

}  // namespace

namespace graph {

cudaError_t cudaGraphAddKernelNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph, const cudaGraphNode_t* pDependencies,
                                   size_t numDependencies, const struct cudaKernelNodeParams* pNodeParams) {
  VGPU_RT_NEED_CONTEXT();
  auto params = KernelParams(pNodeParams);
  if (!params.ok()) return ToCudaError(params.status());
  return ToCudaError(cuGraphAddKernelNode(pGraphNode, graph, pDependencies, numDependencies, &*params));
}

cudaError_t cudaGraphExecKernelNodeSetParams(cudaGraphExec_t hGraphExec, cudaGraphNode_t node,
                                             const struct cudaKernelNodeParams* pNodeParams) {
  VGPU_RT_NEED_CONTEXT();
  auto params = KernelParams(pNodeParams);
  if (!params.ok()) return ToCudaError(params.status());
  return ToCudaError(cuGraphExecKernelNodeSetParams(hGraphExec, node, &*params));
}

cudaError_t cudaGraphAddMemcpyNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph, const cudaGraphNode_t* pDependencies,
                                   size_t numDependencies, const struct cudaMemcpy3DParms* pCopyParams) {
  auto ctx = EnsureContext();
  if (!ctx.ok()) return ToCudaError(ctx.status());
  auto params = CopyParams(pCopyParams);
  if (!params.ok()) return ToCudaError(params.status());
  return ToCudaError(cuGraphAddMemcpyNode(pGraphNode, graph, pDependencies, numDependencies, &*params, *ctx));
}

cudaError_t cudaGraphAddMemcpyNode1D(cudaGraphNode_t* pGraphNode, cudaGraph_t graph,
                                     const cudaGraphNode_t* pDependencies, size_t numDependencies, void* dst,
                                     const void* src, size_t count, enum cudaMemcpyKind kind) {
  cudaMemcpy3DParms p{};
  p.srcPtr = cudaPitchedPtr{const_cast<void*>(src), count, count, 1};
  p.dstPtr = cudaPitchedPtr{dst, count, count, 1};
  p.extent = cudaExtent{count, 1, 1};
  p.kind = kind;
  return graph::cudaGraphAddMemcpyNode(pGraphNode, graph, pDependencies, numDependencies, &p);
}

cudaError_t cudaGraphAddMemsetNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph, const cudaGraphNode_t* pDependencies,
                                   size_t numDependencies, const struct cudaMemsetParams* pMemsetParams) {
  auto ctx = EnsureContext();
  if (!ctx.ok()) return ToCudaError(ctx.status());
  if (pMemsetParams == nullptr) return cudaErrorInvalidValue;
  CUDA_MEMSET_NODE_PARAMS m{};
  m.dst = reinterpret_cast<CUdeviceptr>(pMemsetParams->dst);
  m.pitch = pMemsetParams->pitch;
  m.value = pMemsetParams->value;
  m.elementSize = pMemsetParams->elementSize;
  m.width = pMemsetParams->width;
  m.height = pMemsetParams->height;
  return ToCudaError(cuGraphAddMemsetNode(pGraphNode, graph, pDependencies, numDependencies, &m, *ctx));
}

cudaError_t cudaGraphAddHostNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph, const cudaGraphNode_t* pDependencies,
                                 size_t numDependencies, const struct cudaHostNodeParams* pNodeParams) {
  VGPU_RT_NEED_CONTEXT();
  if (pNodeParams == nullptr) return cudaErrorInvalidValue;
  CUDA_HOST_NODE_PARAMS h{pNodeParams->fn, pNodeParams->userData};
  return ToCudaError(cuGraphAddHostNode(pGraphNode, graph, pDependencies, numDependencies, &h));
}

cudaError_t cudaGraphAddEmptyNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph, const cudaGraphNode_t* pDependencies,
                                  size_t numDependencies) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphAddEmptyNode(pGraphNode, graph, pDependencies, numDependencies));
}

cudaError_t cudaGraphAddChildGraphNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph,
                                       const cudaGraphNode_t* pDependencies, size_t numDependencies,
                                       cudaGraph_t childGraph) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphAddChildGraphNode(pGraphNode, graph, pDependencies, numDependencies, childGraph));
}

cudaError_t cudaGraphAddEventRecordNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph,
                                        const cudaGraphNode_t* pDependencies, size_t numDependencies,
                                        cudaEvent_t event) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphAddEventRecordNode(pGraphNode, graph, pDependencies, numDependencies, event));
}

cudaError_t cudaGraphAddEventWaitNode(cudaGraphNode_t* pGraphNode, cudaGraph_t graph,
                                      const cudaGraphNode_t* pDependencies, size_t numDependencies,
                                      cudaEvent_t event) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphAddEventWaitNode(pGraphNode, graph, pDependencies, numDependencies, event));
}

cudaError_t cudaGraphClone(cudaGraph_t* pGraphClone, cudaGraph_t originalGraph) {
  VGPU_RT_NEED_CONTEXT();
  return ToCudaError(cuGraphClone(pGraphClone, originalGraph));
}

cudaError_t cudaGraphNodeGetType(cudaGraphNode_t node, enum cudaGraphNodeType* pType) {
  VGPU_RT_NEED_CONTEXT();
  if (pType == nullptr) return cudaErrorInvalidValue;
  CUgraphNodeType type;
  CUresult res = cuGraphNodeGetType(node, &type);
  if (res == CUDA_SUCCESS) *pType = static_cast<cudaGraphNodeType>(type);  // the same numbering
  return ToCudaError(res);
}

}  // namespace graph
}  // namespace vgpu::rt
